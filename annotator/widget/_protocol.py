# The wire contract between the Reader's Python side and reader.js.
#
# Synced traits carry only small view state (who reads, what is filtered);
# the story, the vocabulary and the annotations travel as custom messages so
# that a change costs one small delta, never the whole list. The same shapes
# are described for JavaScript by the @typedef block at the top of
# annotator/static/reader.js: change both together.
"""Message shapes of the Reader widget and the functions that build them.

Traits synced on :class:`annotator.widget.ReaderSurface`::

    story_id       str        id of the story shown
    reader         str        the reader's name ("mine" means creator == reader)
    show           str        "mine" | "everyone"
    trope_filter   str        a trope id, or "" for all tropes
    hidden_tropes  list[str]  trope ids switched off in the legend
                              ("" stands for annotations without a trope)
    can_undo       str        label of the change undo would revert, or ""
    height         str        CSS height of the reading pane
    suggestions    bool       show trope suggestions (hints) in the gutter
    groups         list[str]  the reader's groups (audience choices "group:<name>")
    boot           bytes      JSON of a small story's first load (see Boot), or b""

Messages from the page (every one carries ``request``, a string the reply's
``ack`` repeats)::

    {"type": "load"}                                   -> LoadReply (+ LoadParts, Upserts)
    {"type": "booted", "rev"}                          -> Ack (and deltas if ``rev`` is stale)
    {"type": "select", "start", "end", "exact"}        -> Ack(result=Selection)
    {"type": "annotate", "start", "end", "exact", "tropes", "note", "colour", "audience"?}
    {"type": "edit", "id", "tropes"?, "note"?, "colour"?, "audience"?}
    {"type": "delete", "id"}
    {"type": "link", "source", "target"}
    {"type": "undo"}
    {"type": "hints", "paragraphs": [id, ...] | None}  -> Hints, then Ack(result={"count"})
    {"type": "accept", "paragraph", "trope"}           -> Ack(result={"id"})
    {"type": "dismiss", "paragraph", "trope"}          -> Ack
    {"type": "undismiss", "paragraph", "trope"}        -> Ack

Messages from Python: ``load`` (the reply to a load request; a big story's
continues in ``load-part`` messages and its annotations follow in upserts), ``upsert`` and
``remove`` (deltas, sent to every view after every change from anywhere),
``hints`` (the suggestions for some paragraphs, replacing what the page had
for them), ``ack`` (the outcome of one request) and ``focus`` (scroll to an
annotation).
Offsets are Python code points everywhere; reader.js converts to UTF-16.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

from ..annotation import Annotation
from ..story import Story
from ..tropes import Vocabulary

# -- shapes -----------------------------------------------------------------------


class WireParagraph(TypedDict):
    """One paragraph, with its own text so the page never slices by code points.

    Keys holding their default are left out (a 500,000-word story has 20,000
    paragraphs): ``sceneBreakBefore`` false, ``speaker`` null, ``after`` a
    blank line, ``sentences`` empty.
    """

    id: str
    number: int | None
    start: int
    end: int
    kind: str
    sceneBreakBefore: NotRequired[bool]
    speaker: NotRequired[str | None]
    text: str  # story.text[start:end]
    after: NotRequired[str]  # the white space up to the next paragraph
    sentences: NotRequired[list[list[int]]]  # [start, end] pairs, relative to ``start``


class WireStory(TypedDict):
    """The story as the page needs it."""

    id: str
    title: str
    version: str
    meta: dict[str, Any]
    lead: str  # white space before the first paragraph
    length: int  # len(story.text), in code points
    paragraphs: list[WireParagraph]


class WireAnnotation(TypedDict):
    """An annotation, flattened and slimmed for the wire.

    ``exact`` is sent only when the page cannot slice it from the text itself
    (orphans); with 20,000 annotations that halves the load.
    """

    id: str
    creator: str
    start: int | None
    end: int | None
    exact: str | None
    tropes: list[str]
    note: str
    colour: str | None
    motivation: str
    links: list[str]
    targetRef: str | None
    modified: str
    orphan: bool
    audience: str  # "public", "private" or "group:<name>"


class Selection(TypedDict):
    """``Reader.selection``: a span the page reported, verified against the text."""

    start: int
    end: int
    exact: str


class LoadReply(TypedDict):
    """Python -> page, answering ``{"type": "load"}``.

    With ``more`` true (big stories: the page paints the text first) the
    reply holds the first ``parts``-th of the paragraphs, ``parts - 1``
    :class:`LoadPart` messages bring the rest, and the annotations follow in
    upserts, each but the last with ``more`` true. Every message stays near
    ``LOAD_CHUNK_BYTES`` (the page parses each in one task). All of them are
    sent under the watcher's lock, so no delta comes between them.
    """

    type: Literal["load"]
    request: str
    story: WireStory
    tropes: list[dict[str, Any]]
    annotations: list[WireAnnotation]
    more: bool
    parts: NotRequired[int]  # with ``more``: messages the paragraphs come in (this one included)


class LoadPart(TypedDict):
    """Python -> page: the next paragraphs of a split load reply, in order."""

    type: Literal["load-part"]
    request: str  # the load request's
    paragraphs: list[WireParagraph]


class Boot(TypedDict):
    """The ``boot`` trait: a :class:`LoadReply` the first view draws from at once.

    Set when the Reader is built on a small story, so the page needs no
    ``load`` round trip before it can draw; ``rev`` counts the deltas sent
    before the snapshot was taken. The view answers ``booted`` with that
    ``rev``; Python then clears the trait (later views send ``load``) and,
    if deltas went out meanwhile (the view may have missed them), sends the
    difference.
    """

    story: WireStory
    tropes: list[dict[str, Any]]
    annotations: list[WireAnnotation]
    rev: int


class Upsert(TypedDict):
    """Python -> page: these annotations are new or changed."""

    type: Literal["upsert"]
    annotations: list[WireAnnotation]
    more: NotRequired[bool]  # a split load's annotations: more follow (default false)


class Remove(TypedDict):
    """Python -> page: these annotations are gone."""

    type: Literal["remove"]
    ids: list[str]


class Ack(TypedDict):
    """Python -> page: the outcome of one request."""

    type: Literal["ack"]
    request: str
    ok: bool
    error: str | None
    suggestions: NotRequired[list[str]]  # trope ids, for an unknown trope
    result: NotRequired[Any]


class Focus(TypedDict):
    """Python -> page: scroll to an annotation and flash it."""

    type: Literal["focus"]
    id: str


class WireHint(TypedDict):
    """A trope suggestion for the gutter (see :meth:`annotator.suggest.Suggestion.to_dict`)."""

    paragraph: str  # the paragraph id
    start: int  # the triggering passage (a sentence)
    end: int
    trope: str
    score: float  # in [0, 1]
    evidence: list[str]  # the words that triggered it, strongest first
    spans: list[list[int]]  # [start, end] of each evidence item, story offsets
    generator: str
    similarTo: str | None


class Hints(TypedDict):
    """Python -> page: the suggestions for ``paragraphs`` (an empty list clears them)."""

    type: Literal["hints"]
    paragraphs: list[str]
    hints: list[WireHint]


class Request(TypedDict, total=False):
    """Page -> Python. Which keys are present depends on ``type``."""

    type: Literal[
        "load", "booted", "select", "annotate", "edit", "delete", "link", "undo",
        "hints", "accept", "dismiss", "undismiss",
    ]  # fmt: skip
    request: str
    start: int
    end: int
    exact: str
    tropes: list[str]
    note: str
    colour: str | None
    id: str
    source: str
    target: str
    audience: str
    paragraph: str
    trope: str
    paragraphs: list[str] | None
    rev: int


# -- builders ---------------------------------------------------------------------

_META_KEYS = ("author", "fandom", "relationship", "rating", "words", "language")


def story_payload(story: Story) -> WireStory:
    """The story for the page: paragraphs with their texts and the gaps between them."""
    text = story.text
    paragraphs = story.paragraphs
    out: list[WireParagraph] = []
    for i, p in enumerate(paragraphs):
        nxt = paragraphs[i + 1].start if i + 1 < len(paragraphs) else len(text)
        item: WireParagraph = {
            "id": p.id,
            "number": p.number,
            "start": p.start,
            "end": p.end,
            "kind": p.kind,
            "text": text[p.start : p.end],
        }
        after = text[p.end : nxt]
        if after != "\n\n":
            item["after"] = after
        if p.scene_break_before:
            item["sceneBreakBefore"] = True
        if p.speaker:
            item["speaker"] = p.speaker
        if p.sentences:
            item["sentences"] = [[s.start - p.start, s.end - p.start] for s in p.sentences]
        out.append(item)
    meta = {k: story.metadata[k] for k in _META_KEYS if story.metadata.get(k) is not None}
    return {
        "id": story.id,
        "title": story.title,
        "version": story.version,
        "meta": meta,
        "lead": text[: paragraphs[0].start] if paragraphs else "",
        "length": len(text),
        "paragraphs": out,
    }


def tropes_payload(vocabulary: Vocabulary) -> list[dict[str, Any]]:
    """The vocabulary for the type-ahead, the legend and the highlight styles."""
    return vocabulary.to_dict()


def annotation_payload(a: Annotation) -> WireAnnotation:
    """One annotation for the page."""
    placed = not a.orphan and a.start is not None
    return {
        "id": a.id,
        "creator": a.creator,
        "start": a.start,
        "end": a.end,
        "exact": a.quote.exact if a.quote and not placed else None,
        "tropes": list(a.tropes),
        "note": a.note,
        "colour": a.colour,
        "motivation": a.motivation,
        "links": list(a.links),
        "targetRef": a.target_ref,
        "modified": a.modified,
        "orphan": a.orphan,
        "audience": a.audience,
    }


def hint_payload(s: Any) -> WireHint:
    """One :class:`~annotator.suggest.Suggestion` for the page's gutter."""
    d = s.to_dict()
    d.pop("story", None)
    return d  # type: ignore[no-any-return]
