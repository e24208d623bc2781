"""The face check of one time window: detect, track, landmarks, encodings.

Runs in a worker process (see pool.py). For each sampled frame of the window
(decoded at `detect_width` at most): detect faces, link them to tracks by box
overlap, fit 68 landmarks and measure sharpness. Encodings are expensive (a ResNet
pass), so a track gets one per full segment of `segment_ms` it lasts (at least
one): the best-looking face chip of each segment is kept (150x150, not the frame)
and encoded, and a last segment shorter than `segment_ms` shares one encoding with
the segment before it.
At the end of the window, track fragments of the same face are joined by encoding
distance. Boxes and landmarks are returned in display pixels of the film.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from curator.errors import CuratorError, MediaError
from curator.media.align import landmarks_sane
from curator.media.decode import (
    grid_start_ms,
    sample_count,
    sample_frames,
    sample_time_ms,
    scaled_size,
)
from curator.media.detect import FaceDetector, face_model, get_detector
from curator.media.quality import sharpness
from curator.media.tracking import Fragment, IoUTracker, merge_fragments


@dataclass(frozen=True)
class FaceParams:
    """How the face check samples and detects (the `curator propose` face options)."""

    detector: str = "hog"
    upsample: int = 0
    sample_fps: float = 4.0
    detect_width: int = 640
    segment_ms: int = 4000
    iou: float = 0.3
    max_misses: int = 2
    min_samples: int = 2  # a track seen fewer times is noise (not encoded, never a subject)


@dataclass(frozen=True)
class WindowJob:
    key: int  # the clip id (or a chunk number)
    path: str
    start_ms: int
    end_ms: int
    display_size: tuple[int, int]


@dataclass
class FaceSample:
    time_ms: int
    box: tuple[int, int, int, int]  # left, top, width, height (display pixels)
    landmarks: np.ndarray  # (68, 2) float32, display pixels
    sharpness: float


@dataclass
class TrackResult:
    samples: list[FaceSample]
    encodings: list[tuple[int, np.ndarray]]  # (time_ms of the encoded sample, 128 float32)

    @property
    def start_ms(self) -> int:
        return self.samples[0].time_ms

    @property
    def end_ms(self) -> int:
        return self.samples[-1].time_ms


@dataclass
class WindowFaces:
    key: int
    start_ms: int  # the first sample's time (on the 1/fps grid): sample i is at +i/fps
    end_ms: int
    sample_fps: float
    frames: int = 0
    tracks: list[TrackResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class _Building:
    samples: list[FaceSample] = field(default_factory=list)
    encodings: list[tuple[int, np.ndarray]] = field(default_factory=list)
    segment_start: int = 0
    chip: np.ndarray | None = None  # the best chip of the segment being seen
    chip_time: int = 0
    chip_quality: tuple[bool, float] = (False, -1.0)
    # The best chip of the last full segment, encoded once the next segment is full
    # too, or together with a shorter last segment when the track ends.
    pending: tuple[np.ndarray, int, tuple[bool, float]] | None = None


class WindowAnalyser:
    """Holds the models (loaded once per process) and analyses windows."""

    def __init__(self, params: FaceParams, detector: FaceDetector | None = None) -> None:
        self.params = params
        self.detector = detector or get_detector(params.detector, upsample=params.upsample)
        self._predictor = face_model("landmarks68")
        self._encoder = face_model("encoder")
        self._min_samples = params.min_samples

    def analyse(self, job: WindowJob) -> WindowFaces:
        began = time.perf_counter()
        result = WindowFaces(job.key, job.start_ms, job.end_ms, self.params.sample_fps)
        try:
            self._run(job, result)
        except MediaError as exc:
            result.error = str(exc)
        result.seconds = time.perf_counter() - began
        return result

    def _run(self, job: WindowJob, result: WindowFaces) -> None:
        import cv2
        import dlib

        params = self.params
        size = scaled_size(job.display_size, params.detect_width)
        scale_x = job.display_size[0] / size[0]
        scale_y = job.display_size[1] / size[1]
        tracker = IoUTracker(iou_threshold=params.iou, max_misses=params.max_misses)
        building: dict[int, _Building] = {}
        finished: list[_Building] = []
        # Samples sit on the film's 1/fps grid, so a window sees the frames that a
        # whole-film pass or an overlapping window sees at the same times.
        start_ms = result.start_ms = grid_start_ms(job.start_ms, job.end_ms, params.sample_fps)
        # A window sampled fewer times than a track needs to count (a low --sample-fps)
        # takes a face seen in each of its samples: else it could never keep a face.
        self._min_samples = min(params.min_samples,
                                sample_count(job.end_ms - start_ms, params.sample_fps))
        frames = sample_frames(
            Path(job.path), start_ms=start_ms, duration_ms=job.end_ms - start_ms,
            fps=params.sample_fps, size=size,
        )
        for index, frame in frames:
            now = sample_time_ms(start_ms, index, params.sample_fps)
            result.frames += 1
            detections = self.detector.detect(frame)
            ids, closed = tracker.update([d.box for d in detections])
            for track_id in closed:
                finished.append(self._finish(building.pop(track_id)))
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if detections else None
            for track_id, detection in zip(ids, detections, strict=True):
                left, top, right, bottom = detection.box
                shape = self._predictor(frame, dlib.rectangle(left, top, right, bottom))
                points = np.array([(p.x, p.y) for p in shape.parts()], np.float32)
                sharp = sharpness(gray, detection.box)
                track = building.setdefault(track_id, _Building(segment_start=now))
                if now - track.segment_start >= params.segment_ms:
                    self._close_segment(track)
                    track.segment_start = now
                quality = (landmarks_sane(points), (bottom - top) * np.sqrt(sharp + 1.0))
                if quality > track.chip_quality:
                    track.chip = dlib.get_face_chip(frame, shape, size=150)
                    track.chip_time, track.chip_quality = now, quality
                track.samples.append(FaceSample(
                    time_ms=now,
                    box=(round(left * scale_x), round(top * scale_y),
                         round((right - left) * scale_x), round((bottom - top) * scale_y)),
                    landmarks=points * np.array([scale_x, scale_y], np.float32),
                    sharpness=round(sharp, 2),
                ))
        for track_id in tracker.close_all():
            finished.append(self._finish(building.pop(track_id)))
        result.tracks = _merge(finished, self._min_samples)

    def _close_segment(self, track: _Building) -> None:
        """A segment is full: encode the one before it and keep this one's chip pending."""
        if track.pending is not None:
            self._encode(track, track.pending[0], track.pending[1])
        track.pending = None
        if track.chip is not None:
            track.pending = (track.chip, track.chip_time, track.chip_quality)
        track.chip, track.chip_quality = None, (False, -1.0)

    def _finish(self, track: _Building) -> _Building:
        """The track ended: one encoding for its last full segment and the shorter rest.

        So a track gets one encoding per full `segment_ms` it lasts, at least one:
        a window's tracks cost no more encodings per second than a whole film's.
        """
        if len(track.samples) >= self._min_samples:
            candidates = [c for c in (track.pending,) if c is not None]
            if track.chip is not None:
                candidates.append((track.chip, track.chip_time, track.chip_quality))
            if candidates:
                chip, chip_time, _ = max(candidates, key=lambda c: c[2])
                self._encode(track, chip, chip_time)
        track.chip, track.pending = None, None
        return track

    def _encode(self, track: _Building, chip: np.ndarray, chip_time: int) -> None:
        vector = self._encoder.encode(chip)
        track.encodings.append((chip_time, vector))


def _merge(tracks: list[_Building], min_samples: int) -> list[TrackResult]:
    """Join fragments of one face; drop tracks too short to be a face on screen."""
    kept = [t for t in tracks if len(t.samples) >= min_samples and t.encodings]
    fragments = [
        Fragment(t.samples[0].time_ms, t.samples[-1].time_ms, tuple(v for _, v in t.encodings))
        for t in kept
    ]
    merged = []
    for group in merge_fragments(fragments):
        samples = sorted((s for i in group for s in kept[i].samples), key=lambda s: s.time_ms)
        encodings = sorted((e for i in group for e in kept[i].encodings), key=lambda e: e[0])
        merged.append(TrackResult(samples, encodings))
    merged.sort(key=lambda t: (t.start_ms, t.samples[0].box))
    return merged


# Worker-process entry points (see pool.py): one analyser per process.
_ANALYSER: WindowAnalyser | None = None
_SETUP_ERROR: CuratorError | None = None
_ONE_BLAS_THREAD: object = None  # the limit (process-wide) holds for the worker's life


def init_worker(params: FaceParams) -> None:
    """Set up this worker. A problem (a face model missing or damaged) is kept and raised
    with the first window, so the caller gets it as it is: raised here, it would only
    break the pool (a traceback per worker, then "BrokenProcessPool")."""
    from threadpoolctl import threadpool_limits

    global _ANALYSER, _SETUP_ERROR, _ONE_BLAS_THREAD
    try:
        _ANALYSER = WindowAnalyser(params)
    except Exception as exc:  # a model file unreadable, damaged, of another version
        message = str(exc) if isinstance(exc, CuratorError) else f"{type(exc).__name__}: {exc}"
        # The base class, with what went wrong: the subclasses do not pickle.
        _SETUP_ERROR = CuratorError(f"the face check cannot start: {message}")
    # One worker per core already: the encoder's matrix products get one thread.
    _ONE_BLAS_THREAD = threadpool_limits(limits=1, user_api="blas")


def analyse_in_worker(job: WindowJob) -> WindowFaces:
    if _SETUP_ERROR is not None:
        raise _SETUP_ERROR
    assert _ANALYSER is not None, "init_worker was not called"
    return _ANALYSER.analyse(job)
