"""Films made for the media tests: pictures whose right reading is known."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from curator.media.hdr import REFERENCE_WHITE_NITS, pq_signal
from curator.media.probe import ffmpeg_exe

# Gray, skin, red, green, blue, a dark gray: standard-range BT.709 code values.
PATCHES = np.array([[128, 128, 128], [224, 172, 140], [200, 40, 40], [40, 160, 60],
                    [50, 60, 190], [30, 30, 30]], np.float64)
# Linear BT.709 to linear BT.2020 (ITU-R BT.2087), to make the HDR film.
BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114],
                            [0.0164, 0.0880, 0.8956]])


def hdr_film(path: Path, transfer: str | None, *, pq: bool = True) -> tuple[Path, np.ndarray]:
    """A 10-bit HEVC film (lossless) of the patches as HDR10 would carry them: their light
    with standard white at reference white, in BT.2020 colours, PQ-coded (or, not `pq`,
    coded for a gamma 2.4 display, as standard UHD video in BT.2020 is). And the
    standard-range picture it was made from. `transfer` None: the stream names none."""
    w, h = 32 * len(PATCHES), 64
    picture = np.repeat(np.repeat(PATCHES[None], 32, axis=1), h, axis=0)
    light = (picture / 255) ** 2.4 * REFERENCE_WHITE_NITS @ BT709_TO_BT2020.T
    signal = pq_signal(light) if pq else (light / REFERENCE_WHITE_NITS) ** (1 / 2.4)
    code = np.round(signal * 65535).astype("<u2")
    planes = np.stack([code[..., 1], code[..., 2], code[..., 0]]).tobytes()  # gbrp16le
    named = "" if transfer is None else f":color_trc={transfer}"
    params = f"color_primaries=bt2020{named}:colorspace=bt2020nc:range=tv"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo",
                    "-pix_fmt", "gbrp16le", "-s", f"{w}x{h}", "-r", "10", "-i", "-",
                    "-vf", f"scale=out_color_matrix=bt2020:out_range=tv,setparams={params}",
                    "-pix_fmt", "yuv444p10le", "-c:v", "libx265",
                    "-x265-params", "lossless=1:log-level=error", str(path)],
                   input=planes * 5, check=True)
    return path, picture


def interlaced_film(path: Path, *, flagged: bool = True, bottom_first: bool = False) -> Path:
    """A 160x120 film whose every picture interleaves a black field (top) and a white one
    (bottom): fields of two moments, as an interlaced camera takes them of anything moving.
    Flagged interlaced in the stream (x264's field coding) unless not `flagged`. Bottom
    field first: the black field (the first moment) is the bottom one, the white the top."""
    w, h = 160, 120
    moments = b"".join(np.full((h, w), 255 * (i % 2), np.uint8).tobytes() for i in range(40))
    order, first = ("bff", "bottom") if bottom_first else ("tff", "top")
    coding = ["-flags", "+ildct+ilme", "-x264opts", f"{order}=1"] if flagged else []
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo",
                    "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", "50", "-i", "-",
                    "-vf", f"tinterlace=mode=interleave_{first},setfield={order}",
                    "-c:v", "libx264",
                    *coding, "-pix_fmt", "yuv420p", str(path)], input=moments, check=True)
    return path


def moving_interlaced_film(path: Path) -> Path:
    """A white square crossing a gray 160x120 picture at 4 px a field, coded interlaced
    (top field first): each picture's fields show it 4 px apart, comb teeth at its edges."""
    w, h = 160, 120
    moments = []
    for i in range(50):
        moment = np.full((h, w), 90, np.uint8)
        left = 10 + 4 * i % (w - 40)
        moment[40:80, left:left + 30] = 235
        moments.append(moment.tobytes())
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo",
                    "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", "50", "-i", "-",
                    "-vf", "tinterlace=mode=interleave_top,setfield=tff", "-c:v", "libx264",
                    "-flags", "+ildct+ilme", "-x264opts", "tff=1", "-qp", "0",
                    "-pix_fmt", "yuv420p", str(path)], input=b"".join(moments), check=True)
    return path
