"""Story files in: AO3 HTML downloads, EPUB, Markdown with YAML front matter, plain text.

Each format has its own module, a pure function from the file's bytes to a
:class:`ParsedStory`: the canonical text (see :mod:`._text`), AO3-style
metadata, and the chapter spans that :meth:`annotator.story.Story.from_text`
turns into sections. Nothing here touches the store; saving a story and
re-anchoring its annotations is :mod:`annotator.story_import`.

Every error is a :class:`~annotator.errors.StoryError` that names the file
and says what is wrong with it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoryError
from ._text import slugify

MAX_STORY_FILE = 64 * 2**20
"""The largest file accepted (bytes); AO3's longest works download at a few MiB."""

FORMATS: dict[str, str] = {
    ".html": "ao3-html",
    ".htm": "ao3-html",
    ".epub": "epub",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
FORMAT_NAMES = {
    "ao3-html": "AO3 HTML download",
    "epub": "EPUB",
    "markdown": "Markdown",
    "text": "plain text",
}


@dataclass(frozen=True)
class ParsedStory:
    """A story file read into the shape :meth:`Story.from_text` takes.

    Attributes:
        id: the story id: the one asked for, or a slug of the title.
        text: the canonical text.
        metadata: AO3-style fields (``title``, ``author``, ``fandom``,
            ``chapters`` ...); never ``words``, which the model counts.
        chapters: ``(title, start, end)`` spans, ``None`` for one-chapter works.
        format: ``ao3-html``, ``epub``, ``markdown`` or ``text``.
    """

    id: str
    text: str
    metadata: dict[str, Any]
    chapters: list[tuple[str | None, int, int]] | None
    format: str


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of a story file, from its extension (checked against its content later).

    Raises:
        StoryError: the extension is not one annotator reads.
    """
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(FORMATS))
        what = f"a {p.suffix} file" if p.suffix else "a file without an extension"
        raise StoryError(
            f"{p.name}: cannot import {what}; "
            f"annotator reads {supported} (AO3 downloads, EPUB, Markdown, plain text)"
        )
    return fmt


def read_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks every format shares.

    Raises:
        StoryError: missing, a folder, unreadable, empty or too big.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StoryError(f"{path}: no such file") from None
    except OSError as e:
        raise StoryError(f"{path}: cannot read it ({e.strerror})") from None
    if path.is_dir():
        raise StoryError(f"{path} is a folder: give the story file itself")
    if size > MAX_STORY_FILE:
        raise StoryError(
            f"{path.name} is {size / 2**20:.0f} MiB; annotator imports story files up to "
            f"{MAX_STORY_FILE // 2**20} MiB. Is it really one story?"
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise StoryError(f"{path}: cannot read it ({e.strerror})") from None
    if not data.strip():
        raise StoryError(f"{path.name} is empty: there is no story in it")
    return data


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is dropped).

    Raises:
        StoryError: not UTF-8, or a binary file.
    """
    if b"\x00" in data[:4096]:
        raise StoryError(f"{name} is a binary file, not text: save the story as UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise StoryError(
            f"{name} is not UTF-8 (bad byte 0x{data[e.start]:02x} on line {line}, "
            f"offset {e.start}); "
            "save it as UTF-8 and import it again"
        ) from None


def read_story_file(path: str | os.PathLike[str], id: str | None = None) -> ParsedStory:  # noqa: A002
    """Read a story file of any supported format.

    Args:
        path: the file.
        id: the story id to give it; by default a slug of its title.

    Raises:
        StoryError: unsupported, unreadable or malformed, naming the file and the problem.
    """
    p = Path(path)
    fmt = detect_format(p)
    data = read_bytes(p)
    parser = _parser(fmt)
    title, text, metadata, chapters = parser(data, p.name)
    headings = {title, *(c[0] for c in chapters or [])}
    if all(block.strip() in headings for block in text.split("\n\n") if block.strip()):
        raise StoryError(
            f"{p.name}: no story text found in it (only a title, metadata or empty chapters)"
        )
    metadata.pop("words", None)
    # A title in another script may give no ASCII slug: then the file name, then a hash.
    story_id = (
        id
        or slugify(title or "", fallback="")
        or slugify(p.stem, fallback="")
        or "story-" + hashlib.sha256((title or p.name).encode("utf-8")).hexdigest()[:8]
    )
    return ParsedStory(story_id, text, metadata, chapters, fmt)


Parser = Callable[
    [bytes, str], tuple[str, str, dict[str, Any], list[tuple[str | None, int, int]] | None]
]


def _parser(fmt: str) -> Parser:
    # Imported on demand: the EPUB reader pulls in ebooklib and lxml.
    if fmt == "ao3-html":
        from .ao3_html import parse
    elif fmt == "epub":
        from .epub import parse
    elif fmt == "markdown":
        from .markdown import parse
    else:
        from .plain_text import parse
    return parse


__all__ = ["FORMATS", "MAX_STORY_FILE", "ParsedStory", "detect_format", "read_story_file"]
