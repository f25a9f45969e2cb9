"""The reader benchmark in quick mode, so that its browser driver cannot rot.

Real JupyterLab + Chromium, a 30,000-word story; no timing is asserted, only
that every figure was measured.
"""

from __future__ import annotations

import os
import sys
import threading

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def test_reader_benchmark_quick(monkeypatch):
    from benchmarks import bench_reader
    from benchmarks.browser import chromium_available

    why = chromium_available()
    if why:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser benchmark cannot run under CI: {why}", pytrace=False)
        pytest.skip(why)
    monkeypatch.setenv("BENCH_PYTHON", sys.executable)  # the code under test, not .venv-bench's
    # Playwright's sync API refuses to start in a thread that already runs
    # an event loop, which the browser tests' session-wide Playwright leaves
    # in the main thread: measure in a thread of its own.
    box: dict[str, object] = {}

    def measure() -> None:
        try:
            box["results"] = bench_reader.run(quick=True)
        except BaseException as e:  # re-raised below, in the test's thread
            box["error"] = e

    worker = threading.Thread(target=measure, name="bench-reader")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    results = box["results"]
    names = [r.name for r in results]
    assert any("One Dance, 1,000 annotations" in n for n in names), names
    assert any("first paint" in n for n in names), names
    assert any("select → save → highlight" in n for n in names), names
    assert any("kernel RSS" in n for n in names), names
    for r in results:
        assert r.group == "reader" and r.value >= 0, r
    assert next(r for r in results if "kernel RSS" in r.name).value > 10
