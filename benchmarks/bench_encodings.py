"""How often legacy code-page subtitle files are read in the wrong encoding.

    .venv/bin/python benchmarks/bench_encodings.py

Generates SRT files from `encoding_corpus.py`: each language's lines in each of its usual
code pages (Windows, ISO, DOS, Mac), 1, 2, 3, 5, 12 and 40 cues, the short ones from four
starting lines; and 1 to 10 cues of the short French and English sets from ten starting
lines in cp1252, ISO-8859-15, cp850 and Mac Roman. Each file is decoded with
`decode_bytes` without a language hint and with its language as the hint (what `--lang`
or `film.fr.srt` gives). A file counts as misread unless the decoded text is exactly the
text written (Romanian `ş ţ` and `ș ț` count as the same letters). Files whose bytes are
all ASCII are left out: they read the same in every code page.

Prints a table per language and writes benchmarks/results/bench_encodings.json.
"""

from __future__ import annotations

import json
import platform
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# The corpus module lies beside this script, which Python puts first on the path.
from encoding_corpus import CODE_PAGES, SHORT_CODE_PAGES, SHORT_TEXTS, TEXTS
from rich.console import Console
from rich.table import Table

from curator.fsutil import write_atomic
from curator.subtitles.encoding import BinaryDataError, decode_bytes

RESULTS = Path(__file__).resolve().parent / "results" / "bench_encodings.json"
SAME_LETTERS = str.maketrans("şţŞŢ", "șțȘȚ")  # Romanian cedilla and comma below


def srt(lines: list[str], cues: int) -> str:
    def stamp(ms: int) -> str:
        hours, minutes, seconds = ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60
        return f"{hours:02d}:{minutes:02d}:{seconds:02d},{ms % 1000:03d}"

    return "\n".join(f"{i + 1}\n{stamp(1000 + 3000 * i)} --> {stamp(3000 + 3000 * i)}\n"
                     f"{lines[i % len(lines)]}\n" for i in range(cues))


def encodable(line: str, code_page: str) -> str | None:
    """The line as the code page can hold it (composed, else decomposed), or None."""
    for form in ("NFC", "NFD"):
        text = unicodedata.normalize(form, line)
        try:
            text.encode(code_page)
        except UnicodeEncodeError:
            continue
        return text
    return None


def files(texts: dict[str, list[str]], pages: dict[str, list[str]], sizes: tuple[int, ...],
          starts: tuple[int, ...]) -> Iterator[tuple[str, str, str]]:
    """(language, code page, text) of every generated file."""
    for language, lines in texts.items():
        for page in pages[language]:
            held = [t for t in (encodable(line, page) for line in lines) if t is not None]
            if len(held) < 6:
                continue
            for cues in sizes:
                for start in starts if cues < 12 else (0,):
                    turn = start % len(held)
                    yield language, page, srt(held[turn:] + held[:turn], cues)


def misread(text: str, data: bytes, hint: str | None) -> bool:
    try:
        decoded = decode_bytes(data, lang=hint).text
    except BinaryDataError:  # taken for binary data: not read at all
        return True
    return decoded.translate(SAME_LETTERS) != text.translate(SAME_LETTERS)


def measure(cases: Iterator[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    """Per language: files, misread without a hint, misread with the language as hint."""
    counts: dict[str, Counter] = {}
    for language, page, text in cases:
        data = text.encode(page)
        if data.isascii():
            continue
        row = counts.setdefault(language, Counter())
        row["files"] += 1
        row["misread"] += misread(text, data, None)
        row["misread_hinted"] += misread(text, data, language.split("_")[0])
    return {language: dict(row) for language, row in counts.items()}


def table(title: str, rows: dict[str, dict[str, int]]) -> Table:
    out = Table(title=title)
    for column in ("language", "files", "misread", "misread with hint"):
        out.add_column(column, justify="left" if column == "language" else "right")
    for language, row in rows.items():
        out.add_row(language, str(row["files"]), str(row["misread"]), str(row["misread_hinted"]))
    total = {key: sum(row[key] for row in rows.values())
             for key in ("files", "misread", "misread_hinted")}
    out.add_section()
    out.add_row("all", *(str(total[key]) for key in ("files", "misread", "misread_hinted")))
    return out


def main() -> None:
    started = time.perf_counter()
    corpus = measure(files(TEXTS, CODE_PAGES, (1, 2, 3, 5, 12, 40), (0, 3, 6, 9)))
    short = measure(files(SHORT_TEXTS, dict.fromkeys(SHORT_TEXTS, SHORT_CODE_PAGES),
                          tuple(range(1, 11)), tuple(range(10))))
    seconds = time.perf_counter() - started
    console = Console()
    console.print(table("21 languages, their usual code pages", corpus))
    console.print(table("a few cues: French, and English with accented words", short))
    console.print(f"{seconds:.1f} s for every file decoded twice")
    RESULTS.parent.mkdir(exist_ok=True)
    write_atomic(RESULTS, json.dumps({
        "python": platform.python_version(), "machine": platform.machine(),
        "seconds": round(seconds, 2), "corpus": corpus, "short": short,
    }, indent=2).encode())
    console.print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
