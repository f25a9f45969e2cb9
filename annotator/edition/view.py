# The edition's view model: everything the template shows, computed once in
# plain Python, so the template only lays it out and tests can check it
# without nbconvert.
#
# The heart is the segmenter. Annotations overlap freely, and HTML elements
# must nest, so the text of each paragraph is cut at every annotation
# boundary; each segment knows which annotations cover it, ordered by a
# stable "lane" (like calendar events laid side by side), and the template
# nests one <mark> per covering annotation. The cut is one sweep over the
# sorted boundaries: O((n + p) log(n + p)) for n annotations and p
# paragraphs, never n x p.
"""The edition's view model: :func:`edition_view` → :class:`Edition`."""

from __future__ import annotations

import bisect
import heapq
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..annotation import Annotation
from ..jsonld import collection
from ..story import Paragraph, Story
from ..tropes import Trope, Vocabulary
from .notes import render_note

NEUTRAL = "#8a8178"
"""Colour of annotations that have neither a trope nor a colour of their own."""
LIGHT_PAPER = "#fbf8f1"
DARK_PAPER = "#1b1917"
TIMELINE_WIDTH = 1000
TIMELINE_LABEL = 210
TIMELINE_ROW = 18
KWIC_CONTEXT = 40
KWIC_MAX = 120
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


# -- the pieces ------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class TropeView:
    """A trope as the edition shows it: legend entry, index section, timeline row."""

    id: str
    label: str
    definition: str
    category: str
    category_label: str
    colour: str
    underline: str
    thickness: str
    tvtropes_url: str | None
    index: int  # classes k{index} (colour) and t{index} (membership)
    anchor: str  # id of its index section
    count: int = 0
    known: bool = True

    @property
    def cls(self) -> str:
        """The colour class."""
        return f"k{self.index}"

    @property
    def member(self) -> str:
        """The class every mark of this trope carries, for filtering."""
        return f"t{self.index}"


@dataclass(slots=True, eq=False)
class ReaderView:
    """A reader (annotation creator) and how many annotations they made."""

    name: str
    index: int
    count: int = 0

    @property
    def cls(self) -> str:
        """The class every mark of this reader carries."""
        return f"r{self.index}"


@dataclass(slots=True, eq=False)
class Entry:
    """One text annotation: a margin note, an endnote, or an orphan."""

    n: int
    id: str
    anchor: str  # n{n} for placed annotations, o{n} for orphans
    reader: ReaderView
    tropes: tuple[TropeView, ...]
    note: Markup
    quote: str
    start: int | None
    end: int | None
    colour_cls: str
    lane: int = 0
    paragraph: str | None = None  # where it starts (index and timeline link here)
    paragraph_number: int | None = None
    ref: str = ""  # how the edition cites where it starts: ¶12, ¶3.12 in chapters, or "title"
    note_paragraph: str | None = None  # where it ends: its marker and margin note
    sets_up: list[LinkView] = field(default_factory=list)
    pays_off: list[LinkView] = field(default_factory=list)
    orphan: bool = False
    members: str = ""  # classes for filtering: trope membership and reader
    cls: str = ""  # classes of its marks: colour, membership, reader, lane

    @property
    def label(self) -> str:
        """The trope labels, for titles and screen readers."""
        return ", ".join(t.label for t in self.tropes) or "Note"


@dataclass(slots=True, eq=False)
class LinkView:
    """A linking annotation: a set-up and its payoff."""

    n: int
    id: str
    reader: ReaderView
    note: Markup
    setup: Entry
    payoff: Entry

    @property
    def anchor(self) -> str:
        """Id of its entry in the set-ups and payoffs section."""
        return f"k{self.n}"


@dataclass(slots=True)
class Segment:
    """A run of text covered by the same annotations (outermost lane first)."""

    text: str
    marks: tuple[Entry, ...] = ()
    refs: tuple[Entry, ...] = ()  # annotations ending here: their note markers follow


@dataclass(slots=True)
class ParagraphView:
    """A paragraph (or the title) cut into segments, with its margin notes."""

    id: str
    number: int | None
    kind: str
    scene_break_before: bool
    segments: list[Segment]
    notes: list[Entry] = field(default_factory=list)


@dataclass(slots=True)
class Snippet:
    """A keyword-in-context line of the trope index."""

    entry: Entry
    left: str
    exact: str
    right: str


@dataclass(slots=True)
class TimelineRow:
    """One row of the timeline: a trope and one tick per annotation."""

    trope: TropeView | None  # None: annotations without a trope
    label: str
    y: int
    ticks: list[tuple[float, float, Entry]]


@dataclass(slots=True)
class Edition:
    """Everything the edition template shows."""

    story_id: str
    title: str
    lang: str
    author: str | None
    author_note: str
    front: list[tuple[str, list[str]]]
    summary: str
    words: int
    tropes: list[TropeView]
    categories: list[tuple[str, list[TropeView]]]
    readers: list[ReaderView]
    paragraphs: list[ParagraphView]
    entries: list[Entry]
    links: list[LinkView]
    orphans: list[Entry]
    index: list[tuple[TropeView, list[Snippet]]]
    timeline: list[TimelineRow]
    timeline_height: int
    timeline_scenes: list[float]
    timeline_axis: list[tuple[float, str]]
    trope_css: Markup
    jsonld: Markup
    version: str
    last_modified: str | None

    @property
    def noted(self) -> list[Entry]:
        """Placed annotations that carry a note (the endnotes)."""
        return [e for e in self.entries if e.note]

    @property
    def total(self) -> int:
        """All text annotations, placed and orphaned."""
        return len(self.entries) + len(self.orphans)


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


def paragraph_ref(p: Paragraph) -> str:
    """How the edition cites a paragraph: ``¶12``; ``¶3.12`` in chapter 3; ``title``."""
    if p.number is None:
        return "title" if p.kind == "title" else "heading"
    chapter = re.match(r"^c(\d+)-p\d+$", p.id)
    return f"¶{chapter.group(1)}.{p.number}" if chapter else f"¶{p.number}"


def _strings(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours."""
    la, lb = _luminance(_rgb(a)), _luminance(_rgb(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable(colour: str, background: str, target: float = 3.0) -> str:
    """``colour`` darkened or lightened just enough to reach ``target`` contrast on ``background``.

    Underlines and timeline ticks are graphics that carry meaning, so WCAG
    asks 3:1 of them (1.4.11); the trope's own hue is kept.
    """
    if contrast(colour, background) >= target:
        return colour.lower()
    towards = 0 if _luminance(_rgb(background)) > 0.5 else 255
    r, g, b = _rgb(colour)
    out = colour
    for step in range(1, 21):
        f = step / 20
        mixed = tuple(round(c + (towards - c) * f) for c in (r, g, b))
        out = "#" + "".join(f"{c:02x}" for c in mixed)
        if contrast(out, background) >= target:
            break
    return out


def _colour_rule(cls: str, colour: str, style: str, thickness: str) -> tuple[str, str]:
    r, g, b = _rgb(colour)
    light = (
        f".{cls}{{--b:rgb({r} {g} {b}/.2);--u:{readable(colour, LIGHT_PAPER)};"
        f"--s:{style};--w:{thickness}}}"
    )
    dark = f".{cls}{{--b:rgb({r} {g} {b}/.34);--u:{readable(colour, DARK_PAPER)}}}"
    return light, dark


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


def _lanes(spans: Sequence[tuple[int, int]]) -> list[int]:
    """Give each span (sorted by start) the lowest lane free at its start."""
    lanes = [0] * len(spans)
    busy: list[tuple[int, int]] = []  # (end, lane)
    free: list[int] = []
    next_lane = 0
    for i, (start, end) in enumerate(spans):
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, next_lane = next_lane, next_lane + 1
        lanes[i] = lane
        heapq.heappush(busy, (end, lane))
    return lanes


def _clip_words(text: str, limit: int, *, from_end: bool = False) -> str:
    """At most about ``limit`` characters of ``text``, cut at a space."""
    if len(text) <= limit:
        return text
    if from_end:
        cut = text[-limit:]
        return cut[cut.find(" ") + 1 :] if " " in cut else cut
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def _snippet(text: str, entry: Entry, para: Paragraph) -> Snippet:
    """The passage with up to :data:`KWIC_CONTEXT` characters either side, within its paragraph."""
    assert entry.start is not None and entry.end is not None
    left = text[max(para.start, entry.start - KWIC_CONTEXT - 20) : entry.start]
    right = (
        text[entry.end : min(para.end, entry.end + KWIC_CONTEXT + 20)]
        if entry.end < para.end
        else ""
    )
    left_cut = _clip_words(left, KWIC_CONTEXT, from_end=True)
    right_cut = _clip_words(right, KWIC_CONTEXT)
    exact = " ".join(text[entry.start : entry.end].split())
    if len(exact) > KWIC_MAX:
        exact = (
            _clip_words(exact, 75).rstrip(" ,;:") + " … " + _clip_words(exact, 35, from_end=True)
        )
    left_out = " ".join(left_cut.split())
    right_out = " ".join(right_cut.split())
    if left_out and left[-1:].isspace():
        left_out += " "
    if right_out and right[:1].isspace():
        right_out = " " + right_out
    if left_cut != left and left_out:
        left_out = "…" + left_out
    if right_cut != right and right_out:
        right_out += "…"
    return Snippet(entry, left_out, exact, right_out)


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
        light, dark = _colour_rule(view.cls, view.colour, view.underline, view.thickness)
        css_light.append(light)
        css_dark.append(dark)
    own_colours: dict[str, str] = {}
    for a in placed + orphans:
        if not a.tropes and a.colour and a.colour.lower() not in own_colours:
            cls = f"h{len(own_colours) + 1}"
            own_colours[a.colour.lower()] = cls
            light, dark = _colour_rule(cls, a.colour.lower(), "solid", "2px")
            css_light.append(light)
            css_dark.append(dark)
    light, dark = _colour_rule("k0", NEUTRAL, "dotted", "2px")
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
    for e, lane in zip(entries, _lanes([(e.start, e.end) for e in entries]), strict=True):  # type: ignore[misc]
        e.lane = lane
    for e in entries + orphan_entries:
        e.members = " ".join([*(t.member for t in e.tropes), e.reader.cls])
        e.cls = f"{e.colour_cls} {e.members}" + (f" L{min(e.lane, 3)}" if e.lane else "")
    for e in entries + orphan_entries:
        for t in e.tropes:
            t.count += 1

    paragraphs = _segment(story, entries)
    by_id = {p.id: p for p in paragraphs}
    para_of = {p.id: p for p in story.paragraphs}
    for e in entries:
        by_id[e.note_paragraph].notes.append(e)  # type: ignore[index]
        e.paragraph_number = para_of[e.paragraph].number  # type: ignore[index]
        e.ref = paragraph_ref(para_of[e.paragraph])  # type: ignore[index]

    links = _links(annotations, {e.id: e for e in entries + orphan_entries}, readers)

    by_trope: dict[int, list[Snippet]] = {t.index: [] for t in tropes.values()}
    for e in entries:
        snippet = _snippet(text, e, para_of[e.paragraph])  # type: ignore[index]
        for t in e.tropes:
            by_trope[t.index].append(snippet)
    index = [(t, by_trope[t.index]) for t in tropes.values()]
    timeline, height, scenes, axis = _timeline(story, entries, list(tropes.values()))
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


def _segment(story: Story, entries: list[Entry]) -> list[ParagraphView]:
    """Cut every paragraph at every annotation boundary (one sweep)."""
    text = story.text
    paras = story.paragraphs
    starts = [p.start for p in paras]
    starts_at: dict[int, list[Entry]] = defaultdict(list)
    ends_at: dict[int, list[Entry]] = defaultdict(list)
    refs_at: dict[int, list[Entry]] = defaultdict(list)
    cuts: set[int] = set()
    for e in entries:
        assert e.start is not None and e.end is not None
        starts_at[e.start].append(e)
        ends_at[e.end].append(e)
        first = max(bisect.bisect_right(starts, e.start) - 1, 0)
        if paras[first].end <= e.start:  # starts in the gap before a paragraph
            first += 1
        last = bisect.bisect_right(starts, e.end - 1) - 1
        e.paragraph = paras[first].id
        e.note_paragraph = paras[last].id
        ref_point = min(e.end, paras[last].end)
        refs_at[ref_point].append(e)
        cuts.update((e.start, e.end))
    for p in paras:
        cuts.update((p.start, p.end))
    points = sorted(cuts)

    out: list[ParagraphView] = []
    active: dict[int, Entry] = {}
    marks: tuple[Entry, ...] = ()
    pi = 0
    current: ParagraphView | None = None
    for i, point in enumerate(points):
        changed = False
        for e in ends_at.get(point, ()):
            active.pop(e.n, None)
            changed = True
        for e in starts_at.get(point, ()):
            active[e.n] = e
            changed = True
        if changed:
            marks = tuple(sorted(active.values(), key=lambda e: (e.lane, e.n)))
        while pi < len(paras) and paras[pi].end <= point:
            pi += 1
        if pi == len(paras) or i + 1 == len(points):
            continue
        para = paras[pi]
        if point < para.start:
            continue
        if current is None or current.id != para.id:
            current = ParagraphView(para.id, para.number, para.kind, para.scene_break_before, [])
            out.append(current)
        nxt = points[i + 1]
        refs = refs_at.get(nxt)
        current.segments.append(
            Segment(text[point:nxt], marks, tuple(sorted(refs, key=lambda e: e.n)) if refs else ())
        )
    return out


def _links(
    annotations: list[Annotation], entries: dict[str, Entry], readers: dict[str, ReaderView]
) -> list[LinkView]:
    links: list[LinkView] = []
    for a in annotations:
        if not a.is_link or a.target_ref not in entries:
            continue
        setup = entries[a.target_ref]
        for target in a.links:
            if target not in entries:
                continue
            note = render_note(a.note, a.note_format)
            links.append(
                LinkView(len(links) + 1, a.id, readers[a.creator], note, setup, entries[target])
            )
    links.sort(key=lambda k: (k.setup.orphan, k.setup.n, k.payoff.n))
    for i, k in enumerate(links, 1):
        k.n = i
        k.setup.sets_up.append(k)
        k.payoff.pays_off.append(k)
    return links


def _timeline(
    story: Story, entries: list[Entry], tropes: list[TropeView]
) -> tuple[list[TimelineRow], int, list[float], list[tuple[float, str]]]:
    n = max(len(story.text), 1)
    track = TIMELINE_WIDTH - TIMELINE_LABEL - 10

    def x(offset: int) -> float:
        return round(TIMELINE_LABEL + offset / n * track, 1)

    rows: list[TimelineRow] = []
    by_trope: dict[int, list[Entry]] = defaultdict(list)
    untagged: list[Entry] = []
    for e in entries:
        for t in e.tropes:
            by_trope[t.index].append(e)
        if not e.tropes:
            untagged.append(e)
    groups: list[tuple[TropeView | None, str, list[Entry]]] = [
        (t, t.label, by_trope[t.index]) for t in tropes if by_trope[t.index]
    ]
    if untagged:
        groups.append((None, "Other notes", untagged))
    for r, (t, label, members) in enumerate(groups):
        short = label if len(label) <= 30 else label[:29] + "…"
        ticks = [
            (x(e.start), round(max(2.5, (e.end - e.start) / n * track), 1), e)  # type: ignore[operator]
            for e in members
        ]
        rows.append(TimelineRow(t, f"{short} ({len(members)})", 8 + r * TIMELINE_ROW, ticks))
    height = 8 + len(rows) * TIMELINE_ROW + 26
    scenes = [x(p.start) - 2 for p in story.paragraphs if p.scene_break_before]
    body = story.body_paragraphs
    axis: list[tuple[float, str]] = []
    if body:
        body_starts = [p.start for p in body]
        for q in (0, 0.25, 0.5, 0.75):
            p = body[max(bisect.bisect_right(body_starts, int(q * n)) - 1, 0)]
            axis.append((x(p.start), paragraph_ref(p)))
        axis.append((x(n), paragraph_ref(body[-1])))
    return rows, height, scenes, axis


__all__ = [
    "Edition",
    "Entry",
    "LinkView",
    "ParagraphView",
    "ReaderView",
    "Segment",
    "Snippet",
    "TimelineRow",
    "TropeView",
    "contrast",
    "edition_view",
    "json_for_script",
    "language_code",
    "paragraph_ref",
    "readable",
]
