"""Clips whose subtitles changed under them: a new offset, or a track replaced.

A clip's window was placed from its cues as they were timed when it was proposed. When
the film's subtitle offset changes, or a track is replaced by a corrected one (`ingest
--replace-subs`), a clip no person has touched is still only a proposal: it is withdrawn
(deleted, its face check with it), so that the next `curator propose` places the moment
again from the subtitles as they are now, and checks its faces again. A clip also
proposed by a track still in use only loses the replaced track's cues, and its score is
what the cues left make it.

A clip a person has touched is never moved or deleted here: someone voted on it (any
vote, even a skip or one taken back), or changed it (its boundaries, its people; any
change-log entry not written by the face check), or it was confirmed or rejected other
than by the face check's "no face". Such clips are returned, with why, for the command to
list as needing a look; they keep every cue they cite, a replaced track's included (its
cues stay in the database, and in the XML export, as their evidence).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from curator.proposals.windows import evidence_score
from curator.store.faces import FACE_CHECK, NO_FACE, drop_people_left_with_nothing
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipCue,
    Cue,
    FaceTrack,
    Film,
    SubtitleTrack,
)

AUTOMATIC_AUTHORS = frozenset({FACE_CHECK})  # change-log authors that are no person
BOUNDARIES = frozenset({"start_ms", "end_ms"})


@dataclass(frozen=True)
class Touched:
    """A clip a person has touched, left as it is, and why it counts as touched."""

    clip_id: int
    why: str  # "voted on" | "boundaries moved" | "edited" | "confirmed" | "rejected"


@dataclass
class Settled:
    """What changed among a film's clips (see the module docstring)."""

    withdrawn: int = 0  # untouched proposals deleted, for `propose` to place again
    trimmed: int = 0  # untouched clips that lost a replaced track's cues, and stay
    touched: list[Touched] = field(default_factory=list)  # left as they are

    def add(self, other: Settled) -> None:
        self.withdrawn += other.withdrawn
        self.trimmed += other.trimmed
        known = {t.clip_id for t in self.touched}
        self.touched += [t for t in other.touched if t.clip_id not in known]


@dataclass(frozen=True)
class _Link:
    clip_id: int
    cue_id: int
    role: str
    track_id: int
    start_ms: int
    end_ms: int
    score: float


def touched_clips(session: Session, film: Film) -> dict[int, str]:
    """The film's clips a person has touched, each with why (module docstring)."""
    marks: dict[int, str] = {}
    statuses = session.execute(
        select(Clip.id, Clip.status, Clip.reject_reason).where(Clip.film_id == film.id)
        # FOR UPDATE (PostgreSQL; SQLite's write lock is held already): a vote on one of
        # these clips waits for this transaction, or came first and is seen below. In id
        # order, as every locker takes them: two of them cannot wait for each other.
        .order_by(Clip.id)
        .with_for_update()
    ).all()
    for clip_id, status, reason in statuses:
        if status == "confirmed" or (status == "rejected" and reason != NO_FACE):
            marks[clip_id] = status
    edits = session.execute(
        select(ChangeLog.clip_id, ChangeLog.field)
        .join(Clip, Clip.id == ChangeLog.clip_id)
        .where(Clip.film_id == film.id, ChangeLog.who.not_in(AUTOMATIC_AUTHORS))
    ).all()
    for clip_id, changed in edits:
        if changed in BOUNDARIES:
            marks[clip_id] = "boundaries moved"
        elif marks.get(clip_id) != "boundaries moved":
            marks[clip_id] = "edited"
    voted = session.scalars(
        select(Annotation.clip_id).join(Clip).where(Clip.film_id == film.id).distinct()
    )
    marks.update((clip_id, "voted on") for clip_id in voted)  # the strongest reason
    return marks


def settle_offset_change(session: Session, film: Film) -> Settled:
    """The film's subtitle offset changed: withdraw the untouched clips its cues proposed
    (their windows were placed with the old offset); list the touched ones."""
    proposed = {link.clip_id for link in _links(session, film) if link.role == "evidence"}
    marks = touched_clips(session, film)
    untouched = sorted(proposed - marks.keys())
    withdraw_clips(session, film, untouched)
    return Settled(withdrawn=len(untouched), touched=_touched(marks, proposed))


def replace_tracks(
    session: Session, film: Film, old: Collection[SubtitleTrack], by: SubtitleTrack
) -> Settled:
    """Mark `old` as replaced by `by` (their cues propose nothing from now on) and settle
    the clips they proposed: untouched ones only they proposed are withdrawn, untouched
    ones other tracks proposed too lose their cues, touched ones keep everything."""
    for track in old:
        track.replaced_by_id = by.id
    session.flush()
    retired = set(session.scalars(select(SubtitleTrack.id).where(
        SubtitleTrack.film_id == film.id, SubtitleTrack.replaced_by_id.is_not(None))))
    links = _links(session, film)
    citing = {link.clip_id for link in links
              if link.role == "evidence" and link.track_id in {t.id for t in old}}
    marks = touched_clips(session, film)
    by_clip: dict[int, list[_Link]] = {}
    for link in links:
        if link.clip_id in citing and link.clip_id not in marks:
            by_clip.setdefault(link.clip_id, []).append(link)
    withdrawn: list[int] = []
    trimmed = 0
    for clip_id, clip_links in sorted(by_clip.items()):
        kept = [link for link in clip_links if link.track_id not in retired]
        if not any(link.role == "evidence" for link in kept):
            withdrawn.append(clip_id)  # only replaced cues proposed it
        else:
            _trim(session, clip_id, clip_links, kept)
            trimmed += 1
    withdraw_clips(session, film, withdrawn)
    return Settled(withdrawn=len(withdrawn), trimmed=trimmed, touched=_touched(marks, citing))


def withdraw_clips(session: Session, film: Film, clip_ids: Collection[int]) -> None:
    """Delete untouched proposals with what hangs off them (links, face check, face tracks,
    subjects: ON DELETE CASCADE), and the unnamed people only their faces made."""
    if not clip_ids:
        return
    ids = list(clip_ids)
    session.flush()  # the expiry below must not drop changes not written yet
    people = set(session.scalars(select(FaceTrack.person_id).where(
        FaceTrack.clip_id.in_(ids), FaceTrack.person_id.is_not(None))))
    # Only the face check's entries (these clips are untouched). They go with the clip:
    # SQLite may give a later clip the same id, which must not inherit this history.
    session.execute(delete(ChangeLog).where(ChangeLog.clip_id.in_(ids)))
    session.execute(delete(Clip).where(Clip.id.in_(ids)), execution_options={
        "synchronize_session": False})
    session.expire_all()  # rows the database deleted by cascade, not the session
    drop_people_left_with_nothing(session, {p for p in people if p is not None})


@dataclass(frozen=True)
class KeptStanding:
    """A track an imported file says is replaced (by `file_by_id`, its id here) that keeps
    this database's standing: it is replaced here by another track (`here_by_id`), or
    the file's replacing track is replaced here, in a chain that leads back to it."""

    track_id: int
    file_by_id: int
    here_by_id: int | None


@dataclass
class Adopted:
    """What `adopt_replacements` did: pairs (track, by) replaced as the file says, the clips
    that settled, and the tracks whose standing here differs from the file's, kept."""

    replaced: list[tuple[int, int]] = field(default_factory=list)
    settled: Settled = field(default_factory=Settled)
    kept: list[KeptStanding] = field(default_factory=list)


def adopt_replacements(
    session: Session, film: Film, pairs: Iterable[tuple[SubtitleTrack, SubtitleTrack]]
) -> Adopted:
    """Replacements another database made (an imported file's `replacedBy`) of tracks this
    database has: a track not replaced here is replaced as there, and its clips settle as
    with `ingest --replace-subs` (`replace_tracks`). One replaced here by another track,
    or whose replacement would close a loop here, keeps this database's standing."""
    adopted = Adopted()
    for track, by in pairs:
        if track.replaced_by_id == by.id:
            continue
        if track.replaced_by_id is not None or _replaced_back(session, by, track):
            adopted.kept.append(KeptStanding(track.id, by.id, track.replaced_by_id))
            continue
        adopted.replaced.append((track.id, by.id))
        adopted.settled.add(replace_tracks(session, film, [track], by))
    return adopted


def _replaced_back(session: Session, by: SubtitleTrack, track: SubtitleTrack) -> bool:
    """`by` is replaced here, in a chain that reaches `track` (or goes round in a loop)."""
    seen: set[int] = set()
    at: int | None = by.replaced_by_id
    while at is not None and at not in seen:
        if at == track.id:
            return True
        seen.add(at)
        following = session.get(SubtitleTrack, at)
        at = None if following is None else following.replaced_by_id
    return at is not None


def _links(session: Session, film: Film) -> list[_Link]:
    rows = session.execute(
        select(ClipCue.clip_id, ClipCue.cue_id, ClipCue.role, Cue.track_id, Cue.start_ms,
               Cue.end_ms, Cue.score)
        .join(Cue, Cue.id == ClipCue.cue_id)
        .join(Clip, Clip.id == ClipCue.clip_id)
        .where(Clip.film_id == film.id)
    ).all()
    return [_Link(*row) for row in rows]


def _trim(session: Session, clip_id: int, links: Iterable[_Link], kept: list[_Link]) -> None:
    """Unlink a clip's cues of replaced tracks; its score becomes the kept evidence's."""
    gone = [link.cue_id for link in links if link not in kept]
    session.execute(delete(ClipCue).where(ClipCue.clip_id == clip_id,
                                          ClipCue.cue_id.in_(gone)))
    score = evidence_score((link.start_ms, link.end_ms, link.track_id, link.score)
                           for link in kept if link.role == "evidence")
    clip = session.get(Clip, clip_id)
    assert clip is not None
    clip.score = round(score, 4)


def _touched(marks: dict[int, str], clip_ids: Collection[int]) -> list[Touched]:
    return [Touched(clip_id, marks[clip_id]) for clip_id in sorted(clip_ids) if clip_id in marks]
