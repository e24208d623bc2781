"""Films and their subtitle tracks: registering them once, finding them again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.errors import NotFoundError
from curator.media.probe import VideoInfo
from curator.store.models import Cue, CueEvidence, Film, SubtitleTrack
from curator.subtitles.model import AnalyzedCue, SubtitleDocument


@dataclass(frozen=True)
class Registered:
    film: Film
    created: bool
    moved_from: str | None = None  # the old path, when a known film turned up elsewhere


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
        moved_from = None
        if existing.path != resolved:
            moved_from, existing.path = existing.path, resolved
        if subs_offset_ms is not None:
            existing.subs_offset_ms = subs_offset_ms
        return Registered(existing, created=False, moved_from=moved_from)
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
    return Registered(film, created=True)


def add_subtitle_track(
    session: Session,
    film: Film,
    document: SubtitleDocument,
    analyzed: list[AnalyzedCue],
    *,
    sha256: str,
    lang: str,
) -> tuple[SubtitleTrack, bool]:
    """Store a track with its cues and their evidence; a track already stored is left as is."""
    existing = session.scalars(
        select(SubtitleTrack).where(
            SubtitleTrack.film_id == film.id, SubtitleTrack.sha256 == sha256
        )
    ).first()
    if existing is not None:
        return existing, False
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
        track.cues.append(
            Cue(
                idx=cue.index,
                start_ms=cue.start_ms,
                end_ms=cue.end_ms,
                text=cue.text,
                voice=cue.voice,
                emotion=item.emotion,
                score=item.score,
                evidence=[
                    CueEvidence(
                        position=i, text=e.text, kind=e.kind, emotion=e.emotion, weight=e.weight
                    )
                    for i, e in enumerate(item.evidence)
                ],
            )
        )
    session.add(track)
    session.flush()
    return track, True
