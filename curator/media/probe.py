"""Probe a video with the ffmpeg binary that imageio-ffmpeg ships (there is no ffprobe).

`parse_ffmpeg_header` is pure (text in, `VideoInfo` out) so it is tested on
captured headers; `probe_video` is the I/O edge that runs `ffmpeg -i` and then
decodes one frame near the end (PyAV), so a file cut short is refused even when
its index, at the front, describes the whole film.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from curator.errors import MediaError


@dataclass(frozen=True, slots=True)
class VideoInfo:
    duration_ms: int
    fps: float
    # Frame size in square pixels, before rotation: an anamorphic stream (DVD, some
    # broadcast) stores narrower pixels, so its width is the stored width x the
    # sample aspect ratio; frames are decoded to this size, never squeezed.
    width: int
    height: int
    rotation: int = 0  # degrees clockwise to turn the stored frames for display
    variable_fps: bool = False
    has_audio: bool = False
    codec: str = ""
    # The container's length when its other streams outlast the video (which sets
    # `duration_ms`); None when the video runs to the end.
    container_ms: int | None = None
    # As the stream describes its pictures: "top first"/"bottom first" (interlaced), or
    # "" (progressive, or not said); "PQ" or "HLG" for high dynamic range, else "".
    interlaced: str = ""
    hdr: str = ""
    pulldown: bool = False  # 3:2 pulldown (soft telecine): `fps` is the pictures' rate

    def picture_notes(self) -> list[str]:
        """What is done with this video's pictures that a user may want to know."""
        notes = []
        if self.pulldown:
            notes.append(f"3:2 pulldown (soft telecine): {self.fps:g} pictures a second, "
                         "shown as 29.97 frames")
        if self.interlaced:
            notes.append(f"interlaced ({self.interlaced}): the comb teeth of movement between "
                         "fields are taken out of each picture read")
        if self.hdr:
            notes.append(f"HDR ({self.hdr}): pictures are read as standard range (BT.709)")
        return notes

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as the viewer sees the frames."""
        if self.rotation % 180 == 90:
            return self.height, self.width
        return self.width, self.height


_DURATION = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_START = re.compile(r"Duration:.*?, start: (\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (?P<codec>[\w-]+)(?P<rest>.*)")
_SIZE = re.compile(r"[ ,](\d{2,5})x(\d{2,5})[ ,\[]")
_SAR = re.compile(r"\[SAR (\d+):(\d+) DAR \d+:\d+\]")
_FPS = re.compile(r"([\d.]+)(k?) fps")
_TBR = re.compile(r"([\d.]+)(k?) tbr")
_DISPLAYMATRIX = re.compile(r"rotation of (-?[\d.]+) degrees")
_ROTATE_TAG = re.compile(r"^\s*rotate\s*:\s*(-?\d+)", re.MULTILINE)
_STILL = "(attached pic)"
# The pixel format's parenthesis: `yuv420p10le(tv, bt2020nc/bt2020/smpte2084, progressive)`.
_PIXELS = re.compile(r", \w+\((?P<said>(?:[^()]|\([^()]*\))*)\)")  # "(swapped)" inside
_FIELD_ORDER = re.compile(r"\b(top|bottom) (?:coded )?first\b")
_HDR_TRANSFERS = {"smpte2084": "PQ", "arib-std-b67": "HLG"}
_MATROSKA = ", matroska,webm, from"


def _rate(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    value = float(match.group(1))
    return value * 1000 if match.group(2) else value


# ffmpeg's demuxers of single pictures: `image2` (by file name) and `png_pipe`,
# `jpeg_pipe`, … (by content). Each reads a photo as a video of one frame.
_IMAGE_INPUT = re.compile(r"^Input #0, (?:image2|(\w+)_pipe), from", re.MULTILINE)


def still_image_format(header: str) -> str | None:
    """The picture format (`png`, `jpeg`) when `ffmpeg -i`'s `header` is of a still image."""
    match = _IMAGE_INPUT.search(header)
    return None if match is None else (match.group(1) or "image")


def is_image_demuxer(name: str) -> bool:
    """Whether a container's format name (PyAV's `container.format.name`) reads a picture."""
    return name == "image2" or name.endswith("_pipe")


def parse_ffmpeg_header(text: str, path: Path) -> VideoInfo:
    """Read duration, frame rate, size and rotation from `ffmpeg -i` output."""
    lowered = text.lower()
    if "invalid data found" in lowered or "moov atom not found" in lowered:
        raise MediaError(path, "not a readable video (corrupt or truncated)")
    if "no such file" in lowered:
        raise MediaError(path, "file not found")
    if (image := still_image_format(text)) is not None:
        raise MediaError(path, f"a still image ({image}), not a video")
    # Cover art is a video stream of one still picture ("(attached pic)"), not the film.
    video = next((m for m in _VIDEO.finditer(text) if _STILL not in m.group("rest")), None)
    if video is None:
        if "Audio:" in text:
            raise MediaError(path, "has no video stream (audio only)")
        raise MediaError(path, "has no video stream")
    rest = video.group("rest")
    size = _SIZE.search(rest + " ")
    if size is None:
        raise MediaError(path, "video stream has no frame size")
    fps = _rate(_FPS.search(rest))
    tbr = _rate(_TBR.search(rest))
    frame_rate = fps or tbr
    if not frame_rate:
        raise MediaError(path, "video stream has no frame rate")
    duration = _DURATION.search(text)
    if duration is None:
        # A stream dump (piped Matroska, raw H.264, a browser's recording) states none,
        # as does a file still being written; copying its streams into a new file does.
        raise MediaError(path, "the file states no duration (a stream dump, or still being "
                               "written?); if it is complete, copy it into a new container: "
                               "ffmpeg -i IN -c copy OUT.mkv")
    hours, minutes, seconds = duration.groups()
    duration_ms = round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)
    if duration_ms <= 0:
        raise MediaError(path, "video has zero duration")
    rotation = 0
    if (matrix := _DISPLAYMATRIX.search(text)) is not None:
        rotation = round(-float(matrix.group(1))) % 360
    elif (tag := _ROTATE_TAG.search(text)) is not None:
        rotation = int(tag.group(1)) % 360
    # ffmpeg prints the average rate as `fps` and the base rate as `tbr`: they differ
    # when frames are not evenly spaced. Matroska's `fps` is a rate it states, not an
    # average, and `tbr` a guess from the first frames' times (1 fps: "1 fps, 2 tbr"):
    # there the frames' own times decide (`probe_video`).
    matroska = _MATROSKA in text
    variable = bool(fps and tbr and abs(fps - tbr) > 0.01 * tbr) and not matroska
    width = int(size.group(1))
    if (sar := _SAR.search(rest)) is not None and int(sar.group(1)) and int(sar.group(2)):
        width = round(width * int(sar.group(1)) / int(sar.group(2)))
    said = pixels.group("said") if (pixels := _PIXELS.search(rest)) else ""
    order = _FIELD_ORDER.search(said)
    transfer = said.split(",")[1].split("/")[-1].strip() if said.count(",") >= 1 else ""
    return VideoInfo(
        interlaced=f"{order.group(1)} first" if order else "",
        hdr=_HDR_TRANSFERS.get(transfer, ""),
        duration_ms=duration_ms,
        fps=round(frame_rate, 6),
        width=width,
        height=int(size.group(2)),
        rotation=rotation,
        variable_fps=variable,
        has_audio="Audio:" in text,
        codec=video.group("codec"),
    )


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def probe_video(path: Path) -> VideoInfo:
    """Probe `path`; raises `MediaError` with a one-line reason when it is not a usable video."""
    if not path.exists():
        raise MediaError(path, "file not found")
    if path.is_dir():
        raise MediaError(path, "is a directory, not a video file")
    if path.stat().st_size == 0:
        raise MediaError(path, "file is empty")
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=60,
    )
    info = parse_ffmpeg_header(result.stderr, path)
    try:
        exact, video_end_ms = _check_end(path, info)
    except MediaError:
        # ffmpeg writes a Matroska file's duration as its last time, not its length,
        # so one whose times start late (copied with its times kept) looks too long.
        start = _START.search(result.stderr)
        start_ms = round(float(start.group(1)) * 1000) if start else 0
        if _MATROSKA not in result.stderr or not 0 < start_ms < info.duration_ms:
            raise
        info = replace(info, duration_ms=info.duration_ms - start_ms)
        exact, video_end_ms = _check_end(path, info)
    if exact is not None and abs(exact - info.fps) <= 0.006 and exact != info.fps:
        # ffmpeg prints rates to two decimals: 23.98 for 24000/1001 (NTSC film),
        # which drifts by a frame every 7 minutes; the stream's own ratio is exact.
        info = replace(info, fps=round(exact, 6))
    if video_end_ms is not None:
        # The sound (or subtitles) go on after the last picture: the film, as far as
        # curator is concerned, ends with its pictures.
        info = replace(info, duration_ms=video_end_ms, container_ms=info.duration_ms)
    pairs, tick_s = _frame_times(path, info.duration_ms)
    if (film_fps := _pulldown_rate(pairs, tick_s, info.fps)) is not None:
        # A film at 24000/1001 shown at 30000/1001 by repeating fields (soft telecine, NTSC
        # DVDs): its pictures come steadily at the film's rate, not the header's (the
        # field rate's, which made it look variable; or an MP4's average, or a guess).
        info = replace(info, fps=round(film_fps, 6), variable_fps=False, pulldown=True)
    elif _uneven([shown - before for before, shown in pairs], tick_s):
        info = replace(info, variable_fps=True)
    return info


# Places through the film where the spacing of frames is looked at, and how many frames
# from each place's time on.
SPACING_PLACES = 5
SPACING_FRAMES = 48
# Frames may be stored up to this many ahead of their display (B-frames): the last ones
# read are not followed by all the frames shown between them.
_REORDER = 16
# Frames this much longer or shorter apart than usual make the rate variable (jitter of
# a phone's clock, or timestamps rounded to the container's tick, do not).
_UNEVEN = 0.1
_HELD_S = 1.0


def read_as_pulled_down(recorded_fps: float, fps: float) -> bool:
    """Whether `fps` is the film rate of a soft-telecined video that was recorded at its
    header's rate, `recorded_fps` (by a curator before it read 3:2 pulldown): the field
    rate's frames (29.97 for 23.976), or an average or guess near the film's own."""
    return abs(recorded_fps * 4 / 5 - fps) <= 0.01 or abs(recorded_fps - fps) <= 0.005 * fps


def recorded_before_pulldown(recorded_fps: float, recorded_variable: bool,
                             info: VideoInfo) -> bool:
    """Whether a film recorded at `recorded_fps`, variable or not, is the soft-telecined
    video `info` probes now, as a curator before it read 3:2 pulldown recorded it."""
    return recorded_variable and info.pulldown and read_as_pulled_down(recorded_fps, info.fps)


# Film rates a 3:2 cadence carries (NTSC film, and film at 24 on 30-frame video).
_FILM_RATES = (24000 / 1001, 24.0)


def _pulldown_rate(pairs: list[tuple[int, int]], tick_s: float,
                   header_fps: float) -> float | None:
    """The film's own rate when frames are shown for three fields and two in turn (a film's
    24 pictures a second on 30-frame video, its fields repeated as a flag says), else None.

    `pairs` are (time, time of the next frame) in ticks, in order. The steps have two
    lengths, one and a half times the other, about as many of each (one other step
    allowed: a cut, the last frame held), and they alternate: a long one follows a short
    one. A video whose rate changes between 30 and 20 frames a second (a phone in low
    light) has the same two steps, in runs. The rate is the steps' own (a pair of them
    is two pictures), or the nearest that agrees of four fifths of the header's (29.97:
    its fields' frames) and the film rates."""
    steps = [shown - before for before, shown in pairs]
    if len(steps) < 8:
        return None
    short = sorted(steps)[len(steps) // 10]
    slack = max(_UNEVEN * short / 3, 1.5)  # at least a tick either way: rounded timestamps
    kinds = [2 if abs(step - short) <= slack else 3 if abs(step - 1.5 * short) <= slack
             else 0 for step in steps]
    two, three = kinds.count(2), kinds.count(3)
    if len(steps) - two - three > 1 or min(two, three) < 0.4 * len(steps):
        return None
    # Frames shown one after another: in a cadence, a step unlike the one before it.
    turns = [kind != before for (_, shown), (after, _), before, kind
             in zip(pairs, pairs[1:], kinds, kinds[1:], strict=False)
             if shown == after and kind and before]
    if not turns or sum(turns) < 0.8 * len(turns):
        return None
    # Two pictures a short step and a long one (not the steps' mean: a place may read one
    # more of either).
    two_s, three_s = (tick_s * sum(step for step, kind in zip(steps, kinds, strict=True)
                                   if kind == k) / kinds.count(k) for k in (2, 3))
    measured = 2 / (two_s + three_s)
    rate = min((header_fps * 4 / 5, *_FILM_RATES), key=lambda rate: abs(rate - measured))
    return rate if abs(rate - measured) <= 0.003 * measured else measured


def _frame_times(path: Path, duration_ms: int) -> tuple[list[tuple[int, int]], float]:
    """(time, time of the next frame) of frames shown one after another at a few places
    through the video, in order (in its stream's ticks; a place's frames overlapping
    another's count once), and the tick in seconds.

    ffmpeg's header tells variable rates apart only where the container counts its
    frames (MP4: the average rate differs from the base rate). Matroska states one rate
    (the first frames', or an average) in a 1 ms time base, MPEG-TS none: there only the
    frames' own timestamps tell. Packets are read, not decoded: a few milliseconds.
    """
    import av

    from curator.media.reader import film_video_stream

    pairs: set[tuple[int, int]] = set()  # places a group of pictures apart overlap
    try:
        with av.open(str(path)) as container:
            stream = film_video_stream(container)
            if stream is None:
                return [], 0.0
            start = container.start_time or 0
            for place in range(SPACING_PLACES):
                target = start + duration_ms * 1000 * place // (SPACING_PLACES - 1)
                try:
                    container.seek(target, any_frame=False, backward=True)
                except av.error.FFmpegError:
                    continue  # a place that cannot be reached tells nothing; the others do
                pairs.update(_frame_pairs(container, stream, target))
            tick_s = float(stream.time_base)
    except (av.error.FFmpegError, OSError):
        return [], 0.0  # the end check read this file: one that fails to open tells nothing
    return sorted(pairs), tick_s


def _uneven(steps: list[int], tick_s: float) -> bool:
    """Whether frame intervals vary beyond a clock's jitter, more than a lone gap."""
    # No times read anywhere: unknown, and the header's word (steady) stands.
    if len(steps) < 2:
        return False
    usual = sorted(steps)[len(steps) // 2]
    slack = max(_UNEVEN * usual, 1.5)  # at least a tick either way: rounded timestamps
    off = [abs(step - usual) * tick_s for step in steps if abs(step - usual) > slack]
    # A lone gap is a frame or two lost where a file was cut (`-c copy`), not a rate;
    # a lone hold of a second or more is a still.
    return len(off) > 1 or any(seconds >= _HELD_S for seconds in off)


def _frame_pairs(container: Any, stream: Any, target_us: int) -> list[tuple[int, int]]:
    """(time, time of the next frame) of the frames shown one after another (in the
    stream's ticks), from the seek point to `SPACING_FRAMES` frames after `target_us`;
    at the end of the file, the last frame until the end of its own duration when it is
    held longer than the others; where a packet fails to read, up to it."""
    import av

    tick_us = float(stream.time_base) * 1_000_000
    shown: list[int] = []
    after = 0
    last = None
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets, None)
        except av.error.FFmpegError:
            # A packet that fails to read (damage): the frames read before it tell; later
            # ones (read after it, stored before their display) may fall between them.
            return list(itertools.pairwise(sorted(shown)[:-_REORDER]))
        if packet is None:
            break
        if packet.pts is None or not (shown or packet.is_keyframe):
            # Before a key frame (a seek by bytes lands anywhere: MPEG-TS), frames shown
            # between those read were stored before the first one read.
            continue
        shown.append(packet.pts)
        last = packet
        after += packet.pts * tick_us >= target_us
        if after >= SPACING_FRAMES + _REORDER:
            shown = sorted(shown)[:-_REORDER]  # later frames may fall between the last ones
            return list(itertools.pairwise(shown))
    # The end of the file: every frame is read, and the last one lasts as long as it says.
    shown.sort()
    pairs = list(itertools.pairwise(shown))
    held = 0 if last is None or last.pts != shown[-1] else last.duration or 0
    if held > max((b - a for a, b in pairs), default=0):
        pairs.append((shown[-1], shown[-1] + held))
    return pairs


# How far before the probed end the last frame is looked for.
END_CHECK_MS = 500


def _check_end(path: Path, info: VideoInfo) -> tuple[float | None, int | None]:
    """Read the packets near the probed end: a file cut short whose index is at the
    front has a full header but no frames there. One seek and a few packets: cheap.

    Returns (the video stream's average frame rate as the container states it, exact
    where ffmpeg's header rounds it, or None when it states none; the film time in ms
    where the video ends when other streams, such as the sound, go on past it, else
    None). Raises `MediaError` when no stream reaches the probed end (cut short).

    Containers without an index (MPEG-TS, some AVI/MKV) seek by bytes and may land
    inside a group of pictures, whose frames the decoder drops until the next key
    frame (often none before the end): then seek further back until a frame
    decodes, and accept the file when its packets still reach the probed end.
    """
    import av

    from curator.media.reader import film_video_stream

    try:
        with av.open(str(path)) as container:
            stream = film_video_stream(container)
            if stream is None:
                raise MediaError(path, "has no video stream")
            rate = float(stream.average_rate) if stream.average_rate else None
            start = container.start_time or 0  # microseconds
            target = max(info.duration_ms - END_CHECK_MS, 0) * 1000 + start
            back_us = 0
            while True:
                container.seek(max(target - back_us, start), any_frame=False, backward=True)
                end = _end_from(container, stream, target, 1_000_000 / rate if rate else 0.0)
                if end.decoded and end.video_reaches:
                    return rate, None
                if end.decoded and end.others_reach and end.video_end_us is not None:
                    return rate, max(round((end.video_end_us - start) / 1000), 1)
                # Seeking by bytes (MPEG-TS) into a long tail of sound finds no picture:
                # go on back to the last one rather than call the file cut short.
                sound_only = end.others_reach and not end.decoded
                if target - back_us <= start or (back_us >= _MAX_BACK_US and not sound_only):
                    break
                back_us = back_us * 2 or 1_000_000
    except (av.error.FFmpegError, IndexError, OSError) as exc:
        from curator.media.reader import plain_reason

        raise MediaError(path, f"truncated or damaged: no frame near the end "
                               f"({plain_reason(exc)})") from exc
    raise MediaError(path, f"truncated: no frame near the end "
                           f"({info.duration_ms / 1000:.1f} s)")


# The longest way back (from near the end) looked at for a key frame: beyond any
# group of pictures that films use.
_MAX_BACK_US = 64_000_000


@dataclass
class _End:
    decoded: bool = False  # a video frame decoded from the seek point
    video_reaches: bool = False  # after it, video packets reach the target time
    others_reach: bool = False  # packets of other streams (sound) reach it
    video_end_us: float | None = None  # where the last video packet ends


def _end_from(container: Any, stream: Any, target_us: int, period_us: float) -> _End:
    """What the packets from the seek point to the end of the file show (times in
    container microseconds, as `target_us`). A frame reaches a time when it is still
    shown then: at 1 fps the last frame starts a second before the end."""
    end = _End()
    for packet in container.demux():
        when = packet.pts if packet.pts is not None else packet.dts
        tick = float(packet.stream.time_base or 0) * 1_000_000
        if packet.stream.index != stream.index:
            end.others_reach |= when is not None and when * tick >= target_us
            continue
        if not end.decoded and (packet.size or packet.pts is None):
            end.decoded = bool(packet.decode())
        if when is None:
            continue
        shown_until = (when + (packet.duration or 0)) * tick if packet.duration else (
            when * tick + period_us)
        end.video_end_us = max(end.video_end_us or 0.0, shown_until)
        if end.decoded and shown_until >= target_us:
            end.video_reaches = True
            return end
    return end
