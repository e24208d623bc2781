"""Storing a model's opinion of clips, which the review's `suspect` queue compares with the
human label (`curator score-clips` writes them)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.store.models import Prediction, utcnow


def save_prediction(session: Session, clip_id: int, *, model: str,
                    scores: Mapping[str, float]) -> str:
    """Store (or replace) `model`'s class scores for a clip; returns its label, the top score.

    One statement that inserts or updates (`ON CONFLICT`), so two `score-clips` runs of
    one model at once, or teammates scoring a shared PostgreSQL database, both succeed
    rather than one meeting the (clip, model) unique constraint."""
    label = max(scores, key=lambda name: scores[name])
    values = {"clip_id": clip_id, "model": model, "label": label, "created_at": utcnow(),
              "scores_json": json.dumps({k: round(float(v), 6) for k, v in scores.items()})}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Prediction).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[Prediction.clip_id, Prediction.model],
        set_={name: statement.excluded[name] for name in ("label", "scores_json", "created_at")},
    ))
    return label


def forget_prediction(session: Session, clip_id: int, *, model: str) -> bool:
    """Remove `model`'s opinion of a clip (it could not score the clip this time)."""
    row = session.scalars(
        select(Prediction).where(Prediction.clip_id == clip_id, Prediction.model == model)
    ).first()
    if row is not None:
        session.delete(row)
    return row is not None
