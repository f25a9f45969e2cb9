"""Load test of the shared PostgreSQL store: a class of readers annotating one story at once.

    python -m benchmarks.bench_postgres_load                       # 30 readers, 60 s, own server
    python -m benchmarks.bench_postgres_load --readers 10 --seconds 5
    python -m benchmarks.bench_postgres_load --db postgresql://...  # an existing (empty) database

Each reader is a process with its own Store (its own connection), opened as
that reader. Without pause, each one adds an annotation (50 %), edits one of
its own (25 %) or loads a page's worth of the story's annotations (25 %).
One more Store, in this process, subscribes and hears the others' writes
through LISTEN/NOTIFY. At the end every acknowledged write is checked: each
added id is stored exactly once, each edit's last acknowledged note is the
stored one, nothing unacknowledged is stored, and every add was announced.
Without ``--db`` it starts a throwaway server with PostgreSQL's default
durability (fsync on every commit), as a real server has.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STORY = "one-dance"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def worker(url: str, reader: str, seed: int, ready: Any, go: Any, seconds: float, out: Any) -> None:
    """One reader: add, edit and read until the time is up; report what was acknowledged."""
    from annotator.annotation import make_annotation
    from annotator.library import load_story
    from annotator.store import Store

    text = load_story(STORY).text
    rng = random.Random(seed)
    lat: dict[str, list[float]] = {"add": [], "edit": [], "read": []}
    added: dict[str, float] = {}  # id -> acknowledged at (wall clock)
    notes: dict[str, str] = {}  # id -> last acknowledged note
    errors: list[str] = []
    mine: list[Any] = []
    with Store(url, user=reader) as store:
        ready.put(reader)
        go.wait()
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            roll = rng.random()
            try:
                if roll < 0.5 or not mine:
                    start = rng.randrange(0, len(text) - 200)
                    a = make_annotation(text, STORY, start, start + rng.randint(5, 150), creator=reader,
                                        tropes=[rng.choice(("matchmaker", "mask-reveal", "slow-dance"))])  # fmt: skip
                    t = time.perf_counter()
                    store.add(a)
                    lat["add"].append(time.perf_counter() - t)
                    added[a.id] = time.time()
                    mine.append(a)
                elif roll < 0.75:
                    i = rng.randrange(len(mine))
                    new = mine[i].with_changes(note=f"{reader} edit {n}")
                    t = time.perf_counter()
                    store.update(new)
                    lat["edit"].append(time.perf_counter() - t)
                    mine[i] = new
                    notes[new.id] = new.note
                else:
                    start = rng.randrange(0, len(text))
                    t = time.perf_counter()
                    store.annotations(STORY, start=start, end=start + 3000)
                    lat["read"].append(time.perf_counter() - t)
            except Exception as e:  # noqa: BLE001 - counted and reported, never hidden
                errors.append(f"{type(e).__name__}: {e}")
    out.put({"reader": reader, "lat": lat, "added": added, "notes": notes, "errors": errors})


@dataclass
class Report:
    """What a load run measured and checked."""

    readers: int
    seconds: float
    ops: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    acknowledged: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    unacknowledged_stored: int = 0
    stale_edits: int = 0
    announced: int = 0
    announced_twice: int = 0
    notify_latency: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every acknowledged write is stored exactly once, with its last edit, and was announced."""
        return not (self.errors or self.lost or self.duplicated or self.unacknowledged_stored
                    or self.stale_edits or self.announced_twice or self.announced != self.acknowledged)  # fmt: skip

    def markdown(self) -> str:
        """The figures as a Markdown table."""
        total = sum(self.ops.values())
        rows = [
            "| measure | value |",
            "| --- | --- |",
            f"| readers (processes, one connection each) | {self.readers} |",
            f"| duration | {self.seconds:.0f} s |",
            f"| operations | {total:,} ({total / self.seconds:,.0f}/s) |",
        ]
        for kind in ("add", "edit", "read"):
            values = self.latencies.get(kind, [])
            rows.append(
                f"| {kind}: count, throughput, p50 / p95 / p99 latency | {len(values):,}, "
                f"{len(values) / self.seconds:,.0f}/s, {_percentile(values, 50) * 1000:.1f} / "
                f"{_percentile(values, 95) * 1000:.1f} / {_percentile(values, 99) * 1000:.1f} ms |"
            )
        rows += [
            f"| acknowledged adds / stored | {self.acknowledged:,} / {self.stored:,} |",
            f"| lost / duplicated / stored without acknowledgement | {self.lost} / {self.duplicated} / "
            f"{self.unacknowledged_stored} |",
            f"| edits whose last acknowledged note is not the stored one | {self.stale_edits} |",
            f"| adds announced to a listening store (LISTEN/NOTIFY) | {self.announced:,} "
            f"(twice: {self.announced_twice}) |",
            f"| announcement delay after the acknowledgement, p50 / p95 / max | "
            f"{_percentile(self.notify_latency, 50) * 1000:.0f} / {_percentile(self.notify_latency, 95) * 1000:.0f}"
            f" / {max(self.notify_latency, default=0) * 1000:.0f} ms |",
            f"| errors | {len(self.errors)} |",
        ]
        return "\n".join(rows) + "\n"


def run(url: str, readers: int = 30, seconds: float = 60.0) -> Report:
    """Run the load against ``url`` (an empty annotator database or a new one) and check it."""
    from annotator.library import load_story
    from annotator.store import Store

    story = load_story(STORY)
    report = Report(readers=readers, seconds=seconds)
    heard: dict[str, float] = {}
    twice = 0
    lock = threading.Lock()
    with Store(url) as watcher:
        watcher.register_story(story.id, story.version, story.title)

        def listen(change: dict[str, Any]) -> None:
            nonlocal twice
            if change["kind"] != "add":
                return
            at = time.time()
            with lock:
                for ident in change["ids"]:
                    twice += ident in heard
                    heard.setdefault(ident, at)

        watcher.subscribe(listen)
        ctx = mp.get_context("spawn")
        ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        procs = [
            ctx.Process(
                target=worker,
                args=(url, f"reader-{i:02d}", i, ready, go, seconds, out),
                daemon=True,
            )
            for i in range(readers)
        ]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=300)
        go.set()
        results = [out.get(timeout=seconds + 300) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        acked_total = sum(len(r["added"]) for r in results)
        waited = time.monotonic() + 5.0  # the last announcements
        while time.monotonic() < waited and len(heard) < acked_total:
            time.sleep(0.05)
        rows = watcher._read("SELECT id, note FROM annotations WHERE story = ?", [STORY])
    acked: dict[str, float] = {}
    notes: dict[str, str] = {}
    for r in results:
        for kind, values in r["lat"].items():
            report.latencies.setdefault(kind, []).extend(values)
            report.ops[kind] += len(values)
        acked.update(r["added"])
        notes.update(r["notes"])
        report.errors.extend(f"{r['reader']}: {e}" for e in r["errors"])
    stored = Counter(ident for ident, _ in rows)
    note_of = dict(rows)
    report.acknowledged, report.stored = len(acked), len(rows)
    report.lost = sum(1 for i in acked if stored[i] == 0)
    report.duplicated = sum(1 for i in acked if stored[i] > 1)
    report.unacknowledged_stored = sum(1 for i in stored if i not in acked)
    report.stale_edits = sum(1 for i, note in notes.items() if note_of.get(i) != note)
    report.announced = sum(1 for i in acked if i in heard)
    report.announced_twice = twice
    report.notify_latency = [max(0.0, heard[i] - at) for i, at in acked.items() if i in heard]
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print the figures as Markdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_postgres_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--readers", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--db", help="postgresql:// URL of an empty database (default: a throwaway server)"
    )
    args = parser.parse_args(argv)
    if args.db:
        report = run(args.db, args.readers, args.seconds)
    else:
        from annotator.store.throwaway import ThrowawayServer

        with ThrowawayServer(durable=True) as server:
            report = run(server.create_database("load"), args.readers, args.seconds)
    sys.stdout.write(report.markdown())
    for e in report.errors[:10]:
        print(f"error: {e}", file=sys.stderr)
    print("checks: " + ("all passed" if report.ok else "FAILED"), file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
