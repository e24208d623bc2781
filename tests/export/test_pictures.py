"""Which face pictures two overlapping clips would share (so the export takes each once)."""

from __future__ import annotations

from curator.export.plan import ClipPlan, _picture


def _clip(person: int | None) -> ClipPlan:
    return ClipPlan(clip_id=1, film_id=7, film_sha="a" * 64, film_path="f.mp4", start_ms=0,
                    end_ms=5000, label="Sad", person_id=person, people=(), display_size=(64, 36))


def test_samples_a_millisecond_apart_are_one_video_frame() -> None:
    # 3 samples/s: one window samples at 1333 ms, an overlapping one at 1334 ms.
    assert _picture(_clip(4), 1333, 25.0) == _picture(_clip(4), 1334, 25.0) == (7, 4, 34)
    assert _picture(_clip(4), 1360, 25.0) != _picture(_clip(4), 1361, 25.0)  # next frame


def test_another_person_or_an_unknown_face_is_another_picture() -> None:
    assert _picture(_clip(4), 2000, 25.0) != _picture(_clip(5), 2000, 25.0)
    assert _picture(_clip(None), 2000, 25.0) is None
