"""Concurrency: four writers and a reader share one brand-new store.

Two processes annotate through ``Reading.annotate`` (one transaction per
annotation, as the Reader widget writes) and two import JSON-LD files through
``annotator.cli.main(["import", ...])``, 500 annotations each, all released
at the same instant onto a store that does not exist yet (so they also race
to create and migrate it). A fifth process reads everything in a loop and
checks that every annotation it sees validates and that the trope index
agrees with it in the same snapshot.
"""

from __future__ import annotations

import json
import random
import time

from annotator.annotation import make_annotation
from annotator.jsonld import collection
from annotator.library import EDITOR, load_story
from annotator.store import Store
from annotator.tropes import default_vocabulary

from ._children import random_span
from ._util import child

PER_WRITER = 500
FILES_PER_IMPORTER = 20
SEED = 4242


def _import_files(tmp_path, reader: str, rng: random.Random) -> list[str]:
    story = load_story("one-dance")
    tropes = [t.id for t in default_vocabulary()]
    files = []
    per_file = PER_WRITER // FILES_PER_IMPORTER
    for f in range(FILES_PER_IMPORTER):
        batch = []
        for _ in range(per_file):
            start, end = random_span(rng, story.text)
            batch.append(
                make_annotation(
                    story.text,
                    story.id,
                    start,
                    end,
                    creator=reader,
                    tropes=rng.sample(tropes, rng.randint(1, 3)),
                    note=f"imported by {reader}",
                    story_version=story.version,
                )
            )
        path = tmp_path / f"{reader}-{f:02d}.jsonld"
        path.write_text(json.dumps(collection(batch)), encoding="utf-8")
        files.append(str(path))
    return files


def test_four_writers_and_a_reader_on_one_new_store(tmp_path, figures):
    rng = random.Random(SEED)
    db = tmp_path / "shared.db"
    go, stop = tmp_path / "go", tmp_path / "stop"
    writers = [
        child("annotate", str(db), "widget-a", str(PER_WRITER), "1", str(go)),
        child("annotate", str(db), "widget-b", str(PER_WRITER), "2", str(go)),
        child("import", str(db), "cli-c", str(go), *_import_files(tmp_path, "cli-c", rng)),
        child("import", str(db), "cli-d", str(go), *_import_files(tmp_path, "cli-d", rng)),
    ]
    watcher = child("reader", str(db), str(go), str(stop))
    time.sleep(1.5)  # let every child import annotator and reach the start line
    t0 = time.monotonic()
    go.touch()
    reports = []
    for proc in writers:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    seconds = time.monotonic() - t0
    stop.touch()
    out, err = watcher.communicate(timeout=120)
    assert watcher.returncode == 0, err
    seen = json.loads(out.strip().splitlines()[-1])

    errors = [e for r in reports for e in r["errors"]]
    with Store(db) as store:
        by_creator = {name: len(store.annotations(creator=name)) for name in store.readers()}
        total = store.count()
    expected = {
        "widget-a": PER_WRITER,
        "widget-b": PER_WRITER,
        "cli-c": PER_WRITER,
        "cli-d": PER_WRITER,
    }
    written = sum(by_creator.get(k, 0) for k in expected)
    figures.record(
        "concurrency",
        processes=len(writers) + 1,
        writers=len(writers),
        annotations_expected=len(expected) * PER_WRITER,
        annotations_present=written,
        shipped_present=by_creator.get(EDITOR, 0),
        store_total=total,
        errors_reaching_user=len(errors),
        reader_rounds=seen["rounds"],
        reader_max_seen=seen["max_seen"],
        reader_problems=len(seen["problems"]),
        seconds=round(seconds, 1),
        writes_per_second=round(len(expected) * PER_WRITER / seconds),
        ok=not errors
        and not seen["problems"]
        and all(by_creator.get(k) == v for k, v in expected.items()),
    )
    assert not errors, "errors reached a user:\n" + "\n".join(errors[:10])
    assert not seen["problems"], "the reader saw half-written data:\n" + "\n".join(
        seen["problems"][:10]
    )
    assert {k: by_creator.get(k) for k in expected} == expected
    assert by_creator.get(EDITOR), "the shipped reading was not loaded into the new store"
    assert seen["rounds"] >= 3, "the reader barely ran: the test proves little"


RACERS = 6
ROUNDS = 25


def test_processes_creating_the_same_store_at_once(tmp_path, figures):
    """Six processes open one not-yet-existing store at the same instant, 25 times."""
    procs = [child("open-race", str(tmp_path), str(ROUNDS)) for _ in range(RACERS)]
    time.sleep(1.5)
    for i in range(ROUNDS):
        (tmp_path / f"go-{i}").touch()
        time.sleep(0.08)
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.extend(out.splitlines())
    errors = [r for r in results if not r.startswith("ok ")]
    shipped = {int(r.split()[1]) for r in results if r.startswith("ok ")}
    figures.record(
        "open_race",
        processes=RACERS,
        rounds=ROUNDS,
        opens=len(results),
        errors=len(errors),
        ok=not errors and len(shipped) == 1,
    )
    assert not errors, "\n".join(errors[:10])
    assert len(results) == RACERS * ROUNDS
    assert len(shipped) == 1, f"some opens saw a partial shipped reading: {shipped}"
