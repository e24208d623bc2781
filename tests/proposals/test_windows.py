"""Clip windows: padding, clamping, merging, length limits, scores and context."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from curator.proposals.windows import WindowParams, evidence_score, propose_windows
from curator.subtitles.model import AnalyzedCue, Cue, Window


def ac(
    index: int, start: int, end: int, emotion: str | None = "Happy", score: float = 0.9
) -> AnalyzedCue:
    return AnalyzedCue(Cue(index, start, end, f"cue {index}"), (), emotion, score)


def spans(windows: list[Window]) -> list[tuple[int, int, str]]:
    return [(w.start_ms, w.end_ms, w.label) for w in windows]


def test_one_cue_is_padded() -> None:
    [w] = propose_windows([ac(0, 10_000, 11_000)], film_duration_ms=60_000)
    assert (w.start_ms, w.end_ms, w.label, w.score, w.evidence_cues) == (
        9_000, 12_500, "Happy", 0.9, (0,),
    )  # fmt: skip


def test_clamped_to_the_film() -> None:
    assert spans(propose_windows([ac(0, 200, 700)], film_duration_ms=60_000)) == [
        (0, 2_200, "Happy")
    ]
    assert spans(propose_windows([ac(0, 10_000, 11_000)], film_duration_ms=11_500)) == [
        (9_000, 11_500, "Happy")
    ]


def test_cues_past_the_film_end_are_dropped() -> None:
    cues = [ac(0, 6_000, 7_000), ac(1, 4_900, 6_000, "Sad")]
    assert spans(propose_windows(cues, film_duration_ms=5_000)) == [(3_900, 5_000, "Sad")]
    assert propose_windows(cues, film_duration_ms=0) == []


def test_cues_shifted_before_the_film_start_are_dropped() -> None:
    # A negative subtitle offset clamps a cue that ends before 0 to (0, 0): it shows nothing.
    cues = [ac(0, 0, 0), ac(1, 0, 800, "Sad")]
    assert [w.label for w in propose_windows(cues, film_duration_ms=5_000)] == ["Sad"]


def test_without_a_film_duration_only_zero_clamps() -> None:
    assert spans(propose_windows([ac(0, 500, 99_000_000)], film_duration_ms=None))[0][0] >= 0


def test_threshold_and_no_emotion() -> None:
    cues = [ac(0, 1_000, 2_000, score=0.29), ac(1, 10_000, 11_000, score=0.3),
            ac(2, 20_000, 21_000, emotion=None, score=0.9)]  # fmt: skip
    assert [w.evidence_cues for w in propose_windows(cues, film_duration_ms=None)] == [(1,)]
    loose = WindowParams(min_score=0.0)
    assert len(propose_windows(cues, film_duration_ms=None, params=loose)) == 2


def test_overlapping_windows_of_one_label_merge() -> None:
    cues = [ac(0, 10_000, 11_000), ac(1, 12_000, 13_000)]
    [w] = propose_windows(cues, film_duration_ms=None)
    assert (w.start_ms, w.end_ms, w.evidence_cues) == (9_000, 14_500, (0, 1))
    assert w.score == pytest.approx(1 - 0.1 * 0.1)


@pytest.mark.parametrize("second_start, count", [(14_000, 1), (14_001, 2)])
def test_merge_gap(second_start: int, count: int) -> None:
    # Padded windows: [9000, 12500] and [second_start - 1000, ...]: a gap of 500 ms merges.
    cues = [ac(0, 10_000, 11_000), ac(1, second_start, second_start + 1_000)]
    assert len(propose_windows(cues, film_duration_ms=None)) == count


def test_different_labels_are_both_kept() -> None:
    cues = [ac(0, 10_000, 11_000, "Happy"), ac(1, 11_500, 12_000, "Sad")]
    assert spans(propose_windows(cues, film_duration_ms=None)) == [
        (9_000, 12_500, "Happy"),
        (10_500, 13_500, "Sad"),
    ]


def test_min_length_grows_around_the_centre_within_the_film() -> None:
    tight = WindowParams(pad_before_ms=0, pad_after_ms=0, min_len_ms=1_000)
    grow = propose_windows([ac(0, 5_000, 5_200)], film_duration_ms=None, params=tight)
    assert spans(grow) == [(4_600, 5_600, "Happy")]
    start = propose_windows([ac(0, 0, 200)], film_duration_ms=None, params=tight)
    assert spans(start) == [(0, 1_000, "Happy")]
    end = propose_windows([ac(0, 5_000, 5_200)], film_duration_ms=5_300, params=tight)
    assert spans(end) == [(4_300, 5_300, "Happy")]
    short_film = propose_windows([ac(0, 100, 200)], film_duration_ms=600, params=tight)
    assert spans(short_film) == [(0, 600, "Happy")]


def test_a_long_cue_is_trimmed_around_its_middle() -> None:
    [w] = propose_windows([ac(0, 10_000, 20_000)], film_duration_ms=None)
    assert (w.start_ms, w.end_ms) == (11_000, 19_000)


def test_padding_is_cut_in_proportion_when_too_long() -> None:
    # 6 s of evidence + 1 s + 1.5 s of padding = 8.5 s: 2 s of padding left, split 2:3.
    [w] = propose_windows([ac(0, 10_000, 16_000)], film_duration_ms=None)
    assert (w.start_ms, w.end_ms) == (9_200, 17_200)


def test_a_long_run_of_cues_is_split_into_windows_that_do_not_overlap() -> None:
    cues = [ac(i, 2_000 * i, 2_000 * i + 1_500) for i in range(10)]  # 20 s of laughter
    windows = propose_windows(cues, film_duration_ms=None)
    assert len(windows) == 4
    assert all(w.duration_ms <= 8_000 for w in windows)
    for a, b in pairwise(windows):
        assert a.end_ms <= b.start_ms
    assert sorted(i for w in windows for i in w.evidence_cues) == list(range(10))
    for w in windows:  # every window holds its own evidence whole
        for i in w.evidence_cues:
            assert w.start_ms <= cues[i].cue.start_ms and cues[i].cue.end_ms <= w.end_ms


def test_context_cues_around_the_evidence() -> None:
    cues = [ac(i, 10_000 * i, 10_000 * i + 1_000, None, 0.0) for i in range(7)]
    cues[3] = ac(3, 30_000, 31_000, "Sad", 0.9)
    [w] = propose_windows(cues, film_duration_ms=None)
    assert w.context_cues == (1, 2, 4, 5)
    [w] = propose_windows(cues, film_duration_ms=None, params=WindowParams(context_cues=0))
    assert w.context_cues == ()


def test_context_of_a_merged_window_includes_the_dialogue_inside() -> None:
    cues = [ac(0, 0, 1_000, None, 0.0), ac(1, 1_000, 2_000, None, 0.0),
            ac(2, 10_000, 11_000), ac(3, 11_000, 11_500, None, 0.0), ac(4, 12_000, 13_000),
            ac(5, 20_000, 21_000, None, 0.0), ac(6, 30_000, 31_000, None, 0.0)]  # fmt: skip
    [w] = propose_windows(cues, film_duration_ms=None)
    assert w.evidence_cues == (2, 4) and w.context_cues == (0, 1, 3, 5, 6)


def test_context_stops_at_the_film_end() -> None:
    cues = [ac(0, 1_000, 2_000), ac(1, 3_000, 4_000, None, 0.0), ac(2, 9_000, 9_500, None, 0.0)]
    [w] = propose_windows(cues, film_duration_ms=5_000)
    assert w.context_cues == (1,)


def test_deterministic_and_sorted() -> None:
    rng = random.Random(7)
    labels = ["Happy", "Sad", "Fear"]
    cues = []
    for i in range(60):
        start = rng.randrange(0, 120_000)
        cues.append(ac(i, start, start + rng.randrange(200, 4_000), rng.choice(labels),
                       rng.uniform(0.2, 1.0)))  # fmt: skip
    cues.sort(key=lambda a: a.cue.start_ms)
    expected = propose_windows(cues, film_duration_ms=100_000)
    assert expected == sorted(expected, key=lambda w: (w.start_ms, w.end_ms, w.label))
    for _ in range(5):
        shuffled = cues[:]
        rng.shuffle(shuffled)
        # Context follows the given order; evidence, times, labels and scores do not.
        got = propose_windows(shuffled, film_duration_ms=100_000)
        assert [(w.start_ms, w.end_ms, w.label, w.score, w.evidence_cues) for w in got] == [
            (w.start_ms, w.end_ms, w.label, w.score, w.evidence_cues) for w in expected
        ]
    for w in expected:
        assert 0 <= w.start_ms < w.end_ms <= 100_000 and w.duration_ms <= 8_000
        assert 0.0 < w.score <= 1.0


def test_empty_input() -> None:
    assert propose_windows([], film_duration_ms=1_000) == []


@pytest.mark.parametrize(
    "kwargs",
    [{"pad_before_ms": -1}, {"min_len_ms": 9_000}, {"max_len_ms": 0}, {"min_score": 1.5},
     {"context_cues": -1}],
)  # fmt: skip
def test_invalid_params(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        WindowParams(**kwargs)  # type: ignore[arg-type]


def test_overlapping_evidence_never_makes_an_empty_window() -> None:
    # Overlapping cues of one label (common in ASS files): a split would leave a
    # side empty, so those windows become one instead.
    cues = [ac(0, 200, 1_000), ac(1, 1_200, 2_000), ac(2, 2_200, 4_200), ac(3, 2_400, 8_400),
            ac(4, 2_600, 4_600)]  # fmt: skip
    windows = propose_windows(cues, film_duration_ms=60_000)
    assert all(w.start_ms < w.end_ms for w in windows)
    assert sorted(i for w in windows for i in w.evidence_cues) == [0, 1, 2, 3, 4]
    for a, b in pairwise(windows):
        assert a.end_ms <= b.start_ms


def test_random_overlapping_cues_give_positive_disjoint_windows() -> None:
    rng = random.Random(3)
    for _ in range(200):
        cues = []
        for i in range(rng.randrange(1, 12)):
            start = rng.randrange(0, 20_000)
            cues.append(ac(i, start, start + rng.randrange(100, 9_000)))
        duration = rng.choice([None, 15_000])
        windows = propose_windows(cues, film_duration_ms=duration)
        assert all(w.start_ms < w.end_ms for w in windows)
        for a, b in pairwise(windows):
            assert a.end_ms <= b.start_ms
        in_film = {a.cue.index for a in cues if duration is None or a.cue.start_ms < duration}
        assert sorted(i for w in windows for i in w.evidence_cues) == sorted(in_film)


def test_outside_the_film() -> None:
    from curator.proposals.windows import outside_the_film

    assert outside_the_film(0, 0, 5_000) == "before"
    assert outside_the_film(-900, 1, 5_000) is None  # still shows for a millisecond
    assert outside_the_film(5_000, 6_000, 5_000) == "after"
    assert outside_the_film(4_999, 6_000, 5_000) is None
    assert outside_the_film(9_000, 9_500, None) is None  # no duration: no end to pass


def test_evidence_score_counts_a_caption_copied_across_tracks_once() -> None:
    # One track: [laughs] then [laughing], two moments of laughter: noisy-OR.
    assert evidence_score([(0, 1000, 1, 0.9), (2000, 3000, 1, 0.5)]) == pytest.approx(0.95)
    # The same caption in a second track, overlapping in time: one moment, the surer copy.
    assert evidence_score([(0, 1000, 1, 0.6), (100, 1100, 2, 0.9)]) == pytest.approx(0.9)
    # A second track's cue at another time is a moment of its own.
    assert evidence_score([(0, 1000, 1, 0.6), (1000, 2000, 2, 0.5)]) == pytest.approx(0.8)
    # Overlapping cues of one track are not copies of each other (a cue per speaker).
    assert evidence_score([(0, 1000, 1, 0.6), (500, 1500, 1, 0.5)]) == pytest.approx(0.8)
    # Without sources every cue counts, as before tracks were told apart.
    assert evidence_score([(0, 1000, None, 0.6), (0, 1000, None, 0.5)]) == pytest.approx(0.8)
    assert evidence_score([]) == 0.0
    # A cue of no length is a copy of the one it lies in (edges included), or of another
    # point at the same time.
    assert evidence_score([(5000, 5000, 1, 0.9), (5000, 5000, 2, 0.9)]) == pytest.approx(0.9)
    assert evidence_score([(5000, 5000, 1, 0.9), (5000, 6000, 2, 0.9)]) == pytest.approx(0.9)
    assert evidence_score([(4000, 4000, 1, 0.5), (5000, 6000, 2, 0.6)]) == pytest.approx(0.8)


def test_window_scores_count_tracks_copies_once() -> None:
    cues = [ac(0, 10_000, 11_000, score=0.8), ac(1, 10_050, 11_050, score=0.8),
            ac(2, 12_000, 12_500, score=0.5)]
    [apart] = propose_windows(cues, film_duration_ms=60_000)  # no sources: three moments
    assert apart.score == pytest.approx(1 - 0.2 * 0.2 * 0.5)
    [copied] = propose_windows(cues, film_duration_ms=60_000, sources=[1, 2, 1])
    assert copied.score == pytest.approx(1 - 0.2 * 0.5)
    assert copied.evidence_cues == (0, 1, 2)  # both copies are still the clip's evidence
