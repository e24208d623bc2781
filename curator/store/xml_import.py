"""Reading curator XML back into the database: validate everything, then write in one go.

A file that fails validation changes nothing. Films and subtitle tracks are matched
by content hash, cues by (track, index), clips by their `uid`, else (in files of
version 1.0, or clips proposed in two databases apart) by (film, start, end), and
actors by their `uid`: what already exists is kept as it is and counted, the rest
is added. A clip known here whose boundaries differ in the file keeps this
database's boundaries (and is counted as moved). A track known here that the file says
is replaced (`replacedBy`) is replaced here too, its clips settled as by `ingest
--replace-subs`, unless this database's own standing differs (`adopt_replacements`).

Values are read as XSD means them: booleans are `true`/`1` or `false`/`0`, tokens
(enumerations, keys) have their surrounding blanks dropped, and times of day are
converted to UTC (`24:00:00` is midnight at the end of the day).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.errors import ConflictError, CuratorError, XMLValidationError
from curator.store.annotations import check_annotator_name
from curator.store.consensus import Vote, consensus
from curator.store.faces import FACE_CHECK, NO_FACE
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipAlias,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    FaceTrack,
    Film,
    Person,
    PersonAlias,
    SubtitleTrack,
    new_uid,
)
from curator.store.replacing import Adopted, adopt_replacements
from curator.store.xml_safety import parse_untrusted, validate


@dataclass
class ImportReport:
    film_title: str
    film_created: bool
    clips_added: int
    clips_existing: int
    votes_added: int = 0  # annotations new to clips already present (a teammate's votes)
    votes_retracted: int = 0  # votes live here that the file has retracted
    clips_moved: int = 0  # known by uid, at other times in the file: these times kept
    # Untouched proposals the file placed from subtitles timed otherwise than here (another
    # --subs-offset, or tracks replaced here): not added, `propose` places them here.
    clips_left: int = 0
    # The file's replacements of tracks this database had already: adopted, or kept apart.
    replacements: Adopted = field(default_factory=Adopted)
    film_id: int = 0


_DATETIME = re.compile(
    r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?",
    re.ASCII,
)
# Attributes of type xs:dateTime, by element.
_DATETIME_ATTRIBUTES = {"clip": ("created", "updated"), "annotation": ("at",), "change": ("at",)}


def ms(value: str) -> int:
    return int(Decimal(value) * 1000)


def when(value: str) -> datetime:
    """An xs:dateTime as a naive UTC datetime (no zone is taken as UTC).

    Raises `ValueError` for what Python's datetime cannot hold (years outside 1-9999).
    """
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a date and time")
    # A fraction of a second is read and dropped: curator keeps times to the second (as it
    # writes them), and a vote's time is how a re-import finds it already here.
    year, month, day, hour, minute, second, _fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour) % 24, int(minute),
                          int(second))
        if hour == "24":  # xs:dateTime allows 24:00:00, the end of the day
            moment += timedelta(days=1)
        if zone not in (None, "Z"):
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            moment = moment - offset if zone[0] == "+" else moment + offset
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{value!r} is out of range (years 1 to 9999, in UTC)") from exc
    return moment


def _opt_int(node: etree._Element, name: str) -> int | None:
    value = node.get(name)
    return None if value is None else int(value)


def _flag(node: etree._Element, name: str, default: bool) -> bool:
    """An xs:boolean attribute: `true` or `1` is true, `false` or `0` false."""
    value = node.get(name)
    return default if value is None else value.strip() in ("true", "1")


def _token(node: etree._Element, name: str, default: str | None = None) -> str | None:
    """An xs:token (or ID, IDREF) attribute with its blanks collapsed, as the XSD compares it."""
    value = node.get(name)
    return default if value is None else " ".join(value.split())


def _check_meaning(root: etree._Element, path: Path) -> None:
    """Rules the XSD cannot say: clips end after they start, inside the film; cues name a
    listed subtitle track; times fit."""
    duration = ms(root.get("duration", "0"))
    problems = []
    seen: dict[tuple[int, int], int] = {}  # a clip is known by its times: one of each
    for clip in root.iter("clip"):
        start, end = ms(clip.get("start", "0")), ms(clip.get("end", "0"))
        line = clip.sourceline or 0
        if end <= start:
            problems.append((line, "clip ends before it starts"))
        elif end > duration:
            problems.append((line, "clip ends after the film"))
        if (start, end) in seen:
            problems.append((line, f"a second clip at {clip.get('start')}–{clip.get('end')} "
                                   f"(the first is on line {seen[start, end]})"))
        seen.setdefault((start, end), line)
    for annotation in root.iter("annotation"):
        try:
            check_annotator_name(annotation.get("annotator") or "")
        except CuratorError as exc:
            problems.append((annotation.sourceline or 0,
                             f"annotator {annotation.get('annotator')!r}: {exc}"))
    problems += _actor_uid_problems(root)
    problems += _replacement_problems(root)
    tracks = {(t.get("key") or "").strip() for t in root.iterfind("subtitleTrack")}
    cues: dict[tuple[str, int], tuple[tuple, int]] = {}  # (track, index) → (what, line)
    actors = {(p.get("actor") or "").strip() for p in root.iter("person")} - {""}
    for clip in root.iterfind("clip"):
        for cue in clip.iterfind("cue"):
            track = (cue.get("track") or "").strip()
            if track not in tracks:
                problems.append((cue.sourceline or 0,
                                 f"cue refers to subtitle track {track!r}, which the file "
                                 "does not list"))
            # A cue is stored once: a second, different copy would be dropped unseen.
            what = (ms(cue.get("start", "0")), ms(cue.get("end", "0")),
                    cue.findtext("text") or "")
            first = cues.setdefault((track, int(cue.get("index", "0"))),
                                    (what, cue.sourceline or 0))
            if first[0] != what:
                problems.append((cue.sourceline or 0, f"cue {cue.get('index')} of track "
                                 f"{track!r} differs from its copy on line {first[1]}"))
        for face in clip.iter("faceTrack"):
            if ms(face.get("end", "0")) < ms(face.get("start", "0")):
                problems.append((face.sourceline or 0, "face track ends before it starts"))
        people = len(clip.findall("person"))
        for change in clip.iter("change"):
            entity, ref = _token(change, "entity", "clip"), (change.get("ref") or "").strip()
            if entity == "subject" and ref and not (ref.isdigit() and 1 <= int(ref) <= people):
                problems.append((change.sourceline or 0,
                                 f"change refers to person {ref} of a clip with {people}"))
            elif entity == "person" and ref and ref not in actors:
                problems.append((change.sourceline or 0,
                                 f"change refers to actor {ref}, whom the file does not list"))
    for node in root.iter(*_DATETIME_ATTRIBUTES):
        for name in _DATETIME_ATTRIBUTES[node.tag]:
            value = node.get(name)
            if value is None:
                continue
            try:
                when(value)
            except ValueError as exc:
                problems.append((node.sourceline or 0, f"attribute {name!r}: {exc}"))
    if not problems:  # the votes' times are readable now
        problems += [(clip.sourceline or 0, p) for clip in root.iterfind("clip")
                     if (p := _label_against_votes(clip)) is not None]
    if problems:
        raise XMLValidationError(path, sorted(problems))


def _replacement_problems(root: etree._Element) -> list[tuple[int, str]]:
    """Each track's `replacedBy` chain ends at a track in use (not at itself, in a loop)."""
    by = {_token(t, "key", ""): (_token(t, "replacedBy"), t.sourceline or 0)
          for t in root.iterfind("subtitleTrack")}
    problems = []
    for key, (_, line) in by.items():
        seen, at = {key}, by[key][0]
        while at is not None and at in by:
            if at in seen:
                problems.append((line, f"subtitle track {key!r} is replaced in a loop "
                                       "(replacedBy leads back to it)"))
                break
            seen.add(at)
            at = by[at][0]
    return problems


def _actor_uid_problems(root: etree._Element) -> list[tuple[int, str]]:
    """An actor number and an actor uid name one person: each goes with one of the other."""
    problems = []
    uid_of: dict[int, tuple[str, int]] = {}  # actor → (uid, line)
    actor_of: dict[str, tuple[int, int]] = {}  # uid → (actor, line)
    for node in root.iter("person"):
        uid, actor, line = _token(node, "actorUid"), _opt_int(node, "actor"), node.sourceline or 0
        if uid is None:
            continue
        if actor is None:
            problems.append((line, "actorUid without an actor number"))
            continue
        first_uid, first_line = uid_of.setdefault(actor, (uid, line))
        first_actor, other_line = actor_of.setdefault(uid, (actor, line))
        if first_uid != uid:
            problems.append((line, f"actor {actor} has another actorUid on line {first_line}"))
        elif first_actor != actor:
            problems.append((line, f"actorUid {uid} is actor {first_actor} on line {other_line}"))
    return problems


def _label_against_votes(clip: etree._Element) -> str | None:
    """Why a clip's status cannot stand, or None. Exports take confirmed clips by their
    expression: one without an expression, or with one its own votes do not give, would
    be exported unlabelled or under a label nobody chose. A proposed clip its votes
    decide would sit in no queue: not waiting for votes, nor disputed, nor exported; a
    rejected one they confirm would lose the label they chose. (The face check rejects only
    clips without votes.)"""
    status = _token(clip, "status")
    expression = _token(clip, "expression")
    if status == "confirmed" and expression is None:
        return "a confirmed clip without an expression"
    review = clip.find("review")
    items = [] if review is None else review.findall("annotation")
    votes = [(when(i.get("at", "")), n, i) for n, i in enumerate(items)
             if not _flag(i, "retracted", False)]
    live = [Vote((i.get("annotator") or "").strip(), _token(i, "decision") or "",
                 _token(i, "expression"), i.get("reason"), _flag(i, "adjudication", False))
            for _, _, i in sorted(votes, key=lambda v: (v[0], v[1]))]
    if not any(v.decision != "skip" for v in live):
        return None  # labelled without votes (an imported or older record): taken as it is
    verdict = consensus(live)
    said = ", ".join(f"{k} {n}" for k, n in sorted(verdict.votes.items()))
    outcome = f"{verdict.status}{' as ' + verdict.expression if verdict.expression else ''}"
    if status in ("proposed", "rejected"):
        return None if verdict.status == status else (
            f"{status}, but its votes ({said}) leave it {outcome}")
    if (verdict.status, verdict.expression) == ("confirmed", expression):
        return None
    return f"confirmed as {expression}, but its votes ({said}) leave it {outcome}"


def load_validated(path: Path) -> etree._Element:
    """Parse safely, validate against the XSD and the extra rules; return the root."""
    tree = parse_untrusted(path)
    validate(tree, path)
    root = tree.getroot()
    _check_meaning(root, path)
    return root


def _times(node: etree._Element) -> tuple[int, int]:
    return ms(node.get("start", "0")), ms(node.get("end", "0"))


class _KnownClips:
    """A film's clips here, found for a `<clip>` by its uid (or another database's uid for
    it, a `ClipAlias`), else by its times."""

    def __init__(self, session: Session, film_id: int) -> None:
        clips = list(session.scalars(select(Clip).where(Clip.film_id == film_id)))
        self.by_uid = {clip.uid: clip for clip in clips}
        by_id = {clip.id: clip for clip in clips}
        for alias in session.scalars(select(ClipAlias).join(Clip).where(Clip.film_id == film_id)):
            self.by_uid[alias.uid] = by_id[alias.clip_id]
        self.by_times = {(clip.start_ms, clip.end_ms): clip for clip in clips}

    def find(self, node: etree._Element) -> Clip | None:
        uid = _token(node, "uid")
        clip = self.by_uid.get(uid) if uid is not None else None
        return clip if clip is not None else self.by_times.get(_times(node))

    def add(self, clip: Clip) -> None:
        self.by_uid[clip.uid] = clip
        self.by_times[clip.start_ms, clip.end_ms] = clip

    def remember(self, session: Session, node: etree._Element, clip: Clip) -> None:
        """`clip`, met by its times, is known by the file's uid too from now on."""
        uid = _token(node, "uid")
        if uid is not None and uid not in self.by_uid:
            session.add(ClipAlias(uid=uid, clip_id=clip.id))
            self.by_uid[uid] = clip


def _check_new_clips_fit(root: etree._Element, path: Path, film: Film,
                         known: _KnownClips) -> None:
    """A known film keeps the length stored here: a file that says it is longer must not
    bring in clips past its end (no frames to export, and an export that will not import)."""
    why = (f"clip ends after the film, which is {film.duration_ms / 1000:.3f} s long in this "
           f"database (the file says {root.get('duration')} s)")
    problems = [
        (node.sourceline or 0, why)
        for node in root.iterfind("clip")
        if known.find(node) is None and _times(node)[1] > film.duration_ms
    ]
    if problems:
        raise XMLValidationError(path, problems)


def _check_uids_are_this_films(session: Session, root: etree._Element, path: Path,
                               film_id: int | None) -> None:
    """A uid names one clip or actor wherever it goes: the file's must not be another
    film's here (a hand-edited file, or two films' records mixed up)."""
    problems = []
    for entity, model, alias, owner, tag, attribute in (
        ("clip", Clip, ClipAlias, ClipAlias.clip_id, "clip", "uid"),
        ("actor", Person, PersonAlias, PersonAlias.person_id, "person", "actorUid"),
    ):
        lines: dict[str, int] = {}
        for node in root.iter(tag):
            uid = _token(node, attribute)
            if uid is not None:
                lines.setdefault(uid, node.sourceline or 0)
        uids = sorted(lines)
        for start in range(0, len(uids), 500):  # bounded statements, any file size
            chunk = uids[start:start + 500]
            own = select(model.uid).where(model.uid.in_(chunk))
            aliased_here = (select(alias.uid).join(model, model.id == owner)
                            .where(alias.uid.in_(chunk)))
            if film_id is not None:
                own = own.where(model.film_id.is_distinct_from(film_id))
                aliased_here = aliased_here.where(model.film_id.is_distinct_from(film_id))
            problems += [(lines[uid], f"{entity} uid {uid} belongs to another film in this "
                                      "database")
                         for query in (own, aliased_here) for uid in session.scalars(query)]
    if problems:
        raise XMLValidationError(path, sorted(problems))


def import_film_xml(session: Session, path: Path,
                    root: etree._Element | None = None) -> ImportReport:
    """Import one film file; raises `XMLValidationError` before writing anything.

    `root` is the file as `load_validated` returned it, for a caller that validates
    before it takes the write lock (`Database.writing`): what to add is decided from what
    is read here, so two imports of one new film must take turns, or both add it.
    """
    root = load_validated(path) if root is None else root
    film = session.scalars(select(Film).where(Film.sha256 == root.get("sha256"))).first()
    film_created = film is None
    _check_uids_are_this_films(session, root, path, None if film is None else film.id)
    if film is None:
        film = Film(
            sha256=root.get("sha256"),
            path=root.get("path"),
            title=root.get("title"),
            duration_ms=ms(root.get("duration", "0")),
            fps=float(root.get("fps", "0")),
            width=int(root.get("width", "0")),
            height=int(root.get("height", "0")),
            rotation=int(root.get("rotation", "0")),
            variable_fps=_flag(root, "variableFps", False),
            subs_offset_ms=ms(root.get("subsOffset", "0")),
        )
        session.add(film)
        session.flush()
    known = _KnownClips(session, film.id)
    if not film_created:
        _check_new_clips_fit(root, path, film, known)

    tracks, replacing = _import_tracks(session, film, root)
    replacements = adopt_replacements(session, film, replacing)
    if replacements.settled.withdrawn:  # some of the clips read above are gone
        known = _KnownClips(session, film.id)
    people = _actors_known_by_uid(session, root, film)
    added = existing = votes = retracted = moved = left = 0
    _people_of_known_clips(root, known, people)
    _remember_actor_uids(session, root, people)
    stale = None if film_created else _stale_placement(session, film, root)
    for node in root.iterfind("clip"):
        clip = known.find(node)
        if clip is None and stale is not None and stale(node):
            left += 1  # withdrawn here (or never placed so): not brought back
            continue
        if clip is not None:
            existing += 1
            moved += (clip.start_ms, clip.end_ms) != _times(node)
            known.remember(session, node, clip)
            review = node.find("review")
            if review is not None:
                more, fewer = _merge_votes(session, clip, review)
                votes, retracted = votes + more, retracted + fewer
            continue
        known.add(_import_clip(session, film, node, tracks, people))
        added += 1
    session.flush()
    return ImportReport(film.title, film_created, added, existing, votes, retracted, moved,
                        left, replacements, film.id)


def _stale_placement(session: Session, film: Film,
                     root: etree._Element) -> Callable[[etree._Element], bool]:
    """A test for the file's clips not known here that no person touched in the file (as
    `replacing.touched_clips` counts it) and whose evidence was timed otherwise than the
    subtitles here are: the file's `subsOffset` is not this film's offset, or every
    evidence cue is of a track replaced here. `ingest` withdrew such clips here (or would
    have), for `propose` to place again: importing them would bring every moment back
    twice, at the old times beside the new ones."""
    offset_differs = ms(root.get("subsOffset", "0")) != film.subs_offset_ms
    replaced = set(session.scalars(select(SubtitleTrack.sha256).where(
        SubtitleTrack.film_id == film.id, SubtitleTrack.replaced_by_id.is_not(None))))
    sha_of = {_token(n, "key", ""): n.get("sha256") for n in root.iterfind("subtitleTrack")}

    def stale(node: etree._Element) -> bool:
        status = _token(node, "status")
        if not (status == "proposed" or (status == "rejected"
                                         and node.get("rejectReason") == NO_FACE)):
            return False
        review = node.find("review")
        if review is not None and (
                review.find("annotation") is not None
                or any(c.get("who") != FACE_CHECK for c in review.iterfind("change"))):
            return False
        evidence = [sha_of.get(_token(c, "track", "")) for c in node.iterfind("cue")
                    if _token(c, "role") == "evidence"]
        if not evidence:
            return False  # not placed from subtitles
        return offset_differs or all(sha in replaced for sha in evidence)

    return stale


def _actors_known_by_uid(session: Session, root: etree._Element,
                         film: Film) -> dict[int, Person]:
    """The file's actor numbers whose uid is an actor of this film here: the same person,
    also when the file brings only clips that are new here (one clip's record at a time)."""
    numbers: dict[str, int] = {}
    for node in root.iter("person"):
        uid, actor = _token(node, "actorUid"), _opt_int(node, "actor")
        if uid is not None and actor is not None:
            numbers.setdefault(uid, actor)
    if not numbers:
        return {}
    wanted = list(numbers)
    found = {numbers[person.uid]: person for person in session.scalars(
        select(Person).where(Person.film_id == film.id, Person.uid.in_(wanted)))}
    for uid, person in session.execute(
        select(PersonAlias.uid, Person).join(Person, Person.id == PersonAlias.person_id)
        .where(Person.film_id == film.id, PersonAlias.uid.in_(wanted))
    ):
        found.setdefault(numbers[uid], person)
    return found


def _remember_actor_uids(session: Session, root: etree._Element,
                         people: dict[int, Person]) -> None:
    """An actor of the file met here through a known clip, under another uid: that uid is
    this actor's too from now on (`PersonAlias`), so a later file that brings only new
    clips of the actor still finds them."""
    session.flush()  # the actors found so far have their ids
    other_uids: dict[str, Person] = {}
    for node in root.iter("person"):
        uid, actor = _token(node, "actorUid"), _opt_int(node, "actor")
        person = people.get(actor) if actor is not None else None
        if uid is not None and person is not None and person.uid != uid:
            other_uids.setdefault(uid, person)
    if not other_uids:
        return
    known = set(session.scalars(select(PersonAlias.uid).where(
        PersonAlias.uid.in_(list(other_uids)))))
    session.add_all(PersonAlias(uid=uid, person_id=person.id)
                    for uid, person in other_uids.items() if uid not in known)


def _people_of_known_clips(
    root: etree._Element, known: _KnownClips, people: dict[int, Person]
) -> None:
    """The file's actor numbers that clips already here say who they are: a clip the file
    adds with actor 1 is then that person, not a new one (who could land in another
    split than the same actor's other clips). Subjects pair up in order, as exported;
    a clip whose people were added or removed here since says nothing. An actor known
    by uid is that actor already."""
    for node in root.iterfind("clip"):
        clip = known.find(node)
        persons = node.findall("person")
        if clip is None or len(persons) != len(clip.subjects):
            continue
        for person_node, subject in zip(persons, clip.subjects, strict=True):
            actor = _opt_int(person_node, "actor")
            if actor is not None and subject.person is not None:
                people.setdefault(actor, subject.person)


def _merge_votes(session: Session, clip: Clip, review: etree._Element) -> tuple[int, int]:
    """Bring in the votes of `review` that `clip` lacks; returns (added, retracted here).

    The same clip labelled in two databases (a team, each annotator with their own copy)
    meets here. Votes are compared per annotator and second (times are kept to the
    second). Most often one side's votes of that second are the other's, and then some:
    the same history seen at two moments. Then they are joined in order: a vote retracted
    on either side is retracted here (a retraction is never undone, whatever order files
    come in), and what the file has beyond ours is added in the file's order, which within
    one second decides the annotator's current vote. Histories that part ways are matched
    by decision, expression and adjudication, as multisets (`_merge_as_multisets`). The
    clip's consensus follows, logged as `import-xml`.
    """
    from curator.store.annotations import apply_imported_votes

    new, retract = _votes_to_merge(clip, review)
    if not (new or retract):
        return 0, 0
    try:
        apply_imported_votes(session, clip, _in_file_order(new), retract)
    except ConflictError:
        # The clip was read with the film's other clips, without a lock: someone voted on it
        # since (a review going on). Compare the file again with what it holds now, read
        # locked so that the second claim cannot fail the same way.
        session.refresh(clip, with_for_update=True)
        new, retract = _votes_to_merge(clip, review)
        if new or retract:
            apply_imported_votes(session, clip, _in_file_order(new), retract)
    return len(new), len(retract)


def _in_file_order(new: list[tuple[int, Annotation]]) -> list[Annotation]:
    return [vote for _, vote in sorted(new, key=lambda n: n[0])]


def _votes_to_merge(
    clip: Clip, review: etree._Element
) -> tuple[list[tuple[int, Annotation]], list[Annotation]]:
    """The file's votes `clip` lacks (with their places in the file), and ours to retract."""

    def moment(a: Annotation) -> tuple:
        return (a.annotator, a.created_at)

    ours: dict[tuple, list[Annotation]] = {}
    for annotation in sorted(clip.annotations, key=lambda a: a.id):
        ours.setdefault(moment(annotation), []).append(annotation)
    theirs: dict[tuple, list[tuple[int, Annotation]]] = {}
    for position, item in enumerate(review.iterfind("annotation")):
        vote = _annotation(item)
        theirs.setdefault(moment(vote), []).append((position, vote))
    new: list[tuple[int, Annotation]] = []
    retract: list[Annotation] = []
    for m, file_votes in theirs.items():
        here = ours.get(m, [])
        shared = min(len(here), len(file_votes))
        if all(_choice(here[i]) == _choice(file_votes[i][1]) for i in range(shared)):
            retract += [a for a, (_, v) in zip(here, file_votes, strict=False)
                        if v.retracted and not a.retracted]
            new += file_votes[shared:]
        else:
            added, retracted = _merge_as_multisets(here, file_votes)
            new += added
            retract += retracted
    return new, retract


def _choice(a: Annotation) -> tuple:
    return (a.decision, a.expression, a.adjudication)


def _merge_as_multisets(
    here: list[Annotation], file_votes: list[tuple[int, Annotation]]
) -> tuple[list[tuple[int, Annotation]], list[Annotation]]:
    """One annotator's votes of one second whose histories part ways: each vote matched
    with its like (an undo and the same vote again are two rows, one retracted and one
    live). Returns (the file's votes to add, ours to retract)."""
    new: list[tuple[int, Annotation]] = []
    retract: list[Annotation] = []
    ours: dict[tuple, list[Annotation]] = {}
    for a in here:
        ours.setdefault(_choice(a), []).append(a)
    theirs: dict[tuple, list[tuple[int, Annotation]]] = {}
    for i, v in file_votes:
        theirs.setdefault(_choice(v), []).append((i, v))
    for k, votes in theirs.items():
        mine = ours.get(k, [])
        live_here = [a for a in mine if not a.retracted]
        retracted_here = len(mine) - len(live_here)
        file_live = [(i, v) for i, v in votes if not v.retracted]
        file_retracted = [(i, v) for i, v in votes if v.retracted]
        # Like with like first; a retraction the file has beyond ours retracts a live vote
        # of ours that the file's live ones leave unmatched, else it is a vote we lack.
        unmatched_retracted = file_retracted[retracted_here:]
        spare_live = live_here[len(file_live):]
        retract += spare_live[::-1][:len(unmatched_retracted)]
        new += unmatched_retracted[len(spare_live):]
        # A live vote of the file is ours if we hold it live, or retracted (since): only
        # what goes beyond both is new.
        spare_retracted_here = max(0, retracted_here - len(file_retracted))
        new += file_live[len(live_here) + spare_retracted_here:]
    return new, retract


def _annotation(item: etree._Element) -> Annotation:
    """An `<annotation>` as a row, not yet attached to a clip."""
    return Annotation(
        annotator=check_annotator_name(item.get("annotator") or ""),
        decision=_token(item, "decision"),
        expression=_token(item, "expression"),
        reason=item.get("reason"),
        created_at=when(item.get("at", "")),
        retracted=_flag(item, "retracted", False),
        adjudication=_flag(item, "adjudication", False),
    )


def _import_tracks(
    session: Session, film: Film, root: etree._Element
) -> tuple[dict[str, SubtitleTrack], list[tuple[SubtitleTrack, SubtitleTrack]]]:
    """The file's tracks by key, those new here added; and the pairs (track, by) of the
    file's replacements of tracks this database already has."""
    tracks: dict[str, SubtitleTrack] = {}
    created: set[int] = set()
    for node in root.iterfind("subtitleTrack"):
        track = session.scalars(
            select(SubtitleTrack).where(
                SubtitleTrack.film_id == film.id, SubtitleTrack.sha256 == node.get("sha256")
            )
        ).first()
        if track is None:
            track = SubtitleTrack(
                film=film,
                sha256=node.get("sha256"),
                path=node.get("path"),
                lang=_token(node, "lang"),
                format=_token(node, "format"),
                encoding=_token(node, "encoding"),
                skipped_lines=int(node.get("skippedLines", "0")),
                cue_count=int(node.get("cueCount", "0")),
            )
            session.add(track)
            session.flush()
            created.add(track.id)
        tracks[_token(node, "key", "")] = track
    # A track new here is replaced as in the file (no clip cites it yet); one this
    # database has already is replaced as `ingest --replace-subs` does it, clips settled.
    known: list[tuple[SubtitleTrack, SubtitleTrack]] = []
    for node in root.iterfind("subtitleTrack"):
        track, by = tracks[_token(node, "key", "")], _token(node, "replacedBy")
        if by is None or by not in tracks:
            continue
        if track.id in created:
            track.replaced_by_id = tracks[by].id
        else:
            known.append((track, tracks[by]))
    return tracks, known


def _cue_for(session: Session, track: SubtitleTrack, node: etree._Element) -> Cue:
    index = int(node.get("index", "0"))
    cue = session.scalars(select(Cue).where(Cue.track_id == track.id, Cue.idx == index)).first()
    if cue is not None:
        return cue
    cue = Cue(
        track=track,
        idx=index,
        start_ms=ms(node.get("start", "0")),
        end_ms=ms(node.get("end", "0")),
        text=node.findtext("text") or "",
        voice=node.get("voice"),
        emotion=_token(node, "emotion"),
        score=float(node.get("score", "0")),
        evidence=[
            CueEvidence(
                position=i,
                text=item.text or "",
                kind=_token(item, "kind"),
                emotion=_token(item, "emotion"),
                weight=float(item.get("weight", "0")),
            )
            for i, item in enumerate(node.iterfind("evidence"))
        ],
    )
    session.add(cue)
    session.flush()
    return cue


def _import_clip(
    session: Session,
    film: Film,
    node: etree._Element,
    tracks: dict[str, SubtitleTrack],
    people: dict[int, Person],
) -> Clip:
    clip = Clip(
        uid=_token(node, "uid") or new_uid(),
        film=film,
        start_ms=ms(node.get("start", "0")),
        end_ms=ms(node.get("end", "0")),
        status=_token(node, "status"),
        proposed_label=_token(node, "proposedLabel"),
        score=float(node.get("score", "0")),
        expression=_token(node, "expression"),
        reject_reason=node.get("rejectReason"),
        created_at=when(node.get("created", "")),
        updated_at=when(node.get("updated", "")),
    )
    session.add(clip)
    linked: set[int] = set()
    for cue_node in node.iterfind("cue"):
        cue = _cue_for(session, tracks[_token(cue_node, "track", "")], cue_node)
        if cue.id in linked:  # the XSD says each cue once; never link one twice
            continue
        linked.add(cue.id)
        clip.cue_links.append(ClipCue(cue_id=cue.id, role=_token(cue_node, "role")))
    subjects = []
    for person_node in node.iterfind("person"):
        actor_key = _opt_int(person_node, "actor")
        person = None
        if actor_key is not None:
            person = people.get(actor_key)
            if person is None:
                person = Person(uid=_token(person_node, "actorUid") or new_uid(),
                                film_id=film.id, name=person_node.get("actorName"))
                session.add(person)
                people[actor_key] = person
        subject = ClipSubject(
            person=person,
            is_main=_flag(person_node, "main", True),
            character_name=person_node.get("characterName"),
            actor_age=_opt_int(person_node, "actorAge"),
            character_age=_opt_int(person_node, "characterAge"),
            gender=person_node.get("gender"),
            pose=person_node.get("pose"),
            expression=_token(person_node, "expression"),
        )
        face = person_node.find("faceTrack")
        if face is not None:  # a summary: the detections themselves stay in the source database
            subject.track = FaceTrack(
                clip=clip, person=person, is_main=subject.is_main,
                start_ms=ms(face.get("start", "0")), end_ms=ms(face.get("end", "0")),
                detection_count=int(face.get("detections", "0")),
            )
        clip.subjects.append(subject)
        subjects.append(subject)
    session.flush()
    review = node.find("review")
    if review is None:
        return clip
    for item in review.iterfind("annotation"):
        annotation = _annotation(item)
        annotation.clip = clip
        session.add(annotation)
    for item in review.iterfind("change"):
        entity = _token(item, "entity", "clip")
        ref = _opt_int(item, "ref")
        # A change of a person the file no longer lists (deleted since) has no ref: 0, an id
        # no row has, rather than the clip's id, which may be some other subject's here.
        entity_id = clip.id if entity == "clip" else 0
        if entity == "subject" and ref is not None and ref <= len(subjects):
            entity_id = subjects[ref - 1].id
        elif entity == "person" and ref in people:
            entity_id = people[ref].id
        session.add(
            ChangeLog(
                at=when(item.get("at", "")),
                who=item.get("who"),
                entity=entity,
                entity_id=entity_id,
                clip_id=clip.id,
                field=item.get("field"),
                old=_person_id(item, "old", people),
                new=_person_id(item, "new", people),
            )
        )
    return clip


def _person_id(item: etree._Element, name: str, people: dict[int, Person]) -> str | None:
    """A change's value, where a change of who a person is (`person_id`) gives the file's
    actor number: that actor's row id here. Files of schema 1.0 gave the row id of the
    database they came from, which means no one here: nothing is stored."""
    value = item.get(name)
    if item.get("field") != "person_id" or value is None:
        return value
    if _token(item.getroottree().getroot(), "schemaVersion") == "1.0":
        return None
    person = people.get(int(value)) if value.strip().isdigit() else None
    return None if person is None else str(person.id)
