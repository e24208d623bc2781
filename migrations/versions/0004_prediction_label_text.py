"""predictions.label as text: a model trained on class folders may name a class at any length

Revision ID: 0004_prediction_label_text
Revises: 0003_adjudication
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_prediction_label_text"
down_revision = "0003_adjudication"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.alter_column("label", existing_type=sa.String(16), type_=sa.Text(),
                              existing_nullable=False)


def downgrade() -> None:
    # Labels longer than 16 characters are cut: the old column could not hold them.
    op.execute("UPDATE predictions SET label = substr(label, 1, 16)")
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.alter_column("label", existing_type=sa.Text(), type_=sa.String(16),
                              existing_nullable=False)
