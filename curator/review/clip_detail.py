"""The clip header: film and times, what proposed it and why, the votes and the consensus."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from curator.store.review_views import ClipView, VoteView

STATUS_STYLE = {"proposed": "yellow", "confirmed": "green", "rejected": "red"}


def clock(ms: int) -> str:
    minutes, millis = divmod(ms, 60_000)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{millis / 1000:06.3f}"


def vote_label(vote: VoteView) -> str:
    if vote.decision == "confirm":
        label = vote.expression or "?"
    elif vote.decision == "reject":
        label = f"reject ({vote.reason})" if vote.reason else "reject"
    else:
        return "skip"
    return f"{label} (adjudication)" if vote.adjudication else label


def detail_text(view: ClipView) -> Text:
    text = Text()
    text.append(f"Clip {view.id}", style="bold")
    text.append(f"  {view.film_title}", style="bold cyan")
    text.append(f" (film {view.film_id})\n", style="grey62")
    length = (view.end_ms - view.start_ms) / 1000
    text.append(f"{clock(view.start_ms)} – {clock(view.end_ms)}  ({length:.2f} s)\n")
    text.append("status ")
    text.append(view.status, style=STATUS_STYLE.get(view.status, ""))
    if view.expression:
        text.append(f"  label {view.expression}", style="bold")
    if view.reject_reason:
        text.append(f"  ({view.reject_reason})", style="red")
    text.append(f"  v{view.version}\n", style="grey50")
    # Why it was proposed: the label, the score, and the cue evidence behind it.
    text.append("proposed ")
    text.append(view.proposed_label or "—", style="bold magenta")
    text.append(f"  score {view.score:.2f}")
    bits = [b for cue in view.cues if cue.role == "evidence" for b in cue.evidence]
    if bits:
        why = ", ".join(f"“{b.text}” ({b.kind}, {b.emotion or '?'} {b.weight:.2f})"
                        for b in bits)
        text.append(f"\n  because {why}", style="magenta")
    text.append("\n")
    for p in view.predictions:
        confidence = "" if p.confidence is None else f" {p.confidence:.2f}"
        agree = "" if view.label is None or p.label == view.label else "  ≠ label"
        text.append(f"model {p.label}{confidence}", style="blue")
        text.append(f"  ({p.model}){agree}\n", style="grey62" if not agree else "bold red")
    if view.votes:
        # Your own vote is marked in the list (it is always there), not repeated on a line
        # of its own: at 80x24 that line pushed the clip's other people out of sight.
        text.append("votes ")
        for i, v in enumerate(view.votes):
            if i:
                text.append(" · ")
            if view.mine is not None and v.annotator == view.mine.annotator:
                text.append(f"{v.annotator} (you): {vote_label(v)}", style="bold cyan")
            else:
                text.append(f"{v.annotator}: {vote_label(v)}")
        text.append("\n")
        verdict = view.verdict
        if verdict.votes:
            shares = " · ".join(f"{k} {v:.0%}" for k, v in
                                sorted(verdict.soft_label.items(), key=lambda kv: -kv[1]))
            text.append("soft label ", style="grey62")
            text.append(shares)
            if verdict.disputed:
                tie = verdict.status == "proposed"
                text.append("  TIE — undecided" if tie else "  disputed", style="bold red")
            text.append("\n")
        if verdict.adjudicated_by is not None:
            text.append("decided by adjudicator ", style="magenta")
            text.append(verdict.adjudicated_by, style="bold magenta")
            text.append("\n")
    else:
        text.append("no votes yet\n", style="grey50")
    text.rstrip()  # no blank last line: the pane is sized to its text
    return text


class ClipDetail(Static):
    def show(self, view: ClipView) -> None:
        self.update(detail_text(view))
