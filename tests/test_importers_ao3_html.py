"""AO3 HTML downloads: text, chapters, metadata and the errors for files that are not one."""

from __future__ import annotations

import re

import pytest
from story_files import (
    MESSY_CHAPTER,
    MESSY_EXPECTED,
    Chapter,
    Work,
    ao3_html,
    chapter_body,
    three_chapter_work,
)

from annotator.errors import StoryError
from annotator.importers import read_story_file
from annotator.story import Story, count_words


def write(tmp_path, html, name="work.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def assert_canonical(text):
    """The invariants of every imported text."""
    assert (
        "\r" not in text
        and "\n\n\n\n" not in text
        and text.endswith("\n")
        and not text.startswith("\n")
    )
    for line in text.split("\n"):
        assert line == line.strip(), repr(line)
    assert not re.search(r"<[a-z/][^>]*>", text), "markup left in the text"


def test_one_chapter_messy_markup_becomes_canonical_text(tmp_path):
    work = Work(chapters=[Chapter("Chapter 1", MESSY_CHAPTER)])
    parsed = read_story_file(write(tmp_path, ao3_html(work)))
    assert parsed.text == "The Bridge at Dawn\n\n" + MESSY_EXPECTED + "\n"
    assert (
        parsed.chapters is None
        and parsed.format == "ao3-html"
        and parsed.id == "the-bridge-at-dawn"
    )
    assert_canonical(parsed.text)
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata)
    assert story.paragraphs[0].kind == "title"
    # * * * (centred), ~~~ and <hr> each start a scene; empty <p>s are gone.
    assert [p.scene_break_before for p in story.body_paragraphs].count(True) == 3
    assert "The note read:\nMeet me at the bridge.\nCome alone." in parsed.text


def test_rtl_emoji_and_entities_are_kept_exactly(tmp_path):
    parsed = read_story_file(
        write(tmp_path, ao3_html(Work(chapters=[Chapter("Chapter 1", MESSY_CHAPTER)])))
    )
    assert "שלום עליכם" in parsed.text and "مرحبا بالعالم" in parsed.text
    assert "🌸👩\u200d👩\u200d👧 ✨" in parsed.text  # the ZWJ family stays one emoji
    assert (
        "Iruka\u00a0stood" in parsed.text
        and "“You’re late,”" in parsed.text
        and "Fish <3" in parsed.text
    )


def test_multi_chapter_spans_headings_and_ids(tmp_path):
    parsed = read_story_file(write(tmp_path, ao3_html(three_chapter_work())))
    assert [c[0] for c in parsed.chapters] == [
        "Chapter 1: Rain",
        "Chapter 2",
        "Chapter 3: Dawn & After",
    ]
    for title, start, end in parsed.chapters:
        assert parsed.text[start:end].startswith(title + "\n\n") and parsed.text[end - 1] != "\n"
    assert parsed.text.startswith("Chapter 1: Rain\n\n")
    assert_canonical(parsed.text)
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata, chapters=parsed.chapters)
    assert [s.id for s in story.sections] == ["c1", "c2", "c3"]
    assert story.paragraph("c1-title").kind == "heading"  # not taken for the work's title
    assert story.paragraph("c3-title").kind == "heading"
    p = story.paragraph("c3-p2")
    assert story.text[p.start : p.end].startswith("In chapter 3, paragraph 2")
    assert story.paragraph("c2-p1").section == "c2"


def test_metadata_from_preface_chapters_and_afterword(tmp_path):
    meta = read_story_file(write(tmp_path, ao3_html(three_chapter_work()))).metadata
    assert meta["title"] == "The Bridge at Dawn" and meta["author"] == "inkwell_fox"
    assert meta["rating"] == "Teen And Up Audiences"
    assert meta["archive_warnings"] == ["No Archive Warnings Apply"]
    assert meta["category"] == ["M/M"] and meta["fandom"] == ["Naruto"]
    assert meta["relationship"] == ["Hatake Kakashi/Umino Iruka"]
    assert meta["characters"] == ["Hatake Kakashi", "Umino Iruka"]
    assert meta["additional_tags"] == ["Slow Burn", "Rain", "Fluff & Angst"]
    assert meta["language"] == "English" and meta["series"] == [{"part": 2, "title": "Bridges"}]
    assert meta["ao3_stats"] == {
        "published": "2021-03-04",
        "updated": "2021-05-06",
        "words": 12345,
        "chapters": "3/3",
    }
    assert meta["summary"] == "Two men, one bridge, a lot of rain.\n\nSecond summary paragraph."
    assert meta["notes"] == "Thanks to my beta!" and meta["end_notes"] == "Come say hi on the blog."
    assert meta["source"] == {"format": "ao3-html", "url": "https://archiveofourown.org/works/4242"}
    assert meta["ao3_work_id"] == 4242
    assert meta["chapters"] == [
        {
            "title": "Chapter 1: Rain",
            "summary": "It rains.",
            "notes": "Hello, readers!",
            "end_notes": "",
        },
        {"title": "Chapter 2", "summary": "", "notes": "", "end_notes": "Cliffhanger, sorry."},
        {
            "title": "Chapter 3: Dawn & After",
            "summary": "The end.",
            "notes": "Last one.",
            "end_notes": "Thank you for reading!",
        },
    ]


def test_word_count_comes_from_the_text_not_the_file(tmp_path):
    parsed = read_story_file(write(tmp_path, ao3_html(three_chapter_work())))
    assert "words" not in parsed.metadata
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata, chapters=parsed.chapters)
    assert story.metadata["words"] == count_words(parsed.text) != 12345


def test_plural_labels_many_authors_and_a_work_in_progress(tmp_path):
    work = Work(
        authors=("ann", "bo"),
        fandoms=("Naruto", "Boruto"),
        warnings=("Graphic Depictions Of Violence", "Major Character Death"),
        series=((1, "One"), (3, "Two, Three")),
        notes="",
        end_notes="",
        chapters=[Chapter("Chapter 1", chapter_body(1)), Chapter("Chapter 2", chapter_body(2))],
    )
    html = ao3_html(work).replace("Chapters: 2/2", "Chapters: 2/?")
    meta = read_story_file(write(tmp_path, html)).metadata
    assert meta["authors"] == ["ann", "bo"] and meta["author"] == "ann, bo"
    assert meta["fandom"] == ["Naruto", "Boruto"] and len(meta["archive_warnings"]) == 2
    assert meta["series"] == [{"part": 1, "title": "One"}, {"part": 3, "title": "Two, Three"}]
    assert (
        meta["ao3_stats"]["chapters"] == "2/?" and "notes" not in meta and "end_notes" not in meta
    )


def test_older_download_with_a_toc_heading_in_chapters(tmp_path):
    html = ao3_html(Work(chapters=[Chapter("Chapter 1", "<p>Only paragraph.</p>")]))
    html = html.replace(
        '<div id="chapters" class="userstuff">',
        '<div id="chapters" class="userstuff">\n<h2 class="toc-heading">The Bridge at Dawn</h2>',
    )
    assert read_story_file(write(tmp_path, html)).text == "The Bridge at Dawn\n\nOnly paragraph.\n"


def test_id_can_be_given(tmp_path):
    assert (
        read_story_file(write(tmp_path, ao3_html(three_chapter_work())), id="bridge").id == "bridge"
    )


@pytest.mark.parametrize(
    ("html", "message"),
    [
        (
            "<html><body><div id='preface'>x</div><p>hello</p></body></html>",
            "no #chapters div: this is not an AO3 download",
        ),
        ("<html><body><div id='chapters'><p>hello</p></div></body></html>", "no #preface div"),
        ("<html><body><p>A web page.</p></body></html>", "no #chapters div"),
    ],
)
def test_not_an_ao3_download(tmp_path, html, message):
    with pytest.raises(StoryError, match=message) as e:
        read_story_file(write(tmp_path, html, "page.html"))
    assert "page.html" in str(e.value)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.html"
    html = ao3_html(
        Work(chapters=[Chapter("Chapter 1", "<p>Un caf\u00e9, s'il vous pla\u00eet.</p>")])
    )
    path.write_bytes(html.encode("latin-1"))
    with pytest.raises(StoryError, match=r"latin\.html is not UTF-8 \(bad byte 0xe9 on line \d+"):
        read_story_file(path)


def test_chapter_with_only_an_image_keeps_its_heading(tmp_path):
    work = Work(
        chapters=[
            Chapter("Chapter 1: Art", '<p><img src="x.png" alt="art"/></p>'),
            Chapter("Chapter 2", chapter_body(2)),
        ]
    )
    parsed = read_story_file(write(tmp_path, ao3_html(work)))
    assert parsed.text.startswith("Chapter 1: Art\n\nChapter 2\n\n") and parsed.chapters[0] == (
        "Chapter 1: Art",
        0,
        14,
    )
