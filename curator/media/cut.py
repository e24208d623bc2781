"""Cutting a clip out of a film as its own video file (with its audio), with ffmpeg.

The AFEW-style export and the review UI's external-player preview both use
`cut_clip`. It runs the ffmpeg binary that imageio-ffmpeg ships: an accurate seek
(`-ss START -i FILM -t DURATION`) and a re-encode to H.264 + AAC, so the clip
keeps the film's own frame times (variable-frame-rate films do not drift) and a
rotated film comes out turned upright (ffmpeg applies the display matrix). A clip is
standard video: an interlaced film deinterlaced, an HDR one made standard range as the
frame reader makes it (`_picture_filters`). The
file is written under a temporary name in the target folder and renamed into
place, so an interrupted cut never leaves a half-written video.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from curator.errors import MediaError
from curator.fsutil import naming

_TIMEOUT_S = 120.0  # plus a few seconds per second of clip


def cut_clip(
    film: Path,
    start_ms: int,
    end_ms: int,
    target: Path,
    *,
    audio: bool = True,
    preset: str = "veryfast",
) -> Path:
    """Write `film[start_ms:end_ms]` to `target` (H.264 + AAC; format from the suffix).

    The film's first audio stream is kept when there is one and `audio` is true. A
    clip that reaches past the end of the film stops where the film does.
    """
    if not film.is_file():
        raise MediaError(film, "file not found")
    if end_ms <= start_ms:
        raise ValueError("a clip must end after it starts")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
    except OSError as exc:
        raise naming(target, exc) from None
    os.close(fd)
    duration_s = (end_ms - start_ms) / 1000
    start_s = max(start_ms, 0) / 1000
    timeout_s = _TIMEOUT_S + 5 * (duration_s + _MAX_BACK_S)

    Cut = tuple[subprocess.CompletedProcess[str], tuple[float, bool] | None]

    pictures = _picture_filters(film)

    def attempt(seek_s: float) -> Cut:
        command = _command(film, seek_s, start_s - seek_s, duration_s, tmp_name,
                           audio=audio, preset=preset, pictures=pictures)
        try:
            result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                    check=False, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise MediaError(film, "cutting the clip took too long") from exc
        return result, (_first_frame_s(Path(tmp_name)) if result.returncode == 0 else None)

    try:
        result, first = attempt(start_s)
        if (first is None or first[1]) and start_s > 0:
            # A container without an index (MPEG-TS) may seek into a group of pictures,
            # whose frames the decoder drops up to the next key frame: the cut starts
            # late or holds no frame. Seek from the key frame before the start instead
            # (input -ss) and drop the frames up to the start (output -ss).
            earlier = _seek_before(film, start_s)
            if earlier < start_s:
                result, first = attempt(earlier)
        if first is None:
            if result.returncode != 0:
                lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
                reason = lines[-1] if lines else f"ffmpeg exit status {result.returncode}"
                raise MediaError(film, f"cannot cut {start_ms}-{end_ms} ms ({reason})")
            raise MediaError(film, f"no video frames between {start_ms} and {end_ms} ms")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp_name, 0o666 & ~mask)
        os.replace(tmp_name, target)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # about the clip asked for, not its temporary
            raise naming(target, exc) from None
        raise
    return target


# The furthest before a clip's start that a cut seeks (doubling from 2 s) to find
# the key frame before it.
_MAX_BACK_S = 64.0


def _seek_before(film: Path, start_s: float) -> float:
    """A film time to seek to from which the first decoded frame is at or before
    `start_s` (seeking as ffmpeg's input -ss does); `start_s` when none is found."""
    import av

    from curator.media.reader import film_video_stream

    try:
        with av.open(str(film)) as container:
            stream = film_video_stream(container)
            if stream is None:
                return start_s
            origin_s = (container.start_time or 0) / 1_000_000
            tick = float(stream.time_base or 0)
            back_s = 2.0
            while True:
                seek_s = max(start_s - back_s, 0.0)
                container.seek(round((seek_s + origin_s) * 1_000_000), backward=True)
                for frame in container.decode(stream):
                    if frame.pts is not None:
                        if frame.pts * tick - origin_s <= start_s + 0.001:
                            return seek_s
                        break
                if seek_s <= 0 or back_s >= _MAX_BACK_S:
                    return start_s
                back_s *= 2
    except (av.error.FFmpegError, IndexError, OSError):
        return start_s


# HDR (and BT.2020) to standard BT.709 video as the frame reader makes it (hdr.py): light
# with reference white (203 nits) at 1, BT.709's colours, linear to 75% of white and
# rolled off above (Möbius), BT.709's curve: 1.4 code values from the reader's, on average.
_TO_STANDARD = ["zscale=t=linear:npl=203", "format=gbrpf32le", "zscale=p=bt709"]
_FROM_LINEAR = ["zscale=t=bt709:m=bt709:r=tv"]
_ROLL_OFF = ["tonemap=mobius:param=0.75:desat=0"]


def _picture_filters(film: Path) -> list[str]:
    """ffmpeg filters that make a clip's pictures what curator shows of the film: an
    interlaced film deinterlaced (the clip is progressive H.264), an HDR one or one in
    BT.2020's colours made BT.709 video. A clip keeps no HDR: 8-bit H.264 cannot hold it,
    and a player or a dataset loader that ignores the tags would show it flat."""
    import av

    from curator.media.hdr import BT2020_PRIMARIES, is_hdr
    from curator.media.reader import INTERLACED_ORDERS, film_video_stream

    try:
        with av.open(str(film)) as container:
            stream = film_video_stream(container)
            if stream is None:
                return []
            context = stream.codec_context
            order, transfer = int(context.field_order or 0), int(context.color_trc or 0)
            primaries = int(context.color_primaries or 0)
    except (av.error.FFmpegError, OSError):
        return []  # ffmpeg says what is wrong with the film when it cuts
    filters = []
    if order in INTERLACED_ORDERS:  # motion-adaptive: still parts keep both fields
        filters.append("bwdif=mode=send_frame:deint=interlaced")
    if is_hdr(transfer):
        filters += _TO_STANDARD + _ROLL_OFF + _FROM_LINEAR
    elif primaries == BT2020_PRIMARIES:
        filters += _TO_STANDARD + _FROM_LINEAR
    return filters


def _command(film: Path, seek_s: float, skip_s: float, duration_s: float, out: str,
             *, audio: bool, preset: str, pictures: Sequence[str] = ()) -> list[str]:
    from curator.media.probe import ffmpeg_exe

    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if seek_s > 0:
        command += ["-ss", f"{seek_s:.3f}"]
    command += ["-i", str(film)]
    if skip_s > 0:
        command += ["-ss", f"{skip_s:.3f}"]
    command += [
        "-t", f"{duration_s:.3f}", "-map", "0:V:0",  # V: video that is not cover art
        # 4:2:0 H.264 needs an even width and height: an odd one (641x359) loses its
        # last column or row rather than the whole clip.
        "-vf", ",".join([*pictures, "crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0"]),
        "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p",
    ]
    if pictures:  # said, in case the encoder keeps the film's tags
        command += ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
    if audio:
        command += ["-map", "0:a:0?", "-c:a", "aac"]
    command += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1", out]
    return command


def _first_frame_s(path: Path) -> tuple[float, bool] | None:
    """(time of the cut's first video frame, whether it comes late: more than two frame
    periods in), or None when the cut holds no video frame (a start past the end)."""
    import av

    from curator.media.reader import film_video_stream

    try:
        with av.open(str(path)) as container:
            stream = film_video_stream(container)
            if stream is None:
                return None
            start_s = (container.start_time or 0) / 1_000_000  # the earliest stream's
            rate = float(stream.average_rate or 25)
            for frame in container.decode(stream):
                first = (frame.pts or 0) * float(stream.time_base or 0) - start_s
                return first, first > max(2 / rate, 0.1)
    except (av.error.FFmpegError, IndexError, OSError):
        return None
    return None
