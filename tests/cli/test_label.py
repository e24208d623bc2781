"""`curator label`: confirming clips without the UI, through the shared write path."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest import Curator

if TYPE_CHECKING:
    from curator.store.db import Database


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def proposed(curator: Curator, demo_film) -> list[dict]:
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    return json.loads(curator("clips", "--json").output)


def test_label_ids_with_an_expression(curator: Curator, proposed: list[dict]) -> None:
    ids = [proposed[0]["id"], proposed[1]["id"]]
    result = curator("label", *ids, "--expression", "surprised", "--annotator", "ann")
    assert result.exit_code == 0 and "2 clip(s) confirmed by ann" in result.output
    assert _rows(curator.db_path, "SELECT clip_id, annotator, decision, expression "
                                  "FROM annotations ORDER BY clip_id") == [
        (ids[0], "ann", "confirm", "Surprise"), (ids[1], "ann", "confirm", "Surprise")]
    clips = {c["id"]: c for c in json.loads(curator("clips", "--json").output)}
    assert [clips[i]["status"] for i in ids] == ["confirmed", "confirmed"]
    assert [clips[i]["label"] for i in ids] == ["Surprise", "Surprise"]
    changes = _rows(curator.db_path, "SELECT who, field, new FROM change_log "
                                     f"WHERE clip_id = {ids[0]} ORDER BY id")
    assert ("ann", "status", "confirmed") in changes
    assert ("ann", "expression", "Surprise") in changes


def test_accept_proposed_leaves_rejected_clips_alone(
    curator: Curator, proposed: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    rejected = proposed[2]["id"]
    with sqlite3.connect(curator.db_path) as conn:
        conn.execute(f"UPDATE clips SET status='rejected' WHERE id={rejected}")
    monkeypatch.setenv("CURATOR_ANNOTATOR", "bulk")
    result = curator("label", "--accept-proposed", "--unchecked", "--film", "1")
    assert result.exit_code == 0, result.output
    assert f"{len(proposed) - 1} clip(s) confirmed by bulk" in result.output
    after = {c["id"]: c for c in json.loads(curator("clips", "--json").output)}
    for clip in proposed:
        if clip["id"] == rejected:
            assert after[clip["id"]]["status"] == "rejected"
        else:
            assert after[clip["id"]]["status"] == "confirmed"
            assert after[clip["id"]]["label"] == clip["label"]
    again = curator("label", "--accept-proposed", "--unchecked")
    assert again.exit_code == 0 and "0 clip(s) confirmed" in again.output


def test_unknown_clip_is_reported_and_the_rest_confirmed(
    curator: Curator, proposed: list[dict]
) -> None:
    result = curator("label", proposed[0]["id"], 999, "--expression", "Sad")
    assert result.exit_code == 1
    assert "no clip with id 999" in result.output and "1 clip(s) confirmed" in result.output


def test_adjudicate_overrules_the_majority_and_is_logged(
    curator: Curator, proposed: list[dict]
) -> None:
    clip = proposed[0]["id"]
    for who in ("ann", "bob"):
        assert curator("label", clip, "--expression", "Happy", "--annotator", who).exit_code == 0
    plain = curator("label", clip, "--expression", "Sad", "--annotator", "cy")
    assert plain.exit_code == 0  # an ordinary vote: 2–1, still Happy
    result = curator("label", clip, "--expression", "sad", "--annotator", "judge",
                     "--adjudicate")
    assert result.exit_code == 0, result.output
    assert "1 clip(s) confirmed by adjudicator judge" in result.output
    after = {c["id"]: c for c in json.loads(curator("clips", "--json").output)}
    assert (after[clip]["status"], after[clip]["label"]) == ("confirmed", "Sad")
    assert _rows(curator.db_path, "SELECT annotator, expression, adjudication FROM annotations "
                                  f"WHERE clip_id = {clip} ORDER BY id") == [
        ("ann", "Happy", 0), ("bob", "Happy", 0), ("cy", "Sad", 0), ("judge", "Sad", 1)]
    changes = _rows(curator.db_path, "SELECT who, field, old, new FROM change_log "
                                     f"WHERE clip_id = {clip} ORDER BY id")
    assert changes == [
        ("ann", "status", "proposed", "confirmed"),
        ("ann", "expression", None, "Happy"),
        ("judge", "expression", "Happy", "Sad"),
    ]


def test_accept_proposed_waits_for_the_face_check_unless_told(
    curator: Curator, proposed: list[dict]
) -> None:
    """A proposed clip no face check has seen (a propose stopped before it, or --no-faces)
    may show no face: a bulk confirm leaves it proposed and says how to go on."""
    checked = proposed[0]["id"]
    with sqlite3.connect(curator.db_path) as conn:  # as `propose` records a searched window
        conn.execute("INSERT INTO face_checks (clip_id, checked_at, detector, sample_fps, "
                     f"start_ms, end_ms, frames, faces) VALUES ({checked}, '2026-01-01', "
                     "'hog', 4, 0, 1000, 4, 1)")
    result = curator("label", "--accept-proposed", "--annotator", "bulk")
    assert result.exit_code == 0, result.output
    assert "1 clip(s) confirmed by bulk" in result.output
    assert (f"{len(proposed) - 1} clip(s) not face-checked yet were left proposed: "
            "`curator propose` checks them (--unchecked confirms them as they are)"
            in " ".join(result.output.split()))
    statuses = dict(_rows(curator.db_path, "SELECT id, status FROM clips"))
    assert statuses.pop(checked) == "confirmed"
    assert set(statuses.values()) == {"proposed"}
    rest = curator("label", "--accept-proposed", "--unchecked", "--annotator", "bulk")
    assert f"{len(proposed) - 1} clip(s) confirmed by bulk" in rest.output
    assert "not face-checked" not in rest.output


def test_adjudicate_does_not_go_with_accept_proposed(curator: Curator) -> None:
    result = curator("label", "--accept-proposed", "--adjudicate")
    assert result.exit_code == 2 and "does not go with --accept-proposed" in result.output


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((), "give CLIP_IDs"),
        (("1",), "--expression is required"),
        (("1", "--accept-proposed"), "give CLIP_IDs"),
        (("--accept-proposed", "--expression", "Sad"), "drop --expression"),
        (("1", "--expression", "Sad", "--film", "1"), "--film goes with"),
        ((str(2**63), "--expression", "Sad"), "too large for an id"),
        (("--accept-proposed", "--film", str(2**63)), "too large for an id"),
        (("1", "--expression", "Sad", "--unchecked"), "--unchecked goes with"),
    ],
)
def test_usage_errors(curator: Curator, args: tuple[str, ...], fragment: str) -> None:
    result = curator("label", *args)
    assert result.exit_code == 2 and fragment in result.output


def test_help_shows_no_id_bounds(curator: Curator) -> None:
    assert "9223372036854775807" not in curator("label", "--help").output


def test_unknown_expression_is_one_line(curator: Curator, proposed: list[dict]) -> None:
    result = curator("label", proposed[0]["id"], "--expression", "bored")
    assert result.exit_code == 2  # a usage error, as for any value an option cannot take
    assert result.output.strip().splitlines()[-1].startswith(
        "Error: Invalid value for --expression: unknown label 'bored'")
    assert _rows(curator.db_path, "SELECT count(*) FROM annotations") == [(0,)]


def test_unknown_film(curator: Curator) -> None:
    result = curator("label", "--accept-proposed", "--unchecked", "--film", "42")
    assert result.exit_code == 1 and "no film with id 42" in result.output


def test_accept_proposed_leaves_tied_clips_alone(
    curator: Curator, proposed: list[dict]
) -> None:
    tied, other = proposed[0], proposed[1]
    for who, expression in (("ann", "Angry"), ("bob", "Fear")):
        vote = curator("label", tied["id"], "--expression", expression, "--annotator", who)
        assert vote.exit_code == 0, vote.output
    result = curator("label", "--accept-proposed", "--unchecked", "--annotator", "bulk")
    assert result.exit_code == 0, result.output
    assert f"{len(proposed) - 1} clip(s) confirmed by bulk" in result.output
    after = {c["id"]: c for c in json.loads(curator("clips", "--json").output)}
    assert after[tied["id"]]["status"] == "proposed"  # still a tie, for a person to settle
    assert after[other["id"]]["status"] == "confirmed"
    assert _rows(curator.db_path, "SELECT count(*) FROM annotations WHERE annotator = 'bulk' "
                                  f"AND clip_id = {tied['id']}") == [(0,)]


def test_a_vote_that_does_not_confirm_says_so(curator: Curator, proposed: list[dict]) -> None:
    clip = proposed[0]["id"]
    first = curator("label", clip, "--expression", "sad", "--annotator", "ann")
    assert "1 clip(s) confirmed by ann" in first.output
    tie = curator("label", clip, "--expression", "fear", "--annotator", "bob")
    assert tie.exit_code == 0  # the vote is stored; only the outcome differs
    assert "0 clip(s) confirmed by bob" in tie.output
    assert (f"clip {clip}: bob's vote for Fear is recorded, but the annotators tie, so the "
            "clip is disputed (settle it with --adjudicate or in `curator review --queue "
            "disputed`) (votes: Sad 1, Fear 1)") in tie.output
    assert "1 vote(s) recorded without confirming their clip" in tie.output
    disputed = json.loads(curator("clips", "--disputed", "--json").output)
    assert [(c["id"], c["status"]) for c in disputed] == [(clip, "proposed")]
    curator("label", clip, "--expression", "sad", "--annotator", "cat")
    outvoted = curator("label", clip, "--expression", "happy", "--annotator", "dan")
    assert "the majority keeps it Sad (votes: Sad 2, Fear 1, Happy 1)" in outvoted.output
    curator("label", clip, "--expression", "surprise", "--annotator", "rex", "--adjudicate")
    after = curator("label", clip, "--expression", "happy", "--annotator", "ann")
    assert "rex's adjudication keeps it Surprise" in after.output
    assert "majority" not in after.output


def test_annotator_name_is_the_one_the_review_ui_records(
    curator: Curator, proposed: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CURATOR_ANNOTATOR", raising=False)
    clip = proposed[0]["id"]
    # " ann " is ann, not a second annotator whose vote ties with hers
    assert curator("label", clip, "--expression", "Sad", "--annotator", " ann ").exit_code == 0
    assert curator("label", clip, "--expression", "Fear", "--annotator", "ann").exit_code == 0
    assert _rows(curator.db_path, "SELECT DISTINCT annotator FROM annotations") == [("ann",)]
    after = {c["id"]: c for c in json.loads(curator("clips", "--json").output)}
    assert (after[clip]["status"], after[clip]["label"]) == ("confirmed", "Fear")
    # the name `curator review --annotator` remembered is the default here too
    from curator.review.config import remember_annotator

    remember_annotator("cy")
    result = curator("label", clip, "--expression", "Fear")
    assert result.exit_code == 0 and "confirmed by cy" in result.output
    too_long = curator("label", clip, "--expression", "Fear", "--annotator", "x" * 65)
    assert too_long.exit_code == 2 and "annotator name must be" in too_long.output
    blank = curator("label", clip, "--expression", "Fear", "--annotator", "  ")
    assert blank.exit_code == 2 and "Invalid value for '--annotator'" in blank.output
    # The XML export leaves control characters out: 'a\x07b' would come back as 'ab'.
    bell = curator("label", clip, "--expression", "Fear", "--annotator", "a\x07b")
    assert bell.exit_code == 2 and "without control characters" in bell.output


def test_the_same_vote_again_is_not_recorded_twice(curator: Curator, proposed: list[dict]) -> None:
    clip = proposed[0]["id"]
    args = ("label", clip, "--expression", "Sad", "--annotator", "ann")
    assert curator(*args).exit_code == 0
    again = curator(*args)
    assert again.exit_code == 0
    assert "1 clip(s) already had this vote from ann: nothing new recorded" in again.output
    assert _rows(curator.db_path, "SELECT annotator, expression FROM annotations") == [
        ("ann", "Sad")]
    # As an adjudication it is a new decision (it overrules), and is recorded.
    assert curator(*args, "--adjudicate").exit_code == 0
    assert _rows(curator.db_path, "SELECT COUNT(*) FROM annotations") == [(2,)]


def test_accept_proposed_leaves_a_clip_voted_on_meanwhile_to_its_voter(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proposed clips are listed first, without a lock; a reviewer (another process)
    votes on one of them before the bulk confirm reaches it. That vote stands, and the
    other clips are confirmed: the command is not rolled back whole by a conflict."""
    from click.testing import CliRunner

    import curator.store.label as label_store
    from curator.cli import cli
    from curator.review.controller import ReviewController
    from curator.store.db import open_database
    from curator.store.models import Clip

    db = open_database(database_url)
    try:
        _proposed_happy_clips(db, 3)
        listed = label_store.proposed_clips

        def ann_votes_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
            clips = listed(*args, **kwargs)
            if clips:  # the listing, not the count of clips left unchecked
                assert ReviewController(db, "ann").decide(clips[1].id, 1, "confirm", "Sad").ok
            return clips

        monkeypatch.setattr(label_store, "proposed_clips", ann_votes_meanwhile)
        result = CliRunner().invoke(cli, ["--db", database_url, "label", "--accept-proposed",
                                          "--unchecked", "--annotator", "lead"])
        assert result.exit_code == 0, result.output
        assert "2 clip(s) confirmed by lead" in result.output
        assert "1 clip(s) decided by someone else meanwhile" in result.output
        with db.session() as session:
            clips = session.query(Clip).order_by(Clip.start_ms).all()
            assert [(c.status, c.expression) for c in clips] == [
                ("confirmed", "Happy"), ("confirmed", "Sad"), ("confirmed", "Happy")]
            assert [a.annotator for a in clips[1].annotations] == ["ann"]
    finally:
        db.close()


def test_a_second_vote_cast_while_a_named_clip_is_read_again_does_not_undo_the_command(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clip named on the command line, voted on by ann before the command's claim, is read
    again and gets the vote on top of hers. That second read holds the clip until the
    command commits: bob voting in between waits, rather than making the second claim fail
    and rolling back every clip the command had confirmed (PostgreSQL; SQLite's writer holds
    its lock from the failed claim on)."""
    from click.testing import CliRunner

    import curator.store.annotations as annotations
    from curator.cli import cli
    from curator.review.controller import ReviewController
    from curator.store.db import open_database
    from curator.store.models import Clip

    db = open_database(database_url)
    rival = open_database(database_url, lock_timeout_s=0.5)
    try:
        _proposed_happy_clips(db, 2)
        claim = annotations.claim_clip_version
        claims: list[int] = []
        outcomes: list[bool] = []

        def others_vote_meanwhile(session, clip, expected_version):  # type: ignore[no-untyped-def]
            if session.get_bind().engine is not rival.engine:  # the command's claims
                claims.append(clip.id)
                if len(claims) <= 2:  # clip 2: before its claim, and before its retry
                    who = "ann" if len(claims) == 1 else "bob"
                    outcomes.append(ReviewController(rival, who).decide(
                        2, expected_version, "confirm", "Sad").ok)
            return claim(session, clip, expected_version)

        monkeypatch.setattr(annotations, "claim_clip_version", others_vote_meanwhile)
        result = CliRunner().invoke(cli, ["--db", database_url, "label", "2", "1",
                                          "--expression", "Happy", "--annotator", "lead"])
        assert result.exit_code == 0, result.output
        assert outcomes == [True, False]  # bob waited for the command, and was too late
        with db.session() as session:
            votes = [sorted(a.annotator for a in c.annotations if not a.retracted)
                     for c in session.query(Clip).order_by(Clip.id)]
        assert votes == [["lead"], ["ann", "lead"]]
    finally:
        rival.close()
        db.close()


def _proposed_happy_clips(db: Database, count: int) -> None:
    """A film with `count` proposed Happy clips, one a second."""
    from curator.store.models import Clip, Film

    with db.session() as session:
        film = Film(sha256="a" * 64, path="/films/x.mkv", title="X", duration_ms=60_000,
                    fps=25.0, width=640, height=360)
        session.add_all(Clip(film=film, start_ms=1000 * i, end_ms=1000 * i + 800,
                             proposed_label="Happy", score=0.5) for i in range(count))
