"""Edition: One Dance against a plain nbconvert HTML export, and a 500,000-word edition.

Both One Dance figures are whole commands, as a user runs them
(`jupyter nbconvert --to annotated-edition` and `--to html` of the same
notebook), alternated in one run so that the ratio sees the same machine.
The novel-length edition runs in a child process so that its peak memory
(max RSS) is its own.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Result

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03-export-edition.ipynb"

_CHILD = """
import json, os, resource, sys, time
from benchmarks.workloads import novel_workload
from annotator.store import Store
from annotator.edition import build_edition
words, n, db, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
story, anns = novel_workload(words=words, n=n)
store = Store(db)
chapters = [(c.title, c.start, c.end) for c in story.sections]
meta = {k: v for k, v in story.metadata.items() if k != "words"}
store.save_story_text(story.id, story.version, story.title, story.text, meta, chapters, source="benchmark")
store.add_many(anns)
store.close()
start = time.perf_counter()
html = build_edition(story.id, db=db)
took = time.perf_counter() - start
open(out, "w", encoding="utf-8").write(html)
print(json.dumps({"seconds": took, "bytes": len(html.encode()), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _nbconvert(to: str, out: Path, env: dict[str, str]) -> float:
    exe = Path(sys.executable).parent / "jupyter"
    start = time.perf_counter()
    subprocess.run(
        [str(exe), "nbconvert", "--to", to, str(NOTEBOOK), "--output-dir", str(out), "--output", f"x-{to}"],
        check=True, capture_output=True, env=env,
    )
    return time.perf_counter() - start


def run(quick: bool = False) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ANNOTATOR_DB": str(Path(tmp) / "bench.db")}
        repeat = 1 if quick else 5
        ours, plain = [], []
        _nbconvert("annotated-edition", Path(tmp), env)  # warm the store and the file cache
        for _ in range(repeat):
            ours.append(_nbconvert("annotated-edition", Path(tmp), env))
            plain.append(_nbconvert("html", Path(tmp), env))
        o, p = statistics.median(ours), statistics.median(plain)
        results += [
            Result("edition", "`jupyter nbconvert --to annotated-edition` (One Dance)", o, "s"),
            Result("edition", "`jupyter nbconvert --to html`, same notebook", p, "s"),
            Result("edition", "edition time / plain HTML time", o / p, "×", "≤ 1.5×", o / p <= 1.5 if not quick else None,
                   "alternated in one run"),
        ]
        words, n = (30_000, 1_000) if quick else (500_000, 20_000)
        out = Path(tmp) / "novel.html"
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(words), str(n), str(Path(tmp) / "novel.db"), str(out)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        )
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        label = f"{words:,}-word edition with {n:,} annotations"
        mb = figures["bytes"] / 2**20
        results += [
            Result("edition", f"{label}: build", figures["seconds"], "s", "< 15 s",
                   figures["seconds"] < 15 if not quick else None, "build_edition from the store"),
            Result("edition", f"{label}: file size", mb, "MB", "< 60 MB", mb < 60 if not quick else None),
            Result("edition", f"{label}: peak memory of the build", figures["rss_mb"], "MB", "",
                   None, "max RSS of the process"),
        ]
    return results
