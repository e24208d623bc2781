"""Class weights (auto, none, lists, names) and balanced sampling."""

from __future__ import annotations

import numpy as np
import pytest

from curator.train.errors import OptionError
from curator.train.imbalance import balanced_sample_weights, class_weights

CLASSES = ("Angry", "Happy", "Sad")
COUNTS = [100, 400, 25]


def test_auto_is_tempered_inverse_frequency_with_unit_mean() -> None:
    w = class_weights("auto", COUNTS, CLASSES, power=0.5)
    assert w[1] < w[0] < w[2]  # Happy (common) down, Sad (rare) up
    assert w[2] / w[1] == pytest.approx((400 / 25) ** 0.5, rel=1e-4)
    assert np.dot(w, COUNTS) / sum(COUNTS) == pytest.approx(1.0, rel=1e-5)


def test_auto_power_one_is_plain_inverse_frequency_and_zero_is_uniform() -> None:
    w = class_weights("auto", COUNTS, CLASSES, power=1.0)
    assert w[2] / w[1] == pytest.approx(16, rel=1e-4)
    assert class_weights("auto", COUNTS, CLASSES, power=0.0) == [1.0, 1.0, 1.0]


def test_none_list_and_names() -> None:
    assert class_weights("none", COUNTS, CLASSES) is None
    assert class_weights("1, 0.5 ,2", COUNTS, CLASSES) == [1.0, 0.5, 2.0]
    assert class_weights("happy=0.5,Sad=2", COUNTS, CLASSES) == [1.0, 0.5, 2.0]


@pytest.mark.parametrize("spec", ["1,2", "1,2,3,4", "Happy=x", "Fear=2", "1,-1,1", "a,b,c"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(OptionError):
        class_weights(spec, COUNTS, CLASSES)


@pytest.mark.parametrize(("spec", "counts"), [
    ("0,0,0", COUNTS), ("angry=0,happy=0,sad=0", COUNTS), ("0,0,1", [100, 400, 0])])
def test_weights_that_leave_no_training_image_in_the_loss(spec: str, counts: list) -> None:
    """All-zero weights make the weighted loss 0/0: a NaN model saved as if it had trained."""
    with pytest.raises(OptionError, match="weighs every training image 0"):
        class_weights(spec, counts, CLASSES)


def test_one_class_weighed_zero_with_training_images_is_refused() -> None:
    """A batch of that class alone would divide 0 by 0 (seen as a diverged run)."""
    with pytest.raises(OptionError, match="Happy weighed 0 but with training images"):
        class_weights("happy=0", COUNTS, CLASSES)
    assert class_weights("0,1,1", [0, 400, 50], CLASSES) == [0.0, 1.0, 1.0]  # no Angry images


def test_balanced_sampling_draws_classes_equally() -> None:
    labels = np.array([0] * 90 + [1] * 10)
    w = balanced_sample_weights(labels, 2)
    assert w[labels == 0].sum() == pytest.approx(w[labels == 1].sum())
