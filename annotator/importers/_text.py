"""The canonical text every importer produces, and the rules that make it.

Whatever the source format, a story becomes: paragraphs separated by one
blank line; a scene break as a run of three newlines (the story model's
mark); in a multi-chapter work, each chapter's title on its own line at the
chapter's start. Lines inside a paragraph (poems, text messages, ``<br>``)
keep a single newline. Nothing else: no markup, no indentation, no
trailing spaces. Right-to-left text, emoji and no-break spaces inside a line
are kept exactly; only white space at the edges of a line goes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

SCENE_BREAK = object()
"""A marker in a chapter's block list: a scene break between two paragraphs."""

Block = Any  # a paragraph (str) or SCENE_BREAK

# Lines that authors use as scene breaks. Kept narrow on purpose: a line of
# dialogue or an emoji on its own line must stay text.
_DIVIDER = re.compile(
    r"""^(?:
        (?:[*~=_#•·◇◆○●❖✦✧♦§+\-–—]\s*){3,}       # * * *, ***, ~~~, ---, ===, •••
      | [⁂❦❧§#✻※]                               # one ornament
      | [-~*=\s]*(?:[xX]+[xX]*[xX]|[oO0]+[oO0]*[oO0])[-~*=\s]*  # xXx, oOo, o0o, -x-x-
      | [-~*=]+\s*[xXoO]\s*[-~*=]+              # -x-, ~o~, *x*
    )$""",
    re.X,
)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def is_divider(line: str, *, centered: bool = False) -> bool:
    """Whether a one-line paragraph is a scene break rather than prose.

    Args:
        line: the paragraph's text.
        centered: whether the source centred it (``<center>``, ``align``,
            ``text-align: center``): a short centred line with no letters or
            digits is a divider too (``◇ ◇ ◇``, ``~*~``, ``❀``).
    """
    s = line.strip()
    if not s or "\n" in s or len(s) > 40:
        return False
    if _DIVIDER.match(s):
        # "xxx" or "ooo" alone is a divider; "Ooo" is an exclamation: require
        # some case mix, some punctuation or the ornament family.
        if s.isalpha() and (s.islower() or s.isupper()) and len(set(s.lower())) == 1:
            return False
        return True
    return centered and len(s) <= 20 and not _LETTER_OR_DIGIT.search(s)


_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def clean_line(text: str) -> str:
    """Collapse runs of ASCII white space to one space and trim the edges.

    No-break spaces inside the line are the author's and are kept; at the
    edges they are indentation, and go.
    """
    return _HTML_SPACE.sub(" ", text).strip()


def one_line(text: str | None) -> str:
    """A title or label on one line."""
    return " ".join((text or "").split())


@dataclass
class ChapterDraft:
    """A chapter on its way to the canonical text."""

    title: str | None
    blocks: list[Block] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # summary, notes, end_notes


def tidy(blocks: list[Block]) -> list[Block]:
    """Drop empty paragraphs, and scene breaks at the edges or doubled."""
    out: list[Block] = []
    for b in blocks:
        if b is SCENE_BREAK:
            if out and out[-1] is not SCENE_BREAK:
                out.append(b)
        elif isinstance(b, str) and b.strip():
            out.append(b)
    while out and out[-1] is SCENE_BREAK:
        out.pop()
    return out


def body_text(blocks: list[Block]) -> str:
    """Join paragraphs with a blank line, and with two at a scene break."""
    parts: list[str] = []
    brk = False
    for b in tidy(blocks):
        if b is SCENE_BREAK:
            brk = True
            continue
        if parts:
            parts.append("\n\n\n" if brk else "\n\n")
        parts.append(b)
        brk = False
    return "".join(parts)


def assemble(
    title: str | None, chapters: list[ChapterDraft]
) -> tuple[str, list[tuple[str | None, int, int]] | None]:
    """The canonical text and, for a multi-chapter work, the chapter spans.

    A one-chapter work starts with its title line, as the shipped stories do;
    a multi-chapter work starts with its first chapter's heading, and each
    chapter's span runs from its heading to its last paragraph.
    """
    chapters = [c for c in chapters if tidy(c.blocks) or c.title]
    if len(chapters) <= 1:
        body = body_text(chapters[0].blocks) if chapters else ""
        head = one_line(title)
        text = f"{head}\n\n{body}" if head and body else head or body
        return text + "\n", None
    text = ""
    spans: list[tuple[str | None, int, int]] = []
    for ch in chapters:
        # An untitled section (text before a Markdown file's first chapter
        # heading) gets no heading line: annotator invents no titles.
        heading = one_line(ch.title) or None
        if text:
            text += "\n\n"
        start = len(text)
        body = body_text(ch.blocks)
        text += "\n\n".join(x for x in (heading, body) if x)
        spans.append((heading, start, len(text)))
    return text + "\n", spans


def slugify(value: str, fallback: str = "story") -> str:
    """A story id from a title: ``"Ein Tanz (Part 2)"`` gives ``ein-tanz-part-2``."""
    ascii_ = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60].strip("-")
    return slug or fallback
