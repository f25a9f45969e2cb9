"""Crashes: SIGKILL a writer at random moments; nothing it committed is lost.

A child process annotates (and sometimes edits) One Dance through
``open_store`` and ``Reading``, exactly as the Reader widget does, printing
each id only after its transaction committed. The parent kills it with
SIGKILL after a random delay, then checks that the database passes
``PRAGMA integrity_check``, opens, and holds every id the child printed.
The trial count and every delay come from a seeded RNG; where each kill
lands (start-up, first open, mid-transaction, between writes) varies.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from pathlib import Path

from annotator.library import EDITOR, open_store, shipped_readings
from annotator.store import Store

from ._util import child

SEED = 20261127
TRIALS = 32  # kills of a writer on one long-lived store
STARTUP_TRIALS = 8  # kills of a writer opening a brand-new store


def _run_and_kill(
    db: Path, trial: int, delay: float, *, after_ready: bool
) -> tuple[list[str], list[str], str]:
    """Start a writer, SIGKILL it ``delay`` s after it is ready (or after spawn)."""
    proc = child("crash-writer", str(db), f"crash-{trial}", str(SEED + trial))
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line == "ready\n":
                ready.set()

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    if after_ready:
        if not ready.wait(60):
            proc.kill()
            raise AssertionError(
                f"writer never got ready: {proc.stderr.read() if proc.stderr else ''}"
            )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    t.join(30)
    stderr = proc.stderr.read() if proc.stderr else ""
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    # A line cut by the kill has no newline: it was not fully printed.
    complete = [line.rstrip("\n") for line in lines if line.endswith("\n")]
    added = [line[2:] for line in complete if line.startswith("A ")]
    edited = [line[2:] for line in complete if line.startswith("E ")]
    assert proc.returncode == -signal.SIGKILL, (
        f"writer ended by itself ({proc.returncode}): {stderr}"
    )
    return added, edited, stderr


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_sigkill_never_loses_a_committed_annotation(tmp_path, figures):
    rng = random.Random(SEED)
    db = tmp_path / "crash.db"
    printed: set[str] = set()
    edited: set[str] = set()
    delays: list[float] = []
    per_trial: list[int] = []
    failures: list[str] = []
    lost = 0
    t0 = time.monotonic()
    for trial in range(TRIALS):
        delay = rng.uniform(0.0, 0.35)
        delays.append(delay)
        added, changed, _ = _run_and_kill(db, trial, delay, after_ready=True)
        printed.update(added)
        edited.update(changed)
        per_trial.append(len(added) + len(changed))
        check = _integrity(db)
        if check != "ok":
            failures.append(f"trial {trial}: integrity_check says {check!r}")
            break
        with Store(db) as store:
            present = {a.id for a in store.annotations()}
        missing = printed - present
        lost = len(missing)
        if missing:
            failures.append(
                f"trial {trial}: {len(missing)} committed annotations missing, e.g. {sorted(missing)[:3]}"
            )
    # Kills of a writer that is still creating its store (migration, shipped reading).
    startup_ok = 0
    shipped = sum(1 for _ in shipped_readings())
    for trial in range(STARTUP_TRIALS):
        fresh = tmp_path / f"fresh-{trial}.db"
        delay = rng.uniform(0.0, 0.8)
        added, changed, _ = _run_and_kill(fresh, 100 + trial, delay, after_ready=False)
        if fresh.exists() and _integrity(fresh) != "ok":
            failures.append(f"startup trial {trial}: integrity_check failed")
            continue
        with open_store(fresh) as store:
            here = {a.id for a in store.annotations()}
            editor = store.annotations(creator=EDITOR)
        if set(added) - here:
            failures.append(f"startup trial {trial}: committed annotations missing")
        elif shipped and not editor:
            failures.append(
                f"startup trial {trial}: the shipped reading never arrived after the crash"
            )
        else:
            startup_ok += 1
    figures.record(
        "crash",
        trials=TRIALS + STARTUP_TRIALS,
        kills_mid_session=TRIALS,
        kills_during_first_open=STARTUP_TRIALS,
        committed_ids_checked=len(printed),
        edits_checked=len(edited),
        lost=lost,
        integrity_ok=not any("integrity" in f for f in failures),
        writes_per_trial_min=min(per_trial),
        writes_per_trial_max=max(per_trial),
        kill_delay_ms_min=round(min(delays) * 1000),
        kill_delay_ms_max=round(max(delays) * 1000),
        seconds=round(time.monotonic() - t0, 1),
        ok=not failures,
    )
    assert not failures, "\n".join(failures)
    assert len(printed) > TRIALS, "the writers committed almost nothing: the test proves little"


def test_a_crash_while_a_new_store_is_set_up_still_yields_the_shipped_reading(tmp_path, figures):
    """The two commits of a first open (schema, then shipped reading) can be cut
    apart by a crash; the next open must finish the job, exactly once."""
    shipped = len(open_store(tmp_path / "reference.db").annotations(creator=EDITOR))
    results = {}
    for stage in ("migrated", "registering"):
        db = tmp_path / f"{stage}.db"
        proc = child("die-during-first-open", str(db), stage)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err
        assert _integrity(db) == "ok"
        with open_store(db) as store:
            results[stage] = len(store.annotations(creator=EDITOR))
        with open_store(db) as store:  # and a third open changes nothing
            assert len(store.annotations(creator=EDITOR)) == results[stage]
    figures.record(
        "crash_first_open",
        stages=sorted(results),
        shipped=shipped,
        found=results,
        ok=all(v == shipped for v in results.values()),
    )
    assert results == {"migrated": shipped, "registering": shipped}
