"""The append-only change log: every edit goes through `set_field`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from curator.store.models import ChangeLog, Clip, ClipSubject, Person, utcnow


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def entity_name(obj: Clip | ClipSubject | Person) -> str:
    if isinstance(obj, Clip):
        return "clip"
    if isinstance(obj, ClipSubject):
        return "subject"
    return "person"


def set_field(
    session: Session, obj: Clip | ClipSubject | Person, field: str, value: Any, *, who: str,
    from_clip: int | None = None,
) -> bool:
    """Set `obj.field = value`, logging old → new; returns False when nothing changed.

    A person belongs to no one clip; `from_clip` names the clip it was changed from, so
    that clip's history (and its XML record) shows the change."""
    old = getattr(obj, field)
    if old == value:
        return False
    setattr(obj, field, value)
    if isinstance(obj, Clip):
        clip_id: int | None = obj.id
    elif isinstance(obj, ClipSubject):
        clip_id = obj.clip_id
    else:
        clip_id = from_clip
    session.add(
        ChangeLog(
            at=utcnow(),
            who=who,
            entity=entity_name(obj),
            entity_id=obj.id,
            clip_id=clip_id,
            field=field,
            old=_text(old),
            new=_text(value),
        )
    )
    return True
