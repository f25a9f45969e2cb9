from __future__ import annotations

import json

import pytest

from annotator.errors import StoryError
from annotator.library import EDITOR, load_story, open_store, read_metadata, read_text, story_ids


def test_shipped_story_and_new_store_has_the_editorial_reading(tmp_path):
    assert "one-dance" in story_ids()
    store = open_store(tmp_path / "fresh.db")
    editorial = store.annotations("one-dance")
    assert len(editorial) >= 30 and {a.creator for a in editorial} == {EDITOR}
    assert not any(a.orphan for a in editorial)
    store.close()
    # Opening again does not load it twice.
    again = open_store(tmp_path / "fresh.db")
    assert again.count("one-dance") == len(editorial)


def test_unknown_story():
    with pytest.raises(StoryError, match="no story 'nope'.*one-dance"):
        load_story("nope")


def test_bad_story_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa not utf8")
    with pytest.raises(StoryError, match="not UTF-8"):
        read_text(bad)
    bad.write_bytes(b"")
    with pytest.raises(StoryError, match="empty"):
        read_text(bad)
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(StoryError, match="binary"):
        read_text(bad)
    with pytest.raises(StoryError, match="does not exist"):
        read_text(tmp_path / "none.txt")


def test_bad_metadata(tmp_path):
    meta = tmp_path / "m.json"
    meta.write_text("{oops")
    with pytest.raises(StoryError, match="not valid JSON"):
        read_metadata(meta)
    meta.write_text(json.dumps({"title": "x"}))
    with pytest.raises(StoryError, match="lacks fandom"):
        read_metadata(meta)
    full = json.loads((load_story().metadata and json.dumps({k: v for k, v in load_story().metadata.items() if k != "words"})))
    full["words"] = 5
    meta.write_text(json.dumps(full))
    with pytest.raises(StoryError, match="computed"):
        read_metadata(meta)


def test_stories_folder_override(tmp_path, monkeypatch):
    (tmp_path / "tiny.txt").write_text("Tiny\n\nA line.")
    meta = {k: v for k, v in load_story().metadata.items() if k != "words"}
    meta.update(title="Tiny", text="tiny.txt")
    (tmp_path / "tiny.json").write_text(json.dumps(meta))
    monkeypatch.setenv("ANNOTATOR_STORIES", str(tmp_path))
    assert story_ids() == ["tiny"]
    assert load_story("tiny").metadata["words"] == 3
