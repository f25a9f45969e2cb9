"""Child processes of the reliability tests: ``python _children.py COMMAND ARGS``.

They write and read through the same code the Reader widget and the CLI use
(``open_store``, ``Reading.annotate``/``edit``, ``annotator.cli.main``) and
report on stdout, one line per event, flushed at once, so that the parent
knows exactly what was committed before it killed them.

Commands:
    crash-writer DB READER SEED      annotate (and sometimes edit) forever; print
                                     ``A <id>`` / ``E <id>`` after each commit
    die-during-first-open DB STAGE   SIGKILL itself half-way through creating a store
    annotate DB READER N SEED GO     wait for the file GO, then annotate N times
    import DB READER GO FILE...      wait for GO, then ``annotator import`` each FILE
    open-race DIR ROUNDS             each round, wait for DIR/go-N and open DIR/store-N.db
    reader DB GO STOP                wait for GO, then read and check until STOP exists
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import sys
import time
import traceback
from contextlib import redirect_stderr
from pathlib import Path


def _say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def _wait_for(path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit(f"start file {path} never appeared")
        time.sleep(0.002)


def random_span(rng: random.Random, text: str) -> tuple[int, int]:
    while True:
        start = rng.randrange(0, len(text) - 1)
        end = min(len(text), start + rng.randint(3, 160))
        if text[start:end].strip():
            return start, end


def crash_writer(db: str, reader: str, seed: str) -> None:
    from annotator.library import load_story, open_store
    from annotator.reading import Reading

    rng = random.Random(int(seed))
    story = load_story("one-dance")
    store = open_store(db)
    reading = Reading(story, store, reader)
    tropes = [t.id for t in reading.vocabulary]
    _say("ready")
    mine: list[str] = []
    while True:
        if mine and rng.random() < 0.2:
            ident = rng.choice(mine)
            reading.edit(ident, note="edited " * rng.randint(1, 400), tropes=[rng.choice(tropes)])
            _say("E", ident)
            continue
        start, end = random_span(rng, story.text)
        a = reading.annotate(
            start,
            end,
            tropes=rng.sample(tropes, rng.randint(0, 3)),
            note="close reading " * rng.randint(1, 600),
            colour=rng.choice([None, "#aabbcc"]),
        )
        mine.append(a.id)
        _say("A", a.id)


def die_during_first_open(db: str, stage: str) -> None:
    """Open a new store and SIGKILL ourselves at ``stage`` of it."""
    import signal

    from annotator.library import open_store
    from annotator.store import Store

    if stage == "migrated":  # the schema is committed, the shipped reading not yet
        Store(db)
    elif stage == "registering":  # the shipped annotations are committed, the story not yet
        Store.register_story = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # type: ignore[method-assign]
        open_store(db)
    os.kill(os.getpid(), signal.SIGKILL)


def annotate(db: str, reader: str, n: str, seed: str, go: str) -> None:
    from annotator.errors import AnnotatorError
    from annotator.library import load_story, open_store
    from annotator.reading import Reading

    rng = random.Random(int(seed))
    story = load_story("one-dance")
    tropes = [t.id for t in __import__("annotator.tropes").tropes.default_vocabulary()]
    _wait_for(go)
    errors: list[str] = []
    written = 0
    try:
        store = open_store(db)
        reading = Reading(story, store, reader)
        for _ in range(int(n)):
            start, end = random_span(rng, story.text)
            try:
                reading.annotate(
                    start, end, tropes=rng.sample(tropes, rng.randint(1, 3)), note=f"by {reader}"
                )
                written += 1
            except AnnotatorError as e:
                errors.append(f"{type(e).__name__}: {e}")
        store.close()
    except Exception as e:  # noqa: BLE001 - reported to the parent, which fails the test
        errors.append(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    _say(json.dumps({"written": written, "errors": errors}))


def do_import(db: str, reader: str, go: str, *files: str) -> None:
    from annotator.cli import main

    _wait_for(go)
    errors: list[str] = []
    imported = 0
    for f in files:
        err = io.StringIO()
        try:
            with redirect_stderr(err), open(os.devnull, "w") as null:
                saved, sys.stdout = sys.stdout, null
                try:
                    rc = main(["import", f, "--db", db, "--reader", reader])
                finally:
                    sys.stdout = saved
        except BaseException as e:  # noqa: BLE001
            errors.append(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
            continue
        if rc != 0 or err.getvalue().strip():
            errors.append(f"exit {rc}: {err.getvalue().strip()}")
        else:
            imported += 1
    _say(json.dumps({"files": imported, "errors": errors}))


def open_race(folder: str, rounds: str) -> None:
    """Round after round, open a brand-new store at the same instant as the others."""
    from annotator.errors import AnnotatorError
    from annotator.library import EDITOR, open_store

    for i in range(int(rounds)):
        _wait_for(os.path.join(folder, f"go-{i}"))
        try:
            with open_store(os.path.join(folder, f"store-{i}.db")) as store:
                _say("ok", len(store.annotations(creator=EDITOR)))
        except AnnotatorError as e:
            _say("error", f"{type(e).__name__}: {e}")


def reader(db: str, go: str, stop: str) -> None:
    """Read everything again and again; check each snapshot is whole."""
    from annotator.annotation import validate
    from annotator.errors import AnnotatorError
    from annotator.store import Store

    _wait_for(go)
    problems: list[str] = []
    rounds = 0
    seen_max = 0
    store = None
    while not os.path.exists(stop) or rounds == 0:
        try:
            if store is None:
                if not Path(db).exists():
                    time.sleep(0.005)
                    continue
                store = Store(db)
            annotations = store.annotations()
            for a in annotations:
                validate(a)  # raises AnnotationError for a half-written row
            # The trope index must agree with every annotation's tropes in the
            # same snapshot: read both inside one read transaction.
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
            try:
                conn.execute("BEGIN")
                rows = conn.execute("SELECT seq, id, tropes FROM annotations").fetchall()
                index: dict[int, set[str]] = {}
                for seq, trope in conn.execute(
                    "SELECT annotation_seq, trope FROM annotation_tropes"
                ):
                    index.setdefault(seq, set()).add(trope)
                conn.execute("COMMIT")
            finally:
                conn.close()
            for seq, ident, tropes in rows:
                if set(json.loads(tropes)) != index.get(seq, set()):
                    problems.append(
                        f"trope index of {ident} is {index.get(seq)} but tropes are {tropes}"
                    )
            orphan_rows = set(index) - {r[0] for r in rows}
            if orphan_rows:
                problems.append(
                    f"trope index rows for missing annotations {sorted(orphan_rows)[:5]}"
                )
            seen_max = max(seen_max, len(annotations))
            rounds += 1
        except AnnotatorError as e:
            problems.append(f"{type(e).__name__}: {e}")
        except Exception as e:  # noqa: BLE001
            problems.append(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        if len(problems) > 20:
            break
    _say(json.dumps({"rounds": rounds, "max_seen": seen_max, "problems": problems}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {
        "crash-writer": crash_writer,
        "die-during-first-open": die_during_first_open,
        "annotate": annotate,
        "import": do_import,
        "open-race": open_race,
        "reader": reader,
    }[command](*args)
