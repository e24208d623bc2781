"""Media fixtures: small real videos made from the sample film with the bundled ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from curator.media.probe import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "sample_media" / "demo_film.mp4"


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def audio_only(media_dir: Path) -> Path:
    path = media_dir / "audio_only.m4a"
    ffmpeg("-i", str(DEMO), "-vn", "-c:a", "copy", str(path))
    return path


@pytest.fixture(scope="session")
def truncated(media_dir: Path) -> Path:
    """The first half of an MP4 whose index (moov) is written at the end."""
    whole = media_dir / "moov_at_end.mp4"
    ffmpeg("-i", str(DEMO), "-c", "copy", str(whole))
    path = media_dir / "truncated.mp4"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def cut_short(media_dir: Path) -> Path:
    """The first half of an MP4 whose index (moov) is at the front: the header still
    describes the whole film."""
    whole = media_dir / "moov_at_front.mp4"
    ffmpeg("-i", str(DEMO), "-c", "copy", "-movflags", "+faststart", str(whole))
    path = media_dir / "cut_short.mp4"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def cut_short_mkv(media_dir: Path) -> Path:
    """The first 40% of a Matroska file: its header states the whole film's length, and
    seeking near that end lands on the last key frame there is, far before it."""
    whole = media_dir / "whole.mkv"
    ffmpeg("-i", str(DEMO), "-c", "copy", str(whole))
    path = media_dir / "cut_short.mkv"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 5])
    return path


@pytest.fixture(scope="session")
def cover_picture(media_dir: Path) -> Path:
    path = media_dir / "cover.png"
    ffmpeg("-ss", "8", "-i", str(DEMO), "-frames:v", "1", str(path))
    return path


@pytest.fixture(scope="session")
def audio_with_cover(media_dir: Path, cover_picture: Path) -> Path:
    """Sound with cover art, which ffmpeg lists as a video stream of one still picture."""
    path = media_dir / "song.m4a"
    ffmpeg("-i", str(DEMO), "-i", str(cover_picture), "-map", "0:a", "-map", "1:v",
           "-c:a", "copy", "-c:v", "png", "-disposition:v", "attached_pic", str(path))
    return path


@pytest.fixture(scope="session")
def sound_outlasts_video(media_dir: Path) -> Path:
    """Ten seconds of the demo film's pictures with thirty seconds of sound."""
    return _pictures_then_sound(media_dir / "long_sound.mp4", 30)


@pytest.fixture(scope="session")
def one_frame_a_second(media_dir: Path) -> Path:
    """Twenty seconds at 1 fps, no sound: the last frame starts a second before the end."""
    path = media_dir / "one_fps.mp4"
    ffmpeg("-i", str(DEMO), "-t", "20", "-vf", "fps=1", "-an", str(path))
    return path


@pytest.fixture(scope="session")
def held_frames(media_dir: Path) -> Path:
    """Every frame for 4 s, then one frame every 2 s (at 6, 8, 10, 12 s), each shown until
    the next: variable-rate video as a slideshow or a screen recording makes it."""
    path = media_dir / "held_frames.mp4"
    ffmpeg("-i", str(DEMO), "-t", "14", "-vf", r"select='lt(t\,4)+not(mod(n\,50))'",
           "-fps_mode", "vfr", "-an", "-c:v", "libx264", "-preset", "ultrafast", str(path))
    return path


@pytest.fixture(scope="session")
def damaged_stretch(media_dir: Path) -> Path:
    """Twelve seconds (a key frame every 2 s) whose packets from 2 s to 6 s are noise."""
    import random

    import av

    whole = media_dir / "undamaged.mp4"
    ffmpeg("-i", str(DEMO), "-t", "12", "-an", "-c:v", "libx264", "-preset", "ultrafast",
           "-g", "50", str(whole))
    with av.open(str(whole)) as container:
        stream = container.streams.video[0]
        spans = [(packet.pos, packet.size) for packet in container.demux(stream)
                 if packet.pos is not None and packet.pts is not None
                 and 2.0 <= packet.pts * stream.time_base < 6.0]
    data = bytearray(whole.read_bytes())
    noise = random.Random(0)
    for position, size in spans:
        data[position:position + size] = noise.randbytes(size)
    path = media_dir / "damaged_stretch.mp4"
    path.write_bytes(bytes(data))
    return path

@pytest.fixture(scope="session")
def long_sound_transport_stream(media_dir: Path) -> Path:
    """MPEG-TS (no index: seeks go by bytes) with 10 s of pictures and 90 s of sound."""
    return _pictures_then_sound(media_dir / "long_sound.ts", 90)


def _pictures_then_sound(path: Path, sound_s: int) -> Path:
    """Ten seconds of the demo film's pictures, then a tone until `sound_s`."""
    ffmpeg("-i", str(DEMO), "-f", "lavfi", "-i", f"sine=d={sound_s}", "-map", "0:v", "-map",
           "1:a", "-t", str(sound_s), "-vf", "trim=end=10", "-c:v", "libx264", "-c:a", "aac",
           str(path))
    return path


@pytest.fixture(scope="session")
def rotated(media_dir: Path) -> Path:
    """Two seconds of the demo film tagged to be shown turned 90 degrees."""
    path = media_dir / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(DEMO), "-t", "2", "-c", "copy", str(path))
    return path


@pytest.fixture(scope="session")
def anamorphic(media_dir: Path) -> Path:
    """Two seconds of the demo film stored 480x360 with 4:3 pixels (shown 640x360)."""
    path = media_dir / "anamorphic.mp4"
    ffmpeg("-i", str(DEMO), "-t", "2", "-vf", "scale=480:360,setsar=4/3", "-c:v", "libx264",
           "-an", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="session")
def transport_stream(media_dir: Path) -> Path:
    """Six seconds of the demo film as MPEG-TS starting at 10 s, key frames 4 s apart:
    a container without an index, where a seek lands inside a group of pictures."""
    path = media_dir / "offset.ts"
    ffmpeg("-i", str(DEMO), "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "100",
           "-c:a", "aac", "-output_ts_offset", "10", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="session")
def ntsc_film(media_dir: Path) -> Path:
    """Two seconds of the demo film at 24000/1001 fps (NTSC film rate)."""
    path = media_dir / "ntsc.mp4"
    ffmpeg("-i", str(DEMO), "-t", "2", "-vf", "fps=24000/1001", "-c:v", "libx264",
           "-preset", "ultrafast", "-an", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="session")
def odd_size(media_dir: Path) -> Path:
    """Two seconds of the demo film scaled to an odd 641x359 (4:4:4, as 4:2:0 can't)."""
    path = media_dir / "odd_size.mp4"
    ffmpeg("-i", str(DEMO), "-t", "2", "-vf", "scale=641:359", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-an", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="session", params=["mp4", "mkv"])
def held_to_the_end(media_dir: Path, request: pytest.FixtureRequest) -> Path:
    """Four seconds of the demo film at 25 fps whose last frame (at 3.96 s) is shown until
    10 s, the file's end: a recording that ends on a still, one frame with a long duration."""
    return _last_frame_held(media_dir / f"held_to_the_end.{request.param}", last_ms=6040)


def _last_frame_held(path: Path, *, last_ms: int) -> Path:
    """100 frames 40 ms apart (time base 1 ms), the last one lasting `last_ms`."""
    from fractions import Fraction

    import av

    with av.open(str(DEMO)) as source:
        pictures = [frame.to_ndarray(format="yuv420p")
                    for _, frame in zip(range(100), source.decode(video=0), strict=False)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        packets = []
        for index, picture in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
            frame.pts, frame.time_base = index * 40, Fraction(1, 1000)
            packets += stream.encode(frame)
        packets += stream.encode(None)
        for packet in packets:
            # The muxer takes the last frame's duration from its packet.
            if packet.pts == 99 * 40:
                packet.duration = round(last_ms / 1000 / packet.time_base)
            out.mux(packet)
    return path


@pytest.fixture(scope="session")
def two_rates_matroska(media_dir: Path) -> Path:
    """Three seconds at 25 fps, then three at 10 fps, in Matroska: ffmpeg's header says
    "25 fps, 25 tbr" (the rate Matroska states), only the frames' times differ."""
    path = media_dir / "two_rates.mkv"
    ffmpeg("-i", str(DEMO), "-filter_complex",
           "[0:v]trim=0:3,setpts=PTS-STARTPTS[a];[0:v]trim=3:6,fps=10,setpts=PTS-STARTPTS[b];"
           "[a][b]concat=n=2:v=1[v]", "-map", "[v]", "-fps_mode", "vfr", "-c:v", "libx264",
           "-preset", "ultrafast", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="session")
def held_frames_matroska(media_dir: Path, held_frames: Path) -> Path:
    """`held_frames` (every frame for 4 s, then one every 2 s) copied into Matroska."""
    path = media_dir / "held_frames.mkv"
    ffmpeg("-i", str(held_frames), "-c", "copy", str(path))
    return path


@pytest.fixture(scope="session", params=["demo.mkv", "ntsc_bframes.mkv", "ntsc_bframes.ts",
                                         "one_fps.mkv"])
def constant_rate(media_dir: Path, request: pytest.FixtureRequest) -> Path:
    """Evenly spaced frames whose times may not look so: rounded to Matroska's 1 ms tick
    (30000/1001 fps: 33 and 34 ms apart), stored out of order (B-frames), read from the
    middle of a group of pictures (MPEG-TS seeks by bytes), or far apart."""
    path = media_dir / f"constant_{request.param}"
    rate = {"demo.mkv": [], "one_fps.mkv": ["-vf", "fps=1"]}.get(
        request.param, ["-vf", "fps=30000/1001", "-bf", "3", "-g", "60"])
    encode = ["-c", "copy"] if request.param == "demo.mkv" else ["-c:v", "libx264", "-preset",
                                                                 "veryfast", "-t", "4"]
    ffmpeg("-i", str(DEMO), *rate, *encode, str(path))
    return path


@pytest.fixture(scope="session")
def late_matroska(media_dir: Path) -> Path:
    """Six seconds of the demo film in Matroska whose times start at 5 s (copied with its
    times kept): ffmpeg's header says "Duration: 00:00:11.20, start: 5.000000"."""
    path = media_dir / "late.mkv"
    ffmpeg("-i", str(DEMO), "-t", "6", "-c", "copy", "-output_ts_offset", "5", str(path))
    return path


def _pulled_down(elementary: bytes) -> bytes:
    """An MPEG-2 stream of 24000/1001 progressive pictures marked as an NTSC DVD marks a
    film (soft telecine): 30000/1001 in the sequence header, progressive_sequence off, and
    each picture's flags in the 3:2 cadence (top field first, repeat first field): pictures
    shown for 3, 2, 3, 2 fields. The pictures themselves are unchanged."""
    data = bytearray(elementary)
    cadence = [(1, 1), (0, 0), (0, 1), (1, 0)]  # (top_field_first, repeat_first_field)
    gop_start = in_gop = temporal_reference = 0
    at = 0
    while (at := data.find(b"\x00\x00\x01", at)) != -1:
        code = data[at + 3]
        if code == 0xB8:  # group of pictures: temporal references count from its start
            gop_start, in_gop = gop_start + in_gop, 0
        elif code == 0x00:  # picture header: its place in display order
            temporal_reference = (data[at + 4] << 2) | (data[at + 5] >> 6)
            in_gop += 1
        elif code == 0xB3:  # sequence header: frame_rate_code 4 (30000/1001)
            data[at + 7] = (data[at + 7] & 0xF0) | 4
        elif code == 0xB5 and data[at + 4] >> 4 == 1:  # sequence extension
            data[at + 5] &= ~0x08  # progressive_sequence = 0
        elif code == 0xB5 and data[at + 4] >> 4 == 8:  # picture coding extension
            top_first, repeat = cadence[(gop_start + temporal_reference) % 4]
            data[at + 7] = (data[at + 7] & ~0x82) | (top_first << 7) | (repeat << 1)
            data[at + 8] |= 0x80  # progressive_frame
        at += 4
    return bytes(data)


@pytest.fixture(scope="session")
def soft_telecined(media_dir: Path) -> Path:
    """Ten seconds of the demo film at 24000/1001 pictures a second in an MPEG program
    stream as an NTSC DVD carries a film: 29.97 frames in the header, fields repeated."""
    film = media_dir / "film_23976.m2v"
    ffmpeg("-i", str(DEMO), "-t", "10", "-vf", "fps=24000/1001,scale=720:480",
           "-c:v", "mpeg2video", "-q:v", "3", "-bf", "2", "-g", "12", "-an",
           "-f", "mpeg2video", str(film))
    pulled = media_dir / "pulled_down.m2v"
    pulled.write_bytes(_pulled_down(film.read_bytes()))
    path = media_dir / "soft_telecine.mpg"
    ffmpeg("-i", str(pulled), "-c", "copy", str(path))
    return path


@pytest.fixture(scope="session", params=["mkv", "mp4"])
def soft_telecined_remuxed(media_dir: Path, soft_telecined: Path,
                           request: pytest.FixtureRequest) -> Path:
    """`soft_telecined` copied into Matroska or MP4 with its times kept (a DVD ripped as it
    is): the frames' times come in the 3:2 cadence (Matroska's rounded to 1 ms), and the
    header's rate is 29.97 (Matroska) or the frames' average (MP4: "23.94 fps")."""
    path = media_dir / f"soft_telecine_remuxed.{request.param}"
    ffmpeg("-fflags", "+genpts", "-i", str(soft_telecined), "-c", "copy", str(path))
    return path


@pytest.fixture(scope="session")
def thirty_then_twenty(media_dir: Path) -> Path:
    """Four seconds at 30 fps, then six at 20 fps, in MP4 with a phone's 1/600 s clock (a
    phone's camera slows down in low light): frames 1/30 and 1/20 s apart, one and a half
    times as long, in runs."""
    path = media_dir / "thirty_then_twenty.mp4"
    ffmpeg("-i", str(DEMO), "-filter_complex",
           "[0:v]trim=0:4,fps=30,setpts=PTS-STARTPTS[a];"
           "[0:v]trim=4:10,fps=20,setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1[v]",
           "-map", "[v]", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast",
           "-g", "12", "-video_track_timescale", "600", str(path))  # fmt: skip
    return path
