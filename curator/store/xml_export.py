"""Writing a film's clips as AFEW-style XML (schemas/curator-clips-1.2.xsd).

The document holds no database ids, only content keys (hashes, times, ordinals) and the
random `uid`s a clip and an actor keep wherever they go, so exporting, importing into a
fresh database and exporting again gives the same bytes.
Text typed by people (titles, names, reasons, cue text) is written without the few
characters XML 1.0 cannot hold (control characters other than tab, newline and CR).
"""

from __future__ import annotations

from datetime import datetime

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


def film_to_xml(session: Session, film: Film) -> bytes:
    """The film's XML document, UTF-8 encoded and pretty-printed."""
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

    clips = session.scalars(
        select(Clip)
        .where(Clip.film_id == film.id)
        .order_by(Clip.start_ms, Clip.end_ms)
        .options(
            selectinload(Clip.cue_links).selectinload(ClipCue.cue).selectinload(Cue.evidence),
            selectinload(Clip.subjects).selectinload(ClipSubject.track),
            selectinload(Clip.annotations),
        )
    ).all()
    changes_by_clip: dict[int, list[ChangeLog]] = {}
    for change in session.scalars(
        select(ChangeLog)
        .where(ChangeLog.clip_id.in_([c.id for c in clips]))
        .order_by(ChangeLog.at, ChangeLog.id)
    ):
        changes_by_clip.setdefault(change.clip_id or 0, []).append(change)

    # Actors are numbered in order of first appearance, so numbering is stable.
    actor_numbers: dict[int, int] = {}
    for clip in clips:
        for subject in clip.subjects:
            if subject.person_id is not None:
                actor_numbers.setdefault(subject.person_id, len(actor_numbers) + 1)

    for clip in clips:
        _clip_element(root, clip, film, track_keys, actor_numbers, changes_by_clip.get(clip.id, []))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


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
