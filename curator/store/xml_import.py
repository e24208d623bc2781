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

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from curator.errors import ConflictError, CuratorError, InputFileError, XMLValidationError
from curator.fsutil import sha256_file
from curator.media.embedded_subtitles import film_and_stream, stream_track_path
from curator.store.faces import FACE_CHECK, NO_FACE
from curator.store.models import (
    Annotation,
    Clip,
    ClipAlias,
    ClipSubject,
    Film,
    Person,
    PersonAlias,
    SubtitleTrack,
)
from curator.store.replacing import Adopted, adopt_replacements
from curator.store.xml_adding import NewClips, annotation_from
from curator.store.xml_checks import ClipKey, ValidatedFile, load_validated, ms
from curator.store.xml_checks import flag as _flag
from curator.store.xml_checks import token as _token
from curator.store.xml_safety import stream_film

__all__ = ["ImportReport", "import_film_xml", "load_validated"]


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


READ_AHEAD = 200  # clips already here read in one query


def _times(node: etree._Element) -> tuple[int, int]:
    return ms(node.get("start", "0")), ms(node.get("end", "0"))


class _KnownClips:
    """A film's clips here, found for a `<clip>` (or its `ClipKey`) by its uid (or another
    database's uid for it, a `ClipAlias`), else by its times. Only ids are held: clips are
    read a few hundred at a time, just before the file's records of them come (a whole
    film's rows at once would take the memory that streaming the file saves)."""

    def __init__(self, session: Session, film_id: int) -> None:
        self.session = session
        rows = session.execute(select(Clip.id, Clip.uid, Clip.start_ms, Clip.end_ms)
                               .where(Clip.film_id == film_id)).all()
        self.by_uid = {uid: clip_id for clip_id, uid, _, _ in rows}
        for uid, clip_id in session.execute(
                select(ClipAlias.uid, ClipAlias.clip_id).join(Clip)
                .where(Clip.film_id == film_id)):
            self.by_uid[uid] = clip_id
        self.by_times = {(start, end): clip_id for clip_id, _, start, end in rows}
        self.ahead: list[Clip] = []

    def read_ahead(self, keys: Sequence[ClipKey], *, votes: bool = True) -> None:
        """Read the clips here among `keys` (those the import meets next), with their people
        and (`votes`) their votes, in one query, and hold them until the next read-ahead:
        meeting each then asks the database nothing (a query or three a clip before)."""
        ids = [clip_id for clip_id in (self._id(k.uid, (k.start_ms, k.end_ms)) for k in keys)
               if clip_id is not None]
        options = [selectinload(Clip.subjects).selectinload(ClipSubject.person)]
        if votes:
            options.append(selectinload(Clip.annotations))
        self.ahead = list(self.session.scalars(
            select(Clip).where(Clip.id.in_(ids)).options(*options))) if ids else []

    def find_key(self, key: ClipKey) -> Clip | None:
        clip_id = self._id(key.uid, (key.start_ms, key.end_ms))
        return None if clip_id is None else self.session.get(Clip, clip_id)

    def find(self, node: etree._Element) -> Clip | None:
        clip_id = self._id(_token(node, "uid"), _times(node))
        return None if clip_id is None else self.session.get(Clip, clip_id)

    def _id(self, uid: str | None, times: tuple[int, int]) -> int | None:
        clip_id = self.by_uid.get(uid) if uid is not None else None
        return clip_id if clip_id is not None else self.by_times.get(times)

    def remember(self, session: Session, node: etree._Element, clip: Clip) -> None:
        """`clip`, met by its times, is known by the file's uid too from now on."""
        uid = _token(node, "uid")
        if uid is not None and uid not in self.by_uid:
            session.add(ClipAlias(uid=uid, clip_id=clip.id))
            self.by_uid[uid] = clip.id


def _check_new_clips_fit(checked: ValidatedFile, film: Film, known: _KnownClips) -> None:
    """A known film keeps the length stored here: a file that says it is longer must not
    bring in clips past its end (no frames to export, and an export that will not import)."""
    why = (f"clip ends after the film, which is {film.duration_ms / 1000:.3f} s long in this "
           f"database (the file says {checked.root.get('duration')} s)")
    problems = [
        (key.line, why)
        for key in checked.clips
        if key.end_ms > film.duration_ms and known._id(key.uid, (key.start_ms, key.end_ms)) is None
    ]
    if problems:
        raise XMLValidationError(checked.path, problems)


def _check_uids_are_this_films(session: Session, checked: ValidatedFile,
                               film_id: int | None) -> None:
    """A uid names one clip or actor wherever it goes: the file's must not be another
    film's here (a hand-edited file, or two films' records mixed up)."""
    clip_lines: dict[str, int] = {}
    for key in checked.clips:
        if key.uid is not None:
            clip_lines.setdefault(key.uid, key.line)
    actor_lines = {uid: line for uid, (_, line) in checked.actor_uids.items()}
    problems = []
    for entity, model, alias, owner, lines in (
        ("clip", Clip, ClipAlias, ClipAlias.clip_id, clip_lines),
        ("actor", Person, PersonAlias, PersonAlias.person_id, actor_lines),
    ):
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
        raise XMLValidationError(checked.path, sorted(problems))


def import_film_xml(session: Session, path: Path,
                    checked: ValidatedFile | None = None) -> ImportReport:
    """Import one film file; raises `XMLValidationError` before writing anything.

    `checked` is the file as `load_validated` returned it, for a caller that validates
    before it takes the write lock (`Database.writing`): what to add is decided from what
    is read here, so two imports of one new film must take turns, or both add it. The
    clips are then read again from the file, one at a time; a file whose bytes changed
    since it was checked is refused (`InputFileError`), and the caller rolls back.
    """
    checked = load_validated(path) if checked is None else checked
    root = checked.root
    film = session.scalars(select(Film).where(Film.sha256 == root.get("sha256"))).first()
    film_created = film is None
    _check_uids_are_this_films(session, checked, None if film is None else film.id)
    if film is None:
        film = _new_film(root)
        session.add(film)
        session.flush()
    tracks, replacing = _import_tracks(session, film, checked.tracks, root.get("path"))
    # Before the clips here are read: the replacements may withdraw some of them (all of
    # it is rolled back if the file is refused below).
    replacements = adopt_replacements(session, film, replacing)
    known = _KnownClips(session, film.id)
    if not film_created:
        _check_new_clips_fit(checked, film, known)
    people = _actors_known_by_uid(session, checked, film)
    _people_of_known_clips(checked, known, people)
    _remember_actor_uids(session, checked, people)
    stale = None if film_created else _stale_placement(session, film, checked)
    counts = _Counts()
    digest = hashlib.sha256()
    new = NewClips(session, film.id, tracks, people,
                   schema_1_0=checked.schema_version == "1.0",
                   file_actors={a for key in checked.clips for a in key.actors if a is not None})
    try:
        for position, node in enumerate(_clips_again(path, digest)):
            if position % READ_AHEAD == 0:  # the keys checked are the clips read, in order
                known.read_ahead(checked.clips[position:position + READ_AHEAD])
            _import_or_merge(session, node, known, stale, new, counts)
        new.finish()
    except (CuratorError, SQLAlchemyError, ValueError, ArithmeticError, LookupError) as exc:
        # Bytes the checks never saw may fail any way (a syntax error, a track not listed):
        # that the file changed is what to say, not what broke in reading it.
        if not _unchanged(path, checked):
            raise _changed(path) from exc
        raise
    if digest.digest() != checked.sha256:
        raise _changed(path)
    session.flush()
    # New rows went in by id, not through these collections: read them again if asked.
    session.expire(film, ["clips"])
    for track in tracks.values():
        session.expire(track, ["cues"])
    return ImportReport(film.title, film_created, counts.added, counts.existing, counts.votes,
                        counts.retracted, counts.moved, counts.left, replacements, film.id)


def _unchanged(path: Path, checked: ValidatedFile) -> bool:
    try:
        return bytes.fromhex(sha256_file(path)) == checked.sha256
    except OSError:
        return False


def _changed(path: Path) -> InputFileError:
    return InputFileError(path, "changed while it was being imported (nothing of it was "
                                "imported): run the import again")


@dataclass
class _Counts:
    added: int = 0
    existing: int = 0
    votes: int = 0
    retracted: int = 0
    moved: int = 0
    left: int = 0


def _new_film(root: etree._Element) -> Film:
    return Film(
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


def _clips_again(path: Path, digest: hashlib._Hash) -> Iterator[etree._Element]:
    """The file's `<clip>` elements, read again one at a time (checked before: the schema
    is not checked twice; the digest tells whether these are the bytes checked)."""
    stream = stream_film(path, digest, validating=False)
    next(stream)  # the root: its attributes were kept
    yield from (node for node in stream if node.tag == "clip")


def _import_or_merge(session: Session, node: etree._Element, known: _KnownClips,
                     stale: Callable[[etree._Element], bool] | None, new: NewClips,
                     counts: _Counts) -> None:
    """One `<clip>`: added, or merged into the clip here it is (its votes), or left out."""
    clip = known.find(node)
    if clip is None and stale is not None and stale(node):
        counts.left += 1  # withdrawn here (or never placed so): not brought back
        return
    if clip is None:
        new.add(node)
        counts.added += 1
        return
    new.flush()  # the clips before this one are in, as when each went in on its own
    counts.existing += 1
    counts.moved += (clip.start_ms, clip.end_ms) != _times(node)
    known.remember(session, node, clip)
    review = node.find("review")
    if review is not None:
        more, fewer = _merge_votes(session, clip, review)
        counts.votes += more
        counts.retracted += fewer


def _stale_placement(session: Session, film: Film,
                     checked: ValidatedFile) -> Callable[[etree._Element], bool]:
    """A test for the file's clips not known here that no person touched in the file (as
    `replacing.touched_clips` counts it) and whose evidence was timed otherwise than the
    subtitles here are: the file's `subsOffset` is not this film's offset, or every
    evidence cue is of a track replaced here. `ingest` withdrew such clips here (or would
    have), for `propose` to place again: importing them would bring every moment back
    twice, at the old times beside the new ones."""
    offset_differs = ms(checked.root.get("subsOffset", "0")) != film.subs_offset_ms
    replaced = set(session.scalars(select(SubtitleTrack.sha256).where(
        SubtitleTrack.film_id == film.id, SubtitleTrack.replaced_by_id.is_not(None))))
    sha_of = {_token(n, "key", ""): n.get("sha256") for n in checked.tracks}

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


def _actors_known_by_uid(session: Session, checked: ValidatedFile,
                         film: Film) -> dict[int, Person]:
    """The file's actor numbers whose uid is an actor of this film here: the same person,
    also when the file brings only clips that are new here (one clip's record at a time)."""
    numbers = {uid: actor for uid, (actor, _) in checked.actor_uids.items()}
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


def _remember_actor_uids(session: Session, checked: ValidatedFile,
                         people: dict[int, Person]) -> None:
    """An actor of the file met here through a known clip, under another uid: that uid is
    this actor's too from now on (`PersonAlias`), so a later file that brings only new
    clips of the actor still finds them."""
    session.flush()  # the actors found so far have their ids
    other_uids: dict[str, Person] = {}
    for uid, (actor, _) in checked.actor_uids.items():
        person = people.get(actor)
        if person is not None and person.uid != uid:
            other_uids.setdefault(uid, person)
    if not other_uids:
        return
    known = set(session.scalars(select(PersonAlias.uid).where(
        PersonAlias.uid.in_(list(other_uids)))))
    session.add_all(PersonAlias(uid=uid, person_id=person.id)
                    for uid, person in other_uids.items() if uid not in known)


def _people_of_known_clips(
    checked: ValidatedFile, known: _KnownClips, people: dict[int, Person]
) -> None:
    """The file's actor numbers that clips already here say who they are: a clip the file
    adds with actor 1 is then that person, not a new one (who could land in another
    split than the same actor's other clips). Subjects pair up in order, as exported;
    a clip whose people were added or removed here since says nothing. An actor known
    by uid is that actor already."""
    for start in range(0, len(checked.clips), READ_AHEAD):
        # Only clips that name an actor tell; their votes are read with the import's own
        # pass over the clips.
        keys = [key for key in checked.clips[start:start + READ_AHEAD]
                if any(actor is not None for actor in key.actors)]
        known.read_ahead(keys, votes=False)
        for key in keys:
            clip = known.find_key(key)
            if clip is None or len(key.actors) != len(clip.subjects):
                continue
            for actor, subject in zip(key.actors, clip.subjects, strict=True):
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
        vote = annotation_from(item)
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


def _import_tracks(
    session: Session, film: Film, nodes: list[etree._Element], file_film_path: str | None
) -> tuple[dict[str, SubtitleTrack], list[tuple[SubtitleTrack, SubtitleTrack]]]:
    """The file's tracks by key, those new here added; and the pairs (track, by) of the
    file's replacements of tracks this database already has. A new track read from one of
    the film's own streams is named after the film's path here, not the file's (where the
    other database had it): it follows the film when it moves."""
    tracks: dict[str, SubtitleTrack] = {}
    created: set[int] = set()
    for node in nodes:
        track = session.scalars(
            select(SubtitleTrack).where(
                SubtitleTrack.film_id == film.id, SubtitleTrack.sha256 == node.get("sha256")
            )
        ).first()
        if track is None:
            track = SubtitleTrack(
                film=film,
                sha256=node.get("sha256"),
                path=_track_path_here(node.get("path"), file_film_path, film.path),
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
    for node in nodes:
        track, by = tracks[_token(node, "key", "")], _token(node, "replacedBy")
        if by is None or by not in tracks:
            continue
        if track.id in created:
            track.replaced_by_id = tracks[by].id
        else:
            known.append((track, tracks[by]))
    return tracks, known


def _track_path_here(path: str, file_film_path: str | None, film_path: str) -> str:
    named = film_and_stream(path)
    if named is None or named[0] != file_film_path:
        return path
    return stream_track_path(film_path, named[1])
