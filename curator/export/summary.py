"""The summary of an image export: counts per split and class, one plot per split."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from curator.export.splits import SPLITS
from curator.export.state import write_if_changed
from curator.labels import EMOTIONS


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Images, clips, films and people per split; images per split and class."""
    result: dict[str, Any] = {"images": len(rows), "splits": {}}
    for split in SPLITS:
        mine = [r for r in rows if r["split"] == split]
        result["splits"][split] = {
            "images": len(mine),
            "clips": len({r["clip"] for r in mine}),
            "films": len({r["film"] for r in mine}),
            "people": sorted({r["person"] for r in mine if r["person"] != ""}),
            "by_label": {label: sum(1 for r in mine if r["label"] == label) for label in EMOTIONS},
        }
    return result


def write_summary(
    folder: Path, rows: Sequence[Mapping[str, Any]], settings: Mapping[str, Any] | None
) -> dict[str, Any]:
    """`summary.json` and `class_distribution_<Split>.png` for each split."""
    from curator.plots import class_distribution_png

    summary = summarize(rows)
    summary["settings"] = dict(settings or {})
    path = folder / "summary.json"
    content = json.dumps(summary, indent=1, sort_keys=True).encode("utf-8")
    plots = [folder / f"class_distribution_{split}.png" for split in SPLITS]
    if path.is_file() and path.read_bytes() == content and all(p.is_file() for p in plots):
        return summary
    # The plots first, the summary last: an export stopped between them leaves the old
    # summary, so the next run sees a change and draws the plots again.
    for split in SPLITS:
        counts = summary["splits"][split]["by_label"]
        class_distribution_png(
            {split: counts}, folder / f"class_distribution_{split}.png",
            title=f"{split}: {summary['splits'][split]['images']} images per expression",
        )
    write_if_changed(path, content)
    return summary
