"""A library of stories: imported texts in the store, versions, re-anchoring, and the CLI."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from story_files import Chapter, Work, ao3_html, chapter_body, three_chapter_work

from annotator.cli import main
from annotator.errors import StoreError, StoryError
from annotator.library import list_stories, load_story, open_store
from annotator.reading import Reading
from annotator.store import Store
from annotator.story_import import import_story

MD = """---
title: The Lighthouse Keeper
author: A. Writer
fandom: Original Work
---
## Chapter 1: Fog
The fog came in at dusk. Mara climbed the stairs two at a time.

The lamp was cold. She lit it with the last dry match.

## Chapter 2: Light
By midnight the boat was close enough to see its name.

“Hold on,” Mara said to nobody, and turned the lens.
"""


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "library.db")
    yield s
    s.close()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def annotate(reading, phrase, note):
    start = reading.story.text.index(phrase)
    return reading.annotate(start, start + len(phrase), note=note)


# -- many stories ---------------------------------------------------------------
def test_the_store_holds_many_stories(tmp_path, store):
    reports = [
        import_story(store, write(tmp_path, "keeper.md", MD)),
        import_story(store, write(tmp_path, "bridge.html", ao3_html(three_chapter_work()))),
        import_story(
            store, write(tmp_path, "night.txt", "Night Train\n\nThe train left at nine.\n")
        ),
    ]
    assert [r.status for r in reports] == ["new"] * 3
    assert [s["id"] for s in store.imported_stories()] == [
        "night-train",
        "the-bridge-at-dawn",
        "the-lighthouse-keeper",
    ]
    library = list_stories(store)
    assert [s["id"] for s in library] == [
        "one-dance",
        "night-train",
        "the-bridge-at-dawn",
        "the-lighthouse-keeper",
    ]
    assert [s["source"] for s in library] == ["shipped"] + ["imported"] * 3
    bridge = load_story("the-bridge-at-dawn", store)
    assert [s.title for s in bridge.sections] == [
        "Chapter 1: Rain",
        "Chapter 2",
        "Chapter 3: Dawn & After",
    ]
    assert bridge.metadata["chapters"][2]["end_notes"] == "Thank you for reading!"
    assert (
        bridge.version == reports[1].version
        and store.story_text(bridge.id)["source"] == "bridge.html"
    )
    assert load_story("one-dance", store).title == "One Dance"  # shipped stories still come first


def test_load_story_finds_imports_in_the_default_store(tmp_path):
    # conftest points ANNOTATOR_DB at a temp file; the Reader and the edition call load_story(id).
    with open_store() as default:
        import_story(default, write(tmp_path, "keeper.md", MD))
    assert load_story("the-lighthouse-keeper").sections[1].title == "Chapter 2: Light"
    assert "the-lighthouse-keeper" in [s["id"] for s in list_stories()]


def test_unknown_story_lists_the_library_and_creates_no_database(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "never.db"))
    with pytest.raises(
        StoryError, match="no story 'nope' in .* known stories: one-dance. Import a story file"
    ):
        load_story("nope")
    assert not (tmp_path / "never.db").exists()


def test_shipped_ids_are_refused(tmp_path, store):
    path = write(tmp_path, "one-dance.txt", "One Dance\n\nA different text altogether.\n")
    with pytest.raises(
        StoryError,
        match="belongs to a story shipped with annotator; give the import another id with --id",
    ):
        import_story(store, path)
    assert import_story(store, path, "one-dance-draft").story == "one-dance-draft"


# -- versions and re-anchoring ----------------------------------------------------
def test_importing_the_same_file_again_changes_nothing(tmp_path, store):
    path = write(tmp_path, "keeper.md", MD)
    import_story(store, path)
    reading = Reading(load_story("the-lighthouse-keeper", store), store, "ada")
    a = annotate(reading, "the last dry match", "resourceful")
    before = store.data_version(), store.get(a.id)
    report = import_story(store, path)
    assert report.status == "unchanged" and "nothing changed" in report.summary()
    assert store.get(a.id) == before[1] and len(store.story_versions("the-lighthouse-keeper")) == 1


def test_reimporting_an_edited_story_reanchors_and_reports_orphans(tmp_path, store):
    path = write(tmp_path, "keeper.md", MD)
    first = import_story(store, path)
    story = load_story("the-lighthouse-keeper", store)
    reading = Reading(story, store, "ada")
    kept = annotate(reading, "The fog came in at dusk.", "opening")
    moved = annotate(reading, "the last dry match", "resourceful")
    gone = annotate(reading, "Hold on,", "dialogue")
    link = reading.link(kept.id, moved.id, note="fog, then fire")
    edited = MD.replace(
        "The lamp was cold.", "The lamp was cold, the glass was cracked, and the wind was up."
    )
    edited = edited.replace("“Hold on,” Mara said to nobody, and", "Mara")
    second = import_story(store, write(tmp_path, "keeper.md", edited))
    assert (second.status, second.previous, second.moved, second.unchanged) == (
        "updated",
        first.version,
        1,
        1,
    )
    assert second.orphans == [(gone.id, "Hold on,")]
    assert (
        "1 moved, 1 unchanged, 1 orphaned" in second.summary() and "'Hold on,'" in second.summary()
    )
    new = load_story("the-lighthouse-keeper", store)
    assert new.version == second.version != first.version
    m = store.get(moved.id)
    assert new.text[m.start : m.end] == "the last dry match" and m.story_version == new.version
    assert m.modified == moved.modified  # re-anchoring is not the reader's edit
    g = store.get(gone.id)
    assert g.orphan and g.start is None and g.quote.exact == "Hold on," and g.note == "dialogue"
    assert store.count("the-lighthouse-keeper") == 4 and store.get(link.id).links == (moved.id,)
    versions = store.story_versions("the-lighthouse-keeper")
    assert [v["current"] for v in versions] == [False, True]
    assert (
        store.story_text("the-lighthouse-keeper", first.version)["text"] == story.text
    )  # old text kept


def test_an_orphan_comes_back_when_its_text_does(tmp_path, store):
    path = write(tmp_path, "keeper.md", MD)
    import_story(store, path)
    gone = annotate(
        Reading(load_story("the-lighthouse-keeper", store), store, "ada"), "Hold on,", "dialogue"
    )
    import_story(store, write(tmp_path, "keeper.md", MD.replace("“Hold on,” ", "")))
    assert store.get(gone.id).orphan
    back = import_story(store, write(tmp_path, "keeper.md", MD))
    assert back.status == "updated" and back.moved == 1 and not store.get(gone.id).orphan


def test_new_metadata_same_text(tmp_path, store):
    import_story(store, write(tmp_path, "keeper.md", MD))
    retagged = MD.replace("fandom: Original Work", "fandom: Original Work\ntags: Storms")
    report = import_story(store, write(tmp_path, "keeper.md", retagged))
    assert report.status == "metadata" and "metadata updated" in report.summary()
    assert load_story("the-lighthouse-keeper", store).metadata["additional_tags"] == ["Storms"]
    assert len(store.story_versions("the-lighthouse-keeper")) == 1


def test_a_different_work_with_the_same_title_is_not_a_new_version(tmp_path, store):
    import_story(store, write(tmp_path, "keeper.md", MD))
    other = MD.replace("A. Writer", "Someone Else").replace("The fog", "The snow")
    with pytest.raises(
        StoryError, match="already has a different story with the id 'the-lighthouse-keeper'"
    ):
        import_story(store, write(tmp_path, "other.md", other))
    assert len(store.story_versions("the-lighthouse-keeper")) == 1
    # saying the id is saying "this is a new version of that story"
    report = import_story(store, tmp_path / "other.md", "the-lighthouse-keeper")
    assert report.status == "updated"
    # AO3 works are told apart by their work id, whatever their titles
    import_story(store, write(tmp_path, "a.html", ao3_html(three_chapter_work())))
    twin = ao3_html(Work(work_id=999, chapters=[Chapter("Chapter 1", chapter_body(1))]))
    with pytest.raises(StoryError, match="different story"):
        import_story(store, write(tmp_path, "b.html", twin))


def test_ids_for_titles_in_other_scripts(tmp_path):
    from annotator.importers import read_story_file

    cyrillic = write(tmp_path, "рассказ.md", "---\ntitle: Белые ночи\n---\nТекст.\n")
    assert read_story_file(cyrillic).id.startswith("story-")
    latin_file = write(tmp_path, "white-nights.md", "---\ntitle: Белые ночи\n---\nТекст.\n")
    assert read_story_file(latin_file).id == "white-nights"
    assert (
        read_story_file(write(tmp_path, "x.md", "---\ntitle: Café Noir\n---\nA.\n")).id
        == "cafe-noir"
    )


def test_a_failed_import_writes_nothing(tmp_path, store, monkeypatch):
    path = write(tmp_path, "keeper.md", MD)
    first = import_story(store, path)
    a = annotate(
        Reading(load_story("the-lighthouse-keeper", store), store, "ada"), "the last dry match", "x"
    )

    def broken(self, annotation):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "_insert", broken)
    with pytest.raises(StoreError, match="disk is full or failing"):
        import_story(store, write(tmp_path, "keeper.md", MD.replace("cold.", "cold as iron.")))
    monkeypatch.undo()
    assert store.story_text("the-lighthouse-keeper")["version"] == first.version
    assert len(store.story_versions("the-lighthouse-keeper")) == 1 and store.get(a.id) == a


def test_migration_2_upgrades_an_old_store(tmp_path):
    path = tmp_path / "old.db"
    with open_store(path) as s:
        count = s.count()
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE story_versions; DROP TABLE dismissals; DROP TABLE group_members; DROP TABLE reader_groups; "
        "ALTER TABLE annotations DROP COLUMN audience; DELETE FROM migrations WHERE version >= 2; PRAGMA user_version = 1; "
        "DROP INDEX annotations_in_story_order; CREATE INDEX annotations_by_story ON annotations (story, start);"
    )
    conn.close()
    with Store(path) as s:
        assert s.count() == count and s.imported_stories() == []
        names = [r[0] for r in s._read("SELECT name FROM migrations ORDER BY version")]
    assert names[1] == "store story texts"


def test_a_hundred_chapter_work_imports_quickly(tmp_path, store):
    work = Work(
        chapters=[
            Chapter(f"Chapter {i}: Part {i}", chapter_body(i, 30), notes=f"<p>Note {i}</p>")
            for i in range(1, 101)
        ]
    )
    path = write(tmp_path, "long.html", ao3_html(work))
    started = time.perf_counter()
    report = import_story(store, path)
    elapsed = time.perf_counter() - started
    story = load_story(report.story, store)
    assert len(story.sections) == 100 and story.paragraph("c100-p30") and elapsed < 10
    assert story.metadata["chapters"][99]["notes"] == "Note 100"


# -- the CLI, in process ----------------------------------------------------------------
def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_list_info_export(capsys, tmp_path):
    db = tmp_path / "cli.db"
    html = write(tmp_path, "bridge.html", ao3_html(three_chapter_work()))
    code, out, _ = run(capsys, "import-story", html, "--db", db)
    assert (
        code == 0
        and "imported 'The Bridge at Dawn' (the-bridge-at-dawn) from bridge.html, AO3 HTML download: 3 chapters"
        in out
    )
    code, out, _ = run(capsys, "import-story", html, "--db", db)
    assert code == 0 and "nothing changed" in out
    code, out, _ = run(capsys, "story", "list", "--db", db)
    assert (
        "one-dance" in out
        and "the-bridge-at-dawn   The Bridge at Dawn (" in out
        and "3 chapters; imported" in out
    )
    code, out, _ = run(capsys, "story", "info", "the-bridge-at-dawn", "--db", db, "--json")
    info = json.loads(out)
    assert (
        info["chapters"] == 3 and info["author"] == "inkwell_fox" and info["fandom"] == ["Naruto"]
    )
    with Store(db) as s:
        story = load_story("the-bridge-at-dawn", s)
        annotate(Reading(story, s, "ada"), "Come alone.", "ominous")
    out_file = tmp_path / "notes.jsonld"
    code, _, _ = run(
        capsys, "export-annotations", "--story", "the-bridge-at-dawn", "--db", db, "-o", out_file
    )
    exported = json.loads(out_file.read_text())
    assert code == 0 and exported["total"] == 1
    # the exported annotations import back into another store that has the story
    db2 = tmp_path / "other.db"
    run(capsys, "import-story", html, "--db", db2)
    code, out, _ = run(capsys, "import", out_file, "--db", db2)
    assert code == 0 and "1 added" in out


def test_cli_reimport_lists_orphans(capsys, tmp_path):
    db = tmp_path / "cli.db"
    path = write(tmp_path, "keeper.md", MD)
    run(capsys, "import-story", path, "--db", db, "--id", "keeper")
    with Store(db) as s:
        annotate(Reading(load_story("keeper", s), s, "ada"), "Hold on,", "dialogue")
    write(tmp_path, "keeper.md", MD.replace("“Hold on,” ", ""))
    code, out, _ = run(capsys, "import-story", path, "--db", db, "--id", "keeper")
    assert (
        code == 0
        and "0 moved, 0 unchanged, 1 orphaned" in out
        and "  orphan urn:uuid:" in out
        and "'Hold on,'" in out
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "story.pdf",
            "%PDF-1.4",
            "story.pdf: cannot import a .pdf file; annotator reads .epub, .htm, .html, .markdown, .md, .text, .txt",
        ),
        (
            "page.html",
            "<html><body><p>hi</p></body></html>",
            "page.html: no #chapters div: this is not an AO3 download",
        ),
        ("bad.md", "---\ntitle: [x\n---\nText\n", "bad.md: YAML front matter line 3"),
        ("empty.txt", "", "empty.txt is empty"),
    ],
)
def test_cli_bad_files_fail_cleanly_and_write_nothing(capsys, tmp_path, name, content, message):
    db = tmp_path / "cli.db"
    code, out, err = run(capsys, "import-story", write(tmp_path, name, content), "--db", db)
    assert (
        code == 1
        and err.startswith("annotator: error: ")
        and message in err
        and "Traceback" not in err
    )
    with Store(db) as s:
        assert s.imported_stories() == []


def test_cli_bad_id(capsys, tmp_path):
    code, _, err = run(
        capsys,
        "import-story",
        write(tmp_path, "k.md", MD),
        "--id",
        "Bad Id",
        "--db",
        tmp_path / "x.db",
    )
    assert code == 1 and "bad story id 'Bad Id'" in err


def test_the_edition_of_an_imported_work(tmp_path):
    edition = pytest.importorskip("annotator.edition")
    with open_store() as default:  # the default store ($ANNOTATOR_DB), as `annotator export` uses
        import_story(default, write(tmp_path, "bridge.html", ao3_html(three_chapter_work())))
        annotate(
            Reading(load_story("the-bridge-at-dawn", default), default, "ada"),
            "Come alone.",
            "ominous",
        )
    html = edition.build_edition("the-bridge-at-dawn")
    assert "Chapter 3: Dawn &amp; After" in html and "c3-p2" in html and "inkwell_fox" in html
