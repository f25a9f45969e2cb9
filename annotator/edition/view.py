# The edition's view model, built: one pass from the story, its annotations
# and the vocabulary to the :class:`~annotator.edition.model.Edition` the
# template shows, computed once in plain Python, so the template only lays it
# out and tests can check it without nbconvert. Annotations are placed (or
# orphaned) here, tropes and readers numbered, and colour classes written;
# the classes live in model.py, the colours in colours.py, and the cutting
# into segments, snippets, timeline and links in layout.py.
"""The edition's view model: :func:`edition_view` → :class:`Edition`."""

from __future__ import annotations

import bisect
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from ..annotation import Annotation
from ..jsonld import collection
from ..story import Story
from ..tropes import Trope, Vocabulary
from .colours import DARK_PAPER, LIGHT_PAPER, NEUTRAL, colour_rule, contrast, readable
from .layout import (
    assign_lanes,
    kwic_snippet,
    link_views,
    paragraph_ref,
    segment_paragraphs,
    timeline_rows,
)
from .model import Edition, Entry, ParagraphView, ReaderView, Snippet, TropeView
from .notes import render_note

_ISO639 = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "russian": "ru", "polish": "pl", "japanese": "ja",
    "chinese": "zh", "中文": "zh", "korean": "ko", "swedish": "sv", "norwegian": "no",
    "danish": "da", "finnish": "fi", "czech": "cs", "turkish": "tr", "greek": "el",
    "hungarian": "hu", "indonesian": "id", "vietnamese": "vi", "ukrainian": "uk",
    "català": "ca", "catalan": "ca", "deutsch": "de", "français": "fr", "español": "es",
}  # fmt: skip
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


# -- helpers ------------------------------------------------------------------------


def json_for_script(data: Any) -> Markup:
    r"""JSON that is safe inside ``<script>``: no ``</script>``, ``<!--`` or ``]]>`` can form.

    ``<``, ``>`` and ``&`` become ``\u003c``, ``\u003e``, ``\u0026``, which
    every JSON parser reads back as the same characters.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(_JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group()], text))  # noqa: S704


def language_code(language: Any) -> str:
    """An ISO 639-1 code for the ``lang`` attribute (``English`` → ``en``)."""
    if isinstance(language, list):
        language = language[0] if language else ""
    value = str(language or "").strip()
    if re.fullmatch(r"[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})?", value):
        return value
    return _ISO639.get(value.casefold(), "en")


def _strings(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _trope_view(trope: Trope, category_label: str, index: int) -> TropeView:
    return TropeView(
        id=trope.id, label=trope.label, definition=trope.definition, category=trope.category,
        category_label=category_label, colour=trope.colour, underline=trope.underline,
        thickness=trope.underline_thickness, tvtropes_url=trope.tvtropes_url, index=index,
        anchor=f"trope-{trope.id}" if _SLUG.match(trope.id) else f"trope-{index}",
    )  # fmt: skip


def _unknown_trope(trope_id: str, index: int) -> TropeView:
    return TropeView(
        id=trope_id, label=trope_id, definition="A tag that is not in this edition's vocabulary.",
        category="other", category_label="Other tags", colour=NEUTRAL, underline="solid",
        thickness="2px", tvtropes_url=None, index=index,
        anchor=f"trope-{trope_id}" if _SLUG.match(trope_id) else f"trope-{index}", known=False,
    )  # fmt: skip


# -- the builder ----------------------------------------------------------------------


def edition_view(
    story: Story,
    annotations: Iterable[Annotation],
    vocabulary: Vocabulary,
    *,
    label: str | None = None,
) -> Edition:
    """Build the view model of an edition.

    Args:
        story: the story.
        annotations: its annotations (text ones and links), already filtered by reader.
        vocabulary: the trope vocabulary (labels, colours, categories).
        label: label of the embedded AnnotationCollection.

    Returns:
        The :class:`Edition` the template renders.
    """
    annotations = [a for a in annotations if a.story == story.id]
    text = story.text
    meta = story.metadata
    placed, orphans = _anchor_all(story, annotations)

    # Tropes, in vocabulary order (category by category), then unknown ones.
    used: dict[str, int] = defaultdict(int)
    for a in placed + orphans:
        for t in a.tropes:
            used[t] += 1
    categories_seen: dict[str, list[TropeView]] = {}
    labels = {c.id: c.label for c in vocabulary.categories}
    tropes: dict[str, TropeView] = {}
    for category in vocabulary.categories:
        for trope in vocabulary.by_category(category.id):
            if trope.id in used:
                view = _trope_view(trope, labels[category.id], len(tropes) + 1)
                tropes[trope.id] = view
                categories_seen.setdefault(category.label, []).append(view)
    for trope_id in sorted(used):
        if trope_id not in tropes:
            view = _unknown_trope(trope_id, len(tropes) + 1)
            tropes[trope_id] = view
            categories_seen.setdefault(view.category_label, []).append(view)

    # Readers, most annotations first.
    counts: dict[str, int] = {a.creator: 0 for a in annotations}
    for a in placed + orphans:
        counts[a.creator] += 1
    readers = {
        name: ReaderView(name, i, n)
        for i, (name, n) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    }

    # Colour classes: one per used trope, one per custom highlight colour, one neutral.
    css_light: list[str] = []
    css_dark: list[str] = []
    for view in tropes.values():
        light, dark = colour_rule(view.cls, view.colour, view.underline, view.thickness)
        css_light.append(light)
        css_dark.append(dark)
    own_colours: dict[str, str] = {}
    for a in placed + orphans:
        if not a.tropes and a.colour and a.colour.lower() not in own_colours:
            cls = f"h{len(own_colours) + 1}"
            own_colours[a.colour.lower()] = cls
            light, dark = colour_rule(cls, a.colour.lower(), "solid", "2px")
            css_light.append(light)
            css_dark.append(dark)
    light, dark = colour_rule("k0", NEUTRAL, "dotted", "2px")
    css_light.append(light)
    css_dark.append(dark)
    trope_css = Markup(  # noqa: S704 - built only from validated #rrggbb colours and fixed keywords
        "\n".join(css_light) + "\n@media (prefers-color-scheme: dark){" + "".join(css_dark) + "}"
    )

    def entry_of(a: Annotation, n: int, anchor: str) -> Entry:
        tviews = tuple(tropes[t] for t in a.tropes)
        if tviews:
            colour_cls = tviews[0].cls
        elif a.colour:
            colour_cls = own_colours[a.colour.lower()]
        else:
            colour_cls = "k0"
        return Entry(
            n=n, id=a.id, anchor=anchor, reader=readers[a.creator], tropes=tviews,
            note=render_note(a.note, a.note_format), quote=a.quote.exact if a.quote else "",
            start=a.start, end=a.end, colour_cls=colour_cls, orphan=anchor.startswith("o"),
        )  # fmt: skip

    placed.sort(key=lambda a: (a.start, -a.end, a.id))  # type: ignore[operator]
    entries = [entry_of(a, i, f"n{i}") for i, a in enumerate(placed, 1)]
    orphan_entries = [entry_of(a, i, f"o{i}") for i, a in enumerate(orphans, 1)]
    for e, lane in zip(entries, assign_lanes([(e.start, e.end) for e in entries]), strict=True):  # type: ignore[misc]
        e.lane = lane
    for e in entries + orphan_entries:
        e.members = " ".join([*(t.member for t in e.tropes), e.reader.cls])
        e.cls = f"{e.colour_cls} {e.members}" + (f" L{min(e.lane, 3)}" if e.lane else "")
    for e in entries + orphan_entries:
        for t in e.tropes:
            t.count += 1

    paragraphs = segment_paragraphs(story, entries)
    by_id = {p.id: p for p in paragraphs}
    para_of = {p.id: p for p in story.paragraphs}
    for e in entries:
        by_id[e.note_paragraph].notes.append(e)  # type: ignore[index]
        e.paragraph_number = para_of[e.paragraph].number  # type: ignore[index]
        e.ref = paragraph_ref(para_of[e.paragraph])  # type: ignore[index]

    links = link_views(annotations, {e.id: e for e in entries + orphan_entries}, readers)

    by_trope: dict[int, list[Snippet]] = {t.index: [] for t in tropes.values()}
    for e in entries:
        snippet = kwic_snippet(text, e, para_of[e.paragraph])  # type: ignore[index]
        for t in e.tropes:
            by_trope[t.index].append(snippet)
    index = [(t, by_trope[t.index]) for t in tropes.values()]
    timeline, height, scenes, axis = timeline_rows(story, entries, list(tropes.values()))
    last = max((a.modified for a in annotations), default=None)
    author = meta.get("author")
    words = int(meta.get("words") or 0)
    front = [
        ("Rating", _strings(meta.get("rating"))),
        ("Archive warnings", _strings(meta.get("archive_warnings") or meta.get("warnings"))),
        ("Category", _strings(meta.get("category"))),
        ("Fandom", _strings(meta.get("fandom"))),
        ("Relationship", _strings(meta.get("relationship"))),
        ("Characters", _strings(meta.get("characters"))),
        ("Additional tags", _strings(meta.get("additional_tags"))),
        ("Language", _strings(meta.get("language"))),
    ]
    return Edition(
        story_id=story.id,
        title=story.title,
        lang=language_code(meta.get("language")),
        author=str(author) if author else None,
        author_note=str(meta.get("author_note") or ""),
        front=[(k, v) for k, v in front if v],
        summary=str(meta.get("summary") or ""),
        words=words,
        tropes=list(tropes.values()),
        categories=list(categories_seen.items()),
        readers=list(readers.values()),
        paragraphs=paragraphs,
        entries=entries,
        links=links,
        orphans=orphan_entries,
        index=index,
        timeline=timeline,
        timeline_height=height,
        timeline_scenes=scenes,
        timeline_axis=axis,
        trope_css=trope_css,
        jsonld=json_for_script(
            _embedded(collection(annotations, label or f"{story.title}: annotations"))
        ),
        version=story.version,
        last_modified=last,
    )


def _embedded(data: dict[str, Any]) -> dict[str, Any]:
    """The collection without each item's copy of ``@context``: the collection's applies.

    Saves about 5% of a long edition; ``annotator import`` reads it the same.
    """
    for item in data["first"]["items"]:
        item.pop("@context", None)
    return data


def _anchor_all(
    story: Story, annotations: list[Annotation]
) -> tuple[list[Annotation], list[Annotation]]:
    """Split text annotations into placed and orphaned, re-anchoring stale offsets."""
    from dataclasses import replace

    from ..anchoring import TextPosition, anchor

    text = story.text
    n = len(text)
    starts = [p.start for p in story.paragraphs]
    placed: list[Annotation] = []
    orphans: list[Annotation] = []
    for a in annotations:
        if a.is_link:
            continue
        ok = (
            not a.orphan and a.start is not None and a.end is not None
            and 0 <= a.start < a.end <= n
            and (a.quote is None or not a.quote.exact or text[a.start : a.end] == a.quote.exact)
        )  # fmt: skip
        if not ok and a.quote is not None and a.quote.exact:
            pos = (
                TextPosition(a.start, a.end) if a.start is not None and a.end is not None else None
            )
            found = anchor(text, quote=a.quote, position=pos)
            if not found.orphan:
                a = replace(a, start=found.start, end=found.end, orphan=False)
                ok = True
        if ok:
            assert a.start is not None and a.end is not None
            # It must touch a paragraph (not only the blank lines between two).
            i = bisect.bisect_right(starts, a.end - 1) - 1
            ok = i >= 0 and story.paragraphs[i].end > a.start
        (placed if ok else orphans).append(a)
    return placed, orphans


__all__ = [
    "edition_view",
    "json_for_script",
    "language_code",
    # Imported from here before the classes and colours had modules of their own.
    "DARK_PAPER",
    "LIGHT_PAPER",
    "Edition",
    "Entry",
    "ParagraphView",
    "TropeView",
    "contrast",
    "readable",
]
