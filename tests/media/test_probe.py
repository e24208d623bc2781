"""Probing videos with the bundled ffmpeg: what we read, and one-line errors for bad files."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator.errors import MediaError
from curator.media.probe import parse_ffmpeg_header, probe_video

from .conftest import DEMO


def test_demo_film() -> None:
    info = probe_video(DEMO)
    assert (info.duration_ms, info.fps, info.width, info.height) == (22000, 25.0, 640, 360)
    assert info.has_audio and not info.variable_fps and info.rotation == 0


def test_rotation_is_read_and_display_size_follows(rotated: Path) -> None:
    info = probe_video(rotated)
    assert info.rotation in (90, 270)
    assert info.display_size == (360, 640)


def test_variable_frame_rate_is_flagged() -> None:
    header = (
        "  Duration: 00:01:00.00, start: 0.000000, bitrate: 900 kb/s\n"
        "  Stream #0:0(und): Video: h264 (High), yuv420p, 1280x720, 800 kb/s, 23.5 fps, "
        "30 tbr, 90k tbn (default)\n"
    )
    info = parse_ffmpeg_header(header, Path("phone.mp4"))
    assert info.variable_fps and info.fps == 23.5


@pytest.mark.parametrize("fixture", ["two_rates_matroska", "held_frames_matroska"])
def test_variable_frame_rate_is_read_from_the_frames_times(
    request: pytest.FixtureRequest, fixture: str,
) -> None:
    """Matroska states one rate ("25 fps, 25 tbr"): the frames' own times tell."""
    assert probe_video(request.getfixturevalue(fixture)).variable_fps


def test_a_last_frame_held_for_seconds_is_a_variable_rate(held_to_the_end: Path) -> None:
    assert probe_video(held_to_the_end).variable_fps


def test_evenly_spaced_frames_are_a_constant_rate(constant_rate: Path) -> None:
    assert not probe_video(constant_rate).variable_fps


@pytest.mark.parametrize(
    "fixture, reason",
    [("audio_only", "no video stream"), ("truncated", "corrupt or truncated"),
     ("cut_short", "truncated: no frame near the end"),
     ("cut_short_mkv", "truncated: no frame near the end"),
     ("audio_with_cover", "has no video stream (audio only)")],
)
def test_unusable_videos_say_why(request: pytest.FixtureRequest, fixture: str, reason: str) -> None:
    path = request.getfixturevalue(fixture)
    with pytest.raises(MediaError) as caught:
        probe_video(path)
    assert caught.value.path == path and reason in caught.value.reason
    assert "\n" not in str(caught.value)


def test_corrupt_bytes(tmp_path: Path) -> None:
    path = tmp_path / "film.mkv"
    path.write_bytes(b"\x1a\x45\xdf\xa3 not really matroska" * 50)
    with pytest.raises(MediaError) as caught:
        probe_video(path)
    assert caught.value.path == path and "\n" not in caught.value.reason


def test_anamorphic_frames_are_sized_in_square_pixels(anamorphic: Path) -> None:
    info = probe_video(anamorphic)
    assert (info.width, info.height) == (640, 360)
    header = (
        "  Duration: 00:00:10.00, start: 0.000000, bitrate: 900 kb/s\n"
        "  Stream #0:0: Video: mpeg2video (Main), yuv420p(tv, top first), 720x480 "
        "[SAR 32:27 DAR 16:9], 25 fps, 25 tbr, 1k tbn\n"
    )
    assert parse_ffmpeg_header(header, Path("dvd.mkv")).display_size == (853, 480)


def test_a_transport_stream_with_a_late_start_is_read_whole(transport_stream: Path) -> None:
    # Seeking near its end lands after the last key frame: the end check looks further
    # back rather than calling the film truncated.
    info = probe_video(transport_stream)
    assert 5900 <= info.duration_ms <= 6200 and info.fps == 25.0


def test_ntsc_rates_are_exact(ntsc_film: Path) -> None:
    # ffmpeg prints 23.98; frame numbers (MicroDVD subtitles, XML) need 24000/1001.
    assert probe_video(ntsc_film).fps == round(24000 / 1001, 6)


def test_a_film_ends_with_its_pictures_when_the_sound_goes_on(sound_outlasts_video: Path) -> None:
    info = probe_video(sound_outlasts_video)
    assert (info.duration_ms, info.container_ms) == (10000, 30000)
    assert probe_video(DEMO).container_ms is None  # pictures to the end: nothing to say



def test_a_last_frame_held_for_a_second_reaches_the_end(one_frame_a_second: Path) -> None:
    info = probe_video(one_frame_a_second)
    assert (info.duration_ms, info.fps, info.container_ms) == (20000, 1.0, None)


def test_pictures_ending_long_before_the_sound_are_found_without_an_index(
    long_sound_transport_stream: Path,
) -> None:
    info = probe_video(long_sound_transport_stream)
    assert 9900 <= info.duration_ms <= 10100 and info.container_ms is not None


def test_a_stream_dump_without_a_duration_says_how_to_mend_it(tmp_path: Path) -> None:
    """Matroska written to a pipe has no duration in its header; the file is complete,
    so "truncated" alone would send the user looking for a fault that is not there."""
    import subprocess

    from curator.media.probe import ffmpeg_exe

    from .conftest import DEMO

    path = tmp_path / "piped.mkv"
    with path.open("wb") as out:
        subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(DEMO),
                        "-c", "copy", "-f", "matroska", "-"], stdout=out, check=True)
    with pytest.raises(MediaError) as caught:
        probe_video(path)
    assert "states no duration" in caught.value.reason
    assert "ffmpeg -i IN -c copy OUT.mkv" in caught.value.reason


def test_a_frame_lost_where_a_file_was_cut_is_no_variable_rate(rotated: Path) -> None:
    # `-c copy -t 2` of a film with B-frames: the last frames but one are gone, a lone gap.
    import itertools

    import av

    with av.open(str(rotated)) as container:
        shown = sorted(p.pts for p in container.demux(video=0) if p.pts is not None)
    steps = {b - a for a, b in itertools.pairwise(shown)}
    assert len(steps) > 1  # the gap is there
    assert not probe_video(rotated).variable_fps


def test_a_matroska_film_whose_times_start_late_is_as_long_as_its_frames(
    late_matroska: Path,
) -> None:
    """Its stated duration is its last time (11.2 s), not its length: not cut short."""
    assert 6000 <= probe_video(late_matroska).duration_ms <= 6300


class _DamagedAfter:
    """A container whose packets fail to read after the first `good` ones (a damaged
    stretch), as PyAV raises it."""

    def __init__(self, container: object, good: int) -> None:
        self._container, self._good = container, good

    def __getattr__(self, name: str) -> object:
        return getattr(self._container, name)

    def demux(self, *streams: object) -> Iterator[object]:
        import av

        for count, packet in enumerate(self._container.demux(*streams)):
            if count == self._good:
                raise av.error.InvalidDataError(errno.EINVAL, "Invalid data found")
            yield packet


@pytest.mark.parametrize("good", [0, 20])
def test_a_place_that_fails_to_read_leaves_the_others_to_tell(
    two_rates_matroska: Path, monkeypatch: pytest.MonkeyPatch, good: int,
) -> None:
    """Damage near the end (the last place looked at) took every place's frame times with
    it: the two rates were called one."""
    from curator.media import probe

    real = probe._frame_pairs
    places: list[int] = []

    def reading(container: object, stream: object, target_us: int) -> object:
        places.append(target_us)
        last = len(places) == probe.SPACING_PLACES
        return real(_DamagedAfter(container, good) if last else container, stream, target_us)

    monkeypatch.setattr(probe, "_frame_pairs", reading)
    assert probe_video(two_rates_matroska).variable_fps


def test_frame_times_that_cannot_be_read_anywhere_leave_the_rate_as_stated(
    two_rates_matroska: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unknown, not variable: the header's word stands (for Matroska, one rate)."""
    from curator.media import probe

    real = probe._frame_pairs
    monkeypatch.setattr(probe, "_frame_pairs", lambda container, stream, target_us: real(
        _DamagedAfter(container, 0), stream, target_us))
    assert not probe_video(two_rates_matroska).variable_fps


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".mp4"), ("JPEG", ".mkv")])
def test_a_still_image_is_told_as_one(tmp_path: Path, fmt: str, suffix: str) -> None:
    """ffmpeg reads a photo as a one-picture video: a JPEG named .mp4 was "the file states
    no duration (a stream dump …?)", with advice to copy it into a new container."""
    from PIL import Image

    path = tmp_path / f"photo{suffix}"
    Image.new("RGB", (64, 48), (200, 120, 90)).save(path, format=fmt)
    with pytest.raises(MediaError) as caught:
        probe_video(path)
    assert caught.value.path == path
    assert caught.value.reason == f"a still image ({fmt.lower()}), not a video"


def test_a_soft_telecined_film_has_its_own_steady_rate(soft_telecined: Path) -> None:
    """An NTSC DVD's film says 29.97 frames a second (59.94 fields) and repeats fields to
    show 23.976 pictures: it was recorded as a variable rate of 29.97, 25% more pictures
    than it has (frame numbers in the XML, MicroDVD cue times, duplicate pictures)."""
    from curator.media.frames import frame_at

    info = probe_video(soft_telecined)
    assert info.fps == pytest.approx(24000 / 1001, abs=1e-5)
    assert not info.variable_fps and info.pulldown
    assert "3:2 pulldown (soft telecine): 23.976 pictures a second" in info.picture_notes()[0]
    # Its pictures are 1/23.976 s apart on average: ten seconds hold about 240.
    import av

    with av.open(str(soft_telecined)) as container:
        pictures = sum(1 for _ in container.decode(video=0))
    assert pictures == pytest.approx(info.duration_ms / 1000 * info.fps, abs=3)
    assert frame_at(soft_telecined, 5000).shape == (480, 720, 3)


def test_a_soft_telecined_film_recorded_at_its_headers_rate_is_still_itself(
    soft_telecined: Path, tmp_path: Path
) -> None:
    """A database from before 3:2 pulldown was read holds such a film at 29.97, variable:
    the face check knows it for the same video, and ingesting it again records its rate."""
    import dataclasses

    from curator.store.db import open_database
    from curator.store.face_check import _unlike
    from curator.store.films import film_by_hash, register_film

    info = probe_video(soft_telecined)
    before = dataclasses.replace(info, fps=29.97003, variable_fps=True)
    database = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with database.session() as session:
            register_film(session, path=soft_telecined, sha256="f" * 64, info=before)
        with database.session() as session:
            film = film_by_hash(session, "f" * 64)
            assert film is not None and _unlike(soft_telecined, film) is None
            register_film(session, path=soft_telecined, sha256="f" * 64, info=info)
        with database.session() as session:
            film = film_by_hash(session, "f" * 64)
            assert film is not None
            assert (film.fps, film.variable_fps) == (info.fps, False)
    finally:
        database.close()


@pytest.mark.parametrize("pixels, interlaced, hdr", [
    ("yuv420p10le(tv, bt2020nc/bt2020/smpte2084, progressive)", "", "PQ"),
    ("yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67)", "", "HLG"),
    ("yuv420p10le(tv, bt2020nc/bt2020/bt2020-10, progressive)", "", ""),
    ("yuv420p(tv, bottom first)", "bottom first", ""),
    ("yuv420p(top first)", "top first", ""),
    ("yuv420p(tv, bt709, top coded first (swapped))", "top first", ""),
    ("yuv420p(tv, bt709)", "", ""),
    ("yuv420p", "", ""),
])
def test_the_pictures_kind_is_read_from_the_header(pixels: str, interlaced: str,
                                                   hdr: str) -> None:
    header = ("  Duration: 00:01:00.00, start: 0.000000, bitrate: 900 kb/s\n"
              f"  Stream #0:0: Video: hevc (Main 10), {pixels}, 1920x1080, 25 fps, 25 tbr\n")
    info = parse_ffmpeg_header(header, Path("film.mkv"))
    assert (info.interlaced, info.hdr) == (interlaced, hdr)
    notes = " ".join(info.picture_notes())
    assert (f"interlaced ({interlaced})" in notes) == bool(interlaced)
    assert (f"HDR ({hdr})" in notes) == bool(hdr)


def test_a_remuxed_soft_telecined_film_has_its_own_rate(soft_telecined_remuxed: Path) -> None:
    """Its times keep the 3:2 cadence; an MP4's header gives their average, 23.94, not
    29.97, and four fifths of it (19.15) was taken for the film's rate."""
    info = probe_video(soft_telecined_remuxed)
    assert info.fps == pytest.approx(24000 / 1001, abs=1e-5)
    assert not info.variable_fps


def test_a_film_whose_rate_drops_from_30_to_20_is_variable(thirty_then_twenty: Path) -> None:
    """Steps of 1/30 and 1/20 s, one and a half times as long, as a 3:2 cadence's are, but
    in runs, not in turn: it was read as pulled down, a steady 19.2 fps."""
    info = probe_video(thirty_then_twenty)
    assert info.variable_fps
    assert info.fps == pytest.approx(24, abs=0.1)


def test_a_pulled_down_film_recorded_at_an_average_near_its_rate_is_still_itself() -> None:
    """An MP4 copied from a soft-telecined film was recorded at its header's average
    (23.94) as a variable rate: the face check must know it at 23.976."""
    from curator.media.probe import read_as_pulled_down

    assert read_as_pulled_down(29.97003, 24000 / 1001)
    assert read_as_pulled_down(23.93617, 24000 / 1001)
    assert not read_as_pulled_down(25, 24000 / 1001)
