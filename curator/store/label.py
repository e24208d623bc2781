"""What `curator label` works on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.store.models import Clip


def proposed_clips(session: Session, film_id: int | None = None) -> list[Clip]:
    """Clips still awaiting review that carry a proposed label, in film and time order."""
    query = (
        select(Clip)
        .where(Clip.status == "proposed", Clip.proposed_label.is_not(None))
        .order_by(Clip.film_id, Clip.start_ms, Clip.id)
    )
    if film_id is not None:
        query = query.where(Clip.film_id == film_id)
    return list(session.scalars(query))
