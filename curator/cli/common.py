"""What every command shares: the lazily opened database and error translation."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from curator import interrupts
from curator.errors import CuratorError

if TYPE_CHECKING:
    from rich.console import Console

    from curator.store.db import Database


class CuratorGroup(click.Group):
    """A click group that shows any `CuratorError` as `Error: …` (exit 1), no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            done = super().invoke(ctx)
            interrupts.raise_if_pending()  # one that a callback swallowed: still not a success
            return done
        except click.NoSuchOption as exc:
            if exc.option_name == "--db":  # the one global option people put after the name
                exc.message += (" --db goes before the command's name: "
                                f"curator --db URL {ctx.invoked_subcommand or 'COMMAND'} …")
            raise
        except CuratorError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt as stop:
            # Ctrl-C or SIGTERM: what was committed stays (long jobs resume); the status is
            # the one shells expect (130 or 143).
            click.echo(interrupts.describe(stop), err=True)
            raise click.exceptions.Exit(interrupts.exit_status(stop)) from None
        except PermissionError as exc:
            raise click.ClickException(f"{exc.filename}: permission denied") from None
        except OSError as exc:
            if exc.filename is None:
                raise
            # A path that cannot be written or read (a directory, a missing folder…).
            reason = (exc.strerror or str(exc)).lower()
            raise click.ClickException(f"{exc.filename}: {reason}") from None


class FiniteRange(click.FloatRange):
    """A float range that also refuses nan and inf (which pass click's bounds checks)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class DatabaseId(click.ParamType):
    """A row id: an integer SQLite can store (a larger one is a usage error, not an
    OverflowError from the driver). Not an IntRange, whose bounds --help would print."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.INT.convert(value, param, ctx)
        if not -(2**63) <= number < 2**63:
            self.fail(f"{value!r} is too large for an id", param, ctx)
        return number


DB_ID = DatabaseId()


class AnnotatorName(click.ParamType):
    """An annotator name as stored (stripped, one line, 1–64 characters): a name the
    database cannot hold is a usage error, like any other bad option value."""

    name = "name"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from curator.store.annotations import check_annotator_name

        try:
            return check_annotator_name(value)
        except CuratorError as exc:
            self.fail(str(exc), param, ctx)


ANNOTATOR_NAME = AnnotatorName()


@dataclass
class State:
    """Per-invocation state hung on the click context."""

    db_url: str | None = None
    _db: Database | None = field(default=None, repr=False)

    def database(self) -> Database:
        """Open (and migrate) the database on first use."""
        if self._db is None:
            from curator import settings
            from curator.store.db import open_database

            self._db = open_database(
                settings.database_url(self.db_url),
                lock_timeout_s=settings.db_lock_timeout_s(),
            )
            click.get_current_context().call_on_close(self._db.close)
        return self._db


def state() -> State:
    return click.get_current_context().find_object(State) or State()


def clock(ms: int, *, millis: bool = True) -> str:
    """A film time as h:mm:ss.mmm (or h:mm:ss), as the listings show it."""
    seconds, thousandths = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{thousandths:03d}" if millis else text


def console(stderr: bool = False) -> Console:
    """A rich console; plain text when output is not a terminal."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class ProgressBar:
    """A progress bar on stderr when it is a terminal, nothing otherwise.

        with ProgressBar("cropping") as bar:
            bar.start(total)   # once the amount of work is known
            bar.advance()      # after each item
    """

    def __init__(self, description: str) -> None:
        self.description = description
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if interactive():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn(self.description), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(), console=console(stderr=True), transient=True,
            )
            self._bar.start()
        return self

    def start(self, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(self.description, total=total)

    def note(self, message: str) -> None:
        """A line on stderr, above the bar while it is shown."""
        target = self._bar.console if self._bar is not None else console(stderr=True)
        target.print(message, markup=False)

    def advance(self, *_: object) -> None:
        """One item done (extra arguments ignored: usable as any per-item callback)."""
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def interactive() -> bool:
    """Whether to draw progress bars (only on a terminal)."""
    return sys.stderr.isatty()
