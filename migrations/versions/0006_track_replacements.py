"""subtitle_tracks.replaced_by_id: a track replaced by a corrected one (`ingest
--replace-subs`) stays, for the evidence of the clips people decided on, but proposes
nothing; and on SQLite, clip ids are never reused (AUTOINCREMENT), now that withdrawn
proposals are deleted

Revision ID: 0006_track_replacements
Revises: 0005_stable_uids
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_track_replacements"
down_revision = "0005_stable_uids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every track stored so far is in use: NULL.
    with op.batch_alter_table("subtitle_tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_subtitle_tracks_replaced_by_id", "subtitle_tracks", ["replaced_by_id"], ["id"],
            ondelete="SET NULL",
        )
    if op.get_bind().dialect.name == "sqlite":
        # A withdrawn clip's id given to a new clip would let a review session still
        # holding it vote on the wrong clip. PostgreSQL's sequences never go back.
        with op.batch_alter_table("clips", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("clips", recreate="always"):
            pass
    with op.batch_alter_table("subtitle_tracks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_subtitle_tracks_replaced_by_id", type_="foreignkey")
        batch_op.drop_column("replaced_by_id")
