"""A model's stored opinion of a clip: one row per (clip, model), replaced by a new score."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from curator.store.db import Database, open_database
from curator.store.models import Clip, Prediction
from curator.store.predictions import save_prediction

from .conftest import populate


@pytest.fixture(params=["sqlite", "postgresql"])
def scored_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (request.getfixturevalue("postgres_url") if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'curator.db'}")
    db = open_database(url)
    populate(db)
    yield db
    db.close()


def test_a_new_score_of_the_same_model_replaces_the_old(scored_db: Database) -> None:
    with scored_db.session() as session:
        clip_id = session.scalars(select(Clip.id)).first()
        assert save_prediction(session, clip_id, model="m.pt",
                               scores={"Happy": 0.7, "Sad": 0.3}) == "Happy"
    with scored_db.session() as session:
        assert save_prediction(session, clip_id, model="m.pt",
                               scores={"Happy": 0.2, "Sad": 0.8}) == "Sad"
        save_prediction(session, clip_id, model="other.pt", scores={"Happy": 1.0})
    with scored_db.session() as session:
        rows = {p.model: p for p in session.scalars(select(Prediction))}
    assert set(rows) == {"m.pt", "other.pt"}
    assert rows["m.pt"].label == "Sad"
    assert json.loads(rows["m.pt"].scores_json) == {"Happy": 0.2, "Sad": 0.8}


def test_two_runs_scoring_at_once_both_succeed(scored_db: Database) -> None:
    """`score-clips` twice at once (or two teammates on one server): the second writer of
    a (clip, model) pair updates the row rather than failing on the unique constraint."""
    with scored_db.session() as session:
        clip_ids = session.scalars(select(Clip.id)).all()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(label: str) -> None:
        try:
            start.wait()
            for model in range(60):  # each pair new to both: both try to insert it
                for clip_id in clip_ids:
                    with scored_db.session() as session:
                        save_prediction(session, clip_id, model=f"m{model}.pt",
                                        scores={label: 1.0})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(label,)) for label in ("Happy", "Sad")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scored_db.session() as session:
        assert len(session.scalars(select(Prediction)).all()) == 60 * len(clip_ids)
