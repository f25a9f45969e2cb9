# The suggester proper: for each paragraph (or one selection) it scores every
# trope that has cues, from three signals combined by noisy-OR, and keeps the
# best few with the words that triggered them. A pure model: it reads a Story
# and compiled cues, and writes nothing anywhere.
"""Suggestions: :class:`Suggestion` and :func:`suggest`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..story import Paragraph, Story
from ..tropes import Vocabulary, default_vocabulary
from ._cues import Cues, cues_for, fold, scan
from ._similarity import Embeddings, Similarity, terms

#: ``name`` of the generator in JSON-LD and the first part of ``Suggestion.generator``.
GENERATOR_NAME = "annotator-suggest"

#: Suggestions scoring below this are not shown (chosen on the dev paragraphs).
MIN_SCORE = 0.4

#: How much embedding similarity can add: (weight, cosine giving 0, cosine giving
#: the full weight); chosen on the dev paragraphs, where it barely changed F1.
EMBEDDING_RAMP = (0.3, 0.45, 0.75)


@dataclass(frozen=True)
class Suggestion:
    """A trope the suggester proposes for a passage; never an annotation by itself.

    Attributes:
        story: the story id.
        paragraph: id of the paragraph holding the triggering passage.
        start, end: the triggering passage (a sentence), as offsets into the story text.
        trope: the proposed trope id.
        score: confidence in [0, 1]; compare scores of one generator only.
        evidence: the matched words (or, for similarity alone, the shared words
            or the sentence), strongest first; each is text of the paragraph.
        spans: ``(start, end)`` of each evidence item, in the same order.
        generator: who proposed it, ``annotator-suggest/<version>``.
        similar_to: the trope's example sentence closest to the passage, if
            similarity contributed.
    """

    story: str
    paragraph: str
    start: int
    end: int
    trope: str
    score: float
    evidence: tuple[str, ...]
    generator: str
    spans: tuple[tuple[int, int], ...] = ()
    similar_to: str | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """``(paragraph, trope)``: what a dismissal remembers."""
        return (self.paragraph, self.trope)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for the Reader widget (gutter hints) and tables."""
        return {
            "story": self.story,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "trope": self.trope,
            "score": round(self.score, 3),
            "evidence": list(self.evidence),
            "spans": [list(s) for s in self.spans],
            "generator": self.generator,
            "similarTo": self.similar_to,
        }


def generator_version(cues: Cues, embeddings: bool) -> str:
    """``<annotator version>+cues.<digest>[.minilm]``: changes whenever the cues do."""
    from .. import __version__  # late: annotator/__init__ may import this module

    return f"{__version__}+cues.{cues.digest}" + (".minilm" if embeddings else "")


@dataclass
class _Unit:
    """A stretch of text scored as one: a paragraph, or the reader's selection."""

    start: int
    end: int
    paragraphs: list[Paragraph]
    sentences: list[tuple[str, int, int]]  # (paragraph id, start, end), clipped to the unit


def _units(
    story: Story, paragraphs: Iterable[str | Paragraph] | None, span: tuple[int, int] | None
) -> list[_Unit]:
    def sentences(p: Paragraph, lo: int, hi: int) -> list[tuple[str, int, int]]:
        parts = [(s.start, s.end) for s in p.sentences] or [(p.start, p.end)]
        return [(p.id, max(a, lo), min(b, hi)) for a, b in parts if a < hi and lo < b]

    if span is not None:
        lo, hi = story.check_span(*span)
        covered = story.paragraphs_in(lo, hi)
        return [_Unit(lo, hi, covered, [s for p in covered for s in sentences(p, lo, hi)])]
    if paragraphs is None:
        chosen = list(story.body_paragraphs)
    else:
        picked = {
            p.id: p
            for p in (q if isinstance(q, Paragraph) else story.paragraph(q) for q in paragraphs)
        }
        chosen = sorted(picked.values(), key=lambda p: p.start)
    return [_Unit(p.start, p.end, [p], sentences(p, p.start, p.end)) for p in chosen]


def _ramp(value: float, ramp: tuple[float, float, float]) -> float:
    weight, lo, hi = ramp
    return weight * min(1.0, max(0.0, (value - lo) / (hi - lo)))


def suggest(
    story: Story,
    paragraphs: Iterable[str | Paragraph] | None = None,
    *,
    span: tuple[int, int] | None = None,
    top: int | None = 3,
    vocabulary: Vocabulary | None = None,
    cues: Cues | None = None,
    min_score: float = MIN_SCORE,
    embeddings: bool | Similarity = False,
) -> list[Suggestion]:
    """Propose tropes for each paragraph, or for one selection.

    Args:
        story: the story.
        paragraphs: paragraph ids (or paragraphs) to consider; every numbered
            paragraph by default. Ignored when ``span`` is given.
        span: ``(start, end)`` of a selection: the selection is scored as one
            passage and the best ``top`` tropes for it are returned.
        top: at most this many suggestions per paragraph (per selection);
            ``None`` for all above ``min_score``.
        vocabulary: only tropes of this vocabulary are proposed; the shipped one by default.
        cues: compiled cues; by default the shipped cues checked against ``vocabulary``.
        min_score: suggestions scoring below it are dropped.
        embeddings: ``True`` to add similarity to the cue examples by sentence
            embeddings (needs the ``embeddings`` extra), or a ready backend.

    Returns:
        Suggestions in story order of paragraphs, best first within each
        paragraph (in span mode: best first).

    Raises:
        SpanError: a bad span. StoryError: an unknown paragraph id.
        TropeError: cues that do not fit the vocabulary.
        AnnotatorError: ``embeddings=True`` without the extra installed.
    """
    vocabulary = vocabulary or default_vocabulary()
    cues = cues or cues_for(vocabulary)
    order = {t.id: i for i, t in enumerate(vocabulary)}
    active = [c for c in cues.tropes.values() if c.trope in order]
    examples = {c.trope: c.examples for c in active if c.examples}
    backend: Similarity | None
    if isinstance(embeddings, bool):
        backend = _embeddings(cues, examples) if embeddings else None
    else:
        backend = embeddings
    generator = f"{GENERATOR_NAME}/{generator_version(cues, backend is not None)}"

    units = _units(story, paragraphs, span)
    text = story.text
    folded = fold(text)
    flat = [s for u in units for s in u.sentences]
    sims = backend.scores([text[a:b] for _, a, b in flat]) if flat and backend is not None else {}
    body = story.body_paragraphs
    places = {
        "last": body[-1].id if body else None,
        "second-last": body[-2].id if len(body) > 1 else None,
        "first": body[0].id if body else None,
    }

    out: list[Suggestion] = []
    offset = 0
    for unit in units:
        sent_index = range(offset, offset + len(unit.sentences))
        offset += len(unit.sentences)
        covered = {p.id for p in unit.paragraphs}
        found: list[Suggestion] = []
        for tc in active:
            hits: list[tuple[float, int, int]] = []  # (weight, start, end)
            miss = 1.0
            for pattern in tc.patterns:
                matches = scan(pattern.regex, folded, unit.start, unit.end)
                if matches:
                    miss *= 1.0 - pattern.weight
                    hits.extend((pattern.weight, a, b) for a, b in matches)
            cue = 1.0 - miss
            best_sim, best_k, best_ex = 0.0, -1, 0
            for k in sent_index if tc.trope in sims else ():
                value, ex = sims[tc.trope][k]
                if value > best_sim:
                    best_sim, best_k, best_ex = value, k, ex
            sim = _ramp(best_sim, EMBEDDING_RAMP)
            pos = max((w for name, w in tc.position if places.get(name) in covered), default=0.0)
            score = 1.0 - (1.0 - cue) * (1.0 - sim) * (1.0 - pos)
            if score < min_score or score <= 0:
                continue
            found.append(
                _make(
                    story,
                    unit,
                    flat,
                    tc.trope,
                    score,
                    hits,
                    sim,
                    best_k,
                    best_ex,
                    examples.get(tc.trope, ()),
                    generator,
                )
            )
        found.sort(key=lambda s: (-round(s.score, 9), order[s.trope]))
        out.extend(found if top is None else found[:top])
    return out


def _embeddings(cues: Cues, examples: dict[str, tuple[str, ...]]) -> Embeddings:
    # Loading the model and embedding the examples takes seconds: do it once.
    key = (cues.digest, tuple(examples))
    cached = _EMBEDDINGS.get(key)
    if cached is None:
        cached = _EMBEDDINGS[key] = Embeddings(examples)
    return cached


_EMBEDDINGS: dict[tuple[str, tuple[str, ...]], Embeddings] = {}


def _make(
    story: Story,
    unit: _Unit,
    flat: Sequence[tuple[str, int, int]],
    trope: str,
    score: float,
    hits: list[tuple[float, int, int]],
    sim: float,
    best_k: int,
    best_ex: int,
    examples: tuple[str, ...],
    generator: str,
) -> Suggestion:
    text = story.text
    similar_to = examples[best_ex] if sim > 0 and examples else None
    if hits:
        hits.sort(key=lambda h: (-h[0], h[1]))
        _, a, b = hits[0]
        pid, start, end = next(
            ((p, s, e) for p, s, e in unit.sentences if s <= a < e), (None, unit.start, unit.end)
        )
        pid = pid or (story.paragraph_at(a) or unit.paragraphs[0]).id
        kept: list[tuple[int, int]] = []
        for _, s, e in hits:  # strongest first; a weaker match inside a kept one adds nothing
            if not any(s < ke and ks < e for ks, ke in kept):
                kept.append((s, e))
        spans = tuple(kept[:6])
    elif best_k >= 0:
        pid, start, end = flat[best_k]
        example_stems = {s for s, _ in terms(similar_to or "")}
        spans = tuple(_word_spans(text, start, end, example_stems))[:6] or ((start, end),)
    else:  # a position prior alone: the last sentence of the unit
        pid, start, end = (
            unit.sentences[-1] if unit.sentences else (unit.paragraphs[0].id, unit.start, unit.end)
        )
        spans = ((start, end),)
    evidence = tuple(text[s:e] for s, e in spans)
    return Suggestion(
        story.id, pid, start, end, trope, score, evidence, generator, spans, similar_to
    )


def _word_spans(text: str, start: int, end: int, stems: set[str]) -> list[tuple[int, int]]:
    import re

    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"[A-Za-z]+(?:['’][A-Za-z]+)?", text[start:end]):
        found = terms(m.group().replace("’", "'"))
        if found and found[0][0] in stems:
            spans.append((start + m.start(), start + m.end()))
    return spans
