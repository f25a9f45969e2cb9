# What a reader does with a suggestion. Accepting one makes an ordinary
# annotation by that reader (through Reading.annotate, so undo and the
# widgets see it) that remembers which generator proposed it. Dismissing one
# is remembered per reader, story, paragraph and trope, so the hint does not
# come back; dismissals are not annotations (they would leak into exports and
# the edition), so they live behind a three-method interface that the store
# can implement, with an in-memory fallback until it does.
"""Dismissals, acceptance, reader-facing hints and the output formats."""

from __future__ import annotations

import inspect
import json
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from ..annotation import Annotation, make_annotation, now
from ..jsonld import CONTEXT, to_w3c
from ..reading import Reading
from ..story import Story
from ._core import GENERATOR_NAME, Suggestion, suggest

#: Extra W3C key recording the generator an accepted annotation came from.
ACCEPTED_FROM = "annotator:acceptedFrom"
SCORE_KEY = "annotator:score"
EVIDENCE_KEY = "annotator:evidence"


@dataclass(frozen=True)
class Dismissal:
    """A suggestion a reader turned down: ``trope`` is not wanted on ``paragraph``."""

    story: str
    reader: str
    paragraph: str
    trope: str
    generator: str = ""
    created: str = field(default_factory=now)


@runtime_checkable
class DismissalStore(Protocol):
    """Where dismissals are kept: the SQLite store once it supports them, or memory."""

    def add_dismissal(self, dismissal: Dismissal) -> None:
        """Record a dismissal (recording the same key again keeps one)."""
        ...

    def dismissals(self, story: str, reader: str) -> list[Any]:
        """The reader's dismissals for a story (:class:`Dismissal` or dicts of its fields)."""
        ...

    def remove_dismissal(self, story: str, reader: str, paragraph: str, trope: str) -> bool:
        """Forget a dismissal; returns whether there was one."""
        ...


class MemoryDismissals:
    """Dismissals in a dict, for tests and until the store keeps them."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str, str], Dismissal] = {}

    def add_dismissal(self, dismissal: Dismissal) -> None:
        """See :class:`DismissalStore`."""
        d = dismissal
        self._items.setdefault((d.story, d.reader, d.paragraph, d.trope), d)

    def dismissals(self, story: str, reader: str) -> list[Dismissal]:
        """See :class:`DismissalStore`."""
        return [d for (s, r, _, _), d in self._items.items() if s == story and r == reader]

    def remove_dismissal(self, story: str, reader: str, paragraph: str, trope: str) -> bool:
        """See :class:`DismissalStore`."""
        return self._items.pop((story, reader, paragraph, trope), None) is not None


_fallback: weakref.WeakKeyDictionary[Any, MemoryDismissals] = weakref.WeakKeyDictionary()
_default = MemoryDismissals()


def dismissals_for(store: Any = None) -> DismissalStore:
    """The dismissal store to use with ``store``.

    ``store`` itself when it implements :class:`DismissalStore` (a Store with
    the dismissals table, or a :class:`MemoryDismissals`); otherwise an
    in-memory one attached to that store object (lost when it closes), or a
    process-wide one for ``None``.
    """
    if store is None:
        return _default
    if isinstance(store, DismissalStore):
        return store
    found = _fallback.get(store)
    if found is None:
        found = _fallback[store] = MemoryDismissals()
    return found


def dismiss(suggestion: Suggestion, reader: str, store: Any = None) -> Dismissal:
    """Remember that ``reader`` does not want ``suggestion`` (its trope on its paragraph)."""
    d = Dismissal(
        suggestion.story,
        reader.strip(),
        suggestion.paragraph,
        suggestion.trope,
        suggestion.generator,
    )
    dismissals_for(store).add_dismissal(d)
    return d


def undismiss(suggestion: Suggestion, reader: str, store: Any = None) -> bool:
    """Forget a dismissal, so the suggestion may be shown again."""
    s = suggestion
    return dismissals_for(store).remove_dismissal(s.story, reader.strip(), s.paragraph, s.trope)


def dismissed(story: str, reader: str, store: Any = None) -> set[tuple[str, str]]:
    """``(paragraph, trope)`` pairs the reader dismissed in a story."""
    found = dismissals_for(store).dismissals(story, reader.strip())
    return {
        (d["paragraph"], d["trope"]) if isinstance(d, dict) else (d.paragraph, d.trope)
        for d in found
    }


def accept(
    reading: Reading, suggestion: Suggestion, *, tropes: Iterable[str] | None = None
) -> Annotation:
    """Turn a suggestion into the reader's own annotation of its passage.

    The annotation is made by :meth:`Reading.annotate` (so it can be undone)
    and carries ``"annotator:acceptedFrom": <generator>`` in its extra W3C
    fields.

    Args:
        reading: the reader's session.
        suggestion: the suggestion accepted.
        tropes: the tropes to record, if the reader changed them; the suggested one by default.

    Raises:
        SpanError, UnknownTropeError, AnnotationError: as :meth:`Reading.annotate`.
    """
    chosen = list(tropes) if tropes is not None else [suggestion.trope]
    extra = {ACCEPTED_FROM: suggestion.generator}
    annotate: Any = reading.annotate
    if "extra" in inspect.signature(annotate).parameters:  # once Reading supports it
        made: Annotation = annotate(suggestion.start, suggestion.end, tropes=chosen, extra=extra)
        return made
    made = reading.annotate(suggestion.start, suggestion.end, tropes=chosen)
    marked = replace(made, extra={**made.extra, **extra})  # same dates: it is the same act
    reading.store.update(marked)
    return marked


def hints(
    reading: Reading,
    paragraphs: Iterable[str] | None = None,
    *,
    span: tuple[int, int] | None = None,
    top: int | None = 3,
    dismissals: Any = None,
    **options: Any,
) -> list[Suggestion]:
    """Suggestions for a reader: without what they dismissed or already tagged there.

    Args:
        reading: the reader's session (story, store, reader, vocabulary).
        paragraphs: as :func:`suggest`.
        span: as :func:`suggest`.
        top: as :func:`suggest`, counted after the filtering.
        dismissals: a :class:`DismissalStore`; by default the one for ``reading.store``.
        **options: passed on to :func:`suggest` (``min_score``, ``embeddings``...).
    """
    story = reading.story
    gone = dismissed(
        story.id, reading.reader, dismissals if dismissals is not None else reading.store
    )
    tagged: set[tuple[str, str]] = set()
    for a in reading.annotations(creator=reading.reader):
        if a.start is None or a.end is None:
            continue
        for p in story.paragraphs_in(a.start, a.end):
            tagged.update((p.id, t) for t in a.tropes)
    found = suggest(
        story, paragraphs, span=span, top=None, vocabulary=reading.vocabulary, **options
    )
    kept: list[Suggestion] = []
    per_unit: dict[str, int] = {}
    for s in found:
        if s.key in gone or s.key in tagged:
            continue
        unit = "span" if span is not None else s.paragraph
        if top is not None and per_unit.get(unit, 0) >= top:
            continue
        per_unit[unit] = per_unit.get(unit, 0) + 1
        kept.append(s)
    return kept


def to_w3c_suggestion(suggestion: Suggestion, story: Story) -> dict[str, Any]:
    """A suggestion as a W3C annotation with a Software ``generator`` and no ``creator``."""
    s = suggestion
    name, _, version = s.generator.partition("/")
    ident = uuid.uuid5(
        uuid.NAMESPACE_URL, f"{story.iri}#{story.version}/{s.paragraph}/{s.trope}/{s.generator}"
    )
    a = make_annotation(
        story.text,
        story.id,
        s.start,
        s.end,
        creator=name,
        tropes=[s.trope],
        story_version=story.version,
        id=f"urn:uuid:{ident}",
    )
    out = to_w3c(a)
    del out["creator"]  # a program proposed it; no Person said it
    del out["modified"]
    out["generator"] = {"type": "Software", "name": name, "version": version}
    out["generated"] = out.pop("created")
    out[SCORE_KEY] = round(s.score, 3)
    out[EVIDENCE_KEY] = list(s.evidence)
    return out


def to_jsonld(suggestions: Iterable[Suggestion], story: Story) -> str:
    """Suggestions as a W3C AnnotationCollection (JSON text)."""
    items = [to_w3c_suggestion(s, story) for s in suggestions]
    doc = {
        "@context": CONTEXT,
        "type": "AnnotationCollection",
        "label": f"{story.title}: suggested tropes ({GENERATOR_NAME})",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def format_table(suggestions: Iterable[Suggestion], width: int = 60) -> str:
    """A plain-text table: paragraph, trope, score, evidence."""
    rows = [("paragraph", "trope", "score", "evidence")]
    for s in suggestions:
        words = "; ".join(" ".join(e.split()) for e in s.evidence)
        if len(words) > width:
            words = words[: width - 1] + "…"
        rows.append((s.paragraph, s.trope, f"{s.score:.2f}", words))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip()
        for r in rows
    ]
    return "\n".join(lines) + "\n"
