"""The review queue as the reviewer walks it: a filter, a position, and a window of rows.

`parse_filter` turns what the reviewer types after `/` into a `QueueSpec`.
`ReviewQueue` keeps a few pages of rows around the current clip and reads more by
keyset as the reviewer moves, so moving is a list step almost always and a single
indexed query once per page. No Textual here.
"""

from __future__ import annotations

import math
from dataclasses import replace

from curator.errors import CuratorError
from curator.labels import EMOTIONS, canonical_label
from curator.store.db import Database
from curator.store.models import CLIP_STATUSES
from curator.store.review_queries import (
    QUEUES,
    Key,
    QueueRow,
    QueueSpec,
    first_undecided,
    queue_count,
    queue_page,
    queue_position,
    queue_row,
    queue_rows,
)

PAGE = 100
MAX_ID = 2**63 - 1  # the largest integer SQLite stores
MAX_ROWS = 5 * PAGE  # rows kept in memory; older ones are dropped and re-read if needed

FILTER_HELP = (
    "queue:proposed|disputed|suspect|mine|all  film:ID  label:Happy  status:confirmed  "
    "score:0.5 (at least)  any other words: part of the film title"
)


class FilterError(CuratorError):
    """A filter token that cannot be understood."""

    def __init__(self, token: str, reason: str) -> None:
        self.token = token
        self.reason = reason
        super().__init__(f"{token!r}: {reason}")


def parse_filter(text: str, base: QueueSpec) -> QueueSpec:
    """Apply `key:value` tokens (and free title words) to `base`; an empty text clears filters."""
    spec = QueueSpec(queue=base.queue, annotator=base.annotator)
    words: list[str] = []
    given: set[str] = set()
    for token in text.split():
        key, sep, value = token.partition(":")
        if not sep:
            words.append(token)
            continue
        key = key.lower()
        if not value:
            raise FilterError(token, "needs a value after ':'")
        if key in given:  # film:1 film:2 would silently keep the last
            raise FilterError(token, f"{key} is given twice")
        given.add(key)
        if key in ("queue", "status"):
            value = value.lower()  # as label: and the keys themselves are
        if key == "queue":
            if value not in QUEUES:
                raise FilterError(token, f"queue is one of {', '.join(QUEUES)}")
            spec = replace(spec, queue=value)
        elif key == "film":
            # ASCII digits only ("²" is a digit to str.isdigit but not to int), and an id
            # SQLite can hold: anything else would end the app with a traceback.
            if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
                raise FilterError(token, "film takes a numeric film id")
            spec = replace(spec, film_id=int(value))
        elif key == "label":
            try:
                spec = replace(spec, label=canonical_label(value, EMOTIONS))
            except CuratorError:
                raise FilterError(token, f"label is one of {', '.join(EMOTIONS)}") from None
        elif key == "status":
            if value not in CLIP_STATUSES:
                raise FilterError(token, f"status is one of {', '.join(CLIP_STATUSES)}")
            spec = replace(spec, status=value)
        elif key == "score":
            try:
                score = float(value)
            except ValueError:
                score = math.nan
            if not 0 <= score <= 1:  # scores are 0..1: past them nothing (or all) matches
                raise FilterError(token, "score takes a number from 0 to 1, such as 0.5")
            spec = replace(spec, min_score=score)
        else:
            raise FilterError(token, "unknown filter (try queue, film, label, status, score)")
    only = _QUEUE_STATUS.get(spec.queue)
    if spec.status is not None and only is not None and spec.status != only:
        raise FilterError(f"status:{spec.status}", f"the {spec.queue} queue holds {only} "
                                                   "clips only: this filter matches none")
    return replace(spec, title=" ".join(words) or None)


# Queues whose clips all have one status (see review_queries.conditions).
_QUEUE_STATUS = {"proposed": "proposed", "suspect": "confirmed"}


def describe(spec: QueueSpec) -> str:
    """A filter as the reviewer would type it back."""
    parts = [f"queue:{spec.queue}"]
    if spec.film_id is not None:
        parts.append(f"film:{spec.film_id}")
    if spec.label:
        parts.append(f"label:{spec.label}")
    if spec.status:
        parts.append(f"status:{spec.status}")
    if spec.min_score is not None:
        parts.append(f"score:{spec.min_score:g}")
    if spec.title:
        parts.append(spec.title)
    return " ".join(parts)


class ReviewQueue:
    """The clips of one queue, walked one at a time."""

    def __init__(self, database: Database, spec: QueueSpec) -> None:
        self.database = database
        self.spec = spec
        self.total = 0  # clips in the queue when it was opened (the walk's length)
        self.remaining = 0  # clips in it now: decided ones leave the queue, not the walk
        self._rows: list[QueueRow] = []
        self._pos = 0  # index of the current row in _rows
        self._offset = 0  # queue index of _rows[0]
        self._at_end = False  # no rows after the last one in _rows
        # Ids of the rows walked past and dropped from the front of _rows, in walk order:
        # going back reads these again, since the clips decided meanwhile have left the
        # queue and a query of the queue would no longer find them.
        self._dropped: list[int] = []

    # -- opening ---------------------------------------------------------------------------

    def open(self, at: Key | None = None) -> None:
        """Read the count and the rows around `at` (default: first clip not yet decided)."""
        with self.database.session() as session:
            self.total = self.remaining = queue_count(session, self.spec)
            if at is None:
                at = first_undecided(session, self.spec)
            if at is None:  # everything decided: start at the top
                rows = queue_page(session, self.spec, limit=PAGE)
                before: list[QueueRow] = []
                self._offset = 0
            else:
                rows = queue_page(session, self.spec, include=at, limit=PAGE)
                before = queue_page(session, self.spec, before=at, limit=10)
                self._offset = queue_position(session, self.spec, at) - len(before)
        self._rows = before + rows
        self._dropped = []
        self._pos = len(before) if rows else max(len(before) - 1, 0)
        self._at_end = len(rows) < PAGE

    # -- where we are ----------------------------------------------------------------------

    @property
    def current(self) -> QueueRow | None:
        return self._rows[self._pos] if self._rows else None

    @property
    def index(self) -> int:
        """0-based position of the current clip in the queue."""
        return self._offset + self._pos

    def window(self, above: int, below: int) -> tuple[list[QueueRow], int]:
        """Rows around the current one (already read) and the current one's index among them."""
        start = max(0, self._pos - above)
        return self._rows[start : self._pos + below + 1], self._pos - start

    def upcoming(self, count: int) -> list[QueueRow]:
        """The next `count` rows after the current one (for prefetching)."""
        self._ensure_after(count)
        return self._rows[self._pos + 1 : self._pos + 1 + count]

    # -- moving ----------------------------------------------------------------------------

    def move(self, step: int) -> bool:
        """Go `step` rows forward (or back); False when there is no such row."""
        if not self._rows:
            return False
        if step > 0:
            # Reading ahead may drop rows from the front and shift `_pos`: aim afterwards.
            self._ensure_after(step)
        target = self._pos + step
        if target < 0:
            target += self._load_before()
        if not 0 <= target < len(self._rows):
            return False
        self._pos = target
        return True

    def goto(self, clip_id: int) -> bool:
        """Make `clip_id` current (reading its rows when it is outside the window)."""
        if clip_id in self._dropped:  # walked past: back to it, the walk kept whole
            while all(row.id != clip_id for row in self._rows) and self._load_before():
                pass
        for i, row in enumerate(self._rows):
            if row.id == clip_id:
                self._pos = i
                return True
        with self.database.session() as session:
            row = queue_row(session, self.spec, clip_id)
        if row is None:
            return False
        self.open(at=row.key)
        if self.current is None or self.current.id != clip_id:
            # The clip has left this queue (decided, or outside its filter): show it anyway,
            # in place. The walk is one clip longer: "clip 2 of 1" would be no position.
            if self.current is not None and self.current.key < row.key:
                self._pos += 1  # it sorts after the queue's last row (open() stays on that)
            self._rows.insert(self._pos, row)
            self.total += 1
        return True

    def refresh(self, clip_id: int) -> None:
        """Re-read one row after it changed (status, label, the annotator's own decision)."""
        with self.database.session() as session:
            row = queue_row(session, self.spec, clip_id)
        if row is None:
            return
        for i, old in enumerate(self._rows):
            if old.id == clip_id:
                self._rows[i] = row

    def recount(self) -> None:
        """Count the clips still in the queue (after a decision moved one in or out)."""
        with self.database.session() as session:
            self.remaining = queue_count(session, self.spec)

    def _ensure_after(self, count: int) -> None:
        while not self._at_end and self._pos + count >= len(self._rows):
            with self.database.session() as session:
                more = queue_page(session, self.spec, after=self._rows[-1].key, limit=PAGE)
            self._rows.extend(more)
            self._at_end = len(more) < PAGE
            if len(self._rows) > MAX_ROWS:
                drop = len(self._rows) - MAX_ROWS
                drop = min(drop, self._pos - 10) if self._pos > 10 else 0
                self._dropped.extend(row.id for row in self._rows[:drop])
                del self._rows[:drop]
                self._pos -= drop
                self._offset += drop

    def _load_before(self) -> int:
        """Prepend the page before the window; returns how many rows were added."""
        if not self._rows or self._offset == 0:
            return 0
        if self._dropped:
            earlier: list[QueueRow] = []
            while self._dropped and not earlier:  # a page of clips all deleted: the next
                ids = self._dropped[-PAGE:]
                del self._dropped[-PAGE:]
                with self.database.session() as session:
                    found = {row.id: row for row in queue_rows(session, self.spec, ids)}
                earlier = [found[i] for i in ids if i in found]  # a clip deleted since is gone
                # Its place in the walk goes with it: the rows before it keep theirs, and
                # the first clip walked is still at index 0.
                self._offset -= len(ids) - len(earlier)
        else:
            with self.database.session() as session:
                earlier = queue_page(session, self.spec, before=self._rows[0].key, limit=PAGE)
        self._rows[:0] = earlier
        self._pos += len(earlier)
        self._offset -= len(earlier)
        return len(earlier)
