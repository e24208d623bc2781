"""Agreement figures read from the store and laid out as rich tables.

Shared by the agreement screen and `curator review --stats`, so both show the same
numbers. Imports rich and the store, never Textual.
"""

from __future__ import annotations

import math

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from curator.labels import EMOTIONS
from curator.review.agreement import AgreementReport, PairAgreement, agreement_report
from curator.store.consensus import REJECT
from curator.store.db import Database
from curator.store.review_views import current_votes

CATEGORIES: tuple[str, ...] = (*EMOTIONS, REJECT)


def load_report(database: Database, *, film_id: int | None = None) -> AgreementReport:
    """Each annotator's current vote per clip, turned into agreement figures."""
    with database.session() as session:
        ratings = current_votes(session, film_id=film_id)
    return agreement_report(ratings, CATEGORIES)


def figure(value: float, digits: int = 3) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def strength(kappa: float) -> str:
    """Landis & Koch's words for a kappa (a reading aid, not a verdict)."""
    if math.isnan(kappa):
        return ""
    if kappa < 0.0:
        return "poor"  # worse than chance; 0 itself is "slight" (0.00-0.20)
    for bound, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= bound:
            return word
    return "almost perfect"


def summary_table(report: AgreementReport, scope: str | None = None) -> Table:
    title = "Agreement" + (f" ({scope})" if scope else "")
    table = Table(title=Text(title), title_justify="left", expand=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("")
    # Names as Text, not markup: an annotator may be called "ann [/x]".
    table.add_row("annotators", str(len(report.raters)), Text(", ".join(report.raters)))
    table.add_row("clips with a vote", str(report.items), "")
    table.add_row("clips with ≥ 2 votes", str(report.shared_items), "")
    table.add_row("Fleiss' kappa", figure(report.fleiss_kappa), strength(report.fleiss_kappa))
    table.add_row("Krippendorff's alpha (nominal)", figure(report.krippendorff_alpha), "")
    return table


def pairs_table(report: AgreementReport) -> Table | Text:
    if not report.pairs:
        return Text("Pairs: needs a second annotator.")
    table = Table(title="Pairs (Cohen's kappa)", title_justify="left", expand=False)
    for column in ("annotator A", "annotator B", "shared clips", "agree", "kappa", ""):
        table.add_column(column, justify="right" if column in ("shared clips", "agree", "kappa")
                         else "left")
    for pair in report.pairs:
        table.add_row(Text(pair.a), Text(pair.b), str(pair.items), figure(pair.observed, 2),
                      figure(pair.kappa), strength(pair.kappa))
    return table


def per_class_table(report: AgreementReport) -> Table:
    table = Table(title="Per class", title_justify="left", expand=False)
    table.add_column("class")
    table.add_column("votes", justify="right")
    table.add_column("specific agreement", justify="right")
    for category in report.categories:
        table.add_row(category, str(report.votes_per_class[category]),
                      figure(report.per_class[category], 2))
    return table


def comparable_pairs(report: AgreementReport) -> list[PairAgreement]:
    """The pairs that share at least one clip: only they have a confusion to show."""
    return [pair for pair in report.pairs if pair.items]


def confusion_table(report: AgreementReport, pair_index: int) -> Table | Text:
    pairs = comparable_pairs(report)
    if not pairs:
        return Text("Confusion: needs two annotators who voted on the same clips.")
    pair = pairs[pair_index % len(pairs)]
    used = [i for i, _ in enumerate(report.categories)
            if pair.confusion[i].sum() or pair.confusion[:, i].sum()]
    table = Table(title=Text(f"Confusion: {pair.a} (rows) vs {pair.b} (columns)"),
                  title_justify="left", expand=False)
    table.add_column(Text(f"{pair.a} \\ {pair.b}"))
    for i in used:
        table.add_column(report.categories[i][:8], justify="right")
    for i in used:
        cells = []
        for j in used:
            count = int(pair.confusion[i, j])
            cells.append(Text(str(count), style="bold green" if i == j and count else
                              ("red" if count else "grey50")))
        table.add_row(Text(report.categories[i]), *cells)
    return table


def report_renderable(report: AgreementReport, pair_index: int = 0,
                      scope: str | None = None) -> RenderableType:
    """The figures and one pair's confusion (`pair_index` cycles through the pairs that
    share clips); `scope` says what the figures cover when that is not every clip."""
    if not report.items:
        return Text("No votes yet" + (f" ({scope})" if scope else "")
                    + ": agreement needs annotators' decisions.")
    return Group(summary_table(report, scope), pairs_table(report), per_class_table(report),
                 confusion_table(report, pair_index))


def full_report(report: AgreementReport) -> RenderableType:
    """Everything, with every pair's confusion (the command line has no key to cycle pairs)."""
    if not report.items:
        return report_renderable(report)
    confusions = [confusion_table(report, i)
                  for i in range(max(len(comparable_pairs(report)), 1))]
    return Group(summary_table(report), pairs_table(report), per_class_table(report),
                 *confusions)
