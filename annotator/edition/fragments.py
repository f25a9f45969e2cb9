# The edition's high-volume HTML, written in Python.
#
# The template (templates/annotated-edition) lays out the page; the parts
# that repeat once per segment or per annotation (the story's marks, the
# margin notes, which print as the endnotes, the index lines, the timeline ticks) are
# rendered here instead, because a long work has hundreds of thousands of
# them and Jinja's per-expression escaping and nested-template generators
# would cost ten times more. Every piece of text goes through `_text` or
# `_attr` (html.escape); notes arrive as Markup from annotator.edition.notes;
# class names, ids and numbers are ones the view model made.
"""Pre-rendered, escaped HTML for the repeated parts of the edition: :func:`fragments`."""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

from .model import Edition, Entry, ParagraphView, TropeView

QUOTE_MAX = 90
_ABOUT_LINK = 'aria-label="About this set-up and payoff">↗</a>'


def _text(value: str) -> str:
    # Text nodes: & < > only, so the story's many quotation marks stay one byte.
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _span(cls: str, value: str) -> str:
    return f'<span class="{cls}">{_text(value)}</span>' if value else ""


def _clip(text: str, limit: int = QUOTE_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def para_ref(e: Entry) -> str:
    """``¶12`` (``¶3.12`` in chapter 3), or ``title`` for the title line."""
    return e.ref


class _Writer:
    """Caches the pieces shared by many entries (tag lists, reader names)."""

    def __init__(self, view: Edition) -> None:
        self.view = view
        self._tags: dict[tuple[int, ...], str] = {}
        self._tag_of: dict[int, str] = {
            t.index: f'<a class="tag {t.cls}" href="#{_attr(t.anchor)}">{_text(t.label)}</a>'
            for t in view.tropes
        }
        self._reader: dict[int, str] = {
            r.index: f'<p class="by">{_text(r.name)}</p>' for r in view.readers
        }

    def tags(self, tropes: tuple[TropeView, ...]) -> str:
        key = tuple(t.index for t in tropes)
        html = self._tags.get(key)
        if html is None:
            html = '<span class="sep">, </span>'.join(self._tag_of[i] for i in key)
            self._tags[key] = html
        return html

    def entry(self, e: Entry) -> str:
        """A margin note (also the popover's content and an orphan's listing)."""
        parts = [
            f'<div class="ne {e.colour_cls} {e.members}" id="{e.anchor}" data-a="{e.n}" '
            'tabindex="-1">'
            f'<p class="nh"><a class="nn" href="#r{e.n}">{e.n}</a> '
            f'<span class="np">{para_ref(e)}</span>{self.tags(e.tropes)}</p>'
        ]
        if e.note:
            parts.append(f'<div class="nb">{e.note}</div>')
        for k in e.sets_up:
            parts.append(
                f'<p class="lk">Sets up <a href="#{k.payoff.anchor}">{para_ref(k.payoff)}</a> '
                f'<a class="lkn" href="#{k.anchor}" {_ABOUT_LINK}</p>'
            )
        for k in e.pays_off:
            parts.append(
                f'<p class="lk">Pays off <a href="#{k.setup.anchor}">{para_ref(k.setup)}</a> '
                f'<a class="lkn" href="#{k.anchor}" {_ABOUT_LINK}</p>'
            )
        parts.append(self._reader[e.reader.index])
        parts.append("</div>")
        return "".join(parts)

    def orphan(self, e: Entry) -> str:
        """An orphan: the words it quoted, its tags, note and reader."""
        note = f'<div class="nb">{e.note}</div>' if e.note else ""
        return (
            f'<li id="{e.anchor}" class="ne {e.colour_cls} {e.members}" tabindex="-1">'
            f'<p class="nh"><q>{_text(_clip(e.quote, 300))}</q> {self.tags(e.tropes)}</p>'
            f"{note}{self._reader[e.reader.index]}</li>"
        )

    def paragraph(self, p: ParagraphView, opens: dict[int, str], refs: dict[int, str]) -> str:
        parts: list[str] = []
        if p.scene_break_before:
            parts.append('<hr class="scene">')
        pid = _attr(p.id)
        parts.append(f'<div class="pp {p.kind}">')
        if p.number:
            parts.append(
                f'<a class="pn" href="#{pid}" aria-label="Paragraph {p.number}: copy a link">'
                f"{p.number}</a>"
            )
        if p.notes:
            what = f"paragraph {p.number}" if p.number else "the title"
            parts.append(f'<div class="mn" role="group" aria-label="Notes on {what}">')
            parts.extend(self.entry(e) for e in p.notes)
            parts.append("</div>")
        tag = "h2" if p.kind == "title" else "h3" if p.kind == "heading" else "p"
        number = f' data-n="{p.number}"' if p.number else ""
        parts.append(f'<{tag} class="tx" id="{pid}"{number}>')
        for s in p.segments:
            for e in s.marks:
                parts.append(opens[e.n])
            parts.append(_text(s.text))
            if s.marks:
                parts.append("</mark>" * len(s.marks))
            for e in s.refs:
                parts.append(refs[e.n])
        parts.append(f"</{tag}></div>")
        return "".join(parts)

    def story(self) -> str:
        opens = {e.n: f'<mark class="{e.cls}" data-a="{e.n}">' for e in self.view.entries}
        refs = {
            e.n: f'<a class="nr {e.members}" id="r{e.n}" href="#{e.anchor}" data-a="{e.n}" '
            f'aria-label="Note {e.n}">{e.n}</a>'
            for e in self.view.entries
        }
        story = "\n".join(self.paragraph(p, opens, refs) for p in self.view.paragraphs)
        # In print the margin notes follow this heading as endnotes (CSS flex order).
        return story + '\n<h2 class="endnotes-h">Notes</h2>' if self.view.entries else story

    def index(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for t, snippets in self.view.index:
            lines = []
            for s in snippets:
                e = s.entry
                lines.append(
                    f'<li class="{e.members}" data-a="{e.n}">'
                    f'<a class="kp" href="#{_attr(e.paragraph or "")}">{para_ref(e)}</a>'
                    f'<span class="kt">{_span("kl", s.left)}'
                    f'<b class="kw {t.cls}">{_text(s.exact)}</b>{_span("kr", s.right)}</span></li>'
                )
            out[t.index] = "\n".join(lines)
        return out

    def timeline(self) -> str:
        out = []
        for row in self.view.timeline:
            colour = row.trope.cls if row.trope else "k0"
            name = _text(row.trope.label if row.trope else "Note")
            # One translated group per row: ticks carry x, y and width; height is CSS (the
            # Nu validator knows no CSS `y`, so y stays an attribute).
            out.append(
                f'<g class="row" transform="translate(0 {row.y})">'
                '<rect class="band" x="0" y="-2" width="1000" height="18"/>'
                f'<text class="rl" x="200" y="11" text-anchor="end">{_text(row.label)}</text>'
            )
            for x, w, e in row.ticks:
                out.append(
                    f'<a class="tk {colour} {e.members}" data-a="{e.n}" '
                    f'href="#{_attr(e.paragraph or "")}">'
                    f'<rect x="{x}" y="1" width="{w}"/><title>{name}, {para_ref(e)}</title></a>'
                )
            out.append("</g>")
        return "\n".join(out)


def fragments(view: Edition) -> dict[str, Any]:
    """The repeated parts of the page as Markup, for the template to place.

    Returns:
        ``story`` (every paragraph with its marks and margin notes),
        ``timeline`` (the SVG rows), ``index`` (trope index → its lines) and
        ``orphans``.
    """
    w = _Writer(view)
    return {
        "story": Markup(w.story()),  # noqa: S704 - every text above is escaped
        "timeline": Markup(w.timeline()),  # noqa: S704
        "index": {i: Markup(html) for i, html in w.index().items()},  # noqa: S704
        "orphans": Markup("\n".join(w.orphan(e) for e in view.orphans)),  # noqa: S704
    }


__all__ = ["fragments", "para_ref"]
