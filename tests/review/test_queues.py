"""Queues: the filter language, the SQL behind each queue, and walking a queue page by page."""

from __future__ import annotations

import json

import pytest

from curator.review import queues
from curator.review.controller import ReviewController
from curator.review.queues import FilterError, ReviewQueue, describe, parse_filter
from curator.store.models import Clip, Prediction
from curator.store.review_queries import (
    QueueSpec,
    first_undecided,
    queue_count,
    queue_page,
    queue_position,
)

from .conftest import Sample, more_clips_small_window

BASE = QueueSpec(queue="proposed", annotator="ann")


def test_parse_filter_tokens_and_title_words() -> None:
    spec = parse_filter("queue:disputed label:sadness film:3 status:confirmed score:0.5 demo film",
                        BASE)
    assert spec == QueueSpec(queue="disputed", annotator="ann", film_id=3, label="Sad",
                             status="confirmed", title="demo film", min_score=0.5)
    assert parse_filter(describe(spec), BASE) == spec
    assert parse_filter("", spec) == QueueSpec(queue="disputed", annotator="ann")
    # Values are matched in any case, as keys and labels are.
    assert parse_filter("QUEUE:ALL Status:Confirmed label:HAPPY", BASE) == QueueSpec(
        queue="all", annotator="ann", status="confirmed", label="Happy")


@pytest.mark.parametrize("text, token", [
    ("queue:nope", "queue:nope"), ("film:x", "film:x"), ("label:Joyful", "label:Joyful"),
    ("status:done", "status:done"), ("score:high", "score:high"), ("colour:red", "colour:red"),
    ("label:", "label:"), ("film:²", "film:²"), ("score:nan", "score:nan"),
    ("score:inf", "score:inf"), ("film:99999999999999999999", "film:99999999999999999999"),
    ("score:5", "score:5"), ("score:-3", "score:-3"),  # scores are 0..1: nothing would match
    ("film:1 film:2", "film:2"),  # the last would silently win
    # Queues of one status: another matches nothing.
    ("queue:proposed status:rejected", "status:rejected"),
    ("queue:suspect status:proposed", "status:proposed"),
])
def test_parse_filter_rejects_bad_tokens(text: str, token: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text, BASE)
    assert caught.value.token == token


def _ids(sample: Sample, spec: QueueSpec) -> list[int]:
    with sample.db.session() as session:
        return [row.id for row in queue_page(session, spec, limit=50)]


def test_queues_select_the_right_clips(sample: Sample) -> None:
    c = sample.clip_ids
    ann, bob = ReviewController(sample.db, "ann"), ReviewController(sample.db, "bob")
    ann.decide(c[0], 1, "confirm", "Happy")   # agreed below
    bob.decide(c[0], 2, "confirm", "Happy")
    ann.decide(c[1], 1, "confirm", "Sad")     # disputed, tie → still proposed
    bob.decide(c[1], 2, "confirm", "Neutral")
    ann.decide(c[2], 1, "confirm", "Surprise")  # label contradicts the subtitle's Fear
    ann.decide(c[3], 1, "skip")
    with sample.db.session() as session:
        session.add(Prediction(clip_id=c[0], model="m", label="Angry",
                               scores_json=json.dumps({"Angry": 1.0})))
    spec = QueueSpec(annotator="ann")
    assert _ids(sample, spec) == [c[1], c[3], c[4], c[5], c[6]]
    assert _ids(sample, QueueSpec(queue="disputed", annotator="ann")) == [c[1]]
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == [c[0], c[2]]
    assert _ids(sample, QueueSpec(queue="mine", annotator="ann")) == c[:4]
    assert _ids(sample, QueueSpec(queue="mine", annotator="bob")) == c[:2]
    assert _ids(sample, QueueSpec(queue="all", annotator="ann", film_id=sample.moved_film_id)) \
        == [c[6]]
    assert _ids(sample, QueueSpec(queue="all", annotator="ann", label="Happy")) == [c[0], c[5]]
    assert _ids(sample, QueueSpec(queue="all", annotator="ann", title="LOST")) == [c[6]]
    assert _ids(sample, QueueSpec(queue="all", annotator="ann", title="%")) == []  # literal
    assert _ids(sample, QueueSpec(queue="all", annotator="ann", title="_")) == []
    assert _ids(sample, QueueSpec(queue="all", annotator="ann", min_score=0.8)) == [c[0], c[1]]
    with sample.db.session() as session:
        rows = queue_page(session, QueueSpec(queue="all", annotator="ann"), limit=4)
        assert [r.mine for r in rows] == ["Happy", "Sad", "Surprise", "skip"]
        # Resume point: the first clip ann has not decided (a skip counts as decided).
        assert first_undecided(session, QueueSpec(queue="all", annotator="ann")) == (
            sample.film_id, 17_000, 19_400)
        assert queue_count(session, spec) == 5
        assert queue_position(session, spec, (sample.film_id, 17_000, 19_400)) == 2


def test_a_clips_suspicion_is_its_latest_models_opinion(sample: Sample) -> None:
    """A model scored later (retrained, or copied elsewhere) that agrees with the label takes
    the clip out of `suspect`; an older model's stored disagreement no longer counts."""
    from datetime import datetime

    c = sample.clip_ids
    ReviewController(sample.db, "ann").decide(c[0], 1, "confirm", "Happy")

    def scored(model: str, label: str, at: datetime) -> None:
        with sample.db.session() as session:
            session.add(Prediction(clip_id=c[0], model=model, label=label, created_at=at,
                                   scores_json=json.dumps({label: 1.0})))

    scored("runs/v1/best.pt", "Angry", datetime(2100, 5, 1, 12, 0, 0))
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == [c[0]]
    scored("runs/v2/best.pt", "Happy", datetime(2100, 5, 2, 12, 0, 0))
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == []
    scored("runs/v3/best.pt", "Sad", datetime(2100, 5, 3, 12, 0, 0))
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == [c[0]]
    # Times are whole seconds: of two scores in one second, the one stored later.
    scored("runs/v4/best.pt", "Happy", datetime(2100, 5, 3, 12, 0, 0))
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == []

def test_an_adjudicated_clip_leaves_the_disputed_and_suspect_queues(sample: Sample) -> None:
    c = sample.clip_ids
    ann, bob = ReviewController(sample.db, "ann"), ReviewController(sample.db, "bob")
    ann.decide(c[1], 1, "confirm", "Sad")     # a tie: disputed
    bob.decide(c[1], 2, "confirm", "Neutral")
    ann.decide(c[2], 1, "confirm", "Surprise")  # contradicts the subtitle's Fear: suspect
    assert _ids(sample, QueueSpec(queue="disputed", annotator="ann")) == [c[1]]
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == [c[2]]
    judge = ReviewController(sample.db, "judge", adjudicate=True)
    judge.decide(c[1], 3, "confirm", "Sad")
    judge.decide(c[2], 2, "confirm", "Surprise")
    # Settled by the adjudicator: nobody needs to look at them again.
    assert _ids(sample, QueueSpec(queue="disputed", annotator="ann")) == []
    assert _ids(sample, QueueSpec(queue="suspect", annotator="ann")) == []


def test_walking_a_queue_across_pages(sample: Sample, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queues, "PAGE", 2)  # force a page read every two clips
    queue = ReviewQueue(sample.db, QueueSpec(queue="all", annotator="ann"))
    queue.open()
    seen = [queue.current.id]
    while queue.move(1):
        seen.append(queue.current.id)
    assert seen == sample.clip_ids
    assert queue.index == 6 and queue.total == 7
    assert not queue.move(1)
    back = []
    while queue.move(-1):
        back.append(queue.current.id)
    assert back == sample.clip_ids[-2::-1]


def test_walking_past_the_rows_kept_in_memory_skips_no_clip(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Once the window is full, reading the next page drops rows from the front; the
    # step must land on the next clip, not on the one `drop` rows further on.
    expected, queue = _open_all_with_a_small_window(sample, monkeypatch)
    seen, indexes = [queue.current.id], [queue.index]
    while queue.move(1):
        seen.append(queue.current.id)
        indexes.append(queue.index)
    assert seen == expected and indexes == list(range(len(expected)))
    back = [queue.current.id]
    while queue.move(-1):
        back.append(queue.current.id)
    assert back == expected[::-1] and queue.index == 0


def test_open_resumes_with_rows_above_and_goto_outside_the_window(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queues, "PAGE", 2)
    ctl = ReviewController(sample.db, "ann")
    for clip in sample.clip_ids[:3]:
        ctl.decide(clip, 1, "skip")
    queue = ReviewQueue(sample.db, QueueSpec(queue="all", annotator="ann"))
    queue.open()
    assert queue.current.id == sample.clip_ids[3] and queue.index == 3
    rows, current = queue.window(above=5, below=1)
    assert [r.id for r in rows[:current]] == sample.clip_ids[:3]
    assert queue.goto(sample.clip_ids[6]) and queue.current.id == sample.clip_ids[6]
    assert queue.goto(sample.clip_ids[0]) and queue.index == 0
    assert not queue.goto(999)


def test_a_decided_clip_shown_again_sits_where_it_sorts(sample: Sample) -> None:
    """The last clip, decided, leaves the proposed queue; shown again (undo), it comes
    after the queue's last row, not before it, and the walk counts it."""
    last = sample.clip_ids[-1]
    ReviewController(sample.db, "ann").decide(last, 1, "confirm", "Happy")
    queue = ReviewQueue(sample.db, QueueSpec(queue="proposed", annotator="ann"))
    queue.open()
    walked = queue.total
    assert queue.goto(last) and queue.current.id == last
    assert (queue.index, queue.total) == (walked, walked + 1)
    assert queue.move(-1) and queue.current.id != last and not queue.move(2)
    assert queue.goto(last) and queue.total == walked + 1  # counted once


def test_an_empty_queue(sample: Sample) -> None:
    queue = ReviewQueue(sample.db, QueueSpec(queue="disputed", annotator="ann"))
    queue.open()
    assert queue.current is None and queue.total == 0
    assert not queue.move(1) and not queue.move(-1)
    assert queue.window(3, 3) == ([], 0)


def test_going_back_past_clips_deleted_since_they_were_walked(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clips dropped from the window and deleted since (a whole page of them, read back at
    once) are passed over: going back still reaches the first clip, at index 0."""
    from sqlalchemy import delete

    expected, queue = _open_all_with_a_small_window(sample, monkeypatch)
    while queue.move(1):
        pass
    gone = expected[10:19]  # nine in a row: a whole page of the window whatever its bounds
    with sample.db.session() as session:
        session.execute(delete(Clip).where(Clip.id.in_(gone)))
    back = [queue.current.id]
    while queue.move(-1):
        back.append(queue.current.id)
    assert back == [i for i in expected if i not in gone][::-1]
    assert queue.index == 0


def _open_all_with_a_small_window(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[int], ReviewQueue]:
    """40 more clips, the `all` queue open on a small window, and its clip ids in order."""
    more_clips_small_window(sample, monkeypatch, 40)
    spec = QueueSpec(queue="all", annotator="ann")
    with sample.db.session() as session:
        expected = [row.id for row in queue_page(session, spec, limit=100)]
    queue = ReviewQueue(sample.db, spec)
    queue.open()
    return expected, queue
