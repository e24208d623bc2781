"""Where the tracked face is in a clip, as plain boxes the preview can draw.

The face-tracking stage stores tracks and detections in the database; the preview
only needs `(time_ms, left, top, right, bottom)` in the film's pixels. This module is
the one place that knows how to get those from the store.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from curator.review.halfblock import TimedBox


def face_boxes_for_clip(session: Session, clip_id: int) -> list[TimedBox]:
    """The main tracked face's boxes inside the clip, oldest first.

    Adapter still to be filled in: the face-track tables are not in the store yet, so
    this returns no boxes and the preview shows whole frames without a box. When they
    land, select the clip's main track's detections here (time_ms and the box corners).
    """
    del session, clip_id
    return []
