"""Reading frames of a video at given film times, in this process, with PyAV.

One `VideoReader` keeps a file open: the container's index is read once, and each
request seeks (to the key frame before the first wanted time) or, when the wanted
times lie just ahead of where decoding stopped, simply decodes on. Only the frames
that are picked are converted to RGB; frames shown before the next wanted time are
decoded only when later frames refer to them (most B-frames are skipped).

Timing follows the ffmpeg command line, so `ffmpeg -ss T` and curator show the same
picture for time T:

- film time 0 is the container's start time (the earliest stream start), so a
  video stream that starts late (e.g. at 0.85 s) has no frame before that time;
- the frame *at* time T is the first frame whose presentation time is at or after
  T, as `ffmpeg -ss T -i FILM -frames:v 1` gives, unless that frame starts more than
  `HOLD_MS` after T: then the picture on screen at T is the frame before it, held (a
  slideshow, a screen recording, sparse variable-rate video), and that one is given
  (at 10 frames a second and more, frames are never that far apart but in a hold);
- the last frame is on screen for its own duration, as the container states it (a
  recording that ends on a still holds one frame for seconds), and nothing after;
- a stretch that does not decode (damaged packets) is never filled with a picture
  from after it: a time inside it raises `MediaError`, as a damaged window should;
- a display matrix (rotation) is applied, so frames come out as displayed;
- an interlaced picture (broadcast and DVD video flag it) is shown as its first field
  (the bottom one where the stream says it comes first) shows it: the comb teeth of
  movement between its two fields are taken out (`first_field`), the rest kept;
- an HDR picture (PQ or HLG), or one in BT.2020's colours, is made standard BT.709
  video (hdr.py); a picture whose stream names no transfer or primaries takes those its
  container states.

Workers keep one reader per thread (`shared_reader`), so the windows of one film
that a worker checks one after another reuse one open file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curator.errors import MediaError
from curator.media.hdr import needs_mapping, standard_range

# Decoding on is cheaper than a seek (which decodes from the key frame before the
# target) when the next wanted time is this close ahead of the decoder.
DECODE_ON_MS = 1000
# A seek may land on a key frame just after the target (containers that index by
# decoding time): go back this much further, doubling, until a frame precedes it.
SEEK_BACK_MS = 1000
_EPSILON_MS = 0.5  # presentation times are exact fractions; film times are whole ms
# A frame starting this much after the wanted time is not the picture on screen then.
# Fixed, not a share of the frame rate: a film and a clip cut from it show the same
# picture at the same moment, whatever their average rates.
HOLD_MS = 100
# ffmpeg's field orders (AVFieldOrder) of interlaced video (TT, BB, TB, BT), and those
# that show the bottom field first (BB, TB).
INTERLACED_ORDERS = (2, 3, 4, 5)
_BOTTOM_FIRST = (3, 4)
# ffmpeg's transfer characteristics, and colour primaries, that name none: reserved (0),
# unspecified (2).
_UNNAMED_TRC = _UNNAMED_PRIMARIES = (0, 2)


class VideoReader:
    """An open video file that hands out RGB frames at film times (see the module doc)."""

    def __init__(self, path: Path) -> None:
        import av
        from av.video.reformatter import VideoReformatter

        try:
            from av.stream import Discard  # PyAV 18 and later
        except ImportError:  # earlier: other streams' packets are read, then dropped
            Discard = None

        if not path.is_file():
            raise MediaError(path, "file not found")
        self.path = path
        self._identity = _identity(path)
        try:
            self._container: Any = av.open(str(path))
        except av.error.FFmpegError as exc:
            raise MediaError(path, plain_reason(exc)) from None
        stream = film_video_stream(self._container)
        if stream is None:
            self._container.close()
            raise MediaError(path, "has no video stream")
        self._stream = stream
        # Anamorphic streams store narrow pixels: frames are shown (and sized) wider.
        aspect = self._stream.codec_context.sample_aspect_ratio
        self._pixel_aspect = float(aspect) if aspect and aspect > 0 else 1.0
        # The transfer as the container states it (Matroska's and MP4's colour fields), read
        # before any frame: a decoder whose stream names none (an HEVC VUI without colour
        # description) overwrites it with "unspecified", and its frames say so.
        self._stated_trc = int(self._stream.codec_context.color_trc or 0)
        self._stated_primaries = int(self._stream.codec_context.color_primaries or 0)
        self._bottom_first = self._stream.codec_context.field_order in _BOTTOM_FIRST
        # One decoding thread: workers already use every core, one each.
        self._stream.codec_context.thread_count = 1
        for other in self._container.streams:
            if other is not self._stream and Discard is not None:
                other.discard = Discard.all  # audio and subtitle packets are skipped unread
        self._start_s = (self._container.start_time or 0) / 1_000_000
        self._tick = float(self._stream.time_base)  # seconds per timestamp unit
        first = self._stream.start_time
        self._first_ms = 0.0 if first is None else self._film_ms(first)
        self._frames: Iterator[Any] | None = None
        self._head: Any = None  # the first frame at or after `_floor_ms` (once advanced)
        self._head_ms = 0.0
        self._prev: Any = None  # the frame decoded before the head, since the last seek
        self._prev_ms = 0.0
        # Presentation times of packets that failed to decode, after `_prev` (decoders
        # hold frames back to reorder them, so a failure is placed by its time).
        self._damaged_ms: list[float] = []
        # The latest presentation time among packets demuxed before the floor: a frame
        # there that decoding skipped (not referred to) may be the one shown at a time.
        self._early_max_ms = float("-inf")
        self._may_skip = True
        # The latest wanted time: no frame before it is shown any more, so those that
        # no other frame refers to need not be decoded.
        self._floor_ms = 0.0
        self._reformatter = VideoReformatter()

    def close(self) -> None:
        self._frames = None
        self._head = None
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def first_frame_ms(self) -> float:
        """Film time of the video stream's first frame (above 0 when it starts late)."""
        return self._first_ms

    def unchanged(self) -> bool:
        """Whether the file on disk is still the one opened (not replaced or gone)."""
        return _identity(self.path) == self._identity

    def frames(
        self, times_ms: Sequence[int], size: tuple[int, int] | None = None,
        *, width: int | None = None,
    ) -> Iterator[tuple[int, np.ndarray]]:
        """(position in `times_ms`, RGB frame at that time), for times in ascending order.

        `size` is (width, height) as displayed; or `width` alone, the height following
        the display aspect (even, as ffmpeg's `scale=W:-2`); or neither, for the display
        size. The last frame is shown for its own duration (a still that ends a
        recording lasts to the end); times after that give nothing (and end the iteration).
        """
        import av

        if not times_ms:
            return
        try:
            self._position(times_ms[0])
            for position, time_ms in enumerate(times_ms):
                self._floor_ms = time_ms - _EPSILON_MS
                while self._head is not None and self._head_ms < self._floor_ms:
                    self._advance()
                frame = self._head
                if frame is None or self._head_ms - time_ms > HOLD_MS:
                    frame = self._shown_before(time_ms) or frame
                if frame is None:
                    return
                yield position, self._rgb(frame, size, width)
        except av.error.FFmpegError as exc:
            self._frames = None
            raise MediaError(self.path, plain_reason(exc)) from None

    # --- decoding -------------------------------------------------------------

    def _film_ms(self, timestamp: int) -> float:
        return (timestamp * self._tick - self._start_s) * 1000

    def _position(self, time_ms: int) -> None:
        """Make the head a frame at or before the first frame at or after `time_ms`."""
        if (
            self._frames is not None and self._head is not None
            and time_ms - _EPSILON_MS >= self._floor_ms
            and time_ms - self._head_ms <= DECODE_ON_MS
        ):
            return  # just ahead of the decoder (or the head itself): decode on
        self._seek_back_to(time_ms)

    def _seek_back_to(self, time_ms: int) -> None:
        """Seek so that decoding starts at a frame at or before `time_ms`."""
        self._floor_ms = time_ms - _EPSILON_MS
        back_ms = 0
        while True:
            self._seek(time_ms - back_ms)
            # No frame at all: a seek by bytes (MPEG-TS) landed after the last key frame,
            # and the decoder drops the frames that refer to one before it.
            decoded = self._head is not None
            early_enough = decoded and self._head_ms <= time_ms + _EPSILON_MS
            at_stream_start = decoded and self._head_ms <= self._first_ms + _EPSILON_MS
            if early_enough or at_stream_start or time_ms - back_ms <= self._first_ms:
                return
            back_ms = back_ms * 2 or SEEK_BACK_MS

    def _shown_before(self, time_ms: int) -> Any | None:
        """The frame on screen at `time_ms` when the head starts well after it: the one
        before the head, held; None before the first frame. Past the last frame (no
        head), that frame while its own duration lasts, else None. Raises `MediaError`
        when packets between the two did not decode."""
        self._raise_if_damaged(time_ms)
        if self._prev is not None and self._early_max_ms > self._prev_ms + _EPSILON_MS:
            # A frame after `_prev` was demuxed but not decoded (skipped): decode again
            # from the key frame, every frame this time.
            self._may_skip = False
            try:
                self._seek_back_to(time_ms)
                while self._head is not None and self._head_ms < self._floor_ms:
                    self._advance()
            finally:
                self._may_skip = True
            if self._head is not None and self._head_ms - time_ms <= HOLD_MS:
                return self._head
            self._raise_if_damaged(time_ms)
        if self._prev is None or self._prev_ms > time_ms + _EPSILON_MS:
            return None
        if self._head is None and time_ms >= self._last_end_ms() - _EPSILON_MS:
            return None  # after the end of the video
        return self._prev

    @property
    def _period_ms(self) -> float:
        """One frame period, by the stream's average rate, else its guessed one, else 25."""
        return 1000 / float(self._stream.average_rate or self._stream.guessed_rate or 25)

    def _last_end_ms(self) -> float:
        """Where the last frame decoded (`_prev`, at the end of the stream) stops being
        shown: its own duration (a recording that ends on a still holds it to the end),
        or one frame period where it states none; cut short by packets after it that
        did not decode."""
        duration = getattr(self._prev, "duration", None)
        end = self._prev_ms + (duration * self._tick * 1000 if duration else self._period_ms)
        return min([end, *self._damaged_ms])

    def _raise_if_damaged(self, time_ms: int) -> None:
        if self._head is None:
            return  # past the last frame: damage after it ends the video (`_last_end_ms`)
        after = self._prev_ms if self._prev is not None else float("-inf")
        if any(after < damaged < self._head_ms for damaged in self._damaged_ms):
            raise MediaError(self.path, f"damaged at {time_ms / 1000:.3f} s: the next picture "
                                        f"that decodes is at {self._head_ms / 1000:.3f} s")

    def _seek(self, time_ms: float) -> None:
        target = int((max(time_ms, 0) / 1000 + self._start_s) / self._tick)
        self._container.seek(target, stream=self._stream, backward=True, any_frame=False)
        self._frames = self._decoded()
        self._head = None
        self._prev = None
        self._damaged_ms = []
        self._early_max_ms = float("-inf")
        self._advance()

    def _decoded(self) -> Iterator[Any]:
        import av

        context = self._stream.codec_context
        skipping = False
        for packet in self._container.demux(self._stream):
            # A frame shown before the wanted time is decoded only if others refer to
            # it (H.264 and most codecs honour this per packet; the rest ignore it).
            packet_ms = None if packet.pts is None else self._film_ms(packet.pts)
            early = packet_ms is not None and packet_ms < self._floor_ms
            if early:
                self._early_max_ms = max(self._early_max_ms, packet_ms)
            skip = early and self._may_skip
            if skip != skipping:
                context.skip_frame = "NONREF" if skip else "DEFAULT"
                skipping = skip
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                # A damaged packet: skipped, as the command line does, but remembered, so
                # that a time in the gap it leaves is not given the picture after it.
                self._damaged_ms.append(self._head_ms if packet_ms is None else packet_ms)
                continue
            yield from frames

    def _advance(self) -> None:
        """Move the head to the next decoded frame (None at the end)."""
        assert self._frames is not None
        frame = next(self._frames, None)
        if self._head is not None:
            self._prev, self._prev_ms = self._head, self._head_ms
            if self._damaged_ms:
                self._damaged_ms = [t for t in self._damaged_ms if t > self._prev_ms]
        if frame is None:
            self._head = None
            return
        if frame.pts is None:  # no timestamp: assume it follows the last one
            self._head_ms = (self._head_ms if self._head is not None
                             else self._first_ms) + self._period_ms
        else:
            self._head_ms = self._film_ms(frame.pts)
        self._head = frame

    def _rgb(self, frame: Any, size: tuple[int, int] | None, width: int | None) -> np.ndarray:
        from av.video.reformatter import Interpolation

        turns = round((frame.rotation or 0) / 90) % 4  # counter-clockwise quarter turns
        square_width = max(2, round(frame.width * self._pixel_aspect))
        shown = (frame.height, square_width) if turns % 2 else (square_width, frame.height)
        if size is None and width is not None:
            size = (width, max(2, round(width * shown[1] / shown[0] / 2) * 2))
        stored_width, stored_height = shown if size is None else size
        if turns % 2:
            stored_width, stored_height = stored_height, stored_width
        # An interlaced picture is read at its own height (lines are not mixed across
        # fields), its comb teeth taken out, then scaled.
        interlaced = bool(frame.interlaced_frame)
        transfer = frame.color_trc
        if transfer in _UNNAMED_TRC:
            transfer = self._stated_trc
        primaries = frame.color_primaries
        if primaries in _UNNAMED_PRIMARIES:
            primaries = self._stated_primaries
        # HDR, or BT.2020's colours: read in 16 bits, made BT.709 video (hdr.py).
        mapped = needs_mapping(transfer, primaries)
        # Bicubic, as ffmpeg's scale filter; the frame's own colour matrix and range.
        rgb = self._reformatter.reformat(
            frame, stored_width, frame.height if interlaced else stored_height,
            "rgb48le" if mapped else "rgb24", interpolation=Interpolation.BICUBIC,
            src_color_range=frame.color_range, threads=1,
        ).to_ndarray()
        if mapped:
            rgb = standard_range(rgb, transfer, primaries)
        if interlaced:
            # The first field in time: the bottom one where the stream says so (DV, some
            # broadcast), or the top one (most, and where it says nothing).
            rgb = first_field(rgb, bottom=self._bottom_first)
            if rgb.shape[0] != stored_height:
                import cv2

                # Fewer lines: each an average of those it covers, as swscale's filter
                # widens when it shrinks (cubic alone samples four and aliases).
                shrink = stored_height < rgb.shape[0]
                rgb = cv2.resize(rgb, (stored_width, stored_height),
                                 interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
        if turns:
            rgb = np.ascontiguousarray(np.rot90(rgb, turns))
        return rgb


# A pixel of the other field is a comb tooth when it is brighter (or darker) than both
# first-field lines around it by more than this, summed over R, G and B (about 12 levels
# each): a picture that is progressive but flagged interlaced (a film on a PAL DVD, many
# 1080i broadcasts of films) has almost none, and keeps its full detail.
COMB_THRESHOLD = 36


def first_field(rgb: np.ndarray, *, bottom: bool = False) -> np.ndarray:
    """An interlaced picture as its top field (or `bottom` one) shows it. Its two fields are
    taken a field period apart (1/50 or 1/60 s): whatever moved between them shows in
    alternate lines, comb teeth along a face's edges that a detector and a crop would
    keep. The other field's pixels that stand out from the first field's lines above and
    below them, both the same way, are replaced by those lines' mean; the rest (all of a
    still scene, or of a progressive picture flagged interlaced) are kept. A line with no
    first-field line on one side uses the one on the other."""
    out = rgb.copy()
    height = len(rgb)
    if height < 2:
        return out
    between = np.arange(0 if bottom else 1, height, 2)  # the other field's lines
    above = rgb[np.where(between > 0, between - 1, between + 1)].astype(np.int32)
    below = rgb[np.where(between < height - 1, between + 1, between - 1)].astype(np.int32)
    lines = rgb[between].astype(np.int32)
    # Out of line with both neighbours, the same way: (x - a)(x - b) > 0, summed over RGB.
    up, down = (lines - above).sum(axis=-1), (lines - below).sum(axis=-1)
    comb = (up * down > 0) & (np.minimum(np.abs(up), np.abs(down)) > COMB_THRESHOLD)
    mean = (above + below + 1) // 2
    out[between] = np.where(comb[..., None], mean, lines).astype(rgb.dtype)
    return out


def film_video_stream(container: Any) -> Any | None:
    """The film's pictures: the first video stream that is not a still picture (cover
    art, which ffmpeg lists as a video stream too), or None."""
    try:
        from av.stream import Disposition

        still = int(Disposition.attached_pic)
    except ImportError:  # older PyAV: its disposition is not exposed
        still = 0
    for stream in container.streams.video:
        if not int(getattr(stream, "disposition", 0) or 0) & still:
            return stream
    return None


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def plain_reason(exc: Exception) -> str:
    """FFmpeg's words, without PyAV's `[Errno N]` prefix and the file name (the error names
    the file already): "invalid data found when processing input"."""
    text = (getattr(exc, "strerror", None) or str(exc)).strip()
    text = text.splitlines()[-1] if text else type(exc).__name__
    return text[:1].lower() + text[1:]


_LOCAL = threading.local()


def shared_reader(path: Path) -> VideoReader:
    """This thread's open reader of `path` (opened, or reopened if the file changed).

    One file per thread stays open: a worker checks the windows of one film one after
    another, and a new film closes the previous one.
    """
    key = os.path.abspath(path)
    reader: VideoReader | None = getattr(_LOCAL, "reader", None)
    if reader is not None and (getattr(_LOCAL, "key", None) != key or not reader.unchanged()):
        reader.close()
        reader = None
    if reader is None:
        reader = VideoReader(Path(key))
        _LOCAL.reader, _LOCAL.key = reader, key
    return reader


def close_shared_reader() -> None:
    """Close this thread's shared reader, if any."""
    reader: VideoReader | None = getattr(_LOCAL, "reader", None)
    if reader is not None:
        reader.close()
        _LOCAL.reader = None
