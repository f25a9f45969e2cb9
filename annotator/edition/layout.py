# Where the annotations go on the page, in plain Python over offsets.
#
# The heart is the segmenter. Annotations overlap freely, and HTML elements
# must nest, so the text of each paragraph is cut at every annotation
# boundary; each segment knows which annotations cover it, ordered by a
# stable "lane" (like calendar events laid side by side), and the template
# nests one <mark> per covering annotation. The cut is one sweep over the
# sorted boundaries: O((n + p) log(n + p)) for n annotations and p
# paragraphs, never n x p. Around it: the keyword-in-context lines of the
# trope index, the timeline's rows and ticks, and the set-up/payoff links.
"""Lanes, paragraph segments, index snippets, timeline rows and links of the edition."""

from __future__ import annotations

import bisect
import heapq
import re
from collections import defaultdict
from collections.abc import Sequence

from ..annotation import Annotation
from ..story import Paragraph, Story
from .model import (
    Entry,
    LinkView,
    ParagraphView,
    ReaderView,
    Segment,
    Snippet,
    TimelineRow,
    TropeView,
)
from .notes import render_note

TIMELINE_WIDTH = 1000
TIMELINE_LABEL = 210
TIMELINE_ROW = 18
KWIC_CONTEXT = 40
KWIC_MAX = 120


def paragraph_ref(p: Paragraph) -> str:
    """How the edition cites a paragraph: ``¶12``; ``¶3.12`` in chapter 3; ``title``."""
    if p.number is None:
        return "title" if p.kind == "title" else "heading"
    chapter = re.match(r"^c(\d+)-p\d+$", p.id)
    return f"¶{chapter.group(1)}.{p.number}" if chapter else f"¶{p.number}"


def assign_lanes(spans: Sequence[tuple[int, int]]) -> list[int]:
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


def kwic_snippet(text: str, entry: Entry, para: Paragraph) -> Snippet:
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


def segment_paragraphs(story: Story, entries: list[Entry]) -> list[ParagraphView]:
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


def link_views(
    annotations: list[Annotation], entries: dict[str, Entry], readers: dict[str, ReaderView]
) -> list[LinkView]:
    """The set-ups and payoffs among ``entries``, numbered, each listed on both its ends."""
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


def timeline_rows(
    story: Story, entries: list[Entry], tropes: list[TropeView]
) -> tuple[list[TimelineRow], int, list[float], list[tuple[float, str]]]:
    """The timeline: a row per trope (and one for untagged notes), its height, scenes and axis."""
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
    "KWIC_CONTEXT",
    "KWIC_MAX",
    "TIMELINE_LABEL",
    "TIMELINE_ROW",
    "TIMELINE_WIDTH",
    "assign_lanes",
    "kwic_snippet",
    "link_views",
    "paragraph_ref",
    "segment_paragraphs",
    "timeline_rows",
]
