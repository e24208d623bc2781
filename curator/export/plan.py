"""What an export contains: confirmed clips, their split, and for images their frames.

Read from the store in one go; everything after this works on plain dataclasses.
The main face of a clip is its most present main track; its person (or, by film,
the film) decides the split group. People are per film, so a named actor who is in
two films is two people: with `by-actor`, clips are also tied by the person's name
(normalised), so one named actor never spans two splits.
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from curator.export.selection import Candidate, choose_frames, unusable_counts
from curator.export.splits import SPLITS, assign_splits, connected_groups
from curator.media.crops import CropFrame
from curator.store.faces import display_size, landmarks_of
from curator.store.models import Clip, ClipSubject, FaceCheck, FaceTrack, Film, Person

SPLIT_MODES = ("by-actor", "by-film")


@dataclass
class ClipPlan:
    clip_id: int
    film_id: int
    film_sha: str
    film_path: str
    start_ms: int
    end_ms: int
    label: str
    person_id: int | None  # the main face's person
    people: tuple[int, ...]  # every person in the clip (for subject-independent splits)
    display_size: tuple[int, int]
    check_start_ms: int | None = None
    sample_fps: float | None = None
    frames: tuple[CropFrame, ...] = ()
    split: str = ""
    note: str | None = None  # why a clip has no frames
    names: tuple[str, ...] = ()  # normalised non-empty names of `people`
    votes: str = ""  # the annotators' current votes, "Happy:2 Sad:1" (the soft label)


@dataclass
class ExportPlan:
    """The clips to export. An export folder may also hold files of films outside this
    plan: only files of films in `scope` may be removed (`None`: every film), and never
    those of `kept_films` (films left out this time, e.g. because they cannot be found)."""

    clips: list[ClipPlan] = field(default_factory=list)
    scope: int | None = None  # `--film`: the one film whose old files may be removed
    kept_films: set[int] = field(default_factory=set)

    def may_remove(self, film_id: int) -> bool:
        """Whether files of `film_id` that are not planned any more may be deleted."""
        return (self.scope is None or film_id == self.scope) and film_id not in self.kept_films

    def leave_out(self, film_ids: Iterable[int]) -> None:
        """Drop these films' clips; their files already exported are kept."""
        left = set(film_ids)
        self.kept_films |= left
        self.clips = [c for c in self.clips if c.film_id not in left]

    def by_split(self) -> dict[str, list[ClipPlan]]:
        return {s: [c for c in self.clips if c.split == s] for s in SPLITS}


def confirmed_clips(
    session: Session, *, film_id: int | None = None, frames_per_clip: int = 0,
    exclusive: bool = True,
) -> ExportPlan:
    """Every confirmed clip with its main face; with `frames_per_clip`, its chosen frames.

    `exclusive` (a dataset): no frame that a confirmed clip of another label also covers,
    nor one already chosen for an overlapping clip of the same face. Without it (scoring
    clips with a model), every clip gets its own best frames.

    Read as plain rows (a clip's times and label, its people, its main face track), not
    as clips with their people and tracks: only a clip's main track is read whole, with
    its detections, when its frames are chosen, and let go after."""
    confirmed = [Clip.status == "confirmed", Clip.expression.is_not(None)]
    if film_id is not None:
        confirmed.append(Clip.film_id == film_id)
    rows = session.execute(
        select(Clip.id, Clip.film_id, Clip.start_ms, Clip.end_ms, Clip.expression)
        .where(*confirmed)
        .order_by(Clip.film_id, Clip.start_ms, Clip.id)
    ).all()
    films = {film.id: film for film in session.scalars(
        select(Film).where(Film.id.in_({row.film_id for row in rows})))}
    people: dict[int, set[int]] = {}
    for clip_id, person_id in session.execute(
        select(ClipSubject.clip_id, ClipSubject.person_id)
        .join(Clip, Clip.id == ClipSubject.clip_id)
        .where(*confirmed, ClipSubject.person_id.is_not(None))
    ):
        people.setdefault(clip_id, set()).add(person_id)
    main: dict[int, tuple[int, int | None]] = {}  # clip → its main track and its person
    for clip_id, track_id, person_id in session.execute(
        select(FaceTrack.clip_id, FaceTrack.id, FaceTrack.person_id)
        .join(Clip, Clip.id == FaceTrack.clip_id)
        .where(*confirmed, FaceTrack.is_main.is_(True))
        .order_by(FaceTrack.clip_id, FaceTrack.presence.desc(), FaceTrack.id)
    ):
        main.setdefault(clip_id, (track_id, person_id))  # the most present
    plan = ExportPlan(scope=film_id)
    spans = _Spans((row.film_id, row.start_ms, row.end_ms, row.expression) for row in rows)
    # Pictures already chosen for an earlier overlapping clip of the same face: the same
    # picture twice in a dataset would only weigh it double.
    taken: set[tuple[int, int, int]] = set()
    for clip_id, film_of_clip, start_ms, end_ms, expression in rows:
        film = films[film_of_clip]
        track_id, person_id = main.get(clip_id, (None, None))
        faces = people.get(clip_id, set())
        if person_id is not None:
            faces.add(person_id)
        item = ClipPlan(
            clip_id=clip_id, film_id=film.id, film_sha=film.sha256, film_path=film.path,
            start_ms=start_ms, end_ms=end_ms, label=str(expression), person_id=person_id,
            people=tuple(sorted(faces)), display_size=display_size(film),
        )
        if frames_per_clip > 0:
            track = None if track_id is None else session.get(
                FaceTrack, track_id, options=[selectinload(FaceTrack.detections)])
            _plan_frames(session, item, track, frames_per_clip,
                         _other_labels(item, spans) if exclusive else (),
                         taken if exclusive else set(), film.fps)
        plan.clips.append(item)
    _add_names(session, plan)
    _add_votes(session, plan)
    return plan


def votes_text(votes: Mapping[str, int]) -> str:
    """"Happy:2 Sad:1": most votes first, then by name (a FER+-style soft label)."""
    return " ".join(f"{k}:{n}" for k, n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])))


def _add_votes(session: Session, plan: ExportPlan) -> None:
    from curator.store.review_queries import latest_votes_subquery

    wanted = {clip.clip_id for clip in plan.clips}
    latest = latest_votes_subquery()
    counts: dict[int, Counter[str]] = {}
    for clip_id, vote in session.execute(select(latest.c.clip_id, latest.c.vote)):
        if clip_id in wanted and vote is not None:
            counts.setdefault(clip_id, Counter())[vote] += 1
    for clip in plan.clips:
        clip.votes = votes_text(counts.get(clip.clip_id, {}))


def normalised_name(name: str | None) -> str:
    """Case, Unicode form and spacing folded; "" for no name."""
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def _add_names(session: Session, plan: ExportPlan) -> None:
    names: dict[int, str] = {}
    for person_id, name in session.execute(
        select(Person.id, Person.name).where(Person.name.is_not(None))
    ):
        if key := normalised_name(name):
            names[person_id] = key
    for clip in plan.clips:
        clip.names = tuple(sorted({names[p] for p in clip.people if p in names}))


class _Spans:
    """Confirmed clips' (film, start, end, label), found by the times they overlap: per
    film, sorted by start, so a clip looks at its few neighbours rather than every clip
    (6,000 clips took 3.75 s compared pairwise)."""

    def __init__(self, spans: Iterable[tuple[int, int, int, str | None]]) -> None:
        self._by_film: dict[int, list[tuple[int, int, str | None]]] = {}
        for film, start, end, label in spans:
            self._by_film.setdefault(film, []).append((start, end, label))
        self._starts: dict[int, list[int]] = {}
        self._longest: dict[int, int] = {}
        for film, rows in self._by_film.items():
            rows.sort()
            self._starts[film] = [start for start, _, _ in rows]
            self._longest[film] = max(end - start for start, end, _ in rows)

    def overlapping(self, film: int, start: int, end: int) -> list[tuple[int, int, str | None]]:
        """The spans of `film` that share some time with [start, end)."""
        rows = self._by_film.get(film, [])
        if not rows:
            return []
        # A span starting before start - longest ends before `start`.
        first = bisect.bisect_right(self._starts[film], start - self._longest[film])
        last = bisect.bisect_left(self._starts[film], end)
        return [row for row in rows[first:last] if row[1] > start]


def _other_labels(item: ClipPlan, spans: _Spans) -> list[tuple[int, int]]:
    """Time ranges of the clip that confirmed clips of another label also cover."""
    return [
        (max(start, item.start_ms), min(end, item.end_ms))
        for start, end, label in spans.overlapping(item.film_id, item.start_ms, item.end_ms)
        if label != item.label
    ]


def _plan_frames(
    session: Session,
    item: ClipPlan,
    track: FaceTrack | None,
    k: int,
    contested: Sequence[tuple[int, int]] = (),
    taken: set[tuple[int, int, int]] | None = None,
    film_fps: float = 0.0,
) -> None:
    """Choose the clip's frames. A frame inside `contested` (a confirmed clip with
    another label covers it too) is never taken: one image, two labels. Nor is a picture
    in `taken` (see `_picture`), which the chosen join."""
    taken = set() if taken is None else taken
    check = session.get(FaceCheck, item.clip_id)
    if check is None:
        item.note = "not face-checked (run `curator propose`)"
        return
    if track is None or not track.detections:
        item.note = "no face track"
        return
    item.check_start_ms, item.sample_fps = check.start_ms, check.sample_fps
    # The face check saw the clip as it was then: boundaries moved since leave some of its
    # detections outside the clip.
    inside = [d for d in track.detections if item.start_ms <= d.time_ms < item.end_ms]
    if not inside:
        item.note = ("no face detected within the clip's boundaries, moved since its face "
                     "check")
        return
    free = [
        d for d in inside
        if not any(start <= d.time_ms < end for start, end in contested)
    ]
    if not free:
        item.note = "every frame is also in a confirmed clip with another label"
        return
    candidates = [
        Candidate(d.time_ms, landmarks_of(d), d.sharpness)
        for d in free
        if _picture(item, d.time_ms, film_fps) not in taken
    ]
    if not candidates:
        item.note = "every frame is already exported for an overlapping clip"
        return
    chosen = choose_frames(candidates, k, neutral=item.label == "Neutral",
                           frame_size=item.display_size)
    if not chosen:
        item.note = _no_frame_note(candidates, item.display_size,
                                   also_labelled=len(inside) - len(free),
                                   exported=len(free) - len(candidates))
        return
    item.frames = tuple(
        CropFrame(
            index=round((candidates[i].time_ms - check.start_ms) * check.sample_fps / 1000),
            time_ms=candidates[i].time_ms,
            landmarks=candidates[i].landmarks,
        )
        for i in chosen
    )
    taken.update(p for f in item.frames if (p := _picture(item, f.time_ms, film_fps)))


def _no_frame_note(candidates: Sequence[Candidate], frame_size: tuple[int, int] | None, *,
                   also_labelled: int, exported: int) -> str:
    """Why a clip with face samples has no frame to export, counted by cause."""
    bad_landmarks, near_edge = unusable_counts(candidates, frame_size)
    causes = [
        (near_edge, "too near the frame's edge"),
        (bad_landmarks, "without usable landmarks (a profile, a failed fit)"),
        (also_labelled, "also in a confirmed clip with another label"),
        (exported, "already exported for an overlapping clip"),
    ]
    return "no usable frame: " + ", ".join(f"{n} {why}" for n, why in causes if n)


def _picture(item: ClipPlan, time_ms: int, film_fps: float) -> tuple[int, int, int] | None:
    """(film, person, video frame) of a face at `time_ms`: two clips' samples a millisecond
    apart (grids of rates that do not divide 1000) are one picture. None for a face without
    a person: faces are told apart by person, so an unknown one is never deduplicated."""
    if item.person_id is None:
        return None
    frame = math.ceil(time_ms * film_fps / 1000 - 1e-6) if film_fps > 0 else time_ms
    return item.film_id, item.person_id, frame


def shared_footage(clips: Sequence[ClipPlan]) -> dict[int, list[str]]:
    """clip id → a key it shares with the clips of its film whose times overlap its own
    (chains included): an AFEW video of each would put the same seconds of film, and
    whoever is in them, in two splits. Clips apart from every other get none."""
    keys: dict[int, list[str]] = {}
    by_film: dict[int, list[ClipPlan]] = {}
    for clip in clips:
        by_film.setdefault(clip.film_id, []).append(clip)
    for film, film_clips in by_film.items():
        film_clips.sort(key=lambda c: (c.start_ms, c.end_ms))
        run: list[ClipPlan] = []
        run_end = -1
        for clip in [*film_clips, None]:  # None closes the last run
            if clip is not None and clip.start_ms < run_end:
                run.append(clip)
                run_end = max(run_end, clip.end_ms)
                continue
            if len(run) > 1:
                for member in run:
                    keys[member.clip_id] = [f"footage:{film}:{run[0].clip_id}"]
            if clip is not None:
                run, run_end = [clip], clip.end_ms
    return keys


def group_of(clip: ClipPlan, mode: str) -> list[str]:
    """What ties a clip to others: its people and their names (by-actor) or its film."""
    if mode == "by-film" or not clip.people:
        return [f"film:{clip.film_id}"]
    return [f"person:{p}" for p in clip.people] + [f"name:{n}" for n in clip.names]


def assign(
    plan: ExportPlan,
    *,
    mode: str,
    val: float,
    test: float,
    seed: int,
    previous: Mapping[int, str] | None = None,
    among: Sequence[ClipPlan] | None = None,
) -> dict[str, str]:
    """Set every clip's split; returns group → split. `previous` (clip → split) is kept
    where a group was placed before, so a re-run does not move earlier files. Groups
    are formed and placed among `among` (default: the plan's clips; all confirmed
    clips when the plan is one film's, so it is placed as a full export would be)."""
    if mode not in SPLIT_MODES:
        raise ValueError(f"unknown split mode {mode!r}")
    clips = list(plan.clips) if among is None else list(among)
    known = {c.clip_id for c in clips}
    clips += [c for c in plan.clips if c.clip_id not in known]
    footage = shared_footage(clips)
    groups = connected_groups({c.clip_id: group_of(c, mode) + footage.get(c.clip_id, [])
                               for c in clips})
    sizes = Counter(groups[c.clip_id] for c in clips)
    earlier: dict[str, Counter[str]] = {}
    for clip in clips:
        if previous and clip.clip_id in previous:
            earlier.setdefault(groups[clip.clip_id], Counter())[previous[clip.clip_id]] += 1
    fixed = {
        group: max(counts, key=lambda s: (counts[s], -SPLITS.index(s) if s in SPLITS else -9))
        for group, counts in earlier.items()
    }
    splits = assign_splits(sizes, val=val, test=test, seed=seed, fixed=fixed)
    for clip in (*plan.clips, *clips):  # `among` too: where a full export would put them
        clip.split = splits[groups[clip.clip_id]]
    return splits
