"""Fixtures of the reliability suite: the figures recorder and helpers.

Every test here measures something (a count, a share, a time) and records it
with ``figures.record(key, ...)``. At the end of the session the figures are
merged into ``build/reliability/figures.json``, from which
``tests/reliability/report.py`` renders the table in RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIGURES_FILE = ROOT / "build" / "reliability" / "figures.json"


class Figures:
    """What the tests measured, by key (``crash``, ``concurrency``, ...)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def record(self, key: str, **values: Any) -> dict[str, Any]:
        entry = self.items.setdefault(key, {})
        entry.update(values)
        entry["measured"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return entry


def _machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(terse=True),
        "commit": commit,
    }


@pytest.fixture(scope="session")
def figures():
    rec = Figures()
    t0 = time.monotonic()
    yield rec
    if not rec.items:
        return
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(FIGURES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data.setdefault("figures", {}).update(rec.items)
    data["machine"] = _machine()
    data["last_session_seconds"] = round(time.monotonic() - t0, 1)
    tmp = FIGURES_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(FIGURES_FILE)


# -- editions and a browser, for the injection and valid-output tests -----------------
@pytest.fixture(scope="session")
def editions(tmp_path_factory):
    """The shipped edition of One Dance and an edition made of XSS payloads.

    Returns ``{"shipped": Path, "hostile": Path, "stories": Path, "vocab": Path,
    "db": Path}``. The hostile one is built by ``build_edition`` from a story
    whose text and metadata, a user vocabulary whose labels and definitions,
    and annotations whose notes, ids and reader names are payloads.
    """
    from annotator.edition import build_edition
    from annotator.library import open_store
    from annotator.store import Store

    from . import payloads

    base = tmp_path_factory.mktemp("editions")
    shipped_db = base / "shipped.db"
    open_store(shipped_db).close()
    shipped = base / "one-dance.html"
    shipped.write_text(build_edition("one-dance", db=shipped_db), encoding="utf-8")

    stories = payloads.hostile_story(base / "stories")
    vocab = payloads.hostile_vocabulary(base / "vocab.json")
    db = base / "hostile.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("ANNOTATOR_STORIES", str(stories))
    try:
        from annotator.library import load_story

        story = load_story(payloads.STORY_ID)
        with Store(db) as store:
            store.register_story(story.id, story.version, story.title)
            store.add_many(payloads.hostile_annotations(story.text))
        hostile = base / "xss.html"
        hostile.write_text(build_edition(payloads.STORY_ID, db=db, vocab=vocab), encoding="utf-8")
    finally:
        mp.undo()
    return {"shipped": shipped, "hostile": hostile, "stories": stories, "vocab": vocab, "db": db}


class BrowserThread:
    """Chromium driven from a thread of its own.

    Playwright's sync API refuses to start while another sync Playwright is
    running in the same thread, and tests/browser keeps one open for the
    whole session. So this suite's Chromium lives in its own thread, and
    tests hand it work: ``chromium.run(fn, *args)`` calls ``fn(browser, *args)``
    there and returns its result (or raises its exception).
    """

    def __init__(self, executable: str, args: list[str]) -> None:
        import queue
        import threading

        self._jobs: queue.Queue = queue.Queue()
        started: queue.Queue = queue.Queue()

        def main() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(
                        executable_path=executable, headless=True, args=args
                    )
                    started.put(None)
                    while True:
                        job = self._jobs.get()
                        if job is None:
                            break
                        fn, fargs, result = job
                        try:
                            result.put((True, fn(browser, *fargs)))
                        except BaseException as e:  # noqa: BLE001 - handed back to the test
                            result.put((False, e))
                    browser.close()
            except BaseException as e:  # noqa: BLE001
                started.put(e)

        self._thread = threading.Thread(target=main, name="reliability-chromium", daemon=True)
        self._thread.start()
        error = started.get(timeout=120)
        if error is not None:
            raise error

    def run(self, fn: Any, *args: Any, timeout: float = 540) -> Any:
        import queue

        result: queue.Queue = queue.Queue()
        self._jobs.put((fn, args, result))
        ok, value = result.get(timeout=timeout)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(60)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright, in its own thread (skipped without it, failed under CI)."""
    from browser import harness

    if not os.access(harness.CHROMIUM, os.X_OK):
        reason = f"{harness.CHROMIUM} is missing (./dev test installs Debian's chromium)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    runner = BrowserThread(harness.CHROMIUM, harness.CHROMIUM_ARGS)
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture(scope="session")
def rlab(chromium):
    """A JupyterLab of the reliability suite's own (see tests/browser/harness.py)."""
    from browser import harness

    server = harness.start_lab()
    try:
        yield server
    finally:
        harness.stop_lab(server)
