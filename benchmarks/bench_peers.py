"""Peers: the Reader against jupyterannotate and spanmark, side by side in one Chromium.

The peers come from PyPI into ``.venv-bench`` only (benchmarks/requirements-peers.txt;
``./dev bench`` sets it up); the Lab server of this benchmark runs on that
venv's Python. Same story (One Dance), same 1,000 spans, same JupyterLab,
same page set-up, alternated within each run:

* **disjoint**: 1,000 non-overlapping one-word spans (every third word), one
  label (trope) each: what all three widgets can show.
* **overlapping**: the 1,000 overlapping annotations of
  ``workloads.one_dance_workload()`` (spans up to 400 characters, across
  paragraphs): the Reader and spanmark with ``allow_overlaps=True``.
  jupyterannotate has no overlap support (its renderer slices the text span
  after span and would print overlapped text twice), so it is not run there.

Render: a fresh page and kernel; a set-up cell (imports, data, and an
``ipywidgets.Label`` so that the widget manager is loaded for everyone); then
the timed cell builds and shows the widget. Timed in the page from
``notebook:run-cell`` to all 1,000 highlights in the DOM, one frame painted
and the next task run (Reader: also ``data-state="ready"``).

Add one span: Python-side for all three, sent straight to the kernel with
``kernel.requestExecute`` (no cell), timed to one more highlight in the DOM:
``reader.annotate(...)`` (saved to SQLite), ``widget.spans = [...]`` for
jupyterannotate (the whole span list re-sent, the peer's only API), and
``session.widget.spans = [...]`` for spanmark (validated and autosaved with
fsync by the session, its own path for an edit).
"""

from __future__ import annotations

import random
import re
import shutil
import statistics
import tempfile
from pathlib import Path

from annotator.annotation import make_annotation
from annotator.library import load_story
from annotator.tropes import default_vocabulary

from .bench_reader import build_store, fresh_copy
from .browser import LabBench, chromium_available, lab_python, p95, write_json
from .common import Result
from .workloads import READERS, one_dance_workload

GROUP = "peers"

SETUP = {
    "reader": "import json, ipywidgets\nfrom annotator.widget import Reader\nDB = {db!r}\n",
    "jupyterannotate": "import json, ipywidgets\nfrom jupyterannotate import AnnotateWidget\n",
    "spanmark": "import json, os, tempfile, ipywidgets\nfrom spanmark import AnnotationSession\n",
}
SETUP_TAIL = "D = json.load(open({data!r}))\ndisplay(ipywidgets.Label('widget manager warm-up'))"
RENDER = {
    "reader": 'r = Reader("one-dance", reader="ada", db=DB)\nr',
    "jupyterannotate": 'w = AnnotateWidget(docs=[D["text"]], labels=D["labels"], spans=[D["spans"]])\nw',
    "spanmark": (
        's = AnnotationSession([{{"id": "one-dance", "text": D["text"], "suggestions": D["spans"]}}], '
        'labels=D["labels"], output_path=os.path.join(tempfile.mkdtemp(), "out.jsonl"), '
        "allow_overlaps={overlaps})\ns.widget"
    ),
}
ADD = {
    "reader": "r.annotate({s}, {e}, tropes=[{label!r}])",
    "jupyterannotate": 'w.spans = [w.spans[0] + [{{"start": {s}, "end": {e}, "text": D["text"][{s}:{e}], "label": {label!r}}}]]',
    "spanmark": 's.widget.spans = s.widget.spans + [{{"start": {s}, "end": {e}, "label": {label!r}}}]',
}
COND = {"reader": "reader", "jupyterannotate": "jupyterannotate", "spanmark": "spanmark"}


def span_sets() -> dict:
    """The two span sets, plus spans to add, on One Dance."""
    story = load_story("one-dance")
    text = story.text
    rng = random.Random(5)
    labels = [t.id for t in default_vocabulary()]
    words = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+(?:'[a-z]+)?", text)]
    step = len(words) // 1000
    disjoint = [{"start": s, "end": e, "label": rng.choice(labels)} for s, e in words[::step][:1000]]
    taken = {(d["start"], d["end"]) for d in disjoint}
    free = [w for w in words if w not in taken]
    add_disjoint = [{"start": s, "end": e, "label": rng.choice(labels)} for s, e in free[:: max(1, len(free) // 200)]]
    _, anns = one_dance_workload()
    overlapping = [{"start": a.start, "end": a.end, "label": a.tropes[0]} for a in anns]
    add_overlapping = []
    for _ in range(200):
        s = rng.randrange(0, len(text) - 200)
        e = s + rng.randint(5, 120)
        while not text[s:e].strip():
            e += 1
        add_overlapping.append({"start": s, "end": e, "label": rng.choice(labels)})
    return {"story": story, "text": text, "labels": labels, "disjoint": disjoint, "overlapping": overlapping,
            "add": {"disjoint": add_disjoint, "overlapping": add_overlapping}}  # fmt: skip


def reader_annotations(story, spans: list[dict]) -> list:
    return [
        make_annotation(story.text, story.id, sp["start"], sp["end"], creator=READERS[i % 3], tropes=[sp["label"]],
                        story_version=story.version, id=f"urn:uuid:00000000-0000-4000-9000-{i:012d}")
        for i, sp in enumerate(spans)
    ]  # fmt: skip


def peers_installed() -> dict[str, str | None]:
    """tool -> None when importable by the Lab's Python, else the error text."""
    import subprocess

    out: dict[str, str | None] = {}
    for mod in ("jupyterannotate", "spanmark"):
        proc = subprocess.run([lab_python(), "-c", f"import {mod}"], capture_output=True, text=True)
        out[mod] = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]
    return out


def run(quick: bool = False) -> list[Result]:
    why = chromium_available()
    if why:
        print(f"[peers] skipped: {why}")
        return []
    missing = peers_installed()
    repeat = 1 if quick else 5
    adds_per_run = 2 if quick else 5
    data = span_sets()
    story = data["story"]
    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    results: list[Result] = []
    configs = [("reader", "disjoint"), ("jupyterannotate", "disjoint"), ("spanmark", "disjoint"),
               ("reader", "overlapping"), ("spanmark", "overlapping")]  # fmt: skip
    configs = [c for c in configs if c[0] == "reader" or missing.get(c[0]) is None]
    render: dict[tuple[str, str], list[float]] = {c: [] for c in configs}
    add: dict[tuple[str, str], list[float]] = {c: [] for c in configs}
    failures: dict[tuple[str, str], str] = {}
    apply_ms: list[float] = []
    floor: list[float] = []
    files: dict[str, str] = {}
    try:
        dbs = {}
        for kind in ("disjoint", "overlapping"):
            dbs[kind] = tmp / f"{kind}.db"
            build_store(dbs[kind], story, reader_annotations(story, data[kind]), save_text=False)
            files[kind] = str(write_json({"text": data["text"], "labels": data["labels"], "spans": data[kind]},
                                         f"{kind}.json"))  # fmt: skip
        add_cursor = {c: 0 for c in configs}
        with LabBench() as bench:
            for run_i in range(repeat):
                order = configs[run_i % len(configs):] + configs[: run_i % len(configs)]
                for tool, kind in order:
                    if (tool, kind) in failures:
                        continue
                    overlaps = kind == "overlapping"
                    arg = {"expect": len(data[kind]), "overlaps": overlaps}
                    setup = SETUP[tool].format(db=str(fresh_copy(dbs[kind], tmp, kind)))
                    setup += SETUP_TAIL.format(data=files[kind])
                    try:
                        bench.open(setup, RENDER[tool].format(overlaps=overlaps), name=f"{tool}-{kind}")
                        bench.run_untimed(0)
                        res = bench.run_cell(1, COND[tool], arg, timeout=240)
                        render[(tool, kind)].append(res["idle"])
                        slow = bool(add[(tool, kind)]) and statistics.median(add[(tool, kind)]) > 1500
                        for _ in range(1 if slow else adds_per_run):
                            sp = data["add"][kind][add_cursor[(tool, kind)]]
                            add_cursor[(tool, kind)] += 1
                            code = ADD[tool].format(s=sp["start"], e=sp["end"], label=sp["label"])
                            ms = bench.timed_exec(code, COND[tool], arg, timeout=120)
                            add[(tool, kind)].append(ms)
                            if tool == "reader":  # the page's own time applying the upsert
                                apply_ms.append(float(bench.page.evaluate(
                                    "() => [...document.querySelectorAll('.ann-root')].pop().dataset.lastApplyMs || 'nan'")))
                            floor.append(bench.round_trip())
                            if ms > 1500:  # seconds per add: one sample a run is enough
                                break
                    except Exception as e:  # a peer that fails on Lab 4 is reported, not fatal
                        failures[(tool, kind)] = f"{type(e).__name__}: {str(e)[:300]}"
                        print(f"[peers] {tool} ({kind}) failed: {failures[(tool, kind)]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for f in files.values():
            shutil.rmtree(Path(f).parent, ignore_errors=True)

    def med(d, c):
        return statistics.median(d[c]) if d.get(c) else float("nan")

    names = {"reader": "Reader", "jupyterannotate": "jupyterannotate 0.1.3", "spanmark": "spanmark 0.1.1"}
    for kind in ("disjoint", "overlapping"):
        base_r, base_a = med(render, ("reader", kind)), med(add, ("reader", kind))
        for tool in ("reader", "jupyterannotate", "spanmark"):
            c = (tool, kind)
            label = f"{names[tool]}, {kind} spans"
            if tool != "reader" and missing.get(tool):
                results.append(Result(GROUP, f"{label}: not measured", 0, "", "", None, f"import failed: {missing[tool]}"))
                continue
            if c not in render:
                continue
            if not render[c]:
                results.append(Result(GROUP, f"{label}: not measured", 0, "", "", None, failures.get(c, "")))
                continue
            r, a = med(render, c), med(add, c)
            results.append(Result(GROUP, f"{label}: render after the cell runs", r, "ms", "", None,
                                  f"median of {len(render[c])}; " + ", ".join(f"{x:.0f}" for x in render[c])))
            results.append(Result(GROUP, f"{label}: add one span (Python) → in the DOM", a, "ms", "", None,
                                  f"median of {len(add[c])}, p95 {p95(add[c]):.0f} ms"))
            if tool != "reader":
                rr, ra = r / base_r, a / base_a
                results.append(Result(GROUP, f"{label} / Reader: render", rr, "×", "> 1×", rr > 1 if not quick else None,
                                      "same run, alternated"))
                results.append(Result(GROUP, f"{label} / Reader: add one span", ra, "×", "> 1×",
                                      ra > 1 if not quick else None, "same run, alternated"))
    if floor:
        results.append(Result(GROUP, "floor: a no-op `pass` sent to the kernel → its reply", statistics.median(floor),
                              "ms", "", None, f"median of {len(floor)}, measured between the adds; every "
                              "Python-side add pays at least this"))  # fmt: skip
    if apply_ms:
        results.append(Result(GROUP, "Reader: applying one upsert in the page", statistics.median(apply_ms), "ms", "",
                              None, f"median of {len(apply_ms)} (data-last-apply-ms)"))  # fmt: skip
    if "jupyterannotate" not in missing or missing.get("jupyterannotate") is None:
        results.append(Result(GROUP, "jupyterannotate 0.1.3, overlapping spans: not supported", 0, "", "", None,
                              "no overlap model: its renderer prints overlapped text twice"))
    return results


if __name__ == "__main__":
    import sys

    for r in run(quick="--quick" in sys.argv):
        print(r.row())
