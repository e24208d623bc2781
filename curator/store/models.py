"""ORM models: the database is the source of truth for films, cues, clips and reviews.

Times are integer milliseconds (`*_ms`) everywhere; timestamps are naive UTC.
Each table has one concern; the append-only `change_log` records every edit a
person (or a command acting for one) makes, old → new.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CLIP_STATUSES: tuple[str, ...] = ("proposed", "confirmed", "rejected")
DECISIONS: tuple[str, ...] = ("confirm", "reject", "skip")


def utcnow() -> datetime:
    """Naive UTC now, microseconds dropped so XML round trips are exact."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def new_uid() -> str:
    """A random identity for a clip or an actor that stays with it across databases: XML
    exports carry it, so a clip whose boundaries moved since is still known on import."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Film(Base):
    __tablename__ = "films"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    fps: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    variable_fps: Mapped[bool] = mapped_column(Boolean, default=False)
    subs_offset_ms: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tracks: Mapped[list[SubtitleTrack]] = relationship(
        back_populates="film", cascade="all, delete-orphan", order_by="SubtitleTrack.id"
    )
    clips: Mapped[list[Clip]] = relationship(
        back_populates="film", cascade="all, delete-orphan", order_by="Clip.start_ms"
    )


class SubtitleTrack(Base):
    __tablename__ = "subtitle_tracks"
    __table_args__ = (UniqueConstraint("film_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str] = mapped_column(String(32))
    skipped_lines: Mapped[int] = mapped_column(Integer, default=0)
    cue_count: Mapped[int] = mapped_column(Integer, default=0)
    # The track that replaced this one (`ingest --replace-subs`): its cues propose nothing
    # any more, but stay, so the clips people decided on keep the evidence they cite.
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("subtitle_tracks.id", ondelete="SET NULL"), nullable=True
    )

    film: Mapped[Film] = relationship(back_populates="tracks")
    cues: Mapped[list[Cue]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="Cue.idx"
    )


class Cue(Base):
    __tablename__ = "cues"
    __table_args__ = (UniqueConstraint("track_id", "idx"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(
        ForeignKey("subtitle_tracks.id", ondelete="CASCADE"), index=True
    )
    idx: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[str | None] = mapped_column(Text, nullable=True)
    emotion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)

    track: Mapped[SubtitleTrack] = relationship(back_populates="cues")
    evidence: Mapped[list[CueEvidence]] = relationship(
        back_populates="cue", cascade="all, delete-orphan", order_by="CueEvidence.position"
    )


class CueEvidence(Base):
    __tablename__ = "cue_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    cue_id: Mapped[int] = mapped_column(ForeignKey("cues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    emotion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    weight: Mapped[float] = mapped_column(Float, default=0.0)

    cue: Mapped[Cue] = relationship(back_populates="evidence")


class Clip(Base):
    __tablename__ = "clips"
    __table_args__ = (
        UniqueConstraint("film_id", "start_ms", "end_ms"),
        CheckConstraint("end_ms > start_ms", name="clip_positive_length"),
        CheckConstraint(
            "status in ('proposed', 'confirmed', 'rejected')", name="clip_status_known"
        ),
        # Withdrawn proposals are deleted: SQLite must not give their ids to new clips (a
        # review session still holding "clip 3" would vote on another clip).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), default=new_uid, unique=True, index=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), index=True)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    proposed_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    expression: Mapped[str | None] = mapped_column(String(16), nullable=True)  # overall, reviewed
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Bumped on every edit; a writer holding an older version is told someone else changed it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    film: Mapped[Film] = relationship(back_populates="clips")
    cue_links: Mapped[list[ClipCue]] = relationship(
        back_populates="clip", cascade="all, delete-orphan"
    )
    subjects: Mapped[list[ClipSubject]] = relationship(
        back_populates="clip", cascade="all, delete-orphan", order_by="ClipSubject.id"
    )
    annotations: Mapped[list[Annotation]] = relationship(
        back_populates="clip", cascade="all, delete-orphan", order_by="Annotation.id"
    )


class ClipCue(Base):
    """Which cues proposed a clip (`evidence`) and which dialogue surrounds it (`context`)."""

    __tablename__ = "clip_cues"

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clips.id", ondelete="CASCADE"), primary_key=True
    )
    cue_id: Mapped[int] = mapped_column(ForeignKey("cues.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))

    clip: Mapped[Clip] = relationship(back_populates="cue_links")
    cue: Mapped[Cue] = relationship()


class Person(Base):
    """An actor: one identity across a film (face clusters attach here)."""

    __tablename__ = "people"
    # The change log names people by id: SQLite must not give a deleted one's to the next.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), default=new_uid, unique=True, index=True)
    film_id: Mapped[int | None] = mapped_column(
        ForeignKey("films.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ClipSubject(Base):
    """One person as they appear in one clip, with AFEW's per-person metadata."""

    __tablename__ = "clip_subjects"
    # The change log and a review session's undo name them by id (see `people`).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True, index=True
    )
    is_main: Mapped[bool] = mapped_column(Boolean, default=True)
    character_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    character_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pose: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expression: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The face track this subject was found as (None for people added by hand).
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("face_tracks.id", ondelete="SET NULL"), nullable=True, index=True
    )

    clip: Mapped[Clip] = relationship(back_populates="subjects")
    person: Mapped[Person | None] = relationship()
    track: Mapped[FaceTrack | None] = relationship()


class Annotation(Base):
    """One annotator's decision on one clip (or a reviewer's adjudication); never overwritten."""

    __tablename__ = "annotations"
    __table_args__ = (
        CheckConstraint("decision in ('confirm', 'reject', 'skip')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    annotator: Mapped[str] = mapped_column(String(64), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    expression: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # An undone decision stays in the table (append-only history) but no longer counts.
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    # A reviewer's final word: the latest current adjudication decides the clip's label,
    # whatever the majority says (it still counts as one vote in the soft label).
    adjudication: Mapped[bool] = mapped_column(Boolean, default=False)

    clip: Mapped[Clip] = relationship(back_populates="annotations")


class ChangeLog(Base):
    """Append-only: who changed what, when, from what to what."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))  # clip, subject, person
    entity_id: Mapped[int] = mapped_column(Integer)
    clip_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    field: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text, nullable=True)
    new: Mapped[str | None] = mapped_column(Text, nullable=True)


class ClipAlias(Base):
    """Another database's uid for a clip here: the same clip, proposed in both (and met by
    its times when their records were first merged). A later file that names the clip by
    that uid finds it even after either side has moved its boundaries."""

    __tablename__ = "clip_aliases"

    uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)


class PersonAlias(Base):
    """Another database's uid for an actor here (see `ClipAlias`)."""

    __tablename__ = "person_aliases"

    uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)


class Prediction(Base):
    """A model's opinion of a clip (for the `suspect` review queue): label and class scores."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("clip_id", "model"),
        # The suspect queue reads each clip's latest prediction: one index seek per clip.
        Index("ix_predictions_clip_latest", "clip_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(Text)  # checkpoint path or name
    label: Mapped[str] = mapped_column(Text)  # the model's class name, any length
    scores_json: Mapped[str] = mapped_column(Text)  # {"Angry": 0.01, ...}, summing to 1
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FaceCheck(Base):
    """That (and how) a clip's window was searched for faces; checked clips are not redone."""

    __tablename__ = "face_checks"

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clips.id", ondelete="CASCADE"), primary_key=True
    )
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    detector: Mapped[str] = mapped_column(String(16))
    sample_fps: Mapped[float] = mapped_column(Float)
    start_ms: Mapped[int] = mapped_column(Integer)  # the decoded range: frame i is at
    end_ms: Mapped[int] = mapped_column(Integer)  # start_ms + i * 1000 / sample_fps
    frames: Mapped[int] = mapped_column(Integer, default=0)
    faces: Mapped[int] = mapped_column(Integer, default=0)  # usable tracks found


class FaceTrack(Base):
    """One face followed through one clip; boxes and landmarks are in display pixels."""

    __tablename__ = "face_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True, index=True
    )
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    detection_count: Mapped[int] = mapped_column(Integer, default=0)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    presence: Mapped[float] = mapped_column(Float, default=0.0)

    clip: Mapped[Clip] = relationship()
    person: Mapped[Person | None] = relationship()
    detections: Mapped[list[FaceDetection]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="FaceDetection.time_ms"
    )
    encodings: Mapped[list[FaceEncoding]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="FaceEncoding.time_ms"
    )


class FaceDetection(Base):
    """A face in one sampled frame: box, 68 landmarks (float32 x, y pairs) and sharpness."""

    __tablename__ = "face_detections"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(
        ForeignKey("face_tracks.id", ondelete="CASCADE"), index=True
    )
    time_ms: Mapped[int] = mapped_column(Integer)
    left: Mapped[int] = mapped_column(Integer)
    top: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    landmarks: Mapped[bytes] = mapped_column(LargeBinary)  # 68 x 2 float32, little-endian
    sharpness: Mapped[float] = mapped_column(Float, default=0.0)

    track: Mapped[FaceTrack] = relationship(back_populates="detections")


class FaceEncoding(Base):
    """A 128-d face descriptor (float32, little-endian) for one segment of a track."""

    __tablename__ = "face_encodings"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(
        ForeignKey("face_tracks.id", ondelete="CASCADE"), index=True
    )
    time_ms: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)

    track: Mapped[FaceTrack] = relationship(back_populates="encodings")
