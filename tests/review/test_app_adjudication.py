"""Pilot test: `curator review --adjudicate` settles a disputed clip, and says who did."""

from __future__ import annotations

from sqlalchemy import select

from curator.review.agreement_screen import AgreementScreen
from curator.review.main_screen import ReviewScreen
from curator.store.annotations import record_decision
from curator.store.models import Annotation, ChangeLog, Clip

from .conftest import SIZE, Sample, clip_row, make_app, text_of
from .test_app_labelling import settle


def _vote(sample: Sample, clip_id: int, annotator: str, expression: str) -> None:
    with sample.db.session() as session:
        clip = session.get(Clip, clip_id)
        record_decision(session, clip, annotator=annotator, decision="confirm",
                        expression=expression)


async def test_adjudicating_session_overrules_a_majority_and_shows_the_adjudicator(
    sample: Sample,
) -> None:
    clip = sample.clip_ids[0]
    for annotator, expression in (("ann", "Happy"), ("bob", "Happy"), ("cy", "Sad")):
        _vote(sample, clip, annotator, expression)
    assert (clip_row(sample.db, clip).status, clip_row(sample.db, clip).expression) == (
        "confirmed", "Happy")  # 2–1: a plain vote from a reviewer would only make 2–2
    app = make_app(sample.db, annotator="judge", queue="disputed", adjudicate=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "ADJUDICATING as judge" in text_of(screen.query_one("#topbar"))
        assert screen.view.id == clip and screen.view.verdict.disputed
        assert "decided by adjudicator" not in text_of(screen.query_one("#detail"))
        await pilot.press("6", "enter")
        await settle(app, pilot)
        assert "by adjudication" in screen.last_message
        row = clip_row(sample.db, clip)
        assert (row.status, row.expression) == ("confirmed", "Sad")
        await pilot.press("p")  # still disputed (the annotators disagree): back to it
        view = screen.view
        assert view.id == clip and view.verdict.adjudicated_by == "judge"
        assert view.verdict.soft_label == {"Happy": 0.5, "Sad": 0.5}  # judge counts once
        detail = text_of(screen.query_one("#detail"))
        assert "decided by adjudicator judge" in detail
        assert "judge (you): Sad (adjudication)" in detail  # your vote, marked so
        await pilot.press("k")  # agreement counts the adjudication as judge's vote
        assert isinstance(app.screen, AgreementScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "judge" in app.screen.report.raters
        await pilot.press("escape")
        await pilot.press("u")  # undo: the majority decides again
        await settle(app, pilot)
        row = clip_row(sample.db, clip)
        assert (row.status, row.expression) == ("confirmed", "Happy")
        assert "decided by adjudicator" not in text_of(screen.query_one("#detail"))
    with sample.db.session() as session:
        (judged,) = session.scalars(select(Annotation).where(Annotation.annotator == "judge"))
        assert judged.adjudication and judged.retracted
        log = session.execute(
            select(ChangeLog.who, ChangeLog.field, ChangeLog.old, ChangeLog.new)
            .where(ChangeLog.clip_id == clip, ChangeLog.who == "judge").order_by(ChangeLog.id)
        ).all()
    assert [tuple(r) for r in log] == [("judge", "expression", "Happy", "Sad"),
                                       ("judge", "expression", "Sad", "Happy")]

