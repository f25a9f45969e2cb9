"""Import/export: Recogito-style and Hypothesis-style files, all or nothing, idempotent."""

from __future__ import annotations

import json

import pytest

from annotator.errors import InterchangeError
from annotator.interchange import export_csv, export_jsonld, import_file
from annotator.jsonld import CONTEXT

QUOTE = "You're the library guy, who always gives me book recommendations when you see me!"


def recogito_file(tmp_path, text, n=3, **over):
    items = []
    for i in range(n):
        start = text.index(QUOTE) + i
        item = {
            "@context": CONTEXT, "type": "Annotation", "id": f"#recogito-{i}",
            "body": [{"type": "TextualBody", "purpose": "tagging", "value": "mask-reveal"},
                     {"type": "TextualBody", "purpose": "commenting", "value": f"note {i}"}],
            "creator": {"id": "http://example.org/u/ada", "name": "ada"},
            "created": "2026-05-01T12:00:00Z",
            "target": {"selector": [{"type": "TextQuoteSelector", "exact": text[start:start + 40]},
                                    {"type": "TextPositionSelector", "start": start, "end": start + 40}]},
        }
        items.append(item)
    items[0].update(over)
    path = tmp_path / "recogito.jsonld"
    path.write_text(json.dumps(items))
    return path


def hypothesis_file(tmp_path, text, tags=("Unmasking",)):
    start = text.index(QUOTE)
    rows = [{
        "id": "Hh1", "created": "2026-05-01T12:00:00+00:00", "updated": "2026-05-01T12:00:00+00:00",
        "user": "acct:bo@hypothes.is", "uri": "https://example.org/one-dance", "text": "Saw it coming", "tags": list(tags),
        "target": [{"source": "https://example.org/one-dance", "selector": [
            {"type": "RangeSelector", "startContainer": "/div[1]", "startOffset": 0, "endContainer": "/div[1]", "endOffset": 9},
            {"type": "TextPositionSelector", "start": 9999, "end": 9999 + len(QUOTE)},  # page offsets, wrong here
            {"type": "TextQuoteSelector", "exact": QUOTE, "prefix": "", "suffix": ""}]}],
    }]
    path = tmp_path / "hypothesis.json"
    path.write_text(json.dumps({"total": 1, "rows": rows}))
    return path


def test_recogito_then_hypothesis_then_export(memory_store, tmp_path, text):
    r = import_file(memory_store, recogito_file(tmp_path, text), story="one-dance")
    assert (r.added, r.total) == (3, 3)
    h = import_file(memory_store, hypothesis_file(tmp_path, text), story="one-dance")
    assert h.added == 1 and h.moved == 1  # re-anchored from page offsets to the story
    exported = json.loads(export_jsonld(memory_store.annotations("one-dance"), "x"))
    items = exported["first"]["items"]
    assert exported["@context"] == CONTEXT and len(items) == 4
    for item in items:
        assert item["@context"] == CONTEXT
        types = {s["type"] for s in item["target"]["selector"]}
        assert types == {"TextQuoteSelector", "TextPositionSelector"}
        pos = next(s for s in item["target"]["selector"] if s["type"] == "TextPositionSelector")
        quote = next(s for s in item["target"]["selector"] if s["type"] == "TextQuoteSelector")
        assert text[pos["start"]:pos["end"]] == quote["exact"]
    hyp = next(i for i in items if i["id"] == "https://hypothes.is/a/Hh1")
    assert [b["value"] for b in hyp["body"] if b["purpose"] == "tagging"] == ["mask-reveal"]  # alias resolved
    assert {i["id"] for i in items} >= {"#recogito-0", "#recogito-1", "#recogito-2"}


def test_importing_twice_changes_nothing(memory_store, tmp_path, text):
    path = recogito_file(tmp_path, text)
    import_file(memory_store, path, story="one-dance")
    before = memory_store.annotations("one-dance")
    again = import_file(memory_store, path, story="one-dance")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert memory_store.annotations("one-dance") == before


def test_lossless_round_trip(memory_store, tmp_path, text, store_path):
    import_file(memory_store, recogito_file(tmp_path, text), story="one-dance")
    import_file(memory_store, hypothesis_file(tmp_path, text), story="one-dance")
    first = export_jsonld(memory_store.annotations("one-dance"), "x")
    out = tmp_path / "out.jsonld"
    out.write_text(first)
    from annotator.store import Store

    fresh = Store(store_path)
    import_file(fresh, out)
    assert fresh.annotations("one-dance") == memory_store.annotations("one-dance")
    assert export_jsonld(fresh.annotations("one-dance"), "x") == first


@pytest.mark.parametrize(
    "over,match",
    [
        ({"body": [{"type": "TextualBody", "purpose": "tagging", "value": "mask-reveel"}]}, "did you mean 'mask-reveal'"),
        ({"created": "not a date"}, "ISO 8601"),
        ({"target": {"selector": [{"type": "TextPositionSelector", "start": 5, "end": 1}]}}, "empty or reversed"),
    ],
)
def test_one_bad_annotation_rejects_the_file(memory_store, tmp_path, text, over, match):
    with pytest.raises(InterchangeError, match=match) as e:
        import_file(memory_store, recogito_file(tmp_path, text, **over), story="one-dance")
    assert "#recogito-0" in str(e.value)
    assert memory_store.count() == 0


def test_unknown_hypothesis_tag_rejects(memory_store, tmp_path, text):
    with pytest.raises(InterchangeError, match="unknown trope 'weird tag'"):
        import_file(memory_store, hypothesis_file(tmp_path, text, tags=("weird tag",)), story="one-dance")
    assert memory_store.count() == 0


@pytest.mark.parametrize(
    "content,match",
    [
        ("", "empty"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an object"),
        ('{"type": "Banana"}', "unknown JSON-LD type"),
        ("<!doctype html><p>hi</p>", "not an annotated edition"),
        ("[" * 100000 + "]" * 100000, "nested too deeply|not valid JSON"),
    ],
)
def test_bad_files(memory_store, tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InterchangeError, match=match):
        import_file(memory_store, path, story="one-dance")
    assert memory_store.count() == 0


def test_binary_and_missing_files(memory_store, tmp_path):
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(InterchangeError, match="not UTF-8"):
        import_file(memory_store, path)
    with pytest.raises(InterchangeError, match="does not exist"):
        import_file(memory_store, tmp_path / "nope.json")


def test_orphans_are_kept_and_counted(memory_store, tmp_path, text):
    path = recogito_file(tmp_path, text, n=1)
    data = json.loads(path.read_text())
    data[0]["target"]["selector"] = [{"type": "TextQuoteSelector", "exact": "words that never appear in the story at all"}]
    path.write_text(json.dumps(data))
    r = import_file(memory_store, path, story="one-dance")
    assert r.orphans == ["#recogito-0"]
    [a] = memory_store.annotations("one-dance")
    assert a.orphan and a.quote.exact.startswith("words that never")


def test_csv_export_is_pandas_friendly_and_defuses_formulas(memory_store, tmp_path, text):
    import csv
    import io

    import_file(memory_store, recogito_file(tmp_path, text, n=1, body=[
        {"type": "TextualBody", "purpose": "commenting", "value": "=HYPERLINK(\"http://evil\")"}]), story="one-dance")
    rows = list(csv.DictReader(io.StringIO(export_csv(memory_store.annotations()))))
    assert rows[0]["note"].startswith("'=")
    assert rows[0]["story"] == "one-dance"
