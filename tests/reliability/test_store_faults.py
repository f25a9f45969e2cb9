"""A damaged, foreign, newer, read-only or full store: a clear error, the data intact.

* **corrupt**: a real store truncated mid-file, and (seeded) bytes flipped
  inside its pages;
* **foreign**: another program's SQLite database, and files that are not
  SQLite at all;
* **newer**: ``PRAGMA user_version`` above the schema this annotator knows;
* **read-only**: the store's folder bind-mounted read-only
  (``mount --bind`` + ``remount,ro``). Root ignores permission bits, so
  ``chmod`` proves nothing here; a read-only mount refuses root too (EROFS).
  An immutable file (``chattr +i``) is tried as well;
* **full disk**: the store on a 1 MiB tmpfs (``mount -t tmpfs -o size=1M``),
  written until the file system is full (ENOSPC, a real "database or disk
  is full"), then given room again.

Mounting needs root (CI and ./dev run as root); elsewhere those cases skip,
or fail under CI.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import shutil
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from annotator import cli
from annotator.errors import AnnotatorError, CorruptStoreError, SchemaVersionError, StoreError
from annotator.library import load_story, open_store
from annotator.migrations import SCHEMA_VERSION
from annotator.reading import Reading
from annotator.store import Store

FLIP_TRIALS = 40
SEED = 777


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_or_fail(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _real_store(path: Path, extra: int = 300) -> int:
    """A store with the shipped reading and ``extra`` more annotations; returns the count."""
    story = load_story("one-dance")
    with open_store(path) as store:
        reading = Reading(story, store, "ada")
        rng = random.Random(SEED)
        for i in range(extra):
            start = rng.randrange(0, len(story.text) - 200)
            reading.annotate(
                start, start + rng.randint(5, 120), tropes=["slow-dance"], note=f"note {i} " * 20
            )
        count = store.count()
    # Closing the last connection checkpoints the WAL into the main file.
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return count


def _cli_error(db: Path) -> str:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = cli.main(["story", "info", "one-dance", "--db", str(db)])
    assert rc == 1, f"the CLI accepted a bad store ({rc})"
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator: error: "), err.getvalue()
    assert "Traceback" not in err.getvalue()
    return lines[0]


def _read_all(path: Path) -> int:
    with Store(path) as store:
        annotations = store.annotations()
        store.count()
        return len(annotations)


# -- corrupt ------------------------------------------------------------------------------
def test_truncated_store(tmp_path, figures):
    good = tmp_path / "good.db"
    _real_store(good)
    size = good.stat().st_size
    outcomes = {}
    for fraction in (0.1, 0.5, 0.9):
        bad = tmp_path / f"truncated-{fraction}.db"
        bad.write_bytes(good.read_bytes()[: int(size * fraction)])
        before = _digest(bad)
        with pytest.raises(CorruptStoreError) as info:
            _read_all(bad)
        assert "nothing was changed" in str(info.value) or "damaged" in str(info.value)
        _cli_error(bad)
        assert _digest(bad) == before, "opening a damaged store changed it"
        outcomes[f"{int(fraction * 100)}%"] = type(info.value).__name__
    figures.record("fault_truncated", cases=outcomes, ok=True)


def test_flipped_bytes(tmp_path, figures):
    good = tmp_path / "good.db"
    total = _real_store(good)
    data = good.read_bytes()
    page = 4096
    pages = len(data) // page
    rng = random.Random(SEED)
    outcomes: Counter[str] = Counter()
    escaped: list[str] = []
    for trial in range(FLIP_TRIALS):
        buf = bytearray(data)
        p = rng.randrange(pages)
        # Half the trials hit a page's header or cell pointers, half anywhere in it.
        lo = p * page + (100 if p == 0 else 0)
        span = 64 if trial % 2 == 0 else page - (100 if p == 0 else 0)
        for _ in range(rng.randint(1, 8)):
            i = lo + rng.randrange(span)
            buf[i] ^= 1 << rng.randrange(8)
        bad = tmp_path / f"flipped-{trial}.db"
        bad.write_bytes(bytes(buf))
        before = _digest(bad)
        try:
            with Store(bad) as store:
                try:
                    n = len(store.annotations())
                    store.count()
                    outcomes[
                        "undetected, all rows read" if n == total else "undetected, rows missing"
                    ] += 1
                except StoreError as e:
                    outcomes["detected on read"] += 1
                    assert str(e)
        except StoreError:
            outcomes["detected on open"] += 1
        except Exception as e:  # noqa: BLE001 - the property is about what escapes
            escaped.append(f"trial {trial} (page {p}): {type(e).__name__}: {e}")
        else:
            if _digest(bad) != before:
                outcomes["changed by opening"] += 1
        bad.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{bad}{suffix}").unlink(missing_ok=True)
    figures.record(
        "fault_flipped",
        trials=FLIP_TRIALS,
        outcomes=dict(sorted(outcomes.items())),
        other_exceptions=len(escaped),
        ok=not escaped,
    )
    assert not escaped, "\n".join(escaped)


def test_foreign_and_non_database_files(tmp_path, figures):
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    text = tmp_path / "notes.db"
    text.write_text("these are my notes, not a database\n" * 100)
    noise = tmp_path / "noise.db"
    noise.write_bytes(random.Random(SEED).randbytes(8192))
    header = tmp_path / "header-only.db"
    header.write_bytes(b"SQLite format 3\x00" + b"\xff" * 84)
    seen = {}
    for path in (foreign, text, noise, header):
        before = _digest(path)
        with pytest.raises(CorruptStoreError) as info:
            open_store(path)
        seen[path.name] = type(info.value).__name__
        _cli_error(path)
        assert _digest(path) == before, f"{path.name} was changed"
        assert not Path(f"{path}-wal").exists() or path == foreign
    conn = sqlite3.connect(foreign)
    assert conn.execute("SELECT total FROM invoices").fetchall() == [(12.5,)]
    conn.close()
    figures.record("fault_foreign", cases=seen, ok=True)


def test_store_from_a_newer_annotator(tmp_path, figures):
    db = tmp_path / "newer.db"
    count = _real_store(db, extra=20)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.close()
    before = _digest(db)
    with pytest.raises(SchemaVersionError, match="newer annotator"):
        open_store(db)
    line = _cli_error(db)
    assert _digest(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == count
    conn.close()
    figures.record(
        "fault_newer_schema", error="SchemaVersionError", message=line, data_intact=True, ok=True
    )


# -- read-only ------------------------------------------------------------------------------
@contextlib.contextmanager
def _read_only_mount(folder: Path):
    r = subprocess.run(
        ["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True
    )
    if r.returncode != 0:
        _skip_or_fail(f"cannot bind-mount (need root): {r.stderr.strip()}")
    try:
        r = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, text=True
        )
        if r.returncode != 0:
            _skip_or_fail(f"cannot remount read-only: {r.stderr.strip()}")
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_read_only_location(tmp_path, figures):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "annotations.db"
    count = _real_store(db, extra=20)
    before = _digest(db)
    story = load_story("one-dance")
    results = {}
    with _read_only_mount(folder):
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")  # the mount really refuses root
        try:
            with open_store(db) as store:
                # Opening may be allowed for reading; any write must fail cleanly.
                results["open"] = "allowed"
                with pytest.raises(StoreError):
                    Reading(story, store, "ada").annotate(10, 20, note="x")
                results["write"] = "StoreError"
        except StoreError as e:
            results["open"] = f"StoreError: {e}"
            assert "read-only" in str(e), f"the message does not say why: {e}"
        results["cli"] = _cli_error(db)
        with pytest.raises(StoreError):
            open_store(folder / "new.db")  # a new store in a read-only place
    assert _digest(db) == before
    assert _read_all(db) == count
    figures.record(
        "fault_read_only",
        method="read-only bind mount (EROFS, applies to root)",
        results=results,
        data_intact=True,
        ok=True,
    )


def test_immutable_store_file(tmp_path, figures):
    db = tmp_path / "immutable.db"
    count = _real_store(db, extra=20)
    if shutil.which("chattr") is None:
        _skip_or_fail("chattr is missing")
    r = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True)
    if r.returncode != 0:
        _skip_or_fail(f"chattr +i failed: {r.stderr.strip()}")
    try:
        story = load_story("one-dance")
        outcome = "refused on open"
        try:
            with open_store(db) as store:
                with pytest.raises(StoreError):
                    Reading(story, store, "ada").annotate(10, 20, note="x")
                outcome = "opened; the write failed with StoreError"
        except StoreError:
            pass
    finally:
        subprocess.run(["chattr", "-i", str(db)], capture_output=True)
    assert _read_all(db) == count
    figures.record(
        "fault_immutable", method="chattr +i", outcome=outcome, data_intact=True, ok=True
    )


# -- full disk ------------------------------------------------------------------------------
@contextlib.contextmanager
def _tmpfs(folder: Path, size: str):
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        _skip_or_fail(f"cannot mount a tmpfs (need root): {r.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_full_disk(tmp_path, figures):
    folder = tmp_path / "small"
    folder.mkdir()
    story = load_story("one-dance")
    with _tmpfs(folder, "1M"):
        db = folder / "annotations.db"
        store = open_store(db)
        reading = Reading(story, store, "ada")
        committed = []
        error = None
        for i in range(10_000):
            try:
                a = reading.annotate(
                    100 + i % 500, 150 + i % 500, note=f"{i} " + "close reading " * 1400
                )
            except AnnotatorError as e:
                error = e
                break
            committed.append(a.id)
        assert error is not None, "the 1 MiB file system never filled up"
        assert isinstance(error, StoreError), f"{type(error).__name__}: {error}"
        assert "full" in str(error), str(error)
        # Everything committed before is there, from this connection and a new one.
        present = {a.id for a in store.annotations(creator="ada")}
        assert present == set(committed)
        with Store(db) as other:
            assert {a.id for a in other.annotations(creator="ada")} == set(committed)
            assert other._read("PRAGMA integrity_check")[0][0] == "ok"
        # A second failure is as clean as the first.
        with pytest.raises(StoreError):
            reading.annotate(10, 60, note="close reading " * 1400)
        # Room again: writing works without reopening.
        subprocess.run(["mount", "-o", "remount,size=8M", str(folder)], check=True)
        reading.annotate(10, 60, note="after the disk was freed")
        assert store.count(story.id) >= len(committed) + 1
        store.close()
    figures.record(
        "fault_full_disk",
        method="1 MiB tmpfs (real ENOSPC)",
        committed_before_full=len(committed),
        error=f"{type(error).__name__}: {error}",
        lost=0,
        recovered_after_freeing=True,
        ok=True,
    )
