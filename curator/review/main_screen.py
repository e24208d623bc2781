"""The review screen: the queue, the current clip, and every labelling key.

Keys act at once on what is on screen. Changes to the store are handed to a single
writer thread (`SerialWriter`) and come back as `WriteDone`; previews are decoded by
thread workers and come back as `PreviewReady`. The key loop itself only reads the
queue window and one clip view (a few indexed queries), so it never waits on video
decoding or on another process's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from curator.errors import NotFoundError
from curator.labels import EMOTIONS
from curator.review.agreement_screen import AgreementScreen
from curator.review.clip_detail import ClipDetail
from curator.review.controller import NUDGE_STEP_MS, UNSET, ReviewController
from curator.review.expression_bar import ExpressionBar
from curator.review.filter_input import FilterModal
from curator.review.help_screen import HelpScreen
from curator.review.history_screen import HistoryScreen
from curator.review.messages import PreviewReady, WriteDone
from curator.review.people_panel import PeoplePanel
from curator.review.person_form import PersonEdit, PersonForm
from curator.review.player import (
    cut_preview,
    find_player,
    launch,
    player_command,
    preview_file,
)
from curator.review.preview import PreviewPane
from curator.review.preview_feed import PreviewFeed
from curator.review.preview_loader import PreviewLoader, missing_film, says_film_missing
from curator.review.preview_screen import PreviewScreen
from curator.review.queue_list import QueueList
from curator.review.queues import ReviewQueue, describe
from curator.review.reject_modal import RejectModal
from curator.review.subtitle_context import SubtitleContext
from curator.review.writer import SerialWriter
from curator.store.db import Database
from curator.store.models import Film
from curator.store.review_queries import QueueSpec
from curator.store.review_views import ClipView, SubjectView, clip_history, clip_view

PREFETCH = 3  # clips ahead whose previews are decoded in the background


# Below this many columns the key frames would get a sliver (the queue and the clip take
# 73): their pane gives its room to the clip, and `z` shows them full screen.
KEYFRAMES_MIN_WIDTH = 100


class ReviewScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"), (KEYFRAMES_MIN_WIDTH, "-roomy")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(key), f"choose({key})", name, show=False)
          for key, name in enumerate(EMOTIONS, start=1)),
        Binding("enter,a", "accept", "accept"),
        Binding("x", "reject", "reject"),
        Binding("s", "skip", "skip"),
        Binding("u", "undo", "undo"),
        Binding("n,down", "next", "next"),
        Binding("p,up", "previous", "prev"),
        Binding("e", "edit", "person"),
        Binding("plus", "add_person", "add person", show=False),
        Binding("tab", "next_person", "next person", show=False),
        Binding("left_square_bracket", "nudge(-1, 0)", "start earlier", show=False),
        Binding("right_square_bracket", "nudge(0, 1)", "end later", show=False),
        Binding("left_curly_bracket", "nudge(1, 0)", "start later", show=False),
        Binding("right_curly_bracket", "nudge(0, -1)", "end earlier", show=False),
        Binding("slash", "filter", "filter"),
        Binding("v", "play", "play", show=False),
        Binding("z", "zoom", "zoom", show=False),
        Binding("h", "history", "history", show=False),
        Binding("k", "agreement", "agreement"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(
        self,
        database: Database,
        controller: ReviewController,
        loader: PreviewLoader,
        spec: QueueSpec,
        *,
        player_finder: Callable[[], str | None] = find_player,
    ) -> None:
        super().__init__()
        self.database = database
        self.controller = controller
        self.queue = ReviewQueue(database, spec)
        self.player_finder = player_finder
        self.writer = SerialWriter(self)
        self._quit_anyway = False  # q was pressed once with changes not saved
        self._quitting = False  # q is waiting for the changes under way to be saved
        self.previews = PreviewFeed(self, loader, self._load_view)
        self.view: ClipView | None = None
        self.chosen: str | None = None  # the expression key pressed for the current clip
        # The expression of each confirm still being written, by clip: when the write fails
        # (a conflict, a lock), the clip comes back with that choice still made, so that
        # `enter` stores what the annotator chose, not what someone else's vote suggests.
        self._confirming: dict[int, str] = {}
        self.person = 0  # selected person in the current clip
        self.last_message = ""  # what the annotator was last told (tests read it too)

    def tell(self, message: str, *, severity: str = "information", timeout: float = 3,
             title: str = "") -> None:
        self.last_message = message
        self.notify(message, title=title, severity=severity,  # type: ignore[arg-type]
                    timeout=timeout, markup=False)

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="body"):
            yield QueueList(id="queue")
            with Vertical(id="middle"):
                yield ClipDetail(id="detail")
                yield ExpressionBar(id="expressions")
                yield SubtitleContext(id="context")
                yield PeoplePanel(id="people")
            yield PreviewPane(id="preview")
        yield Footer()

    def on_mount(self) -> None:
        for selector, title in (("#queue", "queue"), ("#detail", "clip"),
                                ("#context", "subtitles"), ("#people", "people"),
                                ("#preview", "keyframes")):
            self.query_one(selector).border_title = title
        self.queue.open()
        self.show_current()

    def on_resize(self) -> None:
        if self.is_mounted:
            self.query_one(QueueList).show(self.queue)
            self._keyframes_hint()

    def _keyframes_hint(self) -> None:
        """Where the key frames are when their pane is hidden, and that there are none
        when the film file has moved (the pane's message is not on screen then): as the
        pane has it, which is what `z` shows."""
        hint = ""
        if self.size.width < KEYFRAMES_MIN_WIDTH:
            missing = self.view is not None and says_film_missing(
                self.query_one(PreviewPane).message)
            hint = "film file not found (z)" if missing else "z: key frames"
        self.query_one("#detail").border_subtitle = hint

    def _recheck_film(self) -> None:
        """The film may have come back, or gone, since its key frames were shown."""
        if self.view is None:
            return
        shown_missing = says_film_missing(self.query_one(PreviewPane).message)
        if shown_missing != (missing_film(self.view) is not None):
            self.previews.show(self.view, [row.id for row in self.queue.upcoming(PREFETCH)])
        self._keyframes_hint()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.view is not None:
            self._recheck_film()

    # -- showing the current clip -----------------------------------------------------------

    def _load_view(self, clip_id: int) -> ClipView:
        with self.database.session() as session:
            return clip_view(session, clip_id, annotator=self.controller.annotator)

    def show_current(self, *, keep_choice: bool = False) -> None:
        row = self.queue.current
        self.query_one(QueueList).show(self.queue)
        if not keep_choice:
            self.chosen = None
        self.view = None
        if row is not None:
            try:
                self.view = self._load_view(row.id)
            except NotFoundError:  # deleted by another process since the page was read
                self.tell(f"clip {row.id} no longer exists", severity="warning")
        if self.view is None:
            where = "is empty" if row is None else f"has lost clip {row.id}"
            # Typed text goes in as $variables, plain: no `[` of a filter is read as markup.
            self.query_one(ClipDetail).update(Content.from_markup(
                "The queue [b]$queue[/b] $where.\n"
                "Press [b]/[/b] to change the filter (for example queue:all), [b]n[/b]/[b]p[/b] "
                "to move, or [b]q[/b] to quit.", queue=describe(self.queue.spec), where=where,
            ))
            self.query_one(SubtitleContext).clear()
            self.query_one(PeoplePanel).update("")
            self.query_one(ExpressionBar).update("")
            self.query_one(PreviewPane).show_message("")
            self._update_topbar()
            return
        if self.person >= max(len(self.view.subjects), 1) or not keep_choice:
            self.person = 0
        self._draw_view()
        self.previews.show(self.view, [row.id for row in self.queue.upcoming(PREFETCH)])
        self._keyframes_hint()  # from the pane, as the preview just set it

    def _draw_view(self) -> None:
        assert self.view is not None
        self.query_one(ClipDetail).show(self.view)
        self.query_one(ExpressionBar).show(self.suggestion(), explicit=self.chosen is not None)
        self.query_one(SubtitleContext).show(self.view)
        self.query_one(PeoplePanel).show(self.view, self.person)
        self._update_topbar()

    def suggestion(self) -> str | None:
        """What `enter` confirms: the key pressed, else my vote, the label, the proposal."""
        if self.chosen:
            return self.chosen
        view = self.view
        if view is None:
            return None
        if view.mine is not None and view.mine.decision == "confirm":
            return view.mine.expression
        return view.expression or view.proposed_label

    def _update_topbar(self) -> None:
        pending, unsaved = self.writer.pending, sorted(self.writer.unsaved)
        if unsaved:
            saving = "  [b red]NOT SAVED: clip " + ", ".join(map(str, unsaved[:3])) + (
                "…" if len(unsaved) > 3 else "") + "[/b red]"
        elif pending:
            saving = f"  [yellow]saving {pending}…[/yellow]"
        else:
            saving = "  [green]saved[/green]"
        # Decided clips stay in the walk (so moving back finds them) but leave the queue.
        remaining = self.queue.remaining
        still = f" ({remaining} left)" if remaining != self.queue.total else ""
        # An adjudicating session says so, its decisions being final.
        role = ("[b magenta]ADJUDICATING[/b magenta] as" if self.controller.adjudicate
                else "annotator")
        # What must stay in sight at 80 columns comes first: the save state and the
        # position; a long name or filter may run off the end.
        name = self.controller.annotator
        # Cut by the cells it takes: a CJK name of 20 characters is 40 cells wide.
        name = name if cell_len(name) <= 20 else set_cell_size(name, 19).rstrip() + "…"
        self.query_one("#topbar", Static).update(Content.from_markup(
            f"[b]curator review[/b]{saving}"
            f"  clip {self.queue.index + 1 if self.queue.current else 0} of {self.queue.total}"
            f"{still}  {role} [b cyan]$name[/b cyan]  $queue  ? help",
            name=name, queue=describe(self.queue.spec),
        ))

    @on(PreviewReady)
    def preview_ready(self, message: PreviewReady) -> None:
        self.previews.ready(message.preview, self.view)

    # -- writes ----------------------------------------------------------------------------

    def _submit(self, job) -> None:  # type: ignore[no-untyped-def]
        self.writer.submit(job)
        self._update_topbar()

    @on(WriteDone)
    def write_done(self, message: WriteDone) -> None:
        outcome = message.outcome
        if outcome.clip_id:
            self.queue.refresh(outcome.clip_id)
        current = self.view.id if self.view else None
        chosen = self._confirming.pop(outcome.clip_id, None) if outcome.action == "decide" \
            else None
        if outcome.ok:
            self.queue.recount()
            self.tell(outcome.message, timeout=2)
            if outcome.action == "undo":
                self.queue.goto(outcome.clip_id)
                self.show_current()
            elif outcome.clip_id == current:
                self.show_current(keep_choice=True)
        elif outcome.conflict or outcome.unsaved:
            if not self._quitting:  # news the annotator has not seen yet
                self._quit_anyway = False
            # Someone else changed the clip first, or the store failed (a lock held too
            # long): say so and go back to the clip, shown as it is now, to decide again.
            title = "Not undone" if outcome.action == "undo" else "Not saved"
            kept = f"; {chosen} is still chosen: enter stores it" if chosen else ""
            self.tell(outcome.message + kept, title=title, severity="error", timeout=10)
            self.queue.goto(outcome.clip_id)
            self.chosen, self.person = chosen, 0
            self.show_current(keep_choice=chosen is not None)
        else:
            self.tell(outcome.message, severity="warning", timeout=4)
            if outcome.clip_id == current:
                self.show_current(keep_choice=True)
        self._update_topbar()
        self.query_one(QueueList).show(self.queue)

    def _decide(self, decision: str, expression: str | None = None,
                reason: str | None = None, view: ClipView | None = None) -> None:
        view = view or self.view
        if view is None:
            return
        if decision == "confirm" and expression is not None:
            self._confirming[view.id] = expression
        else:
            self._confirming.pop(view.id, None)
        self._submit(partial(self.controller.decide, view.id, view.version, decision,
                             expression, reason))
        if self.view is not None and self.view.id == view.id:
            self._advance()
        # Else the screen went elsewhere while the reject pop-up was open (a change that
        # was not saved brings its clip back): the annotator stays there, to decide again.

    def _advance(self) -> None:
        if not self.queue.move(1):
            self.tell("end of the queue: p goes back, / changes the filter", timeout=3)
        self.show_current()

    # -- actions ---------------------------------------------------------------------------

    def action_choose(self, key: int) -> None:
        if self.view is None:
            return
        self.chosen = EMOTIONS[key - 1]
        self.query_one(ExpressionBar).show(self.chosen, explicit=True)

    def action_accept(self) -> None:
        expression = self.suggestion()
        if self.view is None:
            return
        if expression is None:
            self.tell("choose an expression first (1–7)", severity="warning")
            return
        self._decide("confirm", expression)

    def action_reject(self) -> None:
        view = self.view
        if view is not None:
            self.app.push_screen(
                RejectModal(),
                lambda reason: self._decide("reject", reason=reason, view=view) if reason else None,
            )

    def action_skip(self) -> None:
        self._decide("skip")

    def action_undo(self) -> None:
        if not self.controller.undo_depth and not self.writer.pending:
            self.tell("nothing to undo", timeout=2)
            return
        self._submit(self.controller.undo)

    def action_next(self) -> None:
        if self.queue.move(1):
            self.show_current()
        else:
            self.tell("last clip of the queue", timeout=2)

    def action_previous(self) -> None:
        if self.queue.move(-1):
            self.show_current()
        else:
            self.tell("first clip of the queue", timeout=2)

    def action_next_person(self) -> None:
        if self.view is not None and self.view.subjects:
            self.person = (self.person + 1) % len(self.view.subjects)
            self.query_one(PeoplePanel).show(self.view, self.person)

    def action_edit(self) -> None:
        if self.view is None:
            return
        subjects = self.view.subjects
        if subjects and self.person >= len(subjects):
            # The person just added is selected before their write lands (or was lost).
            self.person = len(subjects) - 1
            self.tell("the person just added is not saved yet: e again edits the last one "
                      "saved", timeout=3)
            return
        self._person_form(subjects[self.person] if subjects else None)

    def action_add_person(self) -> None:
        """Another person the face check did not record (a face it missed, a second face)."""
        if self.view is not None:
            self._person_form(None)

    def _person_form(self, subject: SubjectView | None) -> None:
        """The person form for `subject`, or for a new person (None), saved on enter."""
        view = self.view
        assert view is not None
        number = self.person + 1 if subject else len(view.subjects) + 1

        def saved(edit: PersonEdit | None) -> None:
            if edit is None:
                return
            if not edit.changes and not edit.rename:
                self.tell("nothing typed: no person added" if subject is None else "no change",
                          timeout=2)
                return
            if subject is None:  # the new person is listed last: selected once saved
                self.person = len(view.subjects)
            self._submit(partial(
                self.controller.edit_person, view.id, view.version,
                subject.id if subject else None, edit.changes,
                edit.actor_name if edit.rename else UNSET,
                subject.person_version if subject else None,
            ))

        self.app.push_screen(PersonForm(subject, number), saved)

    def action_nudge(self, start_steps: int, end_steps: int) -> None:
        if self.view is not None:
            self._submit(partial(self.controller.nudge, self.view.id, self.view.version,
                                 start_steps * NUDGE_STEP_MS, end_steps * NUDGE_STEP_MS))

    def action_filter(self) -> None:
        def apply(spec: QueueSpec | None) -> None:
            if spec is not None:
                self.queue = ReviewQueue(self.database, spec)
                self.queue.open()
                self.show_current()

        def film_exists(film_id: int) -> bool:
            with self.database.session() as session:
                return session.get(Film, film_id) is not None

        self.app.push_screen(
            FilterModal(self.queue.spec, describe(self.queue.spec), film_exists), apply)

    def action_play(self) -> None:
        view = self.view
        if view is None:
            return
        if (missing := missing_film(view)) is not None:
            self.tell(missing, severity="warning")
            return
        player = self.player_finder()
        if player is None:
            self.tell("no video player found: install mpv or ffplay to play clips",
                        severity="warning", timeout=5)
            return
        film = Path(view.film_path)
        target = preview_file(film, view.start_ms, view.end_ms)
        if not target.is_file():
            self.tell("cutting the clip for the player…", timeout=2)
        # Cutting takes a moment: off the UI thread, then the player starts on the cut.
        # exclusive: pressing `v` again replaces a cut still under way.
        self.run_worker(partial(self._cut_and_play, player, film, view.start_ms, view.end_ms,
                                target), thread=True, group="player", exclusive=True,
                        exit_on_error=False)

    def _cut_and_play(self, player: str, film: Path, start_ms: int, end_ms: int,
                      target: Path) -> None:
        from textual.worker import get_current_worker

        from curator.errors import MediaError

        try:
            clip = cut_preview(film, start_ms, end_ms, target)
            if get_current_worker().is_cancelled:
                return  # the review was left, or `v` pressed again, while cutting
            launch(player_command(player, clip))
        except (MediaError, OSError) as exc:
            self.app.call_from_thread(self.tell, f"cannot play the clip: {exc}",
                                      severity="error", timeout=5)
            return
        self.app.call_from_thread(self.tell, f"playing in {Path(player).name}", timeout=2)

    def action_zoom(self) -> None:
        if self.view is not None:
            self._recheck_film()
            pane = self.query_one(PreviewPane)
            self.app.push_screen(PreviewScreen(pane.preview, pane.message))

    def action_history(self) -> None:
        if self.view is not None:
            with self.database.session() as session:
                entries = clip_history(session, self.view.id)
            self.app.push_screen(HistoryScreen(self.view.id, entries))

    def action_agreement(self) -> None:
        self.app.push_screen(AgreementScreen(self.database, self.queue.spec.film_id))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        if self._quit_anyway:  # told once what would be lost: this q goes, at once
            self.app.exit()
            return
        if self.writer.pending:
            # Waited for in a worker, not here: keys go on being read, so a second q can
            # leave without waiting (a handler that awaited held every key back).
            self._quit_anyway = self._quitting = True
            self.tell("saving your last changes… (q again quits without waiting)", timeout=2)
            self.run_worker(self._quit_once_saved(), group="quit", exclusive=True)
            return
        self._quit_or_ask()

    async def _quit_once_saved(self) -> None:
        saved = await self.writer.drain()
        self._quitting = False
        if not saved:
            self.tell("the database is still busy: press q (or ctrl+q) again to quit without "
                      "waiting for your last changes", title="Not saved yet",
                      severity="error", timeout=10)
            return
        self._quit_anyway = False  # saved, or failed: what failed is asked about next
        self._quit_or_ask()

    def _quit_or_ask(self) -> None:
        unsaved = self.writer.unsaved
        if unsaved and not self._quit_anyway:
            # Asked once: a second q means the annotator has seen what would be lost.
            self._quit_anyway = True
            clips = ", ".join(map(str, sorted(unsaved)))
            self.tell(f"clip {clips} not saved: decide again, or press q (or ctrl+q) again "
                      "to quit without it", title="Not saved", severity="error", timeout=10)
            self._update_topbar()
            return
        self.app.exit()
