"""clips.uid and people.uid: identities that XML exports carry between databases

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


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_uid")
            batch_op.drop_column("uid")
