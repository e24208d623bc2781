"""What a change of a film's subtitles did to its clips, as `ingest` and `import-xml` say it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curator.store.replacing import Settled, Touched


def listed_touched(touched: list[Touched], most: int = 20) -> str:
    """`clip 3 (voted on), clip 7 (boundaries moved)`, the first `most` of them."""
    shown = ", ".join(f"clip {t.clip_id} ({t.why})" for t in touched[:most])
    more = f" and {len(touched) - most} more" if len(touched) > most else ""
    return f"{len(touched)} clip(s) — {shown}{more} —"


def replacement_report(film_id: int, settled: Settled) -> tuple[list[str], list[str]]:
    """(lines, warnings) on the clips of tracks replaced: the untouched ones withdrawn or
    trimmed, the ones people touched kept and listed for a look."""
    lines, warnings = [], []
    if settled.withdrawn or settled.trimmed:
        lines.append(f"  {settled.withdrawn} untouched clip(s) only the replaced tracks "
                     f"proposed withdrawn, {settled.trimmed} lost their cues; "
                     "`curator propose` proposes from the tracks in use")
    if settled.touched:
        warnings.append(
            f"film {film_id}: {listed_touched(settled.touched)} cite the replaced tracks and have "
            "been decided on or edited: they keep their times and cues; look at them "
            f"(`curator review --film {film_id} --queue all`)")
    return lines, warnings
