"""Markdown with YAML front matter: the format for writing a story by hand.

::

    ---
    title: The Lighthouse Keeper
    author: A. Writer
    fandom: Original Work
    tags: [Found Family, Storms]
    ---
    ## Chapter 1: Fog
    The fog came in at dusk...

The front matter is read with ``yaml.safe_load`` (aliases refused), and its
keys are mapped onto AO3's fields (``tags`` → ``additional_tags``,
``relationships`` → ``relationship``...). The body is CommonMark, rendered by
markdown-it-py and read by the shared HTML converter, so soft line breaks
join lines and hard ones (two trailing spaces, a backslash) keep them.
Chapters are the top-level headings (``#``, or ``##`` when the only ``#``
is the title). A line that is a scene-break divider (``~~~``, ``* * *``,
``---``, ``⁂``) is always a scene break, never a code fence or a setext
heading underline.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import yaml
from markdown_it import MarkdownIt

from ..errors import StoryError
from ._html import blocks_of, local_name, soup, text_of
from ._text import ChapterDraft, assemble, is_divider, one_line

_FENCE_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_LISTS = ("fandom", "relationship", "characters", "additional_tags", "archive_warnings", "category")
_ALIASES = {
    "tags": "additional_tags",
    "freeform": "additional_tags",
    "freeforms": "additional_tags",
    "additional_tag": "additional_tags",
    "relationships": "relationship",
    "pairing": "relationship",
    "pairings": "relationship",
    "fandoms": "fandom",
    "character": "characters",
    "warnings": "archive_warnings",
    "warning": "archive_warnings",
    "archive_warning": "archive_warnings",
    "categories": "category",
    "authors": "author",
    "by": "author",
    "description": "summary",
    "endnotes": "end_notes",
    "lang": "language",
}


class _NoAliasLoader(yaml.SafeLoader):
    """``safe_load`` without anchors and aliases, which can blow up into huge documents."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in front matter", event.start_mark
            )
        return super().compose_node(parent, index)


def parse(
    data: bytes, name: str
) -> tuple[str, str, dict[str, Any], list[tuple[str | None, int, int]] | None]:
    """Read a Markdown story.

    Raises:
        StoryError: not UTF-8, or bad front matter (with its line number).
    """
    from . import decode

    source = decode(data, name).replace("\r\n", "\n").replace("\r", "\n")
    metadata, body = front_matter(source, name)
    html = MarkdownIt("commonmark").render(_dividers_as_breaks(body))
    doc = soup(f"<html><body>{html}</body></html>")
    title, chapters = _chapters(doc.body, metadata.get("title"))
    metadata["title"] = title or re.sub(r"[-_]+", " ", name.rsplit(".", 1)[0]).strip() or "Untitled"
    if len(chapters) > 1:
        metadata["chapters"] = [
            {"title": c.title, "summary": "", "notes": "", "end_notes": ""} for c in chapters
        ]
    metadata["source"] = {"format": "markdown"}
    text, spans = assemble(metadata["title"], chapters)
    return metadata["title"], text, metadata, spans


def front_matter(source: str, name: str) -> tuple[dict[str, Any], str]:
    """Split off and read the YAML front matter.

    Returns:
        ``(metadata with AO3 field names, the Markdown body)``.

    Raises:
        StoryError: unterminated, not YAML, or not a mapping; names the file line.
    """
    first, _, rest = source.partition("\n")
    if first.rstrip() != "---":
        return {}, source
    end = _FENCE_END.search(rest)
    if end is None:
        raise StoryError(
            f"{name}: YAML front matter opens on line 1 but never closes: add a line '---' after it"
        )
    raw = rest[: end.start()]
    body = rest[end.end() :].lstrip("\n")
    try:
        loaded = yaml.load(raw, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 2}" if mark is not None else "(line unknown)"
        problem = getattr(e, "problem", None) or str(e)
        context = getattr(e, "context", None)
        raise StoryError(
            f"{name}: YAML front matter {line}: {problem}" + (f" ({context})" if context else "")
        ) from None
    if loaded is None:
        return {}, body
    if not isinstance(loaded, dict):
        raise StoryError(
            f"{name}: YAML front matter line 2: expected 'key: value' lines "
            "(title: ..., author: ...), "
            f"got a {type(loaded).__name__}"
        )
    return _normalise(loaded), body


def _jsonable(value: Any) -> Any:
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _normalise(raw: dict[Any, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key, value in raw.items():
        k = re.sub(r"[\s-]+", "_", str(key).strip().lower())
        k = _ALIASES.get(k, k)
        if k in ("words", "chapters"):
            continue  # counted from the text, made from the headings
        value = _jsonable(value)
        if k in _LISTS:
            items = (
                value
                if isinstance(value, list)
                else str(value).split(",")
                if value is not None
                else []
            )
            value = [one_line(str(v)) for v in items if str(v).strip()]
        elif k == "author" and isinstance(value, list):
            meta["authors"] = [str(v) for v in value]
            value = ", ".join(meta["authors"])
        elif k in ("title", "rating", "language") and value is not None:
            value = one_line(str(value))
        meta[k] = value
    return meta


def _dividers_as_breaks(body: str) -> str:
    return "\n".join("\n***\n" if is_divider(line) else line for line in body.split("\n"))


def _chapters(body: Any, title: str | None) -> tuple[str | None, list[ChapterDraft]]:
    children = [c for c in body.children if getattr(c, "name", None) or str(c).strip()]
    h1s = [c for c in children if getattr(c, "name", None) and local_name(c) == "h1"]
    if (
        children
        and h1s
        and children[0] is h1s[0]
        and (len(h1s) == 1 or one_line(h1s[0].get_text()) == title)
    ):
        title = title or one_line(h1s[0].get_text())
        children, h1s = children[1:], h1s[1:]
    level = "h1" if h1s else "h2"
    chapters: list[ChapterDraft] = []
    nodes: list[list[Any]] = [[]]
    for child in children:
        if getattr(child, "name", None) and local_name(child) == level:
            chapters.append(ChapterDraft(one_line(text_of(child))))
            nodes.append([])
        else:
            nodes[-1].append(child)
    if not chapters:
        return title, [ChapterDraft(None, blocks_of(nodes[0]))]
    for chapter, chapter_nodes in zip(chapters, nodes[1:], strict=True):
        chapter.blocks = blocks_of(chapter_nodes)
    front = blocks_of(nodes[0])
    if len(chapters) == 1:  # one heading is a heading, not a chapter structure
        return title, [ChapterDraft(None, front + [chapters[0].title or ""] + chapters[0].blocks)]
    if front:
        chapters.insert(0, ChapterDraft(None, front))
    return title, chapters
