"""faces: face checks, tracks, detections, encodings; clip subjects link to their track

Revision ID: 0002_faces
Revises: 0001_initial
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_faces"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

SUBJECT_TRACK_FK = "fk_clip_subjects_track_id_face_tracks"


def upgrade() -> None:
    op.create_table(
        "face_checks",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("detector", sa.String(length=16), nullable=False),
        sa.Column("sample_fps", sa.Float(), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("clip_id"),
    )
    op.create_table(
        "face_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("detection_count", sa.Integer(), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("presence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("face_tracks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_face_tracks_clip_id"), ["clip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_face_tracks_person_id"), ["person_id"], unique=False)

    op.create_table(
        "face_detections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("time_ms", sa.Integer(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("top", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("landmarks", sa.LargeBinary(), nullable=False),
        sa.Column("sharpness", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["track_id"], ["face_tracks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("face_detections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_face_detections_track_id"), ["track_id"], unique=False
        )

    op.create_table(
        "face_encodings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("time_ms", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["track_id"], ["face_tracks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("face_encodings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_face_encodings_track_id"), ["track_id"], unique=False)

    with op.batch_alter_table("clip_subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("track_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_clip_subjects_track_id"), ["track_id"], unique=False)
        batch_op.create_foreign_key(
            SUBJECT_TRACK_FK, "face_tracks", ["track_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("clip_subjects", schema=None) as batch_op:
        batch_op.drop_constraint(SUBJECT_TRACK_FK, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_clip_subjects_track_id"))
        batch_op.drop_column("track_id")

    with op.batch_alter_table("face_encodings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_encodings_track_id"))
    op.drop_table("face_encodings")
    with op.batch_alter_table("face_detections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_detections_track_id"))
    op.drop_table("face_detections")
    with op.batch_alter_table("face_tracks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_tracks_person_id"))
        batch_op.drop_index(batch_op.f("ix_face_tracks_clip_id"))
    op.drop_table("face_tracks")
    op.drop_table("face_checks")
