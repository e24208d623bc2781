"""`curator review`: the Textual app that holds the review screens together.

The app owns what outlives a screen: the database, the write side of the session
(`ReviewController`, with its undo stack) and the preview cache. It opens the review
screen, or a helpful screen when there is nothing to review, and covers everything
with a clear message while the terminal is too small.
"""

from __future__ import annotations

from collections.abc import Callable

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
        self.collector = IdleCollector()

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

    def on_key(self) -> None:
        self.collector.touch()

    async def action_quit(self) -> None:
        """Every way out (q on the too-small screen, ctrl+q anywhere) goes through the
        review's own quit, which waits for writes and asks before leaving a change unsaved."""
        review = next((s for s in self.screen_stack if isinstance(s, ReviewScreen)), None)
        if review is None:
            self.exit()
        else:
            await review.action_quit()

    def on_unmount(self) -> None:
        self.collector.stop()

    def on_resize(self, event: events.Resize) -> None:
        if self._started:
            self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        covered = isinstance(self.screen, TooSmallScreen)
        if too_small(width, height) and not covered:
            self.push_screen(TooSmallScreen())
        elif not too_small(width, height) and isinstance(self.screen, TooSmallScreen):
            self.pop_screen()
