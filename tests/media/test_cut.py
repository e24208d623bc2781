"""Cutting clips with ffmpeg: frame-accurate on variable-rate films, upright when rotated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.errors import MediaError
from curator.media.cut import cut_clip
from curator.media.frames import frames_at
from curator.media.probe import probe_video

from .conftest import DEMO, ffmpeg
from .films import hdr_film, moving_interlaced_film


@pytest.fixture(scope="session")
def variable_rate(media_dir: Path) -> Path:
    """Eight seconds of the demo film: every frame for 3 s, then only every fourth."""
    path = media_dir / "variable_rate.mp4"
    ffmpeg("-i", str(DEMO), "-t", "8", "-vf", r"select=lt(t\,3)+not(mod(n\,4))",
           "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy",
           str(path))
    return path


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_a_variable_rate_film_is_cut_without_drift(variable_rate: Path, tmp_path: Path) -> None:
    assert probe_video(variable_rate).variable_fps
    clip = cut_clip(variable_rate, 4000, 7000, tmp_path / "clip.mp4")
    times = [200, 1400, 2600]
    cut = frames_at(clip, times)
    source = frames_at(variable_rate, [4000 + t for t in times])
    for ours, theirs in zip(cut, source, strict=True):
        assert _difference(ours, theirs) < 3.0  # re-encoding noise, not another picture
    assert 2900 <= probe_video(clip).duration_ms <= 3100


def test_a_rotated_film_is_cut_upright_and_unsqueezed(rotated: Path, tmp_path: Path) -> None:
    clip = cut_clip(rotated, 500, 1500, tmp_path / "clip.mp4")
    info = probe_video(clip)
    assert info.display_size == probe_video(rotated).display_size == (360, 640)
    ours, theirs = frames_at(clip, [300])[0], frames_at(rotated, [800])[0]
    assert ours.shape == theirs.shape == (640, 360, 3)
    assert _difference(ours, theirs) < 3.0


def test_audio_is_kept_unless_asked_and_nothing_is_left_behind(tmp_path: Path) -> None:
    target = tmp_path / "out" / "clip.mp4"
    assert cut_clip(DEMO, 1000, 2000, target) == target
    info = probe_video(target)
    assert info.has_audio and 900 <= info.duration_ms <= 1100
    silent = cut_clip(DEMO, 1000, 2000, tmp_path / "out" / "silent.mp4", audio=False)
    assert not probe_video(silent).has_audio
    with pytest.raises(MediaError) as caught:
        cut_clip(DEMO, 60_000, 61_000, tmp_path / "out" / "late.mp4")
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clip.mp4", "silent.mp4"]
    with pytest.raises(MediaError, match="not found"):
        cut_clip(tmp_path / "nothing.mp4", 0, 1000, tmp_path / "x.mp4")


def test_a_transport_stream_is_cut_from_its_start(transport_stream: Path, tmp_path: Path) -> None:
    # The film starts at 10 s and has key frames 0 and 4 s in: a plain seek to 2.5 s
    # lands past the first and the decoder drops every frame up to 4 s.
    clip = cut_clip(transport_stream, 2500, 3700, tmp_path / "clip.mp4")
    info = probe_video(clip)
    assert 1100 <= info.duration_ms <= 1300
    ours, theirs = frames_at(clip, [0, 1000]), frames_at(transport_stream, [2500, 3500])
    for a, b in zip(ours, theirs, strict=True):
        assert _difference(a, b) < 3.0


def test_an_odd_frame_size_is_cut(odd_size: Path, tmp_path: Path) -> None:
    clip = cut_clip(odd_size, 500, 1500, tmp_path / "clip.mp4")
    info = probe_video(clip)
    assert (info.width, info.height) == (640, 358)
    # Mid-frame times: the cut's first frame (film 520 ms) is shown from 0.
    ours, theirs = frames_at(clip, [310])[0], frames_at(odd_size, [810])[0]
    assert _difference(ours, theirs[:358, :640]) < 4.0  # 4:4:4 to 4:2:0 and re-encoding


def test_a_clip_of_an_hdr_film_is_standard_video(tmp_path: Path) -> None:
    """A clip is 8-bit H.264: cut from an HDR10 film as it was, it kept PQ codes under PQ
    tags, read flat and faded by a loader that ignores them. It is what curator shows."""
    import av

    from curator.media.frames import frame_at

    film, picture = hdr_film(tmp_path / "hdr10.mp4", "smpte2084")
    clip = cut_clip(film, 0, 400, tmp_path / "clip.mp4", audio=False)
    with av.open(str(clip)) as container:
        frame = next(container.decode(video=0))
        assert (frame.color_trc, frame.color_primaries) == (1, 1)  # BT.709's
        as_stored = frame.to_ndarray(format="rgb24").astype(float)
    assert _difference(as_stored.astype(np.uint8), picture.astype(np.uint8)) < 3
    assert _difference(frame_at(clip, 0), frame_at(film, 0)) < 3


def test_a_clip_of_an_interlaced_film_has_no_comb_teeth(tmp_path: Path) -> None:
    """A square moving between an interlaced picture's fields leaves comb teeth at its
    edges; the clip's pictures are progressive, with none left."""
    import av

    from curator.media.reader import first_field

    def teeth(path: Path) -> float:  # the share of pixels that stand out from both fields
        with av.open(str(path)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        return float(np.mean([(first_field(f) != f).mean() for f in frames[1:-1]]))

    film = moving_interlaced_film(tmp_path / "interlaced.mp4")
    clip = cut_clip(film, 0, 800, tmp_path / "clip.mp4", audio=False)
    combed = teeth(film)
    assert combed > 0.005, combed
    assert teeth(clip) < combed / 4, (teeth(clip), combed)  # 0.13% left, 0.81% before
