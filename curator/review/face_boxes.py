"""Where the tracked face is in a clip, as plain boxes the preview can draw.

The face stage stores tracks (`FaceTrack`, one per face followed through a clip, the
main ones marked) and their detections (`FaceDetection`, a box per sampled frame, in
display pixels, i.e. after rotation). The preview only needs
`(time_ms, left, top, right, bottom)`; this module is the one place that reads them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.review.halfblock import TimedBox
from curator.store.models import FaceDetection, FaceTrack


def face_boxes_for_clip(session: Session, clip_id: int) -> list[TimedBox]:
    """The boxes of the clip's main face (the main track seen longest), oldest first.

    A clip whose faces have not been checked, or where none was found, has no boxes:
    the preview then shows whole frames.
    """
    track_id = session.scalar(
        select(FaceTrack.id)
        .where(FaceTrack.clip_id == clip_id)
        .order_by(FaceTrack.is_main.desc(), FaceTrack.presence.desc(),
                  FaceTrack.detection_count.desc(), FaceTrack.id)
        .limit(1)
    )
    if track_id is None:
        return []
    rows = session.execute(
        select(FaceDetection.time_ms, FaceDetection.left, FaceDetection.top,
               FaceDetection.width, FaceDetection.height)
        .where(FaceDetection.track_id == track_id)
        .order_by(FaceDetection.time_ms)
    )
    return [(t, left, top, left + w, top + h) for t, left, top, w, h in rows]


def display_width(width: int, height: int, rotation: int) -> int:
    """The width of the frames as shown: a film rotated a quarter turn shows its height."""
    return height if rotation % 180 == 90 else width
