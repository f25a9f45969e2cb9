"""Plain text with blank-line paragraphs, and the checks every story file gets."""

from __future__ import annotations

import pytest

from annotator.errors import StoryError
from annotator.importers import MAX_STORY_FILE, detect_format, read_story_file
from annotator.story import Story


def write(tmp_path, data, name="night-train.txt"):
    path = tmp_path / name
    (
        path.write_bytes
        if isinstance(data, bytes)
        else lambda d: path.write_text(d, encoding="utf-8")
    )(data)
    return path


def test_paragraphs_lines_and_scene_breaks(tmp_path):
    source = (
        "\ufeffNight Train\r\n\r\n"
        "The train left at nine.   \r\n"
        "  Nobody waved.\r\n\r\n"
        "   \r\n"
        "* * *\r\n\r\n"
        "A message: 🚆💨\r\n\r\n"
        "שלום, said the conductor.\r\n\r\n\r\n"
        "Morning, somewhere else.\r\n"
    )
    parsed = read_story_file(write(tmp_path, source.encode("utf-8")))
    assert parsed.text == (
        "Night Train\n\nThe train left at nine.\nNobody waved.\n\n\n"
        "A message: 🚆💨\n\nשלום, said the conductor.\n\n\nMorning, somewhere else.\n"
    )
    assert (
        parsed.metadata["title"] == "Night Train"
        and parsed.chapters is None
        and parsed.id == "night-train"
    )
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata)
    assert story.paragraphs[0].kind == "title"
    assert [p.scene for p in story.body_paragraphs] == [0, 1, 1, 2]


def test_double_spacing_everywhere_is_not_a_scene_break(tmp_path):
    parsed = read_story_file(
        write(tmp_path, "Title Here\n\n\nOne.\n\n\nTwo.\n\n\nThree.\n\nFour.\n")
    )
    assert parsed.text == "Title Here\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n"


def test_chapter_headings(tmp_path):
    source = (
        "The Long Way\n\nChapter One: Departure\n\nThey left.\n\nPart one was easy.\n\n"
        "Chapter 2\n\nThey came back.\n\nEpilogue\n\nHome.\n"
    )
    parsed = read_story_file(write(tmp_path, source))
    assert [c[0] for c in parsed.chapters] == ["Chapter One: Departure", "Chapter 2", "Epilogue"]
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata, chapters=parsed.chapters)
    assert story.text[story.paragraph("c1-p2").start :].startswith("Part one was easy.")
    assert story.paragraph("c3-title").kind == "heading"


def test_a_single_chapter_line_is_just_a_paragraph(tmp_path):
    parsed = read_story_file(
        write(tmp_path, "Chapter 1\n\nOnly one chapter here.\n", name="one.txt")
    )
    assert parsed.chapters is None and parsed.metadata["title"] == "one"
    assert parsed.text == "one\n\nChapter 1\n\nOnly one chapter here.\n"


def test_detect_format_and_unsupported_extensions(tmp_path):
    assert [detect_format(f"x{e}") for e in (".html", ".HTM", ".epub", ".md", ".markdown", ".txt")] == [
        "ao3-html", "ao3-html", "epub", "markdown", "markdown", "text",
    ]  # fmt: skip
    with pytest.raises(
        StoryError,
        match=r"story\.docx: cannot import a \.docx file; annotator reads \.epub, .*\.txt",
    ):
        read_story_file(write(tmp_path, b"PK\x03\x04", name="story.docx"))
    with pytest.raises(StoryError, match="README: cannot import a file without an extension"):
        read_story_file(write(tmp_path, b"text", name="README"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty.txt is empty: there is no story in it"),
        (b"  \n\n \t\n", "empty.txt is empty"),
        (b"Caf\xe9 au lait.\n", r"empty.txt is not UTF-8 \(bad byte 0xe9 on line 1, offset 3\)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "empty.txt is a binary file"),
    ],
)
def test_bad_text_files(tmp_path, data, message):
    with pytest.raises(StoryError, match=message):
        read_story_file(write(tmp_path, data, name="empty.txt"))


def test_missing_folder_and_huge_files(tmp_path):
    with pytest.raises(StoryError, match="no such file"):
        read_story_file(tmp_path / "gone.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(StoryError, match="is a folder"):
        read_story_file(tmp_path / "dir.txt")
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_STORY_FILE + 1)  # sparse: no real disk use
    with pytest.raises(
        StoryError, match=r"big.txt is 64 MiB; annotator imports story files up to 64 MiB"
    ):
        read_story_file(big)
