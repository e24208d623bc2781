"""adjudication: an annotation can be a reviewer's final decision on a clip

Revision ID: 0003_adjudication
Revises: 0002_faces
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_adjudication"
down_revision = "0002_faces"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("adjudication", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_column("adjudication")
