"""Generate curator's demo film and its SDH subtitles from a public-domain photo.

The photo is scikit-image's `astronaut` (Eileen Collins, NASA; public domain), which
the scikit-image package ships. A virtual camera zooms, pans and tilts over it,
wanders off to a part of the picture with no face for a few seconds (so the face
check has something to reject), and comes back. The audio is synthetic: quiet
room noise plus a speech-like burst where each subtitle starts, so tools that
align subtitles to speech have something real to find.

Run from the repository root (needs the dev extras):

    .venv/bin/python sample_media/make_sample_media.py

It rewrites demo_film.mp4, demo_film.en.srt and demo_film.en.vtt beside itself.
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
import wave
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
from skimage import data

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT, FPS = 640, 360, 25
DURATION_S = 22.0
AUDIO_RATE = 16_000

# (time s, centre x, centre y, crop width in source pixels, tilt degrees)
CAMERA_KEYS = [
    (0.0, 256, 200, 480, 0.0),
    (5.0, 220, 125, 260, 0.0),
    (8.0, 235, 130, 280, 8.0),
    (10.0, 215, 120, 300, -6.0),
    (10.8, 420, 95, 190, 0.0),  # off to the flag: no face in view
    (13.6, 440, 100, 210, 0.0),
    (14.4, 220, 125, 300, 0.0),
    (19.0, 225, 128, 240, 3.0),
    (22.0, 256, 220, 500, 0.0),
]

# (start s, end s, SRT text, WebVTT text)
CUES = [
    (0.5, 2.5, "MISSION CONTROL: Shuttle, you are go for launch.",
     "<v Mission Control>Shuttle, you are go for launch."),
    (3.0, 5.0, "[laughs] We made it!", "[laughs] We made it!"),
    (6.2, 8.2, "(sobbing) I never thought\nI'd see home again.",
     "(sobbing) I never thought\nI'd see home again."),
    (8.8, 9.8, "♪ soft piano music ♪", "♪ soft piano music ♪"),
    (11.2, 12.8, "SHE SCREAMS", "SHE SCREAMS"),
    (15.0, 16.5, "[gasps] What was that?", "[gasps] What was that?"),
    (17.2, 19.0, "<i>(angrily)</i> Don't you ever\ndo that again!",
     "<i>(angrily)</i> Don't you ever\ndo that again!"),
    (19.5, 21.0, "- I'm sorry.\n- [chuckles] Fine.", "- I'm sorry.\n- [chuckles] Fine."),
]


def camera_at(t: float) -> tuple[float, float, float, float]:
    """Camera parameters at time t, eased between key frames."""
    for (t0, *a), (t1, *b) in itertools.pairwise(CAMERA_KEYS):
        if t0 <= t <= t1:
            u = (t - t0) / (t1 - t0)
            u = u * u * (3 - 2 * u)  # smoothstep: no jerks at the keys
            return tuple(x + (y - x) * u for x, y in zip(a, b, strict=True))  # type: ignore[return-value]
    return tuple(CAMERA_KEYS[-1][1:])  # type: ignore[return-value]


def render_frame(photo: np.ndarray, t: float) -> np.ndarray:
    cx, cy, crop_w, tilt = camera_at(t)
    scale = WIDTH / crop_w
    # Map the source point (cx, cy) to the frame centre, scaled and tilted about it.
    matrix = cv2.getRotationMatrix2D((cx, cy), tilt, scale)
    matrix[0, 2] += WIDTH / 2 - cx
    matrix[1, 2] += HEIGHT / 2 - cy
    frame = cv2.warpAffine(photo, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT)
    fade = min(1.0, t / 0.5, (DURATION_S - t) / 0.8)
    return (frame.astype(np.float32) * max(fade, 0.0)).astype(np.uint8)


def synth_audio(seed: int = 7) -> np.ndarray:
    """Room noise plus a syllable-rate modulated noise burst for each cue."""
    rng = np.random.default_rng(seed)
    n = int(DURATION_S * AUDIO_RATE)
    audio = rng.normal(0, 0.01, n)
    for start, end, *_ in CUES:
        i0, i1 = int(start * AUDIO_RATE), int((end - 0.2) * AUDIO_RATE)
        t = np.arange(i1 - i0) / AUDIO_RATE
        envelope = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t)) * np.minimum(1, t / 0.03)
        voiced = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 360 * t)
        burst = (0.25 * voiced + 0.15 * rng.normal(0, 1, len(t))) * envelope
        audio[i0:i1] += burst
    return np.clip(audio, -1, 1)


def srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_subtitles() -> None:
    srt = []
    vtt = ["WEBVTT", ""]
    for n, (start, end, srt_text, vtt_text) in enumerate(CUES, start=1):
        srt += [str(n), f"{srt_time(start)} --> {srt_time(end)}", srt_text, ""]
        vtt += [f"{srt_time(start).replace(',', '.')} --> {srt_time(end).replace(',', '.')}",
                vtt_text, ""]
    (HERE / "demo_film.en.srt").write_text("\n".join(srt), encoding="utf-8")
    (HERE / "demo_film.en.vtt").write_text("\n".join(vtt), encoding="utf-8")


def write_film() -> None:
    photo = data.astronaut()
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "audio.wav"
        samples = (synth_audio() * 32767).astype("<i2")
        with wave.open(str(wav), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(AUDIO_RATE)
            handle.writeframes(samples.tobytes())
        command = [
            ffmpeg, "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS),
            "-i", "-", "-i", str(wav),
            "-c:v", "libx264", "-preset", "slow", "-crf", "26", "-pix_fmt", "yuv420p",
            "-g", str(FPS), "-c:a", "aac", "-b:a", "48k", "-shortest",
            "-movflags", "+faststart", str(HERE / "demo_film.mp4"),
        ]
        process = subprocess.Popen(command, stdin=subprocess.PIPE)
        assert process.stdin is not None
        for i in range(int(DURATION_S * FPS)):
            process.stdin.write(render_frame(photo, i / FPS).tobytes())
        process.stdin.close()
        if process.wait() != 0:
            raise SystemExit("ffmpeg failed to encode the demo film")


if __name__ == "__main__":
    write_subtitles()
    write_film()
    size = (HERE / "demo_film.mp4").stat().st_size
    print(f"wrote {HERE / 'demo_film.mp4'} ({size / 1e6:.2f} MB) and its subtitles")
