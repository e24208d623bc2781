"""Frames at film times: the same picture as `ffmpeg -ss T`, from one open file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from curator.errors import MediaError
from curator.media.decode import sample_frames, sample_time_ms
from curator.media.frames import frame_at, frames_at
from curator.media.probe import ffmpeg_exe, probe_video
from curator.media.reader import VideoReader, close_shared_reader, shared_reader

from .conftest import DEMO
from .films import interlaced_film


def cli_frame(path: Path, time_ms: int, *, width: int | None = None) -> np.ndarray:
    """The frame the ffmpeg command line gives for `-ss T` (what curator used to run)."""
    scale = [] if width is None else ["-vf", f"scale={width}:-2"]
    command = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-ss", f"{time_ms / 1000:.3f}",
               "-i", str(path), "-frames:v", "1", *scale, "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-"]
    data = subprocess.run(command, capture_output=True, check=True).stdout
    info = probe_video(path)
    shown_width, shown_height = info.display_size
    out_width = width or shown_width
    out_height = (
        shown_height if width is None else round(shown_height * width / shown_width / 2) * 2
    )
    return np.frombuffer(data, np.uint8).reshape(out_height, out_width, 3)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


@pytest.mark.parametrize("time_ms", [0, 1000, 2500, 5040, 7333, 21_900])
def test_a_frame_is_the_one_the_ffmpeg_command_line_shows(time_ms: int) -> None:
    assert (frame_at(DEMO, time_ms) == cli_frame(DEMO, time_ms)).all()
    # Scaled: the same frame, scaled by swscale (bicubic) in both; rounding may differ.
    assert difference(frame_at(DEMO, time_ms, width=320), cli_frame(DEMO, time_ms, width=320)) < 1


def test_sampled_frames_are_the_frames_at_their_times() -> None:
    samples = list(sample_frames(DEMO, start_ms=2130, duration_ms=2000, fps=4, size=(320, 180)))
    assert [i for i, _ in samples] == list(range(8))
    times = [sample_time_ms(2130, i, 4) for i, _ in samples]
    for (_, sampled), seeked in zip(samples, frames_at(DEMO, times, width=320), strict=True):
        assert (sampled == seeked).all()


def test_decoding_on_and_seeking_back_give_the_same_frames() -> None:
    close_shared_reader()
    first = list(sample_frames(DEMO, start_ms=1000, duration_ms=1000, fps=4, size=(640, 360)))
    reader = shared_reader(DEMO)
    following = list(sample_frames(DEMO, start_ms=2000, duration_ms=1000, fps=4, size=(640, 360)))
    assert shared_reader(DEMO) is reader  # the file stayed open
    again = list(sample_frames(DEMO, start_ms=1000, duration_ms=2000, fps=4, size=(640, 360)))
    with VideoReader(DEMO) as fresh:
        times = [1000 + 250 * i for i in range(8)]
        expected = [frame for _, frame in fresh.frames(times)]
    assert len(expected) == 8
    for got, want in zip([f for _, f in first + following], expected, strict=True):
        assert (got == want).all()
    for (_, got), want in zip(again, expected, strict=True):
        assert (got == want).all()


def test_frames_at_keeps_the_order_asked_and_past_the_end_fails() -> None:
    from curator.errors import MediaError

    later, earlier = frames_at(DEMO, [6000, 1000])
    assert (later == frame_at(DEMO, 6000)).all() and (earlier == frame_at(DEMO, 1000)).all()
    with pytest.raises(MediaError):
        frame_at(DEMO, 60_000)


def test_a_rotated_film_matches_the_command_line(rotated: Path) -> None:
    assert (frame_at(rotated, 1000) == cli_frame(rotated, 1000)).all()
    assert difference(frame_at(rotated, 1000, width=180), cli_frame(rotated, 1000, width=180)) < 1


@pytest.mark.shared_data
def test_a_late_video_stream_keeps_the_command_line_timing(shared_data: Path) -> None:
    """The Hamilton clip's video starts 0.85 s into the film (its audio at 0)."""
    clip = shared_data / "video" / "short_hamilton_clip.mp4"
    with VideoReader(clip) as reader:
        assert 840 < reader.first_frame_ms < 850
    for time_ms in (0, 1000, 2000, 5040, 9500):
        assert (frame_at(clip, time_ms) == cli_frame(clip, time_ms)).all()
    samples = list(sample_frames(clip, start_ms=0, duration_ms=2000, fps=4, size=(640, 360)))
    # 0, 250 and 500 ms precede the first frame by a whole period: only 750 ms shows it.
    assert [i for i, _ in samples] == [3, 4, 5, 6, 7]
    for index, sampled in samples:
        assert (sampled == frame_at(clip, sample_time_ms(0, index, 4))).all()


def test_an_anamorphic_film_is_decoded_unsqueezed(anamorphic: Path) -> None:
    # The same picture as the square-pixel original, not squeezed to the stored width.
    wide = frame_at(anamorphic, 1000)
    assert wide.shape == (360, 640, 3)
    assert difference(wide, frame_at(DEMO, 1000)) < 6


def test_a_file_that_is_not_a_video_gets_ffmpegs_reason_in_plain_words(tmp_path: Path) -> None:
    from curator.errors import MediaError

    fake = tmp_path / "film.mp4"
    fake.write_text("not a video\n" * 100)
    with pytest.raises(MediaError) as caught:
        VideoReader(fake)
    assert str(caught.value) == f"{fake}: invalid data found when processing input"



def test_cover_art_is_no_film_to_read(audio_with_cover: Path) -> None:
    """ffmpeg lists cover art as a video stream: one still picture, not the film."""
    with pytest.raises(MediaError, match="has no video stream"):
        VideoReader(audio_with_cover)


def test_a_held_frame_is_the_picture_shown_until_the_next(held_frames: Path) -> None:
    """At 9 s the frame of 8 s is on screen; the next starts at 10 s. The command line's
    rule (the first frame at or after T) would give a picture 1 s early."""
    at = {t: frame_at(held_frames, t) for t in (3000, 4000, 5000, 8000, 9000, 10_000)}
    assert (at[9000] == at[8000]).all() and not (at[9000] == at[10_000]).all()
    assert (at[5000] == at[4000]).all()
    assert (at[3000] == cli_frame(held_frames, 3000)).all()  # every frame here: as before
    # Decoding on through the holds gives the same pictures as seeking to each.
    with VideoReader(held_frames) as reader:
        times = [3000, 5000, 7000, 9000, 11_000]
        on = {times[i]: frame for i, frame in reader.frames(times)}
    for time_ms, shown in ((5000, 4000), (7000, 6000), (9000, 8000), (11_000, 10_000)):
        assert (on[time_ms] == at.get(shown, frame_at(held_frames, shown))).all()


def test_a_damaged_stretch_is_an_error_not_the_picture_after_it(damaged_stretch: Path) -> None:
    """The face check and the export would otherwise take the face at 6 s for one at 3 s."""
    with pytest.raises(MediaError, match=r"damaged at 3\.000 s: the next picture that "
                                         r"decodes is at 6\.000 s"):
        frame_at(damaged_stretch, 3000)
    with VideoReader(damaged_stretch) as reader:  # decoding on into it, too
        got = []
        with pytest.raises(MediaError, match=r"damaged at 2\.500 s"):
            for position, _ in reader.frames([1000, 1500, 2500, 7000]):
                got.append(position)
    assert got == [0, 1]
    assert len(frames_at(damaged_stretch, [1000, 7000, 9000])) == 3  # around it: fine


def test_a_last_picture_held_to_the_end_is_on_screen_until_then(held_to_the_end: Path) -> None:
    """The last frame starts at 3.96 s and lasts until 10 s: the picture a viewer sees
    there, so a window in that span has frames (a face) to check, up to the end."""
    assert probe_video(held_to_the_end).duration_ms == 10_000
    last = frame_at(held_to_the_end, 3960)
    for time_ms in (3970, 5000, 9999):
        assert (frame_at(held_to_the_end, time_ms) == last).all()
    with pytest.raises(MediaError, match=r"no frame at 10\.000 s"):
        frame_at(held_to_the_end, 10_000)
    samples = list(sample_frames(held_to_the_end, start_ms=3000, duration_ms=8000, fps=1,
                                 size=(640, 360)))
    assert [i for i, _ in samples] == [0, 1, 2, 3, 4, 5, 6]  # 3 s to 9 s; none at 10 s
    assert all((frame == last).all() for _, frame in samples[1:])


def test_the_last_frame_is_shown_for_its_own_duration(one_frame_a_second: Path) -> None:
    # 20 frames at 1 fps: the last starts at 19 s and is on screen until 20 s.
    assert (frame_at(one_frame_a_second, 19_500) == frame_at(one_frame_a_second, 19_000)).all()
    with pytest.raises(MediaError):
        frame_at(one_frame_a_second, 20_000)


def test_a_transport_stream_is_read_in_its_last_group_of_pictures(
    transport_stream: Path,
) -> None:
    """MPEG-TS has no index: a seek by bytes after its last key frame (4 s) decodes
    nothing, as the frames there refer to that key frame; it seeks back further. (The
    command line, which decodes from where it lands, is no reference here.)"""
    import av

    with av.open(str(transport_stream)) as container:
        start_s = container.start_time / 1_000_000
        every = [(float(f.pts * f.time_base) - start_s, f.to_ndarray(format="rgb24"))
                 for f in container.decode(video=0)]
    for time_ms in (1000, 4500, 5500):
        expected = next(rgb for shown_s, rgb in every if shown_s * 1000 >= time_ms - 0.5)
        assert (frame_at(transport_stream, time_ms) == expected).all()




def test_an_interlaced_picture_gives_one_field_without_comb_lines(tmp_path: Path) -> None:
    film = interlaced_film(tmp_path / "interlaced.mp4")
    for width in (None, 80):  # at its own size, and scaled
        frame = frame_at(film, 200, width=width).astype(int)
        assert frame.max() < 40, "the white field's lines are in the picture"
        rows = frame.mean(axis=(1, 2))
        assert np.abs(np.diff(rows)).max() < 5  # no line differs from the next
    # A progressive picture of the same stripes is a picture of stripes: left as it is.
    striped = frame_at(interlaced_film(tmp_path / "stripes.mp4", flagged=False), 200).astype(int)
    assert np.abs(np.diff(striped.mean(axis=(1, 2)))).max() > 150


def test_a_bottom_field_first_picture_gives_its_bottom_field(tmp_path: Path) -> None:
    """The first field in time is the bottom one there (DV, some broadcast): its top field,
    taken before, was the picture a field period (20 ms) after the frame's time."""
    film = interlaced_film(tmp_path / "bottom_first.mp4", bottom_first=True)
    for width in (None, 80):
        frame = frame_at(film, 200, width=width).astype(int)
        assert frame.max() < 40, "the second field's (white) lines are in the picture"
        assert np.abs(np.diff(frame.mean(axis=(1, 2)))).max() < 5


def test_a_progressive_film_flagged_interlaced_keeps_its_detail(tmp_path: Path) -> None:
    """A film put on a PAL DVD or a 1080i channel is coded as interlaced, its pictures
    progressive: both fields are of one moment, and the picture is kept whole (taking one
    field halved its detail: these two-line stripes came out gray)."""
    w, h = 160, 120
    stripes = np.zeros((h, w), np.uint8)
    stripes[(np.arange(h) // 2) % 2 == 0] = 200
    film = tmp_path / "film_on_dvd.mp4"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo",
                    "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", "25", "-i", "-",
                    "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "tff=1",
                    "-qp", "0", "-pix_fmt", "yuv444p", str(film)],
                   input=stripes.tobytes() * 10, check=True)
    import av

    with av.open(str(film)) as container:
        assert next(container.decode(video=0)).interlaced_frame  # flagged so
    frame = frame_at(film, 200).astype(int).mean(axis=2)
    assert np.abs(frame - stripes).max() <= 3


def test_first_field_replaces_the_other_fields_comb_teeth() -> None:
    from curator.media.reader import first_field

    picture = np.zeros((5, 2, 3), np.uint8)
    picture[0::2] = np.array([10, 30, 50], np.uint8)[:, None, None]  # top field: 0, 2, 4
    picture[1::2] = 255  # the other field's, brighter than both lines around: teeth
    assert first_field(picture)[:, 0, 0].tolist() == [10, 20, 30, 40, 50]
    even = first_field(picture[:4])  # a last line with no field line below uses its above
    assert even[:, 0, 0].tolist() == [10, 20, 30, 30]
    picture[0::2] = 200  # now the top field stands out from the bottom one (1, 3)
    picture[1::2] = np.array([20, 40], np.uint8)[:, None, None]
    bottom = first_field(picture, bottom=True)  # the first line uses the one below it
    assert bottom[:, 0, 0].tolist() == [20, 20, 30, 40, 40]


def test_first_field_keeps_what_lies_between_its_lines() -> None:
    """A progressive picture flagged interlaced keeps its detail: a line between its
    neighbours' values (an edge, a gradient), or off by no more than noise, is no tooth."""
    from curator.media.reader import first_field

    ramp = np.repeat(np.arange(0, 250, 10, dtype=np.uint8), 3).reshape(-1, 1, 3)
    assert (first_field(ramp) == ramp).all()
    stripes = np.zeros((12, 1, 3), np.uint8)
    stripes[[0, 1, 4, 5, 8, 9]] = 200  # two-line stripes: each line has a like neighbour
    assert (first_field(stripes) == stripes).all()
    noisy = np.full((6, 1, 3), 100, np.uint8)
    noisy[1::2] = 110  # 10 levels: noise, not a second moment
    assert (first_field(noisy) == noisy).all()


@pytest.mark.parametrize("width", [160, 96])
def test_a_film_flagged_interlaced_scales_down_as_a_progressive_one(
    tmp_path: Path, width: int
) -> None:
    """Its lines are scaled apart from its columns (one field is read at full height): four
    taps of a cubic aliased them where swscale averages, and the same film coded as
    progressive read differently (96 px wide: 2.4 code values off on average, 78 at most)."""
    films = []
    for name, coding in (("progressive", []),
                         ("flagged", ["-flags", "+ildct+ilme", "-x264opts", "tff=1"])):
        films.append(tmp_path / f"{name}.mp4")
        subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(DEMO),
                        "-t", "2", "-an", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p",
                        *coding, str(films[-1])], check=True)
    progressive, flagged = (frame_at(film, 1000, width=width).astype(int) for film in films)
    assert np.abs(progressive - flagged).mean() < 1
    assert np.abs(progressive - flagged).max() <= 20
