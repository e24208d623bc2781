"""Storing a model's opinion of clips, which the review's `suspect` queue compares with the
human label (`curator score-clips` writes them)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.store.models import Prediction, utcnow


def save_prediction(session: Session, clip_id: int, *, model: str,
                    scores: Mapping[str, float]) -> Prediction:
    """Store (or replace) `model`'s class scores for a clip; its label is the top score."""
    label = max(scores, key=lambda name: scores[name])
    row = session.scalars(
        select(Prediction).where(Prediction.clip_id == clip_id, Prediction.model == model)
    ).first()
    if row is None:
        row = Prediction(clip_id=clip_id, model=model)
        session.add(row)
    row.label = label
    row.scores_json = json.dumps({k: round(float(v), 6) for k, v in scores.items()})
    row.created_at = utcnow()
    return row


def forget_prediction(session: Session, clip_id: int, *, model: str) -> bool:
    """Remove `model`'s opinion of a clip (it could not score the clip this time)."""
    row = session.scalars(
        select(Prediction).where(Prediction.clip_id == clip_id, Prediction.model == model)
    ).first()
    if row is not None:
        session.delete(row)
    return row is not None
