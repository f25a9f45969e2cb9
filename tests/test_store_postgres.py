"""What only the PostgreSQL backend has: URLs, its schema, a server that goes away, NOTIFY payloads."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest

from annotator.annotation import make_annotation
from annotator.cli import main
from annotator.errors import (
    CorruptStoreError,
    PermissionDeniedError,
    SchemaVersionError,
    StoreError,
)
from annotator.library import EDITOR, load_story, open_store
from annotator.store import Store
from annotator.store.migrations import SCHEMA_VERSION
from annotator.store.postgres import PostgresStore, _payloads, display_url


def test_a_url_opens_the_postgres_backend(postgres_url):
    with Store(postgres_url) as store:
        assert isinstance(store, PostgresStore) and isinstance(store, Store)
        assert store.backend == "postgresql" and str(store.path) == postgres_url
        with psycopg.connect(postgres_url) as conn:  # everything lives in the annotator schema
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'annotator'"
                )
            }
        assert {"annotations", "stories", "reader_groups", "group_members", "migrations"} <= tables


def test_passwords_never_reach_messages():
    assert (
        display_url("postgresql://ada:s3cret@db.example:5433/annotator")
        == "postgresql://ada@db.example:5433/annotator"
    )
    with pytest.raises(
        StoreError, match="cannot connect to the PostgreSQL server postgresql://ada@127.0.0.1:1/x"
    ) as e:
        Store("postgresql://ada:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in str(e.value)
    with pytest.raises(StoreError, match="bad PostgreSQL URL"):
        Store("postgresql://ada@127.0.0.1/x?nonsense=1")


def test_a_foreign_schema_is_refused_untouched(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA annotator; CREATE TABLE annotator.recipes (name TEXT)")
    with pytest.raises(CorruptStoreError, match="not annotator's .recipes."):
        Store(postgres_url)


def test_a_newer_schema_is_refused(postgres_url):
    Store(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO annotator.migrations VALUES (%s, 'from the future', 'now')",
            (SCHEMA_VERSION + 1,),
        )
    with pytest.raises(SchemaVersionError, match="newer annotator"):
        Store(postgres_url)


def test_stores_opened_at_once_migrate_once(postgres_url):
    results: list[object] = []

    def open_one() -> None:
        try:
            with Store(postgres_url) as s:
                results.append(s.created)
        except Exception as e:  # noqa: BLE001
            results.append(e)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results)) == ["False"] * 5 + ["True"]


def test_nul_characters_are_refused_with_a_reason(postgres_url, text):
    with Store(postgres_url) as store:
        a = make_annotation(text, "one-dance", 10, 40, creator="ada", note="a\x00b")
        with pytest.raises(StoreError, match="NUL character"):
            store.add(a)
        assert store.count() == 0


def test_a_lost_connection_is_reported_then_reopened(postgres_url, text):
    with Store(postgres_url) as store:
        heard = []
        store.subscribe(heard.append)
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreError, match="lost the connection"):
            store.count()
        assert store.count() == 0  # a new connection
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # and again, before a write
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreError, match="lost the connection"):
            store.register_story("one-dance", "v", "One Dance")
        a = store.add(
            make_annotation(text, "one-dance", 10, 40, creator="ada", tropes=["matchmaker"])
        )
        assert store.get(a.id) == a
        # The listener reconnects too, and asks for a reload: it may have missed changes.
        deadline = threading.Event()
        for _ in range(50):
            if any(h["kind"] == "external" for h in heard):
                break
            deadline.wait(0.1)
        assert {"kind": "external", "ids": [], "story": None} in heard


def test_notify_payloads_stay_small_and_lose_no_id():
    ids = [f"urn:uuid:{i:036d}" for i in range(1000)]
    payloads = list(_payloads("origin", {"kind": "add", "ids": ids, "story": "one-dance"}))
    assert len(payloads) > 1 and all(len(p.encode()) < 8000 for p in payloads)
    assert [i for p in payloads for i in json.loads(p)["i"]] == ids
    assert json.loads(next(_payloads("o", {"kind": "delete", "ids": [], "story": None}))) == {
        "o": "o",
        "k": "delete",
        "s": None,
        "i": [],
    }


def test_open_store_seeds_a_shared_store_and_acts_for_its_user(postgres_url):
    with open_store(postgres_url, user="ada") as store:
        assert store.user == "ada" and store.annotations(creator=EDITOR)  # the shipped reading
        assert load_story("one-dance", postgres_url).id == "one-dance"
        with pytest.raises(PermissionDeniedError):
            store.delete(store.annotations(creator=EDITOR)[0].id)
    with open_store(postgres_url) as again:  # seeded once
        assert again.count() == len(again.annotations(creator=EDITOR))


def test_cli_manages_groups_and_exports_by_audience(
    postgres_url, story, tmp_path, capsys, monkeypatch
):
    db = ["--db", postgres_url]
    assert main(["group", "create", "english-10b", "--as", "ms-lee", *db]) == 0
    assert main(["group", "add", "english-10b", "ada", "bo", "--as", "ms-lee", *db]) == 0
    assert main(["group", "add", "english-10b", "cy", "--as", "ada", *db]) == 1
    assert "only its owner (ms-lee) can" in capsys.readouterr().err
    assert main(["group", "list", *db]) == 0
    assert "english-10b (owner ms-lee): ada, bo, ms-lee" in capsys.readouterr().out
    with Store(postgres_url, user="ada") as ada:
        a = make_annotation(story.text, "one-dance", 10, 40, creator="ada", tropes=["matchmaker"])
        ada.add(a.with_changes(audience="group:english-10b", modified=a.modified))
    monkeypatch.setenv("ANNOTATOR_USER", "cy")  # the default --as
    out = tmp_path / "cy.jsonld"
    assert main(["export-annotations", "--audience", "group:english-10b", "-o", str(out), *db]) == 0
    assert json.loads(out.read_text())["total"] == 0
    assert (
        main(
            [
                "export-annotations",
                "--audience",
                "group:english-10b",
                "--as",
                "bo",
                "-o",
                str(out),
                *db,
            ]
        )
        == 0
    )
    saved = json.loads(out.read_text())
    assert (
        saved["total"] == 1
        and saved["first"]["items"][0]["annotator:audience"] == "group:english-10b"
    )
    assert main(["group", "list", "--json", "--as", "bo", *db]) == 0
    assert [g["name"] for g in json.loads(capsys.readouterr().out)] == ["english-10b"]


def test_a_quick_load_loses_and_duplicates_nothing(postgres_url):
    from benchmarks.bench_postgres_load import run

    report = run(postgres_url, readers=4, seconds=1.5)
    assert report.acknowledged > 20 and report.ops["edit"] > 0 and report.ops["read"] > 0
    assert report.ok, report.markdown() + "\n".join(report.errors[:5])
