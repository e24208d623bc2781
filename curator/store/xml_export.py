"""Writing a film's clips as AFEW-style XML (schemas/curator-clips-1.2.xsd).

The document holds no database ids, only content keys (hashes, times, ordinals) and the
random `uid`s a clip and an actor keep wherever they go, so exporting, importing into a
fresh database and exporting again gives the same bytes.
Text typed by people (titles, names, reasons, cue text) is written without the few
characters XML 1.0 cannot hold (control characters other than tab, newline and CR).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import BinaryIO

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from curator.store.models import ChangeLog, Clip, ClipCue, ClipSubject, Cue, Film, SubtitleTrack
from curator.store.xml_safety import SCHEMA_VERSION, xml_text


def seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def number(value: float, digits: int = 4) -> str:
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def timestamp(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def frame_at(ms: int, fps: float) -> int:
    return int(ms * fps / 1000)


def _text(value: object) -> str:
    return xml_text(str(value))


def _set(element: etree._Element, name: str, value: object) -> None:
    """Set an attribute only when there is a value (absent, not empty, means unknown)."""
    if value is None:
        return
    text = _text(value)
    if text:
        element.set(name, text)


def _cue_element(parent: etree._Element, cue: Cue, role: str, track_key: str) -> None:
    node = etree.SubElement(parent, "cue")
    node.set("track", track_key)
    node.set("index", str(cue.idx))
    node.set("role", role)
    node.set("start", seconds(cue.start_ms))
    node.set("end", seconds(cue.end_ms))
    _set(node, "voice", cue.voice)
    _set(node, "emotion", cue.emotion)
    if cue.score:
        node.set("score", number(cue.score))
    etree.SubElement(node, "text").text = _text(cue.text)
    for item in cue.evidence:
        evidence = etree.SubElement(node, "evidence")
        evidence.text = _text(item.text)
        evidence.set("kind", _text(item.kind))
        _set(evidence, "emotion", item.emotion)
        evidence.set("weight", number(item.weight))


def write_film_document(session: Session, film: Film, out: BinaryIO) -> int:
    """Write the film's XML document to `out`, UTF-8 encoded and pretty-printed: the bytes
    of the whole tree's serialization, but with clips read and written a batch at a time,
    so memory does not grow with the film; returns the number of clips. Read in a snapshot
    (`Database.snapshot`), so that the batches agree."""
    root = _film_element(film)
    track_keys = _track_elements(session, film, root)
    clip_ids = list(session.scalars(
        select(Clip.id).where(Clip.film_id == film.id).order_by(Clip.start_ms, Clip.end_ms)))
    if not clip_ids:  # `<film …/>` or its tracks alone: small
        out.write(_document(root))
        return 0
    actor_numbers = _actor_numbers(session, film.id)
    head, tail = _around_clips(root)
    out.write(head)
    for start in range(0, len(clip_ids), BATCH):
        batch = etree.Element("film")
        for clip, changes in _clips_with_changes(session, clip_ids[start:start + BATCH]):
            _clip_element(batch, clip, film, track_keys, actor_numbers, changes)
        out.write(_first_level(batch))
    out.write(tail)
    return len(clip_ids)


BATCH = 500  # clips read and serialized at once


def clip_records(
    session: Session, film: Film, clip_ids: Collection[int]
) -> Iterator[tuple[int, bytes]]:
    """Each of the film's clips in `clip_ids`, in time order, with its one-clip record:
    the film's document with only that clip in it, as `write_film_document` writes it (the
    clip numbers its actors as the whole film does). Only these clips are read, a batch at
    a time (each batch in time order)."""
    root = _film_element(film)
    track_keys = _track_elements(session, film, root)
    actor_numbers = _actor_numbers(session, film.id)
    head, tail = _around_clips(root)
    ids = list(clip_ids)
    for start in range(0, len(ids), BATCH):
        for clip, changes in _clips_with_changes(session, ids[start:start + BATCH]):
            wrapper = etree.Element("film")
            _clip_element(wrapper, clip, film, track_keys, actor_numbers, changes)
            yield clip.id, head + _first_level(wrapper) + tail


def _document(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# The document is written in pieces that are byte for byte the whole tree's serialization:
# libxml2 indents an element by its depth alone, so a clip serialized as the only child of
# a bare `<film>` is, between that wrapper's tags, what it is in the whole document.
_WRAPPER_START, _WRAPPER_END = b"<film>\n", b"</film>\n"
_PLACEHOLDER = b"  <clip/>\n"


def _around_clips(root: etree._Element) -> tuple[bytes, bytes]:
    """The document's bytes before its first clip and after its last one."""
    placeholder = etree.SubElement(root, "clip")
    text = _document(root)
    root.remove(placeholder)
    head, found, tail = text.rpartition(_PLACEHOLDER)
    if not found:
        raise AssertionError("a clip's place in the document was not found")
    return head, tail


def _first_level(wrapper: etree._Element) -> bytes:
    """`wrapper`'s children as they are in the document, one level below the root."""
    text = etree.tostring(wrapper, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    if not (text.startswith(_WRAPPER_START) and text.endswith(_WRAPPER_END)):
        raise AssertionError("clips serialized in an unexpected form")
    return text[len(_WRAPPER_START):-len(_WRAPPER_END)]


def _film_element(film: Film) -> etree._Element:
    root = etree.Element("film")
    root.set("schemaVersion", SCHEMA_VERSION)
    root.set("sha256", film.sha256)
    root.set("title", _text(film.title))
    root.set("path", _text(film.path))
    root.set("duration", seconds(film.duration_ms))
    root.set("fps", number(film.fps, 6))
    root.set("width", str(film.width))
    root.set("height", str(film.height))
    root.set("rotation", str(film.rotation))
    root.set("variableFps", "true" if film.variable_fps else "false")
    root.set("subsOffset", seconds(film.subs_offset_ms))
    return root


def _track_elements(session: Session, film: Film, root: etree._Element) -> dict[int, str]:
    """The film's `<subtitleTrack>`s added to `root`; returns their keys by track id."""
    tracks = session.scalars(
        select(SubtitleTrack).where(SubtitleTrack.film_id == film.id).order_by(SubtitleTrack.id)
    ).all()
    track_keys = {track.id: f"t{n}" for n, track in enumerate(tracks, start=1)}
    for track in tracks:
        node = etree.SubElement(root, "subtitleTrack")
        node.set("key", track_keys[track.id])
        node.set("sha256", track.sha256)
        node.set("path", _text(track.path))
        node.set("lang", _text(track.lang))
        node.set("format", _text(track.format))
        node.set("encoding", _text(track.encoding))
        node.set("skippedLines", str(track.skipped_lines))
        node.set("cueCount", str(track.cue_count))
        if track.replaced_by_id in track_keys:
            node.set("replacedBy", track_keys[track.replaced_by_id])
    return track_keys


def _actor_numbers(session: Session, film_id: int) -> dict[int, int]:
    """Actors numbered in order of first appearance (clips by time, a clip's people in
    order), so numbering is stable. Read whole before any clip is written: a change logged
    on an early clip may name an actor who first appears later."""
    numbers: dict[int, int] = {}
    for person_id in session.scalars(
        select(ClipSubject.person_id)
        .join(Clip, Clip.id == ClipSubject.clip_id)
        .where(Clip.film_id == film_id, ClipSubject.person_id.is_not(None))
        .order_by(Clip.start_ms, Clip.end_ms, ClipSubject.id)
    ):
        numbers.setdefault(person_id, len(numbers) + 1)
    return numbers


def _clips_with_changes(
    session: Session, clip_ids: list[int]
) -> Iterator[tuple[Clip, list[ChangeLog]]]:
    """The clips of `clip_ids` in time order, each with what it needs to be written."""
    clips = session.scalars(
        select(Clip)
        .where(Clip.id.in_(clip_ids))
        .order_by(Clip.start_ms, Clip.end_ms)
        .options(
            selectinload(Clip.cue_links).selectinload(ClipCue.cue).selectinload(Cue.evidence),
            selectinload(Clip.subjects).selectinload(ClipSubject.track),
            selectinload(Clip.subjects).selectinload(ClipSubject.person),
            selectinload(Clip.annotations),
        )
    ).all()
    changes_by_clip: dict[int, list[ChangeLog]] = {}
    for change in session.scalars(
        select(ChangeLog)
        .where(ChangeLog.clip_id.in_(clip_ids))
        .order_by(ChangeLog.at, ChangeLog.id)
    ):
        changes_by_clip.setdefault(change.clip_id or 0, []).append(change)
    for clip in clips:
        yield clip, changes_by_clip.get(clip.id, [])


def _clip_element(
    root: etree._Element,
    clip: Clip,
    film: Film,
    track_keys: dict[int, str],
    actor_numbers: dict[int, int],
    changes: list[ChangeLog],
) -> None:
    node = etree.SubElement(root, "clip")
    node.set("uid", clip.uid)
    node.set("start", seconds(clip.start_ms))
    node.set("end", seconds(clip.end_ms))
    node.set("startFrame", str(frame_at(clip.start_ms, film.fps)))
    node.set("endFrame", str(frame_at(clip.end_ms, film.fps)))
    node.set("status", clip.status)
    _set(node, "expression", clip.expression)
    _set(node, "proposedLabel", clip.proposed_label)
    node.set("score", number(clip.score))
    _set(node, "rejectReason", clip.reject_reason)
    node.set("created", timestamp(clip.created_at))
    node.set("updated", timestamp(clip.updated_at))

    links = sorted(
        clip.cue_links, key=lambda link: (link.cue.start_ms, link.cue.track_id, link.cue.idx)
    )
    for link in links:
        _cue_element(node, link.cue, link.role, track_keys[link.cue.track_id])

    subject_refs = {s.id: n for n, s in enumerate(clip.subjects, start=1)}
    for subject in clip.subjects:
        person = etree.SubElement(node, "person")
        if subject.person_id is not None:
            person.set("actor", str(actor_numbers[subject.person_id]))
            if subject.person is not None:
                person.set("actorUid", subject.person.uid)
                _set(person, "actorName", subject.person.name)
        _set(person, "actorAge", subject.actor_age)
        _set(person, "characterName", subject.character_name)
        _set(person, "characterAge", subject.character_age)
        _set(person, "gender", subject.gender)
        _set(person, "pose", subject.pose)
        _set(person, "expression", subject.expression)
        person.set("main", "true" if subject.is_main else "false")
        if subject.track is not None:
            face = etree.SubElement(person, "faceTrack")
            face.set("start", seconds(subject.track.start_ms))
            face.set("end", seconds(subject.track.end_ms))
            face.set("startFrame", str(frame_at(subject.track.start_ms, film.fps)))
            face.set("endFrame", str(frame_at(subject.track.end_ms, film.fps)))
            face.set("detections", str(subject.track.detection_count))

    if not clip.annotations and not changes:
        return
    review = etree.SubElement(node, "review")
    for annotation in sorted(clip.annotations, key=lambda a: (a.created_at, a.id)):
        item = etree.SubElement(review, "annotation")
        item.set("annotator", _text(annotation.annotator))
        item.set("at", timestamp(annotation.created_at))
        item.set("decision", annotation.decision)
        _set(item, "expression", annotation.expression)
        _set(item, "reason", annotation.reason)
        if annotation.retracted:
            item.set("retracted", "true")
        if annotation.adjudication:  # only when true: older files and readers stay as they were
            item.set("adjudication", "true")
    for change in changes:
        item = etree.SubElement(review, "change")
        item.set("at", timestamp(change.at))
        item.set("who", _text(change.who))
        item.set("entity", change.entity)
        if change.entity == "subject" and change.entity_id in subject_refs:
            item.set("ref", str(subject_refs[change.entity_id]))
        elif change.entity == "person" and change.entity_id in actor_numbers:
            item.set("ref", str(actor_numbers[change.entity_id]))
        item.set("field", _text(change.field))
        if change.field == "person_id":  # row ids mean nothing elsewhere: actor numbers
            _set(item, "old", _actor_number(change.old, actor_numbers))
            _set(item, "new", _actor_number(change.new, actor_numbers))
        else:
            _set(item, "old", change.old)
            _set(item, "new", change.new)


def _actor_number(person_id: str | None, actor_numbers: dict[int, int]) -> int | None:
    """The file's number of the actor whose row id a change logged (None when that actor
    is in none of the film's clips any more)."""
    if person_id is None or not person_id.isdigit():
        return None
    return actor_numbers.get(int(person_id))
