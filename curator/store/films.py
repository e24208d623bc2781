"""Films and their subtitle tracks: registering them once, finding them again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.errors import NotFoundError
from curator.media.embedded_subtitles import film_and_stream, stream_track_path
from curator.media.probe import VideoInfo, recorded_before_pulldown
from curator.store.models import Cue, CueEvidence, Film, SubtitleTrack
from curator.subtitles.model import AnalyzedCue, SubtitleDocument
from curator.subtitles.model import Cue as TextCue


@dataclass(frozen=True)
class Registered:
    film: Film
    created: bool
    moved_from: str | None = None  # the old path, when a known film turned up elsewhere
    offset_was_ms: int | None = None  # the subtitle offset before this call changed it
    replaces: Film | None = None  # a film registered at this path with other content


def get_film(session: Session, film_id: int) -> Film:
    film = session.get(Film, film_id)
    if film is None:
        raise NotFoundError("film", film_id)
    return film


def selected_films(session: Session, film_id: int | None) -> list[Film]:
    """The film `film_id` (an error when unknown), or every film in id order when None."""
    if film_id is not None:
        return [get_film(session, film_id)]
    return list(session.scalars(select(Film).order_by(Film.id)))


def film_by_hash(session: Session, sha256: str) -> Film | None:
    return session.scalars(select(Film).where(Film.sha256 == sha256)).first()


def register_film(
    session: Session,
    *,
    path: Path,
    sha256: str,
    info: VideoInfo,
    title: str | None = None,
    subs_offset_ms: int | None = None,
) -> Registered:
    """Add a film, or return the one with the same content hash (updating a moved path)."""
    existing = film_by_hash(session, sha256)
    resolved = str(path.resolve())
    if existing is not None:
        moved_from = move_film(existing, resolved)
        if info.container_ms is not None and existing.duration_ms == info.container_ms:
            # Recorded by a curator that took the file's length: the film ends with its
            # pictures (clips proposed from now on stay within them).
            existing.duration_ms = info.duration_ms
        # Recorded by a curator that read only the header, blind to Matroska's variable
        # rates; the frames' times are the same file's, so they are taken as they are now.
        if recorded_before_pulldown(existing.fps, existing.variable_fps, info):
            existing.fps = info.fps  # its pictures' rate, not its header's (soft telecine)
        existing.variable_fps = info.variable_fps
        offset_was = None
        if subs_offset_ms is not None and subs_offset_ms != existing.subs_offset_ms:
            offset_was, existing.subs_offset_ms = existing.subs_offset_ms, subs_offset_ms
        return Registered(existing, created=False, moved_from=moved_from,
                          offset_was_ms=offset_was)
    # Another content at a known film's path (re-encoded, re-downloaded, another film):
    # that film's clips now point at frames that are not theirs, so the caller says so.
    replaces = session.scalars(select(Film).where(Film.path == resolved)).first()
    film = Film(
        sha256=sha256,
        path=resolved,
        title=title or path.stem,
        duration_ms=info.duration_ms,
        fps=info.fps,
        width=info.width,
        height=info.height,
        rotation=info.rotation,
        variable_fps=info.variable_fps,
        subs_offset_ms=subs_offset_ms or 0,
    )
    session.add(film)
    session.flush()
    return Registered(film, created=True, replaces=replaces)


def move_film(film: Film, path: str,
              set_value: Callable[[object, str, object], None] = setattr) -> str | None:
    """Record `film` at `path` (resolved), with the tracks read from its own subtitle
    streams (named after the film: `old.mkv#0:N` becomes `new.mkv#0:N`); a subtitle file's
    track stays where it is. The old path, or None when the film was there already.
    `set_value` sets each path (a read-only snapshot gives SQLAlchemy's
    `set_committed_value`: the rows read as if so, nothing to write)."""
    if film.path == path:
        return None
    for track, new_path in _stream_tracks_moved(film, path):
        set_value(track, "path", new_path)
    old = film.path
    set_value(film, "path", path)
    return old


def _stream_tracks_moved(film: Film, path: str) -> list[tuple[SubtitleTrack, str]]:
    """The film's tracks read from its own streams, each with its path once the film is
    at `path` (for a caller that must set them its own way: a read-only snapshot)."""
    moved = []
    for track in film.tracks:
        named = film_and_stream(track.path)
        if named is not None and named[0] == film.path:
            moved.append((track, stream_track_path(path, named[1])))
    return moved


@dataclass(frozen=True)
class StoredTrack:
    """What `add_subtitle_track` did with a subtitle file."""

    track: SubtitleTrack
    outcome: str  # added | stored | same cues | read again | kept
    emotional_before: int = 0  # cues with an emotion before it was read again


def add_subtitle_track(
    session: Session,
    film: Film,
    document: SubtitleDocument,
    analyzed: list[AnalyzedCue],
    *,
    sha256: str,
    lang: str,
    read_again: bool = False,
) -> StoredTrack:
    """Store a track with its cues and their evidence, once.

    The same file again is left as stored ("stored") unless `read_again` (the user named
    its language, encoding or lexicon this time): then its cues take the new text and
    analysis in place, keeping their ids and so the clips that cite them ("read again"),
    as long as the file read this way has the stored cues' times ("kept" otherwise). A
    file of other bytes with the very same cues (another line ending, another copy) is
    not stored twice ("same cues"): its evidence would count twice in every score.
    """
    existing = session.scalars(
        select(SubtitleTrack).where(
            SubtitleTrack.film_id == film.id, SubtitleTrack.sha256 == sha256
        )
    ).first()
    if existing is not None:
        if not read_again:
            return StoredTrack(existing, "stored")
        return _read_again(existing, document, analyzed, lang)
    same = _track_with_cues(session, film, [a.cue for a in analyzed])
    if same is not None:
        return _read_again(same, document, analyzed, lang) if read_again else (
            StoredTrack(same, "same cues"))
    track = SubtitleTrack(
        film=film,
        sha256=sha256,
        path=str(document.path.resolve()),
        lang=lang,
        format=document.format,
        encoding=document.encoding,
        skipped_lines=document.skipped_lines,
        cue_count=len(document.cues),
    )
    for item in analyzed:
        cue = item.cue
        track.cues.append(Cue(idx=cue.index, start_ms=cue.start_ms, end_ms=cue.end_ms,
                              text=cue.text, voice=cue.voice, emotion=item.emotion,
                              score=item.score, evidence=_evidence(item)))
    session.add(track)
    session.flush()
    return StoredTrack(track, "added")


def _evidence(item: AnalyzedCue) -> list[CueEvidence]:
    return [CueEvidence(position=i, text=e.text, kind=e.kind, emotion=e.emotion, weight=e.weight)
            for i, e in enumerate(item.evidence)]


def _track_with_cues(session: Session, film: Film, cues: list[TextCue]) -> SubtitleTrack | None:
    """A stored track of `film` whose cues are exactly these (times and text)."""
    wanted = sorted((c.start_ms, c.end_ms, c.text) for c in cues)
    candidates = session.scalars(select(SubtitleTrack).where(
        SubtitleTrack.film_id == film.id, SubtitleTrack.cue_count == len(cues)))
    for track in candidates:
        if sorted((c.start_ms, c.end_ms, c.text) for c in track.cues) == wanted:
            return track
    return None


def _read_again(track: SubtitleTrack, document: SubtitleDocument, analyzed: list[AnalyzedCue],
                lang: str) -> StoredTrack:
    stored = sorted(track.cues, key=lambda c: c.idx)
    if [(c.idx, c.start_ms, c.end_ms) for c in stored] != [
            (a.cue.index, a.cue.start_ms, a.cue.end_ms) for a in analyzed]:
        return StoredTrack(track, "kept")
    before = sum(1 for c in stored if c.emotion)
    session = Session.object_session(track)
    assert session is not None
    for cue in stored:
        cue.evidence.clear()
    session.flush()  # old evidence rows go before new ones take their positions
    for cue, item in zip(stored, analyzed, strict=True):
        cue.text, cue.voice = item.cue.text, item.cue.voice
        cue.emotion, cue.score, cue.evidence = item.emotion, item.score, _evidence(item)
    track.lang, track.encoding = lang, document.encoding
    track.skipped_lines = document.skipped_lines
    session.flush()
    return StoredTrack(track, "read again", emotional_before=before)
