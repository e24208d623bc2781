"""Benchmark `curator export --xml`, `--afew` and `import-xml` on a large film: size, time, memory.

    .venv/bin/python benchmarks/bench_xml.py [--clips 20000] [--repeat 1] [--keep DIR]
                                             [--no-afew]

Builds (with bulk inserts) a database of one film with `--clips` clips: each with an
evidence cue and its SDH evidence, a person (one actor per ten clips) with a face
track, and for every third clip a confirming vote and a logged change. The film is
exported with `curator export --xml` and with `curator export --afew` (its confirmed
clips, each with its one-clip XML record; the media work is stubbed there: the film is
taken to be where it was recorded, and a cut writes a few bytes, so what is measured is
the plan and the records), then imported with `curator import-xml`:

- into a fresh database (every clip added);
- again into that database (every clip already present: the merge path).

The export and each import run in a process of their own, so the peak resident memory
reported (the child's VmHWM) is that command's own: interpreter, imports and all. A
bare `curator --help` process gives the baseline they add to. Wall time and the
child's CPU time are both given: on a machine shared with other work the wall time
also counts waiting for a CPU. Prints a table and writes benchmarks/results/bench_xml.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from curator.labels import EMOTIONS
from curator.store.db import open_database
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    FaceTrack,
    Film,
    Person,
    SubtitleTrack,
    utcnow,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "bench_xml.json"
STEP_MS = 20  # clips overlap: unique (start, end), many per second


def _clip_rows(n: int, now: object) -> dict[str, dict]:
    """The rows of clip `n` (ids are n + 1), one per table."""
    i, label = n + 1, EMOTIONS[n % len(EMOTIONS)]
    start = n * STEP_MS
    voted = n % 3 == 0
    return {
        "clip": dict(id=i, uid=f"{i:032x}", film_id=1, start_ms=start, end_ms=start + 1500,
                     status="confirmed" if voted else "proposed",
                     expression=label if voted else None, proposed_label=label,
                     score=0.5 + n % 50 / 100, version=1, created_at=now, updated_at=now),
        "cue": dict(id=i, track_id=1, idx=n, start_ms=start + 200, end_ms=start + 1200,
                    text=f"[laughs] I can't believe you did that, line {n}", emotion=label,
                    score=0.8),
        "evidence": dict(id=i, cue_id=i, position=0, text="laughs", kind="sound",
                         emotion=label, weight=0.9),
        "link": dict(clip_id=i, cue_id=i, role="evidence"),
        "track": dict(id=i, clip_id=i, person_id=n // 10 + 1, start_ms=start + 100,
                      end_ms=start + 1400, detection_count=30, is_main=True),
        "subject": dict(id=i, clip_id=i, person_id=n // 10 + 1, is_main=True, gender="female",
                        pose="frontal", actor_age=30 + n % 40, character_name=f"Role {n // 10}",
                        track_id=i),
        "vote": dict(clip_id=i, annotator="alice", decision="confirm", expression=label,
                     created_at=now, retracted=False),
        "change": dict(at=now, who="alice", entity="clip", entity_id=i, clip_id=i,
                       field="status", old="proposed", new="confirmed"),
    }


def build(path: Path, clips: int) -> None:
    """A database of one film with `clips` clips, written with executemany (no ORM objects)."""
    db = open_database(f"sqlite:///{path}")
    now = utcnow().replace(microsecond=0) - timedelta(days=1)
    rows: dict[str, list[dict]] = {}
    for n in range(clips):
        for table, row in _clip_rows(n, now).items():
            if table not in ("vote", "change") or n % 3 == 0:
                rows.setdefault(table, []).append(row)
    with db.engine.begin() as conn:
        conn.execute(insert(Film), [dict(
            id=1, sha256="f" * 64, path="/films/bench.mkv", title="Bench Film",
            duration_ms=clips * STEP_MS + 10_000, fps=25.0, width=1280, height=720, rotation=0,
            variable_fps=False, subs_offset_ms=0, ingested_at=now)])
        conn.execute(insert(SubtitleTrack), [dict(
            id=1, film_id=1, sha256="e" * 64, path="/films/bench.srt", lang="en", format="srt",
            encoding="utf-8", skipped_lines=0, cue_count=clips)])
        conn.execute(insert(Person), [dict(id=p + 1, uid=f"a{p + 1:031x}", film_id=1,
                                           name=f"Actor {p + 1}", version=1)
                                      for p in range(-(-clips // 10))])
        for table, model in (("clip", Clip), ("cue", Cue), ("evidence", CueEvidence),
                             ("link", ClipCue), ("track", FaceTrack), ("subject", ClipSubject),
                             ("vote", Annotation), ("change", ChangeLog)):
            if rows.get(table):
                conn.execute(insert(model), rows[table])
    db.close()


def curator(db: Path, *args: str, stub_media: bool = False) -> dict[str, float]:
    """Run `curator --db DB ARGS` in a fresh process: its wall time and peak RSS (MiB)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = (_STUB_MEDIA if stub_media else "") + _CHILD
    done = subprocess.run([sys.executable, "-c", child, "--db", str(db), *args], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"curator {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    line = next(x for x in done.stderr.splitlines() if x.startswith("BENCH "))
    seconds, cpu_seconds, peak_kib = line.split()[1:]
    return {"time_s": float(seconds), "cpu_s": float(cpu_seconds),
            "peak_rss_mib": int(peak_kib) / 1024}


# The child reports its own peak from /proc (VmHWM, this process's memory since exec):
# `ru_maxrss` would also count the parent's pages at the fork, before exec.
_CHILD = """
import resource, sys, time
t = time.perf_counter()
from curator.cli import main
sys.argv[0] = "curator"
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
try:
    with open("/proc/self/status") as status:
        peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:"))
except OSError:  # not Linux: the rusage peak, which may count the parent's too
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("BENCH", time.perf_counter() - t, time.process_time(), peak, file=sys.stderr)
sys.exit(code)
"""


# For `export --afew`: no film file to probe and no ffmpeg run per clip.
_STUB_MEDIA = """
from pathlib import Path
import curator.media.cut, curator.store.face_check
def _cut(film, start_ms, end_ms, target, **options):
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"clip")
    return target
curator.media.cut.cut_clip = _cut
curator.store.face_check.locate_film = lambda film: (Path(film.path), None)
"""


def best(db: Path, repeat: int, *args: str, fresh: bool = False) -> dict[str, float]:
    """The fastest of `repeat` runs (and its peak); `fresh` runs each into a new database."""
    runs = []
    for n in range(repeat):
        target = db.with_name(f"{db.stem}-{n}{db.suffix}") if fresh else db
        runs.append(curator(target, *args))
    return min(runs, key=lambda r: r["time_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each import (best kept)")
    parser.add_argument("--keep", type=Path, help="build and keep the files in this folder")
    parser.add_argument("--no-afew", dest="afew", action="store_false",
                        help="leave out `export --afew`")
    args = parser.parse_args()
    out = Console()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / "source.db"
        source.unlink(missing_ok=True)
        t = time.perf_counter()
        build(source, args.clips)
        built = time.perf_counter() - t
        export = curator(source, "export", "--xml", str(work / "xml"))
        xml = next((work / "xml").glob("*.xml"))
        afew = (curator(source, "export", "--afew", str(work / "afew"), stub_media=True)
                if args.afew else None)
        target = work / "target.db"
        baseline = curator(target, "--help")
        fresh = best(target, args.repeat, "import-xml", str(xml), fresh=True)
        again = best(target.with_name(f"{target.stem}-0{target.suffix}"), args.repeat,
                     "import-xml", str(xml))
        size_mib = xml.stat().st_size / 2**20
    result = {
        "clips": args.clips, "file_mib": size_mib, "build_s": built, "export": export,
        "export_afew": afew,
        "baseline_process": baseline, "import_fresh": fresh, "import_again": again,
        "cpus": os.cpu_count(), "load_average": os.getloadavg(),
        "python": platform.python_version(), "machine": platform.machine(),
    }
    table = Table(title=f"curator export --xml, --afew and import-xml, {args.clips:,} "
                        f"clips, {size_mib:.1f} MiB file")
    for column in ("run", "time", "CPU time", "peak RSS", "peak RSS / file size"):
        table.add_column(column, justify="left" if column == "run" else "right")
    runs = [("curator --help (baseline process)", baseline), ("export --xml", export),
            ("export --afew (media stubbed)", afew), ("import-xml, fresh database", fresh),
            ("import-xml, again (all present)", again)]
    for label, run in runs:
        if run is None:
            continue
        table.add_row(label, f"{run['time_s']:.2f} s", f"{run['cpu_s']:.2f} s",
                      f"{run['peak_rss_mib']:.0f} MiB",
                      f"{run['peak_rss_mib'] / size_mib:.1f}x")
    out.print(table)
    out.print(f"{os.cpu_count()} CPUs, load average {result['load_average'][0]:.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1), encoding="utf-8")
    out.print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
