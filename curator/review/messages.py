"""Messages that workers send back to the review screens."""

from __future__ import annotations

from textual.message import Message

from curator.review.agreement import AgreementReport
from curator.review.controller import Outcome
from curator.review.preview_loader import Preview


class PreviewReady(Message):
    """A clip's keyframes were decoded (or could not be)."""

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview


class WriteDone(Message):
    """A change the annotator made has been committed, or refused."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class AgreementReady(Message):
    """Agreement figures were computed."""

    def __init__(self, report: AgreementReport) -> None:
        super().__init__()
        self.report = report
