"""A quick run of the benchmarks on small workloads, so they cannot rot (no timing asserted)."""

from __future__ import annotations

from benchmarks import bench_anchoring, bench_store
from benchmarks.workloads import novel, scattered_edits


def test_workloads_are_deterministic():
    a, b = novel(20_000), novel(20_000, seed=7)
    assert a.text == b.text and len(a.sections) > 1
    assert scattered_edits(a.text, 10) == scattered_edits(a.text, 10)


def test_store_and_anchoring_benchmarks_run():
    for result in bench_store.run(quick=True) + bench_anchoring.run(quick=True):
        assert result.value > 0, result
