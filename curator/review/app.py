"""`curator review`: the Textual app that holds the review screens together.

The app owns what outlives a screen: the database, the write side of the session
(`ReviewController`, with its undo stack) and the preview cache. It opens the review
screen, or a helpful screen when there is nothing to review, and covers everything
with a clear message while the terminal is too small.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from textual import events
from textual.app import App

from curator.review.controller import ReviewController
from curator.review.empty_screen import EmptyScreen
from curator.review.gc_pacing import IdleCollector
from curator.review.main_screen import ReviewScreen
from curator.review.player import find_player
from curator.review.preview import draw_strips
from curator.review.preview_loader import FrameSource, PreviewLoader
from curator.review.too_small import TooSmallScreen, too_small
from curator.store.db import Database
from curator.store.review_queries import QueueSpec, total_clips


@dataclass
class StoppedBy:
    """A session ended by a signal, and what it could not save."""

    signum: signal.Signals
    unsaved: list[int] = field(default_factory=list)  # clips whose change the store refused
    still_writing: int = 0  # changes not written within the wait

    def describe(self) -> str:
        lost = []
        if self.unsaved:
            lost.append("clip " + ", ".join(map(str, self.unsaved)) + " not saved")
        if self.still_writing:
            lost.append(f"{self.still_writing} change(s) still being written were dropped")
        how = "terminated" if self.signum == signal.SIGTERM else "the terminal closed"
        return "; ".join([how, *lost]) if lost else f"{how}; every decision was saved"


def _default_frames() -> FrameSource:
    from curator.media.frames import frames_at

    return frames_at


class ReviewApp(App[None]):
    CSS_PATH = "review.tcss"
    TITLE = "curator review"
    # Every action has its own single key; a palette behind ctrl+p would be a second way in.
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        database: Database,
        *,
        annotator: str,
        spec: QueueSpec | None = None,
        frame_source: FrameSource | None = None,
        player_finder: Callable[[], str | None] = find_player,
        keyframes: int = 3,
        adjudicate: bool = False,
    ) -> None:
        super().__init__()
        self.database = database
        self.annotator = annotator
        self.adjudicate = adjudicate  # every confirm / reject of this session is final
        self.spec = spec or QueueSpec(annotator=annotator)
        self.controller = ReviewController(database, annotator, adjudicate=adjudicate)
        self.loader = PreviewLoader(database, frame_source or _default_frames(), count=keyframes,
                                    draw=draw_strips)
        self.player_finder = player_finder
        self._started = False  # resize events can arrive before the first screen is up
        self._asked_over_form: object = None  # the person form ctrl+q was pressed over once
        self.collector = IdleCollector()
        self.stopped_by: StoppedBy | None = None  # set when SIGTERM or SIGHUP ends the session
        self._signal_handlers: dict[signal.Signals, object] = {}

    def on_mount(self) -> None:
        with self.database.session() as session:
            empty = total_clips(session) == 0
        if empty:
            self.push_screen(EmptyScreen(self.database.display_url))
        else:
            self.push_screen(ReviewScreen(self.database, self.controller, self.loader,
                                          self.spec, player_finder=self.player_finder))
        self._started = True
        self._check_size(self.size.width, self.size.height)
        self.collector.start()
        self.set_interval(0.5, self.collector.tick)
        self._listen_for_stop_signals()

    def on_key(self) -> None:
        self.collector.touch()

    async def action_quit(self) -> None:
        """Every way out (q on the too-small screen, ctrl+q anywhere) goes through the
        review's own quit, which waits for writes and asks before leaving a change unsaved;
        ctrl+q over a person form asks first too (what is typed there is not saved)."""
        from curator.review.person_form import PersonForm

        review = self._review_screen()
        if review is None:
            self.exit()
            return
        if isinstance(self.screen, PersonForm) and self._asked_over_form is not self.screen:
            self._asked_over_form = self.screen
            self.notify("the person form is open: enter saves it; ctrl+q again quits "
                        "without it", title="Not saved", severity="warning", timeout=10)
            return
        await review.action_quit()

    def _review_screen(self) -> ReviewScreen | None:
        """The review screen, wherever it is in the stack (under a pop-up, say)."""
        return next((s for s in self.screen_stack if isinstance(s, ReviewScreen)), None)

    def on_unmount(self) -> None:
        self.collector.stop()
        loop = asyncio.get_running_loop()
        for signum, previous in self._signal_handlers.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, previous)  # remove_signal_handler leaves the default

    def _listen_for_stop_signals(self) -> None:
        """`kill` (SIGTERM) or a closed terminal window (SIGHUP) would end the process with
        the terminal still in the UI's modes and the last decisions perhaps not written:
        instead the session waits for its writes and leaves as `q` does."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous = signal.getsignal(signum)
            if previous is signal.SIG_IGN:  # nohup asked for that
                continue
            if previous is None:  # set outside Python: the default is what can be put back
                previous = signal.SIG_DFL
            with contextlib.suppress(ValueError, RuntimeError):  # not the main thread's loop
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
                self._signal_handlers[signum] = previous

    def _stop_on_signal(self, signum: int) -> None:
        if self.stopped_by is None:  # a second signal changes nothing
            self.stopped_by = StoppedBy(signal.Signals(signum))
            self.run_worker(self._leave_on_signal(self.stopped_by), group="stop-signal")

    async def _leave_on_signal(self, stop: StoppedBy) -> None:
        review = self._review_screen()
        if review is not None:
            await review.writer.drain(timeout_s=10)
            stop.unsaved = sorted(review.writer.unsaved)
            stop.still_writing = review.writer.pending
        self.exit(return_code=128 + stop.signum)

    def on_resize(self, event: events.Resize) -> None:
        if self._started:
            self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        covered = isinstance(self.screen, TooSmallScreen)
        if too_small(width, height) and not covered:
            self.push_screen(TooSmallScreen())
        elif not too_small(width, height) and isinstance(self.screen, TooSmallScreen):
            self.pop_screen()
