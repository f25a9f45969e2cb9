"""The store's behaviour, on SQLite and PostgreSQL alike (``any_store``), and SQLite's file handling."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import replace

import pytest

from annotator.annotation import make_annotation, make_link
from annotator.errors import CorruptStoreError, NotFoundError, SchemaVersionError, StoreError
from annotator.migrations import MIGRATIONS, SCHEMA_VERSION
from annotator.store import Store, default_db_path, default_target, is_url


def ann(text, start, end, creator="ada", tropes=("matchmaker",), note=""):
    return make_annotation(text, "one-dance", start, end, creator=creator, tropes=tropes, note=note)


def test_new_file_store_is_wal_with_schema(file_store, store_path):
    assert file_store.created
    conn = sqlite3.connect(store_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY version")]
    assert names == [name for name, _ in MIGRATIONS] and names[0] == "create stories and annotations"
    assert not Store(store_path).created


def test_new_store_records_its_migrations_on_both_backends(store_url):
    with Store(store_url) as store:
        assert store.created and store.backend in ("sqlite", "postgresql")
        names = [r[0] for r in store._read("SELECT name FROM migrations ORDER BY version")]
        assert names == [name for name, _ in MIGRATIONS] and len(names) == SCHEMA_VERSION
    with Store(store_url) as again:
        assert not again.created


def test_add_get_query(any_store, text):
    memory_store = any_store
    a = memory_store.add(ann(text, 100, 150))
    b = memory_store.add(ann(text, 11, 44, creator="bo", tropes=("mask-reveal", "first-kiss")))
    c = memory_store.add(ann(text, 120, 400, tropes=("mask-reveal",)))  # overlaps a
    assert memory_store.get(a.id) == a
    assert [x.id for x in memory_store.annotations("one-dance")] == [b.id, a.id, c.id]
    assert [x.id for x in memory_store.annotations("one-dance", creator="bo")] == [b.id]
    assert {x.id for x in memory_store.annotations("one-dance", trope="mask-reveal")} == {b.id, c.id}
    assert {x.id for x in memory_store.annotations("one-dance", start=140, end=200)} == {a.id, c.id}
    assert memory_store.readers("one-dance") == ["ada", "bo"]
    assert memory_store.count() == 3


def test_annotations_come_in_story_order_with_the_unplaced_last(any_store, text):
    # Served by the annotations_in_story_order index: start, the longer span
    # first, then insertion order; links and orphans (no start) after all of
    # them, in insertion order, on both backends (NULLs sort differently).
    store = any_store
    late = store.add(ann(text, 300, 320))
    short = store.add(ann(text, 10, 20))
    link = store.add(make_link("one-dance", short.id, late.id, creator="ada"))
    long = store.add(ann(text, 10, 90))
    twin = store.add(ann(text, 10, 20, creator="bo"))
    orphan = store.update(replace(store.add(ann(text, 50, 60)), start=None, end=None, orphan=True))
    order = [a.id for a in store.annotations("one-dance")]
    assert order == [long.id, short.id, twin.id, late.id, link.id, orphan.id]
    assert [a.id for a in store.annotations("one-dance", creator="ada")] == [
        long.id, short.id, late.id, link.id, orphan.id
    ]


def test_migration_5_replaces_the_story_index_and_keeps_every_annotation(store_path, text):
    with Store(store_path) as store:
        ids = [store.add(ann(text, s, s + 30)).id for s in (300, 10, 150)]
    conn = sqlite3.connect(store_path)
    conn.executescript(  # the store as version 4 left it
        "DROP INDEX annotations_in_story_order; CREATE INDEX annotations_by_story ON annotations (story, start); "
        "DELETE FROM migrations WHERE version = 5; PRAGMA user_version = 4;"
    )
    conn.close()
    with Store(store_path) as store:
        indexes = {r[0] for r in store._read("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "annotations_in_story_order" in indexes and "annotations_by_story" not in indexes
        assert [a.id for a in store.annotations("one-dance")] == [ids[1], ids[2], ids[0]]
        plan = " ".join(str(r) for r in store._read(
            'EXPLAIN QUERY PLAN SELECT id FROM annotations WHERE story = ? ORDER BY start, "end" DESC, seq',
            ["one-dance"],
        ))  # fmt: skip
        assert "annotations_in_story_order" in plan and "TEMP B-TREE" not in plan


def test_duplicate_add_writes_nothing(any_store, text):
    memory_store = any_store
    a = memory_store.add(ann(text, 100, 150))
    b = ann(text, 10, 20)
    with pytest.raises(StoreError, match="already"):
        memory_store.add_many([b, a])
    assert memory_store.count() == 1


def test_conflict_policies(any_store, text):
    memory_store = any_store
    a = memory_store.add(ann(text, 100, 150))
    newer = a.with_changes(note="newer", modified="2099-01-01T00:00:00.000Z")
    assert memory_store.add_many([a], on_conflict="newer") == {"added": 0, "updated": 0, "unchanged": 1}
    assert memory_store.add_many([newer], on_conflict="newer")["updated"] == 1
    assert memory_store.get(a.id).note == "newer"
    assert memory_store.add_many([a], on_conflict="skip")["unchanged"] == 1


def test_update_delete_and_links(any_store, text):
    memory_store = any_store
    a = memory_store.add(ann(text, 100, 150))
    b = memory_store.add(ann(text, 200, 250))
    link = memory_store.add(make_link("one-dance", a.id, b.id, creator="ada"))
    memory_store.update(a.with_changes(tropes=("first-kiss",)))
    assert memory_store.annotations(trope="first-kiss")[0].id == a.id
    assert memory_store.annotations(trope="matchmaker")[0].id == b.id
    gone = memory_store.delete(b.id)
    assert [g.id for g in gone] == [b.id, link.id]
    with pytest.raises(NotFoundError):
        memory_store.delete(b.id)
    with pytest.raises(NotFoundError):
        memory_store.update(b)
    with pytest.raises(NotFoundError):
        memory_store.get("urn:uuid:nope")


def test_subscribers_hear_every_write_in_process(store_url, text):
    with Store(store_url) as one, Store(store_url) as two:
        heard = []
        unsubscribe = two.subscribe(heard.append)
        a = one.add(ann(text, 100, 150))
        one.update(a.with_changes(note="again"))
        one.delete(a.id)
        # At once, in the writer's thread; SQLite's poll may add "reload" notes.
        told = [h for h in heard if h["kind"] != "external"]
        assert [h["kind"] for h in told] == ["add", "update", "delete"]
        assert told[0] == {"kind": "add", "ids": [a.id], "story": "one-dance"}
        unsubscribe()
        one.add(ann(text, 100, 150))
        assert len([h for h in heard if h["kind"] != "external"]) == 3


def test_a_failing_listener_does_not_break_the_write(any_store, text):
    heard = []
    any_store.subscribe(lambda change: 1 / 0)
    any_store.subscribe(heard.append)
    a = any_store.add(ann(text, 100, 150))
    assert any_store.get(a.id) == a and heard[0]["ids"] == [a.id]


def test_data_version_sees_other_connections(store_url, text):
    with Store(store_url) as one, Store(store_url) as two:
        before = two.data_version()
        one.add(ann(text, 100, 150))
        assert two.data_version() != before


def test_foreign_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CorruptStoreError, match="not an annotator one.*recipes"):
        Store(path)
    assert path.read_bytes() == before


def test_garbage_file_is_corrupt(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(CorruptStoreError, match="not a readable annotator database"):
        Store(path)
    assert path.read_bytes() == b"this is not sqlite at all" * 100


def test_newer_schema_is_refused(store_path):
    Store(store_path).close()
    conn = sqlite3.connect(store_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaVersionError, match="newer annotator"):
        Store(store_path)


def test_folder_and_read_only_places(tmp_path, text):
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(ro, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(StoreError, match="read-only|cannot"):
            Store(ro / "x.db")
    finally:
        ro.chmod(stat.S_IRWXU)


def test_default_path_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "a.db"))
    assert default_db_path() == tmp_path / "a.db" == default_target()
    monkeypatch.setenv("ANNOTATOR_DB", "postgresql://ada@db.example/annotator")
    assert default_target() == "postgresql://ada@db.example/annotator" and is_url(default_target())
    assert not is_url(str(tmp_path / "a.db")) and not is_url(":memory:") and is_url("postgres://h/db")
    monkeypatch.delenv("ANNOTATOR_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "annotator" / "annotator.db"


def test_emoji_and_unicode_round_trip(any_store):
    memory_store = any_store
    t = "A 🎭 mask — “quoted” and naïve\xa0text"
    a = make_annotation(t, "emoji", 2, 8, creator="Zoë 🌸", note="ünïcode 🎶")
    memory_store.add(a)
    assert memory_store.get(a.id) == a


def test_dismissals_persist_and_stay_out_of_annotations(store_url):
    from annotator.suggest import dismiss, dismissed
    from annotator.suggest._core import Suggestion  # noqa: F401  (shape used by dismiss)

    class S:  # the fields dismiss() reads from a suggestion
        story, paragraph, trope, generator = "one-dance", "p3", "slow-dance", "annotator-suggest"

    store = Store(store_url)
    dismiss(S(), "ada", store)
    dismiss(S(), "ada", store)  # idempotent
    store.close()
    again = Store(store_url)
    assert dismissed("one-dance", "ada", again) == {("p3", "slow-dance")}
    assert again.count() == 0
    assert again.remove_dismissal("one-dance", "ada", "p3", "slow-dance") is True
    assert again.dismissals("one-dance", "ada") == []
    again.close()


def test_story_texts_and_versions_on_both_backends(any_store):
    any_store.save_story_text("tale", "v1", "A Tale", "Once.", {"author": "Zoë"}, [("One", 0, 5)], source="a.md")
    any_store.save_story_text("tale", "v2", "A Tale", "Once upon.", {}, None, source="b.md")
    assert any_store.story_text("tale")["version"] == "v2"
    assert any_store.story_text("tale", "v1")["metadata"] == {"author": "Zoë"}
    assert any_store.story_text("tale", "v1")["chapters"] == [("One", 0, 5)]
    assert [(v["version"], v["current"]) for v in any_store.story_versions("tale")] == [("v1", False), ("v2", True)]
    assert [s["id"] for s in any_store.imported_stories()] == ["tale"] and any_store.story_text("nope") is None
    assert [s["id"] for s in any_store.stories()] == ["tale"]


def test_a_closed_store_says_so(any_store):
    any_store.close()
    any_store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        any_store.count()


def test_concurrent_writers_lose_and_duplicate_nothing(store_url, text):
    import threading

    with Store(store_url) as setup:
        shared = setup.add(ann(text, 100, 150))
    errors: list[str] = []
    results: dict[str, list[str]] = {"dup": []}
    twin = ann(text, 300, 350)

    def writer(i: int) -> None:
        with Store(store_url) as s:
            try:
                for k in range(10):  # everyone edits the same annotation
                    s.update(shared.with_changes(note=f"{i}-{k}", tropes=("matchmaker", f"t{i}")))
                s.add(ann(text, 400 + i, 450 + i))
            except Exception as e:  # noqa: BLE001
                errors.append(f"{type(e).__name__}: {e}")
            try:  # everyone adds the same id: one wins, the others are told
                s.add(twin)
            except StoreError as e:
                results["dup"].append(str(e))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results["dup"]) == 5 and all("already in the store" in m for m in results["dup"])
    with Store(store_url) as check:
        assert check.count() == 1 + 6 + 1
        final = check.get(shared.id)
        writer_id = final.note.split("-")[0]
        assert final.tropes == ("matchmaker", f"t{writer_id}")
        # The trope index agrees with the row: no orphaned or missing entries.
        assert [a.id for a in check.annotations(trope=f"t{writer_id}")] == [shared.id]
        assert sum(len(check.annotations(trope=f"t{i}")) for i in range(6)) == 1
