"""On SQLite, ids of people and of people-in-clips are never reused (AUTOINCREMENT), as
clips' are since 0006: the change log and a review session's undo name them by id; and
tracks read from a film's own subtitle streams, stored before they followed the film,
are named after the film's path as it is now (`film.mkv#0:N`)

Revision ID: 0007_lasting_ids
Revises: 0006_track_replacements
Create Date: 2026-11-29
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from alembic import op

revision = "0007_lasting_ids"
down_revision = "0006_track_replacements"
branch_labels = None
depends_on = None

TABLES = ("people", "clip_subjects")

# How a track read from a stream is stored: the film's path, then ffmpeg's `#0:N` (spelled
# out here: a revision must read the same whatever later code does).
_STREAM_TRACK = re.compile(r"(?P<film>.+)#0:(?P<index>[0-9]+)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Without AUTOINCREMENT SQLite gives a new row the highest id plus one: a person or
        # subject deleted last (an undone edit, a withdrawn clip's faces) would hand its id,
        # and with it its change-log entries, to the next one. PostgreSQL's sequences never
        # go back.
        for table in TABLES:
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
    _name_stream_tracks_after_their_films(op.get_bind())


def _name_stream_tracks_after_their_films(conn: sa.Connection) -> None:
    """`old.mkv#0:N` becomes `film.mkv#0:N` where the film is now recorded at `film.mkv`:
    it moved before its stream tracks followed it, or was ingested through a link whose
    name the tracks took. Two tracks of one stream (read before and after a move, with
    other text) both take the name: there is no uniqueness on paths, and both came from
    that stream. A subtitle file whose own name merely ends so (it exists) is left."""
    rows = conn.execute(sa.text(
        "SELECT t.id, t.path, f.path FROM subtitle_tracks t JOIN films f ON f.id = t.film_id"
    )).all()
    renamed = []
    for track_id, path, film_path in rows:
        named = _STREAM_TRACK.fullmatch(path)
        if named is None or named["film"] == film_path or os.path.exists(path):
            continue
        renamed.append({"id": track_id, "path": f"{film_path}#0:{named['index']}"})
    if renamed:
        conn.execute(sa.text("UPDATE subtitle_tracks SET path = :path WHERE id = :id"), renamed)


def downgrade() -> None:
    # The tracks keep their films' names: the old ones named files no longer there.
    if op.get_bind().dialect.name == "sqlite":
        for table in reversed(TABLES):
            with op.batch_alter_table(table, recreate="always"):
                pass
