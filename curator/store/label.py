"""What `curator label` works on."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from curator.store.annotations import votes_of
from curator.store.models import Annotation, Clip, FaceCheck


def proposed_clips(session: Session, film_id: int | None = None, *,
                   face_checked: bool | None = None) -> list[Clip]:
    """Clips still awaiting review that carry a proposed label, in film and time order;
    with `face_checked`, only those whose window was (True) or was not (False) searched
    for faces yet.

    A `proposed` clip that has current votes is a tie between annotators (disputed):
    that is for a person to settle, so it is left out.
    """
    voted = exists().where(
        Annotation.clip_id == Clip.id,
        Annotation.retracted.is_(False),
        Annotation.decision != "skip",
    )
    query = (
        select(Clip)
        .where(Clip.status == "proposed", Clip.proposed_label.is_not(None), ~voted)
        .order_by(Clip.film_id, Clip.start_ms, Clip.id)
    )
    if film_id is not None:
        query = query.where(Clip.film_id == film_id)
    if face_checked is not None:
        checked = exists().where(FaceCheck.clip_id == Clip.id)
        query = query.where(checked if face_checked else ~checked)
    return list(session.scalars(query))


def awaits_bulk_confirm(clip: Clip) -> bool:
    """`proposed_clips`' rule for one clip read again (someone may have voted since it was
    listed): still proposed, with no live vote but skips."""
    return clip.status == "proposed" and all(v.decision == "skip" for v in votes_of(clip))
