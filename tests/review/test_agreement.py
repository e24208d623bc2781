"""Agreement figures against examples worked out by hand (and two from the literature)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from curator.review.agreement import (
    agreement_report,
    cohen_kappa,
    confusion,
    count_matrix,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    specific_agreement,
)


def test_cohen_kappa_classic_two_by_two() -> None:
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    # p_o = 35/50 = 0.7; A says yes 25/50, B 30/50;
    # p_e = 0.5·0.6 + 0.5·0.4 = 0.5;  κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert confusion(a, b, ["yes", "no"]).tolist() == [[20, 5], [10, 15]]


def test_cohen_kappa_three_emotions_by_hand() -> None:
    # 6 clips. A: H H S S A A, B: H S S S A H.  Agree on 4: p_o = 4/6.
    # A: H 2, S 2, A 2; B: H 2, S 3, A 1 → p_e = (2·2 + 2·3 + 2·1) / 36 = 12/36 = 1/3.
    # κ = (2/3 − 1/3) / (2/3) = 1/2.
    a = ["Happy", "Happy", "Sad", "Sad", "Angry", "Angry"]
    b = ["Happy", "Sad", "Sad", "Sad", "Angry", "Happy"]
    assert cohen_kappa(a, b) == pytest.approx(0.5)


def test_cohen_kappa_perfect_and_undefined() -> None:
    assert cohen_kappa(["Sad", "Happy"], ["Sad", "Happy"]) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa(["Sad", "Sad"], ["Sad", "Sad"]))  # chance agreement is 1
    assert math.isnan(cohen_kappa([], []))


def test_fleiss_kappa_small_example_by_hand() -> None:
    # 4 clips, 3 annotators, classes (Happy, Sad): counts 3-0, 2-1, 0-3, 1-2.
    # P_i = Σ n(n−1) / (3·2): (6+0)/6 = 1, (2+0)/6 = 1/3, 1, 1/3 → mean 2/3.
    # p_Happy = 6/12, p_Sad = 6/12 → P_e = 1/2.  κ = (2/3 − 1/2) / (1/2) = 1/3.
    counts = np.array([[3, 0], [2, 1], [0, 3], [1, 2]])
    p_bar, p_e = Fraction(2, 3), Fraction(1, 2)
    assert fleiss_kappa(counts) == pytest.approx(float((p_bar - p_e) / (1 - p_e)))
    assert fleiss_kappa(counts) == pytest.approx(1 / 3)


def test_fleiss_kappa_worked_example_from_the_literature() -> None:
    # Fleiss (1971)-style table reproduced on Wikipedia: 10 subjects, 14 raters, 5 classes.
    # By hand: p_j = (0.143, 0.200, 0.279, 0.150, 0.229), P̄ = 0.378, P_e = 0.213, κ = 0.210.
    counts = np.array([
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ])
    assert fleiss_kappa(counts) == pytest.approx(0.210, abs=5e-4)


def test_krippendorff_alpha_two_raters_by_hand() -> None:
    # Units (a,a) (a,b) (b,b) (b,b). Coincidences: o_aa = 2, o_ab = o_ba = 1, o_bb = 4;
    # n_a = 3, n_b = 5, n = 8.  α = 1 − (n − 1) · (o_ab + o_ba) / (2 · n_a · n_b)
    #   = 1 − 7 · 2 / 30 = 16/30.
    counts = np.array([[2, 0], [1, 1], [0, 2], [0, 2]])
    assert krippendorff_alpha_nominal(counts) == pytest.approx(16 / 30)


def test_krippendorff_alpha_with_missing_ratings_reference_example() -> None:
    # Krippendorff's "Computing Krippendorff's alpha-reliability" (2011): 4 observers,
    # 12 units, some values missing; nominal α = 0.743. Unit 12 has one value: not pairable.
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    ratings = {
        unit: {r: str(v[unit]) for r, v in rows.items() if v[unit] is not None}
        for unit in range(12)
    }
    counts = count_matrix(ratings, ["1", "2", "3", "4", "5"])
    assert krippendorff_alpha_nominal(counts) == pytest.approx(0.743, abs=5e-4)


def test_specific_agreement_matches_two_rater_formula() -> None:
    # Two raters, class Happy: both 20 (a), only one of them 5 + 10 (b + c):
    # 2a / (2a + b + c) = 40 / 55.
    ratings = {i: {"A": x, "B": y} for i, (x, y) in enumerate(
        [("H", "H")] * 20 + [("H", "N")] * 5 + [("N", "H")] * 10 + [("N", "N")] * 15
    )}
    counts = count_matrix(ratings, ["H", "N"])
    happy, neutral = specific_agreement(counts)
    assert happy == pytest.approx(40 / 55)
    assert neutral == pytest.approx(30 / 45)  # 2·15 / (2·15 + 5 + 10)


def test_report_pairs_missing_ratings_and_order() -> None:
    ratings = {
        1: {"ann": "Happy", "bob": "Happy", "cat": "Sad"},
        2: {"ann": "Sad", "bob": "Sad"},
        3: {"ann": "reject", "cat": "reject"},
        4: {"bob": "Angry"},  # one vote: counted as an item, not pairable
    }
    report = agreement_report(ratings, ["Angry", "Happy", "Sad", "reject"])
    assert report.raters == ["ann", "bob", "cat"]
    assert (report.items, report.shared_items) == (4, 3)
    pairs = {(p.a, p.b): p for p in report.pairs}
    assert pairs["ann", "bob"].items == 2 and pairs["ann", "bob"].observed == 1.0
    assert pairs["ann", "cat"].items == 2 and pairs["ann", "cat"].observed == 0.5
    assert pairs["bob", "cat"].items == 1
    happy, sad = report.categories.index("Happy"), report.categories.index("Sad")
    assert pairs["ann", "cat"].confusion[happy, sad] == 1
    assert report.votes_per_class == {"Angry": 1, "Happy": 2, "Sad": 3, "reject": 2}


def test_empty_ratings_are_undefined_not_errors() -> None:
    report = agreement_report({}, ["Happy"])
    assert report.items == 0
    assert math.isnan(report.fleiss_kappa) and math.isnan(report.krippendorff_alpha)


def test_landis_and_koch_words_at_their_bounds() -> None:
    from curator.review.stats import strength

    assert [strength(k) for k in (-0.01, 0.0, 0.2, 0.21, 0.4, 0.6, 0.8, 0.81, 1.0)] == [
        "poor", "slight", "slight", "fair", "fair", "moderate", "substantial",
        "almost perfect", "almost perfect"]
    assert strength(float("nan")) == ""


def _plain(renderable: object) -> str:
    import io

    from rich.console import Console

    console = Console(width=120, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return " ".join(console.export_text().split())  # titles wrap to their table's width


def test_the_confusion_shown_is_of_a_pair_that_shares_clips() -> None:
    """ann and bob never voted on the same clip; bob and cat did: `k` opens on (and `tab`
    cycles through) bob and cat, not an empty table for ann and bob."""
    from curator.review.stats import report_renderable

    ratings = {1: {"ann": "Happy"}, 2: {"bob": "Sad", "cat": "Sad"}, 3: {"bob": "Fear",
                                                                         "cat": "Angry"}}
    report = agreement_report(ratings, ["Angry", "Fear", "Happy", "Sad"])
    for pair_index in range(3):
        text = _plain(report_renderable(report, pair_index))
        assert "Confusion: bob (rows) vs cat (columns)" in text
        assert "Confusion: ann" not in text
    alone = agreement_report({1: {"ann": "Happy"}}, ["Happy"])
    text = _plain(report_renderable(alone))
    assert "Pairs: needs a second annotator." in text
    assert "Confusion: needs two annotators who voted on the same clips." in text


def test_figures_narrowed_to_a_film_say_so() -> None:
    from curator.review.stats import report_renderable

    report = agreement_report({1: {"ann": "Happy", "bob": "Happy"}}, ["Happy"])
    assert "Agreement (film 2 only, as the filter)" in _plain(
        report_renderable(report, 0, "film 2 only, as the filter"))
    assert _plain(report_renderable(report)).startswith("Agreement ┏")
