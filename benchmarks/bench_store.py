"""Store: load all annotations of a story, insert a batch, one add as from the widget."""

from __future__ import annotations

import tempfile
from pathlib import Path

from annotator.annotation import make_annotation
from annotator.store import Store

from .common import Result, below, median_time
from .workloads import novel_workload, one_dance_workload


def run(quick: bool = False) -> list[Result]:
    story, anns = novel_workload(words=50_000, n=2_000) if quick else novel_workload()
    n = len(anns)
    repeat = 1 if quick else 5
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))

        def fresh() -> Store:
            return Store(Path(tmp) / f"s{next(counter)}.db")

        holder: dict[str, Store] = {}
        insert = median_time(lambda: holder["s"].add_many(anns), repeat, setup=lambda: holder.update(s=fresh()))
        results.append(Result("store", f"insert {n:,} annotations in one batch", insert * 1000, "ms",
                              "< 1,000 ms" if not quick else "", below(insert, 1.0) if not quick else None))
        loaded = holder["s"]
        load = median_time(lambda: loaded.annotations(story.id), repeat)
        results.append(Result("store", f"load all {n:,} annotations of a story", load * 1000, "ms",
                              "< 150 ms" if not quick else "", below(load, 0.150) if not quick else None))
        i = iter(range(10**6))
        text = story.text

        def add_one() -> None:
            k = next(i)
            loaded.add(make_annotation(text, story.id, 100 + k, 140 + k, creator="ada", tropes=["slow-dance"]))

        single = median_time(add_one, 50 if not quick else 5)
        results.append(Result("store", "one add, as from the widget (median of 50)", single * 1000, "ms",
                              "< 5 ms", below(single, 0.005) if not quick else None,
                              f"into a store already holding {n:,}"))
        od_story, od = one_dance_workload()
        small = fresh()
        small.add_many(od)
        od_load = median_time(lambda: small.annotations(od_story.id), repeat)
        results.append(Result("store", "load One Dance's 1,000 annotations", od_load * 1000, "ms"))
    return results
