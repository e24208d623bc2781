"""clips.uid and people.uid: identities that XML exports carry between databases, and the
other databases' uids for the same clips and actors (clip_aliases, person_aliases); and an
index for each clip's latest prediction (the suspect queue)

Revision ID: 0005_stable_uids
Revises: 0004_prediction_label_text
Create Date: 2026-11-27
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005_stable_uids"
down_revision = "0004_prediction_label_text"
branch_labels = None
depends_on = None

TABLES = ("clips", "people")


def upgrade() -> None:
    conn = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("uid", sa.String(32), nullable=True))
        # Rows already here get a fresh identity each: nothing outside knew them by one.
        ids = conn.execute(sa.text(f"SELECT id FROM {table}")).scalars().all()
        if ids:
            conn.execute(sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"),
                         [{"uid": uuid.uuid4().hex, "id": row_id} for row_id in ids])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("uid", existing_type=sa.String(32), nullable=False)
            batch_op.create_index(f"ix_{table}_uid", ["uid"], unique=True)
    for alias_table, owner, owner_table in (("clip_aliases", "clip_id", "clips"),
                                            ("person_aliases", "person_id", "people")):
        op.create_table(
            alias_table,
            sa.Column("uid", sa.String(32), nullable=False),
            sa.Column(owner, sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint([owner], [f"{owner_table}.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("uid"),
        )
        op.create_index(f"ix_{alias_table}_{owner}", alias_table, [owner])
    op.create_index("ix_predictions_clip_latest", "predictions", ["clip_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_predictions_clip_latest", table_name="predictions")
    for alias_table in ("clip_aliases", "person_aliases"):
        op.drop_table(alias_table)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_uid")
            batch_op.drop_column("uid")
