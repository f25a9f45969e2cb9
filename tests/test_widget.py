"""The Reader widget without a browser: its Python API and its message protocol.

A ``FakePage`` stands in for reader.js: it calls the widget's message handler
directly and records what Python sends back.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time

import pytest

from annotator.errors import AnnotationError, StoryError, UnknownTropeError
from annotator.reading import Reading
from annotator.store import Store
from annotator.story import Story
from annotator.widget import Reader

EMOJI_TEXT = (
    "Masks 🎭 and Music\n\n"
    "He wore a 🦊 fox mask; she wore a 🐈‍⬛ cat mask.\n\n"
    "Later, 👀 they kissed.\n"
)


class FakePage:
    """Plays reader.js: sends requests to the Reader, collects its messages."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.sent: list[dict] = []
        self.seq = 0
        reader.surface.send = lambda content, buffers=None: self.sent.append(content)

    def request(self, type_: str, **payload) -> dict:
        self.seq += 1
        rid = f"t:{self.seq}"
        self.reader._on_msg(self.reader.surface, {"type": type_, "request": rid, **payload}, [])
        replies = [m for m in self.sent if m.get("request") == rid]
        assert replies, f"no reply to {type_}"
        return replies[-1]

    def of_type(self, kind: str) -> list[dict]:
        return [m for m in self.sent if m["type"] == kind]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "reader.db"


@pytest.fixture
def reader(db):
    r = Reader("one-dance", reader="ada", db=db, watch=False)
    yield r
    r.close()


@pytest.fixture
def page(reader):
    return FakePage(reader)


def span_of(story: Story, phrase: str) -> tuple[int, int]:
    start = story.text.index(phrase)
    return start, start + len(phrase)


# -- construction -------------------------------------------------------------------------


def test_reader_from_id_story_or_store(db, story):
    by_id = Reader("one-dance", reader="ada", db=db, watch=False)
    shipped = by_id.annotations
    assert by_id.story.id == "one-dance" and len(shipped) == 70  # the shipped reading
    by_id.close()

    with Store(db) as store:
        by_story = Reader(story, reader="bo", db=store, watch=False)
        assert by_story.story is story and by_story.store is store
        assert [a.id for a in by_story.annotations] == [a.id for a in shipped]
        by_story.close()
        assert store.count("one-dance") == 70  # a store passed in stays open


def test_default_store_is_annotator_db(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "env.db"))
    r = Reader(reader="ada", watch=False)
    assert str(r.store.path) == str(tmp_path / "env.db") and r.story.id == "one-dance"
    assert r.reader == "ada"
    r.close()


def test_bad_reader_name_or_story(db):
    with pytest.raises(AnnotationError, match="needs a name"):
        Reader(reader="  ", db=db, watch=False)
    with pytest.raises(AnnotationError, match="too long"):
        Reader(reader="x" * 200, db=db, watch=False)
    with pytest.raises(StoryError, match="no story 'nope'"):
        Reader("nope", db=db, watch=False)


def test_repr_is_short_and_stable(reader):
    text = repr(reader)
    assert text == "<Reader 'one-dance' for 'ada': 65 annotations>"
    assert "0x" not in text and "0x" not in repr(reader.surface)


def test_public_names():
    import annotator
    import annotator.widget as widget

    assert widget.__all__ == ["Reader", "ReaderSurface"]
    assert annotator.Reader is Reader


def test_front_end_files_load_as_esm_and_css(reader):
    esm = reader.surface._esm
    assert "export default" in esm
    # data never becomes markup: no HTML parsing APIs at all
    assert not re.search(
        r"\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|eval\(", esm
    )
    assert ".ann-root" in reader.surface._css


# -- the Python API ----------------------------------------------------------------------


def test_annotate_from_python_reaches_store_page_and_callbacks(reader, page, db, story):
    changes = []
    stop = reader.on_change(changes.append)
    start, end = span_of(story, "hound mask")
    a = reader.annotate(start, end, tropes=["Unmasking"], note="The mask.")
    assert a.tropes == ("mask-reveal",) and a.creator == "ada" and a.quote.exact == "hound mask"
    assert a in reader.annotations
    with Store(db) as other:
        assert other.get(a.id).note == "The mask."
    upserts = page.of_type("upsert")
    assert [x["id"] for x in upserts[-1]["annotations"]] == [a.id]
    sent = upserts[-1]["annotations"][0]
    assert (sent["start"], sent["end"], sent["creator"]) == (start, end, "ada")
    assert sent["exact"] is None  # the page slices placed quotes from the text itself
    assert changes[-1]["kind"] == "add" and changes[-1]["annotations"] == [a]
    assert reader.surface.can_undo == "add"
    stop()
    reader.annotate(start, end, tropes="slow-dance")
    assert len(changes) == 1


def test_edit_delete_link_undo_delegate_to_reading(reader, page, story):
    a = reader.annotate(*span_of(story, "hound mask"), tropes=["mask-reveal"])
    b = reader.annotate(*span_of(story, "Kakashi slipped his mask off"), tropes=["mask-reveal"])
    edited = reader.edit(a.id, note="Now with a note", colour="#f2c94c")
    assert (
        edited.note == "Now with a note"
        and edited.colour == "#f2c94c"
        and edited.tropes == a.tropes
    )
    link = reader.link(a.id, b.id)
    assert link.motivation == "linking"
    assert [(d, o.id) for d, o in reader.links_of(a.id)] == [("to", b.id)]
    assert [(d, o.id) for d, o in reader.links_of(b.id)] == [("from", a.id)]
    gone = reader.delete(b.id)
    assert {x.id for x in gone} == {b.id, link.id}
    assert page.of_type("remove")[-1]["ids"] == [b.id, link.id]
    assert reader.undo() == "delete"
    assert {b.id, link.id} <= {x.id for x in reader.annotations}
    assert reader.undo() == "link" and reader.undo() == "edit"
    assert reader.store.get(a.id).note == ""


def test_view_state_setters_validate(reader):
    reader.show = "mine"
    assert reader.surface.show == "mine"
    with pytest.raises(AnnotationError, match="everyone"):
        reader.show = "some"
    reader.trope_filter = "unmasking"
    assert reader.trope_filter == "mask-reveal" and reader._trope_menu.value == "mask-reveal"
    reader.trope_filter = None
    assert reader.surface.trope_filter == ""
    with pytest.raises(UnknownTropeError):
        reader.trope_filter = "mask revel"
    reader.hidden_tropes = ["Slow dance", ""]
    assert reader.hidden_tropes == ["slow-dance", ""]


def test_renaming_the_reader(reader, story):
    reader.reader = "  bo "
    assert (
        reader.reader == "bo" and reader.surface.reader == "bo" and reader._name_box.value == "bo"
    )
    assert reader.annotate(*span_of(story, "hound mask"), note="x").creator == "bo"
    reader._name_box.value = ""  # the text box: a bad name is refused and reverted
    assert reader.reader == "bo" and reader._name_box.value == "bo"
    assert "needs a name" in reader._message.value


def test_readers_share_the_store_they_open(db, story):
    one = Reader(story, reader="ada", db=db, watch=False)
    two = Reader(story, reader="ada", db=str(db), watch=False)
    assert one.store is two.store and one.store.user == "ada"  # it acts for its reader
    other = Reader(story, reader="bo", db=db, watch=False)
    assert other.store is not one.store and other.store.user == "bo"
    one.close()
    assert not two.store._closed and two.annotations
    two.close()
    assert two.store._closed and not other.store._closed
    other.close()
    three = Reader(story, reader="cy", db=db, watch=False)
    assert three.store is not one.store and three.annotations
    three.close()


def test_close_stops_everything(db):
    r = Reader(reader="ada", db=db)
    page = FakePage(r)
    r.close()
    r.close()  # twice is fine
    assert r._watcher.closed and r.store._closed  # it opened the store, so it closed it
    with Store(db) as other:
        other.delete(other.annotations("one-dance")[0].id)
    assert page.sent == []


# -- messages from the page ------------------------------------------------------------------


def test_load_reply_has_story_tropes_and_annotations(reader, page, story):
    reply = page.request("load")
    assert reply["type"] == "load"
    wire = reply["story"]
    rebuilt = wire["lead"] + "".join(p["text"] + p.get("after", "\n\n") for p in wire["paragraphs"])
    assert rebuilt == story.text and wire["length"] == len(story.text)
    p1 = next(p for p in wire["paragraphs"] if p["id"] == "p1")
    assert p1["kind"] == "dialogue" and p1["speaker"] == "Kurenai"
    assert p1["sentences"][0] == [0, 9] and p1["start"] == 11  # relative to the paragraph
    assert sum(p.get("sceneBreakBefore", False) for p in wire["paragraphs"]) == 4
    assert "speaker" not in next(
        p for p in wire["paragraphs"] if p["id"] == "p3"
    )  # defaults left out
    assert reply["more"] is False
    assert {t["id"] for t in reply["tropes"]} >= {"mask-reveal", "slow-dance"}
    mask = next(t for t in reply["tropes"] if t["id"] == "mask-reveal")
    assert mask["underline"] == "dashed" and mask["colour"].startswith("#")
    assert len(reply["annotations"]) == 70
    assert not page.of_type("ack")  # a load is answered by the load reply itself


def test_a_big_story_loads_text_first_then_annotations(db, monkeypatch):
    from annotator.widget import _messages

    monkeypatch.setattr(_messages, "SPLIT_LOAD_PARAGRAPHS", 10)
    r = Reader(reader="ada", db=db, watch=False)
    page = FakePage(r)
    page.request("load")
    load, upsert = page.sent
    assert load["type"] == "load" and load["more"] is True and load["annotations"] == []
    assert upsert["type"] == "upsert" and len(upsert["annotations"]) == 70
    r.close()


def test_a_big_load_comes_in_chunks_in_order(db, monkeypatch):
    import json

    from annotator.widget import _messages

    monkeypatch.setattr(_messages, "SPLIT_LOAD_PARAGRAPHS", 10)
    monkeypatch.setattr(_messages, "LOAD_CHUNK_BYTES", 3000)
    r = Reader(reader="ada", db=db, watch=False)
    page = FakePage(r)
    wire = _messages.cached_story_payload(r.story)
    page.request("load")
    kinds = [m["type"] for m in page.sent]
    load = page.sent[0]
    parts = load["parts"]
    # the text first: the reply and parts - 1 load-parts, then the annotations in upserts
    assert parts > 2 and kinds[:parts] == ["load"] + ["load-part"] * (parts - 1)
    assert set(kinds[parts:]) == {"upsert"} and len(kinds) - parts > 1
    assert all(m["request"] == load["request"] for m in page.sent[:parts])
    paragraphs = load["story"]["paragraphs"] + [p for m in page.sent[1:parts] for p in m["paragraphs"]]
    assert paragraphs == wire["paragraphs"]  # all of them, in order
    assert {k: v for k, v in load["story"].items() if k != "paragraphs"} == {
        k: v for k, v in wire.items() if k != "paragraphs"
    }
    upserts = page.sent[parts:]
    assert [u["more"] for u in upserts] == [True] * (len(upserts) - 1) + [False]
    ids = [a["id"] for u in upserts for a in u["annotations"]]
    assert len(ids) == len(set(ids)) == 70 and load["more"] is True and load["annotations"] == []
    # every message near the limit: over it by at most one item
    biggest_item = max(len(json.dumps(x)) for x in paragraphs + [a for u in upserts for a in u["annotations"]])
    for m in page.sent[1:]:
        assert len(json.dumps(m)) <= 3000 + biggest_item + 200
    r.close()


def test_a_big_load_with_no_annotations_still_ends_its_upserts(tmp_path, monkeypatch):
    from annotator.widget import _messages

    monkeypatch.setattr(_messages, "SPLIT_LOAD_PARAGRAPHS", 10)
    text = "\n\n".join(f"Paragraph {i} of a story nobody annotated yet." for i in range(30))
    story = Story.from_text("quiet", text, {"title": "Quiet"})
    r = Reader(story, reader="ada", db=tmp_path / "empty.db", watch=False)
    page = FakePage(r)
    page.request("load")
    assert [m["type"] for m in page.sent] == ["load", "upsert"]
    assert page.sent[1] == {"type": "upsert", "annotations": [], "more": False}
    r.close()


def test_chunked_splits_by_size_and_keeps_order():
    from annotator.widget._messages import chunked

    assert chunked([], len, 10) == [[]]
    assert chunked(["aaaa", "bbbb", "cc", "dddddddddddddd", "e"], len, 10) == [
        ["aaaa", "bbbb", "cc"], ["dddddddddddddd"], ["e"],
    ]  # fmt: skip


def test_annotate_edit_delete_undo_link_by_message(reader, page, story):
    start, end = span_of(story, "hound mask")
    ack = page.request(
        "annotate",
        start=start,
        end=end,
        exact="hound mask",
        tropes=["mask-reveal"],
        note=" hi ",
        colour=None,
    )
    assert ack["ok"] and ack["error"] is None
    ident = ack["result"]["id"]
    # the delta goes out before the acknowledgement, so the page can flash it
    kinds = [m["type"] for m in page.sent]
    assert kinds.index("upsert") < kinds.index("ack")
    assert reader.store.get(ident).note == "hi"

    ack = page.request("edit", id=ident, tropes=["mask-reveal", "first kiss"], note="edited")
    assert ack["ok"]
    got = reader.store.get(ident)
    assert got.tropes == ("mask-reveal", "first-kiss") and got.note == "edited"
    assert page.of_type("upsert")[-1]["annotations"][0]["note"] == "edited"

    other = reader.annotate(*span_of(story, "Kakashi slipped his mask off"), tropes=["mask-reveal"])
    ack = page.request("link", source=ident, target=other.id)
    assert ack["ok"] and reader.store.get(ack["result"]["id"]).links == (other.id,)

    ack = page.request("delete", id=ident)
    assert ack["ok"] and len(ack["result"]["ids"]) == 2  # the annotation and its link
    assert ident in page.of_type("remove")[-1]["ids"]

    ack = page.request("undo")
    assert ack["ok"] and ack["result"] == {"undone": "delete"}
    assert reader.store.get(ident).note == "edited"
    assert reader.surface.can_undo == "link"  # the change before the delete


def test_unknown_trope_is_refused_with_the_closest_id(reader, page, story):
    start, end = span_of(story, "hound mask")
    before = reader.store.count()
    ack = page.request("annotate", start=start, end=end, exact="hound mask", tropes=["mask revel"])
    assert not ack["ok"]
    assert ack["error"] == "Unknown trope 'mask revel'; did you mean 'mask-reveal'?"
    assert ack["suggestions"] == ["mask-reveal"]
    assert reader.store.count() == before


@pytest.mark.parametrize(
    ("start", "end", "exact", "message"),
    [
        (200, 100, None, "reversed"),
        (100, 100, None, "empty"),
        (-1, 10, None, "outside story"),
        (0, 10**7, None, "outside story"),
        ("5", 10, None, "whole number"),
        (9, 11, None, "white space"),
        (0, 9, "One Dunce", "disagree about the text"),
    ],
)
def test_bad_spans_are_refused_in_plain_words(page, start, end, exact, message):
    for kind in ("select", "annotate"):
        payload = {"start": start, "end": end, "tropes": ["fluff"]}
        if exact is not None:
            payload["exact"] = exact
        ack = page.request(kind, **payload)
        assert not ack["ok"] and message in ack["error"], ack["error"]
        assert ack["error"][0].isupper() and ack["error"].endswith((".", "?"))


def test_malformed_requests_get_an_error_ack(page):
    assert "unknown request" in page.request("explode")["error"]
    assert "list of names" in page.request("annotate", start=0, end=9, tropes="fluff")["error"]
    assert "bad id" in page.request("delete", id=None)["error"]
    assert "No annotation 'urn:x'" in page.request("delete", id="urn:x")["error"]


def test_selection_is_verified_by_python(reader, page, story):
    seen = []
    reader.observe(lambda change: seen.append(change["new"]), "selection")
    assert reader.selection is None
    start, end = span_of(story, "hound mask")
    ack = page.request("select", start=start, end=end, exact="hound mask")
    assert ack["ok"] and ack["result"] == {"start": start, "end": end, "exact": "hound mask"}
    assert reader.selection == {"start": start, "end": end, "exact": "hound mask"}
    bad = page.request("select", start=start, end=end, exact="hound mast")
    assert not bad["ok"] and reader.selection["exact"] == "hound mask"  # unchanged
    page.request("select", start=None, end=None)
    assert reader.selection is None and seen[0]["exact"] == "hound mask" and seen[-1] is None


def test_code_points_with_emoji(db):
    story = Story.from_text("emoji-test", EMOJI_TEXT, {"title": "Masks 🎭 and Music"})
    r = Reader(story, reader="ada", db=db, watch=False)
    page = FakePage(r)
    wire = page.request("load")["story"]
    for p in wire["paragraphs"]:
        assert p["text"] == EMOJI_TEXT[p["start"] : p["end"]]
        assert len(p["text"]) == p["end"] - p["start"]  # code points, not UTF-16 units
    start, end = span_of(story, "cat mask")
    assert start == EMOJI_TEXT.index("cat mask")
    utf16_start = len(EMOJI_TEXT[:start].encode("utf-16-le")) // 2
    assert utf16_start > start  # a page counting UTF-16 units would be off
    ack = page.request("select", start=start, end=end, exact="cat mask")
    assert ack["ok"] and r.selection["exact"] == "cat mask"
    wrong = page.request("select", start=utf16_start, end=utf16_start + 8, exact="cat mask")
    assert not wrong["ok"] and "disagree" in wrong["error"]
    ack = page.request("annotate", start=start, end=end, exact="cat mask", tropes=["mask-reveal"])
    assert r.store.get(ack["result"]["id"]).quote.exact == "cat mask"
    r.close()


# -- staying in sync ----------------------------------------------------------------------------


def test_two_readers_on_one_store_stay_in_sync(db, story):
    one = Reader(story, reader="ada", db=db, watch=False)
    two = Reader(story, reader="bo", db=db, watch=False)
    page_two = FakePage(two)
    heard = []
    two.on_change(heard.append)
    a = one.annotate(*span_of(story, "hound mask"), tropes=["mask-reveal"])
    assert page_two.of_type("upsert")[-1]["annotations"][0]["id"] == a.id
    assert heard[-1]["kind"] == "add" and heard[-1]["ids"] == [a.id]
    one.edit(a.id, note="changed")
    assert page_two.of_type("upsert")[-1]["annotations"][0]["note"] == "changed"
    one.delete(a.id)
    assert page_two.of_type("remove")[-1]["ids"] == [a.id]
    assert [c["kind"] for c in heard] == ["add", "update", "delete"]
    assert two.refresh() is False  # nothing is reported twice
    one.close()
    two.close()


def test_without_a_page_the_first_poll_only_takes_a_baseline(db, monkeypatch):
    # A story too big to boot from the opening state: nothing was shown yet.
    monkeypatch.setattr("annotator.widget._messages.BOOT_PARAGRAPHS", 0)
    reader = Reader("one-dance", reader="ada", db=db, watch=False)
    page = FakePage(reader)
    assert reader.surface.boot == b""
    _write_from_another_process(db)
    assert reader.refresh() is False and page.sent == []
    second = _write_from_another_process(db)
    assert reader.refresh() is True
    assert [a["id"] for a in page.of_type("upsert")[-1]["annotations"]] == [second]
    reader.close()


def test_boot_snapshot_is_in_the_opening_state_and_cleared_once_drawn(reader, page, story):
    boot = json.loads(reader.surface.boot)
    assert boot["story"]["id"] == "one-dance" and len(boot["story"]["paragraphs"]) == len(
        story.paragraphs
    )
    assert {a["id"] for a in boot["annotations"]} == {a.id for a in reader.annotations}
    assert boot["tropes"] and boot["rev"] == 0
    ack = page.request("booted", rev=boot["rev"])
    assert ack["ok"] and ack["result"] == {"resynced": False}
    assert reader.surface.boot == b""  # a second view asks with "load"
    assert page.of_type("upsert") == [] and page.of_type("remove") == []
    load = page.request("load")
    assert len(load["annotations"]) == len(boot["annotations"])


def test_changes_before_the_view_listened_reach_it_after_boot(db, story):
    # Deltas sent between the boot snapshot and the view's first message
    # were lost to that view: "booted" with a stale rev brings the difference.
    first = Reader("one-dance", reader="ada", db=db, watch=False)
    doomed = first.annotate(*span_of(story, "mask"), tropes=["mask-reveal"])
    first.close()
    reader = Reader("one-dance", reader="ada", db=db, watch=False)
    page = FakePage(reader)
    boot = json.loads(reader.surface.boot)
    assert doomed.id in {a["id"] for a in boot["annotations"]}
    added = reader.annotate(*span_of(story, "dance"), tropes=["first-kiss"])
    reader.delete(doomed.id)
    outside = _write_from_another_process(db)
    reader.refresh()
    page.clear()
    ack = page.request("booted", rev=boot["rev"])
    assert ack["result"] == {"resynced": True}
    assert [m["ids"] for m in page.of_type("remove")] == [[doomed.id]]
    upserted = {a["id"] for m in page.of_type("upsert") for a in m["annotations"]}
    assert {added.id, outside} <= upserted
    assert upserted == {a.id for a in reader.annotations}
    page.clear()
    assert reader.refresh() is False and page.sent == []  # nothing is reported twice
    reader.close()


def test_controls_follow_api_changes_made_before_they_were_built(db, monkeypatch):
    # In a kernel the controls wait for the page to have drawn the story.
    monkeypatch.setattr("annotator.widget._reader._kernel_loop", lambda: object())
    r = Reader("one-dance", reader="ada", db=db, watch=False)
    page = FakePage(r)
    assert r._controls.children == () and not r._controls_built
    r.trope_filter = "mask-reveal"
    r.show = "mine"
    page.request("booted", rev=json.loads(r.surface.boot)["rev"])
    assert r._trope_menu.value == "mask-reveal" and r._show_toggle.value == "mine"
    assert r.surface.trope_filter == "mask-reveal" and len(r._controls.children) == 6
    page.request("booted", rev=0)  # a second view: nothing is built twice
    assert len(r._controls.children) == 6
    r.close()


def test_a_reader_no_page_ever_showed_closes(db, monkeypatch):
    # In a kernel without a front end (nbval, a script), the controls never come.
    monkeypatch.setattr("annotator.widget._reader._kernel_loop", lambda: object())
    r = Reader("one-dance", reader="ada", db=db, watch=False)
    assert not r._controls_built
    r.close()
    assert r.surface.comm is None


def test_controls_are_built_by_a_load_request_and_by_the_python_api(db, monkeypatch):
    monkeypatch.setattr("annotator.widget._reader._kernel_loop", lambda: object())
    r = Reader("one-dance", reader="ada", db=db, watch=False)
    FakePage(r).request("load")
    assert r._controls_built
    r.close()
    r = Reader("one-dance", reader="ada", db=db, watch=False)
    r.reader = "bo"  # the name box must show it
    assert r._controls_built and r._name_box.value == "bo"
    r.close()


def test_other_stories_are_not_reported(db, story):
    r = Reader(story, reader="ada", db=db, watch=False)
    page = FakePage(r)
    other = Story.from_text("other-story", "Other\n\nSome text here.\n", {"title": "Other"})
    r2 = Reader(other, reader="ada", db=db, watch=False)
    r2.annotate(7, 11, tropes=["fluff"])
    assert page.sent == []
    r.close()
    r2.close()


def _write_from_another_process(db, story_id="one-dance"):
    code = textwrap.dedent(
        f"""
        from annotator.library import load_story
        from annotator.reading import Reading
        from annotator.store import Store
        store = Store({str(db)!r})
        story = load_story({story_id!r})
        a = Reading(story, store, "cli").annotate(11, 20, tropes=["banter"])
        print(a.id)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_changes_by_another_process_arrive_on_refresh(reader, page, db):
    page.request("load")  # what the page was shown is the baseline
    ident = _write_from_another_process(db)
    assert page.of_type("upsert") == []  # no in-process notification for another process
    assert reader.refresh() is True
    assert page.of_type("upsert")[-1]["annotations"][0]["id"] == ident
    with Store(db) as other:  # a delete through another connection
        other.delete(ident)
    assert page.of_type("remove")[-1]["ids"] == [ident]  # same process: notified at once
    assert reader.refresh() is False  # and the poll does not repeat it


def test_other_processes_are_followed_by_themselves(db):
    r = Reader(reader="ada", db=db)
    page = FakePage(r)
    page.request("load")
    heard = []
    r.on_change(heard.append)
    ident = _write_from_another_process(db)
    deadline = time.monotonic() + 5
    while not heard and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heard and heard[0]["ids"] == [ident]
    assert page.of_type("upsert")[-1]["annotations"][0]["id"] == ident
    r.close()


# -- suggestions in the gutter ------------------------------------------------------------


def _hints_for(page, pid):
    pushes = [m for m in page.of_type("hints") if pid in m["paragraphs"]]
    assert pushes, f"no hints were sent for {pid}"
    return [h for h in pushes[-1]["hints"] if h["paragraph"] == pid]


def test_suggestions_are_off_by_default_and_come_on_request(reader, page):
    assert reader.show_suggestions is False and reader._suggest_button.value is False
    page.request("load")
    assert page.of_type("hints") == []  # nothing is computed until the reader asks
    ack = page.request("hints", paragraphs=None)
    assert ack["ok"] and ack["result"]["count"] > 50
    push = page.of_type("hints")[-1]
    assert len(push["paragraphs"]) == len(reader.story.body_paragraphs)
    first = push["hints"][0]
    assert set(first) >= {"paragraph", "start", "end", "trope", "score", "evidence", "spans"}
    assert "story" not in first and 0 < first["score"] <= 1
    text = reader.story.text
    assert all(text[a:b] == w for (a, b), w in zip(first["spans"], first["evidence"]))
    page.clear()
    ack = page.request("hints", paragraphs=["p3", "p8"])
    assert ack["ok"] and page.of_type("hints")[-1]["paragraphs"] == ["p3", "p8"]
    assert {h["paragraph"] for h in page.of_type("hints")[-1]["hints"]} <= {"p3", "p8"}
    assert "no paragraph" in page.request("hints", paragraphs=["p999"])["error"].lower()
    # the toggle is the ipywidgets button, linked to the page's trait
    reader._suggest_button.value = True
    assert reader.surface.suggestions is True and reader.show_suggestions is True


def test_accepting_a_hint_by_message_makes_the_readers_annotation(reader, page):
    from annotator.suggest import ACCEPTED_FROM

    reader.show_suggestions = True
    page.request("hints", paragraphs=["p3"])
    hint = _hints_for(page, "p3")[0]
    page.clear()
    ack = page.request("accept", paragraph="p3", trope=hint["trope"])
    assert ack["ok"], ack["error"]
    a = reader.store.get(ack["result"]["id"])
    assert a.creator == "ada" and a.tropes == (hint["trope"],)
    assert (a.start, a.end) == (hint["start"], hint["end"])
    assert a.extra[ACCEPTED_FROM] == hint["generator"]
    kinds = [m["type"] for m in page.sent]
    assert kinds.index("upsert") < kinds.index("hints") < kinds.index("ack")  # highlight, then hints
    assert hint["trope"] not in {h["trope"] for h in _hints_for(page, "p3")}  # tagged: not offered
    assert reader.surface.can_undo == "add"
    # accepting it again is refused in plain words
    again = page.request("accept", paragraph="p3", trope=hint["trope"])
    assert not again["ok"] and "not suggested for paragraph 3 any more" in again["error"]
    reader.undo()
    assert hint["trope"] in {s.trope for s in reader.suggestions if s.paragraph == "p3"}


def test_dismissing_a_hint_is_remembered_across_readers_and_sessions(db, story):
    r = Reader(story, reader="ada", db=db, watch=False, suggestions=True)
    page = FakePage(r)
    page.request("hints", paragraphs=["p8"])
    hint = _hints_for(page, "p8")[0]
    ack = page.request("dismiss", paragraph="p8", trope=hint["trope"])
    assert ack["ok"]
    assert hint["trope"] not in {h["trope"] for h in _hints_for(page, "p8")}
    assert r.store.count("one-dance") == 70  # a dismissal is not an annotation
    r.close()

    again = Reader(story, reader="ada", db=db, watch=False)  # a new session (kernel restart)
    assert (("p8", hint["trope"])) not in {s.key for s in again.suggestions}
    other = Reader(story, reader="bo", db=db, watch=False)  # dismissals are per reader
    assert ("p8", hint["trope"]) in {s.key for s in other.suggestions}
    other.close()
    assert again.undismiss_suggestion(("p8", hint["trope"])) is True
    assert ("p8", hint["trope"]) in {s.key for s in again.suggestions}
    again.close()


def test_suggestion_api_in_python(reader, page, story):
    s = next(x for x in reader.suggestions if x.paragraph == "p16")
    a = reader.accept_suggestion(s)
    assert a.tropes == (s.trope,) and story.text[a.start : a.end] == story.text[s.start : s.end]
    assert page.of_type("hints") == []  # suggestions off: the page is not sent hints
    reader.show_suggestions = True
    other = next(x for x in reader.suggestions if x.paragraph == "p16")
    d = reader.dismiss_suggestion((other.paragraph, other.trope))
    assert (d.paragraph, d.trope, d.reader) == ("p16", other.trope, "ada")
    assert other.trope not in {h["trope"] for h in _hints_for(page, "p16")}
    with pytest.raises(AnnotationError, match="not suggested"):
        reader.dismiss_suggestion(other)
    with pytest.raises(AnnotationError, match="a \\(paragraph id, trope\\) pair"):
        reader.accept_suggestion("p16")


# -- the acting user and audiences ------------------------------------------------------------


def test_the_store_acts_for_the_reader(reader, page, story):
    from annotator.errors import PermissionDeniedError

    assert reader.store.user == "ada"
    with Store(reader.store.path) as admin:
        theirs = Reading(story, admin, "bo").annotate(*span_of(story, "hound mask"), note="bo's")
        hidden = Reading(story, admin, "bo").annotate(
            *span_of(story, "hound mask"), note="secret", audience="private"
        )
    reader.refresh()
    ids = {a.id for a in reader.annotations}
    assert theirs.id in ids and hidden.id not in ids  # bo's private note stays bo's
    ack = page.request("edit", id=theirs.id, note="mine now")
    assert not ack["ok"]
    assert ack["error"] == "This annotation is bo's: you can edit only your own (you are reading as ada)."
    assert "your own" in page.request("delete", id=theirs.id)["error"]
    with pytest.raises(PermissionDeniedError):
        reader.delete(theirs.id)


def test_audience_travels_to_the_page_and_back(reader, page, story):
    page.request("load")
    assert all(a["audience"] == "public" for a in page.of_type("load")[-1]["annotations"])
    start, end = span_of(story, "hound mask")
    ack = page.request(
        "annotate", start=start, end=end, exact="hound mask", note="n", audience="private"
    )
    assert ack["ok"] and reader.store.get(ack["result"]["id"]).audience == "private"
    assert page.of_type("upsert")[-1]["annotations"][0]["audience"] == "private"
    ident = ack["result"]["id"]
    assert page.request("edit", id=ident, audience="public")["ok"]
    assert reader.store.get(ident).audience == "public"
    # groups: the audience menu lists the reader's groups
    assert reader.groups == [] and reader.surface.groups == []
    reader.store.create_group("book-club")
    assert reader.groups == ["book-club"] and reader.surface.groups == ["book-club"]
    assert page.request("edit", id=ident, audience="group:book-club")["ok"]
    bad = page.request("edit", id=ident, audience="group:strangers")
    assert not bad["ok"] and bad["error"].startswith("You (ada) are not in the group 'strangers'")
    a = reader.annotate(start, end, note="for me", audience="private")
    assert reader.edit(a.id, audience="group:book-club").audience == "group:book-club"


def test_an_annotation_made_private_leaves_other_pages(db, story):
    ada = Reader(story, reader="ada", db=db, watch=False)
    bo = Reader(story, reader="bo", db=db, watch=False)
    assert ada.store is not bo.store
    page = FakePage(bo)
    page.request("load")
    a = ada.annotate(*span_of(story, "hound mask"), tropes=["mask-reveal"])
    assert page.of_type("upsert")[-1]["annotations"][0]["id"] == a.id
    ada.edit(a.id, audience="private")
    assert page.of_type("remove")[-1]["ids"] == [a.id]  # bo may no longer see it
    ada.edit(a.id, note="still private")
    assert page.of_type("remove")[-1]["ids"] == [a.id] and len(page.of_type("remove")) == 1
    ada.edit(a.id, audience="public")
    assert page.of_type("upsert")[-1]["annotations"][0]["id"] == a.id
    ada.close()
    bo.close()


def test_an_annotation_gone_behind_the_pages_back_is_dropped_in_plain_words(reader, page, db):
    page.request("load")
    ident = _write_from_another_process(db)
    reader.refresh()
    code = f"from annotator.store import Store; Store({str(db)!r}).delete({ident!r})"
    subprocess.run([sys.executable, "-c", code], check=True)  # this Reader does not watch
    page.clear()
    ack = page.request("edit", id=ident, note="x")
    assert not ack["ok"]
    assert ack["error"] == (
        "That annotation is no longer here: it was deleted, or it is no longer shared with you."
    )
    assert page.of_type("remove")[-1]["ids"] == [ident]


def test_renaming_opens_the_store_for_the_new_reader(reader, page, story):
    page.request("load")
    mine = reader.annotate(*span_of(story, "hound mask"), note="ada only", audience="private")
    page.clear()
    reader._name_box.value = "bo"
    assert reader.reader == "bo" and reader.store.user == "bo" and reader.surface.reader == "bo"
    assert page.of_type("remove")[-1]["ids"] == [mine.id]  # bo may not see ada's private note
    assert mine.id not in {a.id for a in reader.annotations}
    assert reader.surface.can_undo == ""  # ada's undo is not bo's
    assert reader.annotate(*span_of(story, "hound mask"), note="bo's").creator == "bo"
    page.clear()
    reader.reader = "ada"
    assert [a["id"] for a in page.of_type("upsert")[-1]["annotations"]] == [mine.id]


def test_a_store_opened_for_someone_else_is_refused(db, story):
    from annotator.errors import PermissionDeniedError

    with Store(db, user="ada") as store:
        with pytest.raises(PermissionDeniedError, match="open for 'ada'"):
            Reader(story, reader="bo", db=store, watch=False)
        r = Reader(story, reader="ada", db=store, watch=False)
        r._name_box.value = "bo"  # the page's name box: refused, reverted, explained
        assert r.reader == "ada" and r._name_box.value == "ada"
        assert "open for 'ada'" in r._message.value
        r.close()


def test_reader_on_a_shared_postgresql_store(postgres_url, story):
    ada = Reader(story, reader="ada", db=postgres_url, watch=False)
    bo = Reader(story, reader="bo", db=postgres_url, watch=False)
    assert ada.store.backend == "postgresql" and ada.store.user == "ada"
    assert len(ada.annotations) == 70  # a new store starts with the shipped reading
    page = FakePage(bo)
    page.request("load")
    a = ada.annotate(*span_of(story, "hound mask"), tropes=["mask-reveal"], audience="private")
    assert a.id not in {x.id for x in bo.annotations}
    s = bo.suggestions[0]
    bo.dismiss_suggestion(s)
    bo.close()
    again = Reader(story, reader="bo", db=postgres_url, watch=False)
    assert s.key not in {x.key for x in again.suggestions}
    again.close()
    ada.close()


def test_the_readers_hints_are_suggest_hints(reader, story):
    from annotator.suggest import hints

    s = next(x for x in reader.suggestions if x.paragraph == "p3")
    reader.accept_suggestion(s)
    reader.dismiss_suggestion(next(x for x in reader.suggestions if x.paragraph == "p8"))
    reader.annotate(*span_of(story, "hound mask"), tropes=["mask-reveal"])
    assert reader.suggestions == hints(reader.reading)  # the same, only faster
    some = ["p3", "p8", "p12", "p40"]
    assert reader._hints(some) == hints(reader.reading, some)
    assert reader._hints(some, top=None) == hints(reader.reading, some, top=None)


def test_the_audience_menu_follows_group_changes(db, story):
    r = Reader(story, reader="ada", db=db)  # watching: a group change is a store-wide notice
    assert r.surface.groups == []
    r.store.create_group("book-club")
    assert r.surface.groups == ["book-club"]
    with Store(db) as admin:
        admin.create_group("poets")
        admin.add_members("poets", ["ada"])
    assert r.surface.groups == ["book-club", "poets"]
    r.close()


def test_leaving_a_group_takes_its_annotations_off_the_page(db, story):
    with Store(db) as admin:
        admin.create_group("club")
        admin.add_members("club", ["ada", "bo"])
    bo = Reader(story, reader="bo", db=db, watch=False)
    shared = bo.annotate(*span_of(story, "hound mask"), note="for the club", audience="group:club")
    ada = Reader(story, reader="ada", db=db)
    page = FakePage(ada)
    page.request("load")
    assert shared.id in {a["id"] for a in page.of_type("load")[-1]["annotations"]}
    with Store(db) as admin:
        admin.remove_members("club", ["ada"])
    assert page.of_type("remove")[-1]["ids"] == [shared.id]
    assert ada.surface.groups == []
    ada.close()
    bo.close()


def test_a_story_imported_into_the_given_store_opens_by_id(tmp_path):
    # Not only the default store: the one passed as db.
    db = tmp_path / "other.db"
    story = Story.from_text("imported-tale", "Tale\n\nOnce upon a time.\n", {"title": "Tale"})
    with Store(db) as store:
        store.save_story_text(story.id, story.version, story.title, story.text, {}, [], source="test")
    r = Reader("imported-tale", reader="ada", db=db, watch=False)
    assert r.story.text == story.text
    r.close()
    with pytest.raises(StoryError, match="imported-tale"):
        Reader("imported-tale", reader="ada", db=tmp_path / "empty.db", watch=False)
