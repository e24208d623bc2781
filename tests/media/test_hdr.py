"""HDR pictures (PQ, HLG) read as standard range: the levels and colours a standard film of
the same scene has."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from curator.media.frames import frame_at
from curator.media.hdr import (
    HLG,
    KNEE,
    PQ,
    REFERENCE_WHITE_NITS,
    hlg_nits,
    pq_nits,
    pq_signal,
    roll_off,
    standard_range,
)
from curator.media.probe import ffmpeg_exe

from .films import hdr_film


def test_the_curves_put_reference_white_where_bt2408_does() -> None:
    """HDR's reference white (203 nits) is at 58% of PQ's code values and 75% of HLG's."""
    assert pq_nits(np.array(0.58)) == pytest.approx(REFERENCE_WHITE_NITS, rel=0.02)
    assert pq_nits(np.array(1.0)) == pytest.approx(10000)
    codes = np.linspace(0, 1, 11)
    assert pq_signal(pq_nits(codes)) == pytest.approx(codes, abs=1e-6)
    gray = np.full(3, 0.75)
    assert hlg_nits(gray) == pytest.approx(np.full(3, REFERENCE_WHITE_NITS), rel=0.02)
    assert hlg_nits(np.ones(3)) == pytest.approx(np.full(3, 1000))


def test_highlights_roll_off_towards_white_without_a_step() -> None:
    level = np.linspace(0, 20, 2001)
    out = roll_off(level)
    assert (out[level <= KNEE] == level[level <= KNEE]).all()  # mid-tones (faces) kept
    assert (np.diff(out) > 0).all() and out.max() < 1  # brighter stays brighter, below white
    step = 1e-5
    above = (roll_off(np.array(KNEE + step)) - KNEE) / step
    assert above == pytest.approx(1, abs=1e-3)  # no kink at the knee




def test_an_hdr10_film_reads_as_the_standard_film_of_the_same_scene(tmp_path: Path) -> None:
    film, picture = hdr_film(tmp_path / "hdr10.mp4", "smpte2084")
    frame = frame_at(film, 0).astype(float)
    assert np.abs(frame - picture).mean() < 1  # read as standard video, it was off by 34
    # The same code values with no HDR transfer named are standard video: left as they are.
    plain, _ = hdr_film(tmp_path / "plain.mp4", "bt709")
    assert np.abs(frame_at(plain, 0).astype(float) - picture).mean() > 20


def test_an_hdr10_film_whose_container_alone_names_pq_is_hdr(tmp_path: Path) -> None:
    """A Matroska (or MP4) file may state the transfer in its own colour fields while the
    HEVC stream's VUI names none: the decoder's frames then say unspecified."""
    bare, picture = hdr_film(tmp_path / "bare.mkv", None)
    film = tmp_path / "container.mkv"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(bare),
                    "-c", "copy", "-color_trc", "smpte2084", str(film)], check=True)
    assert np.abs(frame_at(film, 0).astype(float) - picture).mean() < 1


def test_a_standard_film_in_bt2020_colours_has_them_made_bt709(tmp_path: Path) -> None:
    """UHD video may be standard range in BT.2020's colours: read as BT.709, its reds and
    greens were dull (the patches 12 code values off on average); levels are not rolled off."""
    film, picture = hdr_film(tmp_path / "uhd_sdr.mp4", "bt2020-10", pq=False)
    assert np.abs(frame_at(film, 0).astype(float) - picture).mean() < 1


def test_hlg_and_pq_meet_at_reference_white() -> None:
    """A gray at each transfer's reference-white code value is standard white's level."""
    pq_gray = np.full((1, 1, 3), round(0.58 * 65535), np.uint16)
    hlg_gray = np.full((1, 1, 3), round(0.75 * 65535), np.uint16)
    for gray, transfer in ((pq_gray, PQ), (hlg_gray, HLG)):
        level = standard_range(gray, transfer)[0, 0]
        assert (abs(level.astype(int) - 255 * roll_off(np.array(1.0)) ** (1 / 2.4)) <= 4).all()


@pytest.mark.parametrize("transfer", [PQ, HLG])
def test_the_tables_give_the_curves_values(transfer: int) -> None:
    """`standard_range` looks its curves up in tables: within one code value of computing
    them on every pixel, over the whole range of codes."""
    from curator.media.hdr import _BT2020_TO_BT709

    rng = np.random.default_rng(7)
    codes = rng.integers(0, 65536, (200, 300, 3), dtype=np.uint16)
    signal = codes / 65535
    nits = pq_nits(signal) if transfer == PQ else hlg_nits(signal)
    light = np.maximum(nits @ _BT2020_TO_BT709.T.astype(float), 0) / REFERENCE_WHITE_NITS
    expected = np.round(255 * roll_off(light) ** (1 / 2.4))
    got = standard_range(codes, transfer).astype(float)
    assert np.abs(got - expected).max() <= 1
    assert (got == expected).mean() > 0.99
