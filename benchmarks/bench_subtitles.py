"""Benchmark the whole text path against bare pysubs2.

    .venv/bin/python benchmarks/bench_subtitles.py [--repeats N] [--data DIR]

For every file of the shared corpus that curator loads, for a generated 2-hour SRT
(1,800 cues, about 10% SDH), and for a generated SRT whose one cue is a 1 MB description
line (analysis must stay linear in a cue's length), it times

- ours: `load_subtitles` + `analyze` + `propose_windows` (lexicons loaded once, before);
- bare: `pysubs2.load` of the same file, given the encoding curator detected (and
  23.976 fps for MicroDVD files without one), so pysubs2 does no detection work;

best of N repeats each, in the same run. The target is ours <= 2x bare. Prints a
table and writes benchmarks/results/bench_subtitles.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pysubs2
from rich.console import Console
from rich.table import Table

from curator import settings
from curator.errors import SubtitleError
from curator.proposals.windows import propose_windows
from curator.subtitles.emotion import analyze
from curator.subtitles.lexicon import Lexicon, load_lexicon
from curator.subtitles.loading import load_subtitles

RESULTS = Path(__file__).resolve().parent / "results" / "bench_subtitles.json"
TARGET = 2.0

_WORDS = [
    "the", "a", "you", "I", "we", "they", "it", "what", "where", "when", "why", "how", "that",
    "this", "there", "here", "not", "now", "never", "always", "know", "think", "want", "need",
    "go", "come", "take", "give", "make", "tell", "see", "look", "find", "leave", "stay", "wait",
    "listen", "house", "night", "road", "father", "mother", "brother", "sister", "money", "time",
    "way", "door", "car", "city", "war", "king", "men", "good", "bad", "right", "wrong", "little",
    "old", "new", "long", "last", "first", "other", "same", "every", "just", "only", "really",
]  # fmt: skip
_SDH = [
    "[laughs]", "(sobbing)", "[DOOR SLAMS]", "(sighs)", "[ screaming ]", "<i>(crying)</i>",
    "(chuckles)", "[gasps]", "(groans)", "[PHONE RINGING]", "♪ tense music ♪", "SHE SOBS",
    "CHEERING", "(JOHN, angrily)", "[stops laughing]", "(whispers)", "[audience laughing]",
]  # fmt: skip
_NAMES = ["JOHN", "MARY", "MAN", "WOMAN 2", "NARRATOR", "Cersei", "Tom"]


def generate_srt(path: Path, cues: int = 1800, seconds: int = 7200, seed: int = 1) -> None:
    """A 2-hour SDH subtitle file: dialogue, speaker labels, sounds, music, caps lines."""
    rng = random.Random(seed)
    step = seconds * 1000 // cues
    blocks = []
    for i in range(cues):
        start = i * step + rng.randrange(0, step // 4)
        end = start + rng.randrange(800, step - step // 4)
        lines = []
        for _ in range(rng.choice((1, 2, 2))):
            words = rng.sample(_WORDS, rng.randrange(3, 8))
            lines.append(" ".join(words).capitalize() + rng.choice((".", "?", "!", ",", "...")))
        roll = rng.random()
        if roll < 0.10:
            lines[0] = rng.choice(_SDH)
        elif roll < 0.16:
            lines[0] = f"{rng.choice(_NAMES)}: {lines[0]}"
        elif roll < 0.20:
            lines = [f"<i>{line}</i>" for line in lines]
        stamp = f"{_ts(start)} --> {_ts(end)}"
        blocks.append(f"{i + 1}\n{stamp}\n" + "\n".join(lines) + "\n")
    path.write_text("\n".join(blocks), encoding="utf-8")


def generate_long_line_srt(path: Path, repeats: int = 30_000) -> None:
    """One cue holding a ~1 MB bracketed description full of sounds, negators and manners."""
    text = "[" + "she cries and not laughing angrily, " * repeats + "]"
    path.write_text(f"1\n00:00:01,000 --> 00:00:05,000\n{text}\n", encoding="utf-8")


def _ts(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def measure(path: Path, lexicon: Lexicon, repeats: int) -> dict[str, object] | None:
    try:
        doc = load_subtitles(path)
    except SubtitleError:
        return None
    analyzed = analyze(doc.cues, lexicon)
    stages = {
        "load_ms": best_of(repeats, lambda: load_subtitles(path)),
        "analyze_ms": best_of(repeats, lambda: analyze(doc.cues, lexicon)),
        "propose_ms": best_of(repeats, lambda: propose_windows(analyzed, film_duration_ms=None)),
    }

    def ours() -> None:
        d = load_subtitles(path)
        propose_windows(analyze(d.cues, lexicon), film_duration_ms=None)

    fps = 23.976 if doc.format == "microdvd" and any("fps" in w for w in doc.warnings) else None

    def bare() -> None:
        pysubs2.load(str(path), encoding=doc.encoding, fps=fps, errors="replace")

    ours_ms = best_of(repeats, ours)
    try:
        bare_ms: float | None = best_of(repeats, bare)
    except Exception:  # pysubs2 cannot read some files curator reads
        bare_ms = None
    return {
        "file": path.name,
        "format": doc.format,
        "encoding": doc.encoding,
        "cues": len(doc.cues),
        "ours_ms": round(ours_ms, 3),
        **{k: round(v, 3) for k, v in stages.items()},
        "pysubs2_ms": None if bare_ms is None else round(bare_ms, 3),
        "ratio": None if not bare_ms else round(ours_ms / bare_ms, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--data", type=Path, default=settings.shared_data_dir() / "subtitles")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    lexicons = {"en": load_lexicon("en"), "es": load_lexicon("es")}
    lexicon_ms = (time.perf_counter() - started) * 1000

    corpus = []
    skipped = []
    files = sorted(p for p in args.data.iterdir() if p.is_file()) if args.data.is_dir() else []
    if not files:  # the generated files alone would read as a whole run
        print(f"warning: no subtitle corpus in {args.data} (set CURATOR_SHARED_DATA or --data): "
              "only the generated files are measured", file=sys.stderr)
    for path in files:
        lang = "es" if "chicas_del_cable" in path.name else "en"
        row = measure(path, lexicons[lang], args.repeats)
        (corpus.append(row) if row else skipped.append(path.name))

    with tempfile.TemporaryDirectory() as tmp:
        two_hours = Path(tmp) / "generated_2h.srt"
        generate_srt(two_hours)
        generated = measure(two_hours, lexicons["en"], args.repeats)
        long_line = Path(tmp) / "generated_long_line.srt"
        generate_long_line_srt(long_line)
        one_long_cue = measure(long_line, lexicons["en"], max(1, args.repeats // 3))
    assert generated is not None and one_long_cue is not None

    both = [r for r in corpus if r["pysubs2_ms"] is not None]
    total = {
        "files": len(both),
        "cues": sum(int(r["cues"]) for r in both),  # type: ignore[call-overload]
        "ours_ms": round(sum(float(r["ours_ms"]) for r in both), 3),  # type: ignore[arg-type]
        "pysubs2_ms": round(sum(float(r["pysubs2_ms"]) for r in both), 3),  # type: ignore[arg-type]
    }
    bare_total = total["pysubs2_ms"]
    total["ratio"] = round(total["ours_ms"] / bare_total, 3) if bare_total else None

    report = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "pysubs2": pysubs2.__version__,
        "repeats": args.repeats,
        "corpus_dir": str(args.data),
        "target_ratio": TARGET,
        "lexicon_load_ms": round(lexicon_ms, 3),
        "corpus_total": total,
        "generated_2h": generated,
        "generated_long_line": one_long_cue,
        "files": corpus,
        "not_loadable": skipped,
        "pysubs2_failed": [r["file"] for r in corpus if r["pysubs2_ms"] is None],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    _print(report)
    return 0


def _print(report: dict) -> None:  # type: ignore[type-arg]
    table = Table(title=f"text path vs bare pysubs2 (best of {report['repeats']}, ms)")
    for column in ("file", "format", "cues", "ours", "load", "analyze", "propose", "pysubs2", "x"):
        left = column in ("file", "format")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)

    def row(r: dict, name: str | None = None) -> list[str]:  # type: ignore[type-arg]
        def ms(key: str) -> str:
            return "-" if r.get(key) is None else f"{r[key]:.2f}"

        ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}"
        return [
            name or r["file"][:44], r.get("format", ""), str(r["cues"]), ms("ours_ms"),
            ms("load_ms"), ms("analyze_ms"), ms("propose_ms"), ms("pysubs2_ms"), ratio,
        ]  # fmt: skip

    for r in report["files"]:
        table.add_row(*row(r))
    table.add_section()
    table.add_row(*row(report["corpus_total"], f"corpus total ({report['corpus_total']['files']})"))
    table.add_row(*row(report["generated_2h"], "generated 2-hour SRT"))
    table.add_row(*row(report["generated_long_line"], "generated 1 MB one-line cue"))
    console = Console(width=None if sys.stdout.isatty() else 150)
    console.print(table)
    console.print(f"lexicons loaded once in {report['lexicon_load_ms']:.1f} ms (not in the rows); "
                  f"not loadable: {', '.join(report['not_loadable']) or 'none'}; "
                  f"pysubs2 failed: {', '.join(report['pysubs2_failed']) or 'none'}")  # fmt: skip
    console.print(f"target: ours <= {TARGET}x pysubs2; written {RESULTS}")


if __name__ == "__main__":
    raise SystemExit(main())
