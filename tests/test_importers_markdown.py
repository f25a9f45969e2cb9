"""Markdown with YAML front matter."""

from __future__ import annotations

import pytest

from annotator.errors import StoryError
from annotator.importers import read_story_file
from annotator.story import Story

STORY = """\
---
title: The Lighthouse Keeper
authors: [A. Writer, B. Helper]
rating: General Audiences
fandoms: Original Work
relationships:
  - Mara/Tove
tags: Found Family, Storms
Archive Warnings: No Archive Warnings Apply
published: 2024-01-02
words: 99999
summary: |
  A keeper, a storm,
  and a boat that should not be out.
---
# The Lighthouse Keeper

## Chapter 1: Fog
The fog came in *at* dusk,
and **stayed**.\\
A hard break, then a [link](https://example.org) &amp; an entity.

~~~

After the tildes: no code fence.
---
Setext trap above: a scene break, not a heading.

## Chapter 2: Light
She lit the lamp. <br> A new line from raw HTML.

* * *

البحر هادئ — the sea is calm 🌊🕯️

⁂
"""


def write(tmp_path, text, name="keeper.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_maps_onto_ao3_fields(tmp_path):
    meta = read_story_file(write(tmp_path, STORY)).metadata
    assert meta["title"] == "The Lighthouse Keeper"
    assert meta["author"] == "A. Writer, B. Helper" and meta["authors"] == [
        "A. Writer",
        "B. Helper",
    ]
    assert meta["fandom"] == ["Original Work"] and meta["relationship"] == ["Mara/Tove"]
    assert meta["additional_tags"] == ["Found Family", "Storms"]
    assert meta["archive_warnings"] == ["No Archive Warnings Apply"]
    assert meta["published"] == "2024-01-02" and meta["summary"].startswith("A keeper, a storm,\n")
    assert "words" not in meta and meta["source"] == {"format": "markdown"}


def test_chapters_scene_breaks_and_breaks(tmp_path):
    parsed = read_story_file(write(tmp_path, STORY))
    assert parsed.id == "the-lighthouse-keeper"
    assert parsed.text == (
        "Chapter 1: Fog\n\n"
        "The fog came in at dusk, and stayed.\nA hard break, then a link & an entity.\n\n\n"
        "After the tildes: no code fence.\n\n\n"
        "Setext trap above: a scene break, not a heading.\n\n"
        "Chapter 2: Light\n\n"
        "She lit the lamp.\nA new line from raw HTML.\n\n\n"
        "البحر هادئ — the sea is calm 🌊🕯️\n"
    )
    story = Story.from_text(parsed.id, parsed.text, parsed.metadata, chapters=parsed.chapters)
    assert [s.title for s in story.sections] == ["Chapter 1: Fog", "Chapter 2: Light"]
    assert story.paragraph("c2-p2").scene_break_before
    assert [c["title"] for c in parsed.metadata["chapters"]] == [
        "Chapter 1: Fog",
        "Chapter 2: Light",
    ]


def test_no_front_matter_title_from_heading_or_file_name(tmp_path):
    parsed = read_story_file(write(tmp_path, "# Small Hours\n\nOne paragraph.\n"))
    assert (
        parsed.metadata["title"] == "Small Hours"
        and parsed.text == "Small Hours\n\nOne paragraph.\n"
    )
    parsed = read_story_file(write(tmp_path, "Just prose, no heading.\n", name="quiet_night.md"))
    assert parsed.metadata["title"] == "quiet night" and parsed.id == "quiet-night"
    assert parsed.text == "quiet night\n\nJust prose, no heading.\n"


def test_text_before_the_first_chapter_is_an_untitled_section(tmp_path):
    parsed = read_story_file(
        write(tmp_path, "---\ntitle: T\n---\nAn epigraph.\n\n# One\n\nA.\n\n# Two\n\nB.\n")
    )
    assert parsed.text == "An epigraph.\n\nOne\n\nA.\n\nTwo\n\nB.\n"
    assert parsed.chapters == [(None, 0, 12), ("One", 14, 21), ("Two", 23, 30)]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("---\ntitle: A\nauthor: [unclosed\n---\nText.\n", r"YAML front matter line 4: .*"),
        (
            "---\ntitle: A\nrating: x\n  bad: indent\n---\nText.\n",
            r"YAML front matter line 4: mapping values are not allowed here",
        ),
        ("---\ntitle: A\nnever closed\n", "YAML front matter opens on line 1 but never closes"),
        ("---\n- a list\n- not a mapping\n---\nText.\n", "expected 'key: value' lines"),
        (
            "---\nbase: &b {x: 1}\nother: *b\n---\nText.\n",
            r"line 3: YAML aliases \(\*name\) are not allowed",
        ),
        (
            "---\nx: !!python/object/apply:os.system ['true']\n---\nText.\n",
            "YAML front matter line 2",
        ),
    ],
)
def test_bad_front_matter_names_file_and_line(tmp_path, front, message):
    with pytest.raises(StoryError, match=message) as e:
        read_story_file(write(tmp_path, front, name="bad.md"))
    assert str(e.value).startswith("bad.md: ")


def test_front_matter_only_is_an_error(tmp_path):
    with pytest.raises(StoryError, match="no story text found"):
        read_story_file(write(tmp_path, "---\ntitle: Empty\n---\n\n"))
