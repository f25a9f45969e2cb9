from __future__ import annotations

from pathlib import Path

import pytest

from annotator.errors import SpanError, StoryError
from annotator.story import Story, count_words

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "one-dance.txt"


def test_story_file_is_a_byte_for_byte_copy_of_the_seed():
    ours = (ROOT / "story" / "one-dance.txt").read_bytes()
    if SEED.exists():
        assert ours == SEED.read_bytes()
    # Curly apostrophe, ellipses and the no-break space survive as they are.
    assert "’".encode() in ours and "…".encode() in ours and "\xa0".encode() in ours


def test_canonical_text_is_the_file_text(story):
    raw = (ROOT / "story" / "one-dance.txt").read_bytes().decode("utf-8")
    assert story.text == raw
    assert story.title == "One Dance"


def test_metadata_has_ao3_fields_and_computed_word_count(story):
    m = story.metadata
    for field in ("title", "fandom", "relationship", "characters", "rating", "category",
                  "additional_tags", "language", "summary"):
        assert m[field], field
    assert m["fandom"] == ["Naruto"]
    assert m["relationship"] == ["Hatake Kakashi/Umino Iruka"]
    assert m["author"] is None  # unknown: we invent nothing
    assert m["words"] == count_words(story.text)
    assert 3000 < m["words"] < 3200


def test_paragraphs_cover_the_text_in_order(story):
    ps = story.paragraphs
    assert ps[0].id == "title" and ps[0].kind == "title"
    assert [p.number for p in ps[1:4]] == [1, 2, 3]
    assert all(a.end <= b.start for a, b in zip(ps, ps[1:]))
    for p in ps:
        block = story.text[p.start : p.end]
        assert block == block.strip("\n") and block.strip()
    # Every non-blank character belongs to some paragraph.
    covered = sum(p.end - p.start for p in ps)
    assert covered == sum(len(b.strip(" \n")) for b in story.text.split("\n\n") if b.strip())


def test_paragraph_ids_are_stable(story):
    assert story.paragraph("p1").start == story.text.index('"Kakashi! You')
    assert story.text[story.paragraph("p3").start :].startswith("Kakashi's eyes widened")
    with pytest.raises(StoryError, match="no paragraph 'p999'"):
        story.paragraph("p999")


def test_scene_breaks_follow_runs_of_three_newlines(story):
    breaks = [p for p in story.paragraphs if p.scene_break_before]
    assert len(breaks) == 4
    assert story.text[breaks[0].start :].startswith('"You\'ve been really sweet."')
    assert story.text[breaks[-1].start :] == "They were too late."
    assert [p.scene for p in breaks] == [1, 2, 3, 4]


def test_kinds(story):
    kinds = {p.id: p.kind for p in story.paragraphs}
    assert kinds["p1"] == "dialogue"
    assert kinds["p3"] == "narration"
    assert Story.from_text("x", 'He stopped. "Wait," she said, and the long narration went on and on and on.').paragraphs[0].kind == "mixed"


def test_sentences_split_lines_and_keep_abbreviations(story):
    p3 = story.paragraph("p3")
    lines = [story.text[s.start : s.end] for s in p3.sentences]
    assert lines[0].startswith("Kakashi's eyes widened") and lines[0].endswith("dance floor.")
    assert len(lines) == 4
    assert [s.id for s in p3.sentences][:2] == ["p3-s1", "p3-s2"]
    senju = next(p for p in story.paragraphs if "Y-Yes, Ms. Senju?" in story.text[p.start : p.end])
    assert not any(story.text[s.start : s.end].endswith("Ms.") for s in senju.sentences)


def test_check_span(story):
    assert story.check_span(10, 20) == (10, 20)
    with pytest.raises(SpanError, match="empty"):
        story.check_span(5, 5)
    with pytest.raises(SpanError, match="reversed"):
        story.check_span(9, 5)
    with pytest.raises(SpanError, match="outside"):
        story.check_span(0, len(story.text) + 1)
    with pytest.raises(SpanError, match="whole number"):
        story.check_span("1", 4)
    with pytest.raises(SpanError, match="white space"):
        story.check_span(9, 11)


@pytest.mark.parametrize("bad", ["", "Not A Slug", "../etc", "a_b"])
def test_bad_ids_and_texts(bad):
    with pytest.raises(StoryError):
        Story.from_text(bad or "x", "" if not bad else "text")


def test_emoji_offsets_are_code_points():
    s = Story.from_text("emoji", "Title\n\nA 🎭 mask. Then 🕺 dance.\n\nMore.")
    p = s.paragraph("p1")
    assert s.text[p.start : p.end] == "A 🎭 mask. Then 🕺 dance."
    assert s.to_dict()["paragraphs"][1]["start"] == 7


def test_repr_and_to_dict(story):
    assert repr(story).startswith("<Story 'one-dance'") and "0x" not in repr(story)
    d = story.to_dict()
    assert d["text"] == story.text and d["paragraphs"][1]["id"] == "p1"


def test_multi_chapter_ids():
    text = "Chapter 1\n\nOne.\n\nTwo.\n\nChapter 2\n\nThree."
    s = Story.from_text("two-ch", text, {"title": "Two"}, chapters=[("Chapter 1", 0, 22), ("Chapter 2", 22, len(text))])
    ids = [p.id for p in s.paragraphs]
    assert "c1-p1" in ids and "c2-p1" in ids
