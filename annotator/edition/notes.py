# Safe rendering of readers' notes for the edition.
#
# Notes come from anyone who can write an annotation file, and the edition is
# shared as a file people open in their browser, so a note must never become
# markup of its own: raw HTML is escaped, links may only point to http(s),
# mailto or a fragment of this page, images turn into their alt text (a note
# must not make the page fetch anything), and headings are demoted so a note
# cannot break the page's outline.
"""Render a note (Markdown or plain text) to safe HTML: :func:`render_note`."""

from __future__ import annotations

import functools
import re
from typing import Any

from markupsafe import Markup, escape

# A note with none of these can only be one plain paragraph in CommonMark, so
# it is rendered without the parser (the output is the same; it is a lot faster).
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>&\n\r]|^[\s+\-#=]|^\d+[.)]")
_SAFE_LINK = re.compile(r"^(?:https?://[^\s<>\"'`]+|mailto:[^\s<>\"'`]+|#[A-Za-z0-9_.:~-]*)$", re.I)
LINK_REL = "noopener noreferrer nofollow"


def safe_link(url: str) -> bool:
    """Whether ``url`` may become an ``href``: http(s), mailto or ``#fragment`` only."""
    return bool(_SAFE_LINK.match(url.strip()))


@functools.lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = safe_link  # type: ignore[method-assign]
    rules = md.add_render_rule

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        if not str(tokens[idx].attrGet("href") or "").startswith("#"):
            tokens[idx].attrSet("rel", LINK_REL)
        return self.renderToken(tokens, idx, options, env)

    def image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        # Never load anything: an image becomes its description.
        alt = self.renderInlineAsText(tokens[idx].children or [], options, env)
        return f'<span class="note-img">[image: {escape(alt)}]</span>' if alt else ""

    def heading_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return '<p class="note-h">'

    def heading_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return "</p>\n"

    rules("link_open", link_open)
    rules("image", image)
    rules("heading_open", heading_open)
    rules("heading_close", heading_close)
    return md


@functools.lru_cache(maxsize=4096)
def render_note(note: str, note_format: str = "text/markdown") -> Markup:
    """A note as safe HTML.

    Args:
        note: the note's text.
        note_format: ``text/markdown`` (CommonMark, no raw HTML) or ``text/plain``.

    Returns:
        Markup holding block elements (``<p>``, lists, quotes, code).
    """
    if not note or not note.strip():
        return Markup("")
    if note_format != "text/markdown":
        paragraphs = re.split(r"\n[ \t]*\n", note.strip())
        return Markup("\n").join(
            Markup("<p>%s</p>") % Markup("<br>").join(escape(line) for line in p.split("\n"))
            for p in paragraphs
        )
    if not _MARKDOWN_SYNTAX.search(note):
        # markdown-it escapes only these four; & < > cannot occur here.
        return Markup("<p>" + note.rstrip().replace('"', "&quot;") + "</p>\n")  # noqa: S704
    # markdown-it escapes all text and attributes itself; links and images
    # pass the validator and the rules above.
    return Markup(_markdown().render(note))  # noqa: S704


def render_markdown(source: str) -> Markup:
    """Render trusted-looking but untrusted Markdown (a notebook cell) the same safe way."""
    return render_note(source, "text/markdown")


__all__ = ["LINK_REL", "render_markdown", "render_note", "safe_link"]
