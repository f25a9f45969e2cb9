"""HTML to paragraphs: the one converter the AO3, EPUB and Markdown importers share.

Block elements (``p``, ``div``, ``blockquote``, headings, list items...)
make paragraphs; inline elements (``em``, ``span``, ``a``, ``font``...) are
flattened to their text; ``<br>`` keeps a line break inside a paragraph and
two of them in a row end the paragraph (as in works written with
``<br><br>`` between paragraphs); ``<hr>`` and divider lines are scene
breaks; empty paragraphs (``<p>&nbsp;</p>``) vanish. Entities are decoded
by the parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from ._text import SCENE_BREAK, Block, clean_line, is_divider

_BLOCK = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup html li main nav ol p pre section summary "
    "table tbody td tfoot th thead tr ul caption".split()
)
_SKIP = frozenset(
    "head script style template noscript title svg math iframe object button select".split()
)
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_CENTERED_STYLE = re.compile(r"text-align\s*:\s*center", re.I)


def soup(markup: str | bytes, *, xhtml: bool = False) -> BeautifulSoup:
    """Parse HTML (lxml, fast) or XHTML (html.parser, which reads ``<title/>`` right)."""
    return BeautifulSoup(markup, "html.parser" if xhtml else "lxml")


def local_name(tag: Tag) -> str:
    """The element's name without an XML prefix, lower-case."""
    return (tag.name or "").rsplit(":", 1)[-1].lower()


def _centered(tag: Tag) -> bool:
    if local_name(tag) == "center" or str(tag.get("align", "")).lower() == "center":
        return True
    if _CENTERED_STYLE.search(str(tag.get("style", ""))):
        return True
    classes = tag.get("class") or []
    return any(c.lower() in ("center", "centered", "centre", "text-center") for c in classes)


class _Builder:
    """Collects text runs and breaks into paragraphs."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[list[str]] = [[]]
        self.centered = False
        self.breaks = 0  # <br>s in a row with no text between

    def text(self, s: str) -> None:
        if s.strip(" \t\n\r\f"):
            self.breaks = 0
        self.lines[-1].append(s)

    def pre_text(self, s: str) -> None:
        first, *rest = s.split("\n")
        self.text(first)
        for line in rest:
            self.br()
            self.text(line)

    def br(self) -> None:
        self.breaks += 1
        if self.breaks >= 2:
            self.end()
            return
        self.lines.append([])

    def scene(self) -> None:
        self.end()
        self.blocks.append(SCENE_BREAK)

    def end(self, centered: bool | None = None) -> None:
        """Close the paragraph being built."""
        lines = [clean_line("".join(parts)) for parts in self.lines]
        centered = self.centered if centered is None else centered
        self.lines, self.breaks = [[]], 0
        # A blank line inside (<br> &nbsp; <br>) splits the paragraph too.
        para: list[str] = []
        for line in lines + [""]:
            if line:
                para.append(line)
                continue
            if para:
                joined = "\n".join(para)
                self.blocks.append(SCENE_BREAK if is_divider(joined, centered=centered) else joined)
                para = []


def blocks_of(nodes: Iterable[object]) -> list[Block]:
    """The paragraphs and scene breaks of a sequence of HTML nodes."""
    b = _Builder()
    for node in nodes:
        _walk(node, b, centered=False, pre=False)
    b.end()
    return b.blocks


def blocks_of_element(element: Tag) -> list[Block]:
    """The paragraphs and scene breaks inside one element."""
    return blocks_of(element.children)


def text_of(element: Tag | None) -> str:
    """An element's text as paragraphs (for summaries and notes); '' for none."""
    if element is None:
        return ""
    return "\n\n".join(b for b in blocks_of_element(element) if isinstance(b, str))


def _walk(node: object, b: _Builder, *, centered: bool, pre: bool) -> None:
    if isinstance(node, NavigableString):
        if not isinstance(node, _NOT_TEXT):
            (b.pre_text if pre else b.text)(str(node))
        return
    if not isinstance(node, Tag):
        return
    name = local_name(node)
    if name in _SKIP:
        return
    if name == "br":
        b.br()
        return
    if name == "hr":
        b.scene()
        return
    if name == "img":
        return
    if name not in _BLOCK:
        for child in node.children:
            _walk(child, b, centered=centered, pre=pre)
        return
    inner = centered or _centered(node)
    b.end(centered)
    b.centered = inner
    for child in node.children:
        _walk(child, b, centered=inner, pre=pre or name == "pre")
    b.end(inner)
    b.centered = centered
