"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_log_clip_id"), ["clip_id"], unique=False)

    op.create_table(
        "films",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("variable_fps", sa.Boolean(), nullable=False),
        sa.Column("subs_offset_ms", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "clips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_label", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("expression", sa.String(length=16), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status in ('proposed', 'confirmed', 'rejected')", name="clip_status_known"
        ),
        sa.CheckConstraint("end_ms > start_ms", name="clip_positive_length"),
        sa.ForeignKeyConstraint(["film_id"], ["films.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("film_id", "start_ms", "end_ms"),
    )
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clips_film_id"), ["film_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clips_status"), ["status"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["films.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_film_id"), ["film_id"], unique=False)

    op.create_table(
        "subtitle_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=False),
        sa.Column("skipped_lines", sa.Integer(), nullable=False),
        sa.Column("cue_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["films.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("film_id", "sha256"),
    )
    with op.batch_alter_table("subtitle_tracks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subtitle_tracks_film_id"), ["film_id"], unique=False)

    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("expression", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.CheckConstraint("decision in ('confirm', 'reject', 'skip')", name="decision_known"),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotations_annotator"), ["annotator"], unique=False)
        batch_op.create_index(batch_op.f("ix_annotations_clip_id"), ["clip_id"], unique=False)

    op.create_table(
        "clip_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("character_name", sa.Text(), nullable=True),
        sa.Column("actor_age", sa.Integer(), nullable=True),
        sa.Column("character_age", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("pose", sa.String(length=32), nullable=True),
        sa.Column("expression", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("clip_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clip_subjects_clip_id"), ["clip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clip_subjects_person_id"), ["person_id"], unique=False)

    op.create_table(
        "cues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("voice", sa.Text(), nullable=True),
        sa.Column("emotion", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["track_id"], ["subtitle_tracks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("track_id", "idx"),
    )
    with op.batch_alter_table("cues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cues_track_id"), ["track_id"], unique=False)

    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("scores_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clip_id", "model"),
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_predictions_clip_id"), ["clip_id"], unique=False)

    op.create_table(
        "clip_cues",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("cue_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cue_id"], ["cues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("clip_id", "cue_id"),
    )
    op.create_table(
        "cue_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cue_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("emotion", sa.String(length=16), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["cue_id"], ["cues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cue_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cue_evidence_cue_id"), ["cue_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cue_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cue_evidence_cue_id"))

    op.drop_table("cue_evidence")
    op.drop_table("clip_cues")
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_predictions_clip_id"))

    op.drop_table("predictions")
    with op.batch_alter_table("cues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cues_track_id"))

    op.drop_table("cues")
    with op.batch_alter_table("clip_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clip_subjects_person_id"))
        batch_op.drop_index(batch_op.f("ix_clip_subjects_clip_id"))

    op.drop_table("clip_subjects")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotations_clip_id"))
        batch_op.drop_index(batch_op.f("ix_annotations_annotator"))

    op.drop_table("annotations")
    with op.batch_alter_table("subtitle_tracks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subtitle_tracks_film_id"))

    op.drop_table("subtitle_tracks")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_film_id"))

    op.drop_table("people")
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clips_status"))
        batch_op.drop_index(batch_op.f("ix_clips_film_id"))

    op.drop_table("clips")
    op.drop_table("films")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_clip_id"))
        batch_op.drop_index(batch_op.f("ix_change_log_at"))

    op.drop_table("change_log")
