"""Plain text: paragraphs separated by blank lines.

Lines inside a paragraph keep their single newline (poems, letters, text
messages). A paragraph that is only a divider (``* * *``, ``~~~``, ``⁂``)
is a scene break, and so are two or more blank lines in a row, unless the
file separates most of its paragraphs that way (then they mean nothing).
A short first line without end punctuation is the title. When at least two
lines such as ``Chapter 3``, ``Chapter Three: The Bridge`` or ``Part II``
stand alone, they are chapter headings (with ``Prologue`` / ``Epilogue``).
"""

from __future__ import annotations

import re
from typing import Any

from ._text import SCENE_BREAK, Block, ChapterDraft, assemble, is_divider

_SEPARATOR = re.compile(r"\n(?:[ \t\f\v]*\n)+")
_NUMBER = (
    r"(?:\d+|[ivxlcdm]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|[a-z]+teen|twenty[- a-z]*|thirty[- a-z]*)"
)
_HEADING = re.compile(
    rf"^(?:(?:chapter|ch\.|part|book)\s+{_NUMBER}|prologue|epilogue|interlude)(?:\s*[:.\-–—]\s*.{{0,80}})?$",
    re.I,
)


def parse(
    data: bytes, name: str
) -> tuple[str, str, dict[str, Any], list[tuple[str | None, int, int]] | None]:
    """Read a plain-text story.

    Raises:
        StoryError: not UTF-8, or a binary file.
    """
    from . import decode

    source = decode(data, name).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs: list[tuple[str, int]] = []  # (text, blank lines before it)
    pos = 0
    blanks = 0
    for m in list(_SEPARATOR.finditer(source)) + [None]:
        chunk = source[pos : m.start() if m else len(source)]
        lines = [line.strip() for line in chunk.split("\n")]
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append((para, blanks))
        if m is not None:
            blanks = m.group().count("\n") - 1
            pos = m.end()
    separators = [b for _, b in paragraphs[1:]]
    wide = sum(1 for b in separators if b >= 2)
    wide_is_break = 0 < wide <= len(separators) / 2

    stem = re.sub(r"[-_]+", " ", name.rsplit(".", 1)[0]).strip() or "Untitled"
    title = stem
    if paragraphs and _is_title(paragraphs[0][0]):
        title = paragraphs.pop(0)[0]
    headings = [p for p, _ in paragraphs if "\n" not in p and _HEADING.match(p)]
    multi = len(headings) >= 2
    chapters: list[ChapterDraft] = [ChapterDraft(None)]
    for i, (para, before) in enumerate(paragraphs):
        if multi and "\n" not in para and _HEADING.match(para):
            chapters.append(ChapterDraft(para))
            continue
        blocks: list[Block] = chapters[-1].blocks
        if i and wide_is_break and before >= 2:
            blocks.append(SCENE_BREAK)
        blocks.append(SCENE_BREAK if is_divider(para) else para)
    if not chapters[0].blocks:
        chapters.pop(0)
    metadata: dict[str, Any] = {"title": title, "source": {"format": "text"}}
    if len(chapters) > 1:
        metadata["chapters"] = [
            {"title": c.title, "summary": "", "notes": "", "end_notes": ""} for c in chapters
        ]
    text, spans = assemble(title, chapters)
    return title, text, metadata, spans


def _is_title(para: str) -> bool:
    return (
        "\n" not in para
        and len(para) <= 80
        and para[-1] not in ".!?…,;:\"”’'"
        and not _HEADING.match(para)
    )
