"""Anchoring: find where an annotation belongs in a text that may have changed.

Modelled on the Hypothesis client's ``anchoring/`` folder. Two operations:

* :func:`describe` turns a span into every selector we can make for it: a
  TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector.
* :func:`anchor` turns selectors back into a span, cheapest strategy first:

  1. the position, verified against the quote;
  2. an exact quote search, first near the old position, disambiguated by
     prefix/suffix agreement and distance to the old position;
  3. a fuzzy search (rapidfuzz's alignment, near the old position, then
     everywhere), accepted only above a similarity threshold;
  4. otherwise an orphan: kept by the caller, counted and shown, never dropped.

The low-level matchers return ``None``; :func:`anchor` always returns an
:class:`Anchor`, whose ``orphan`` flag says whether it found a place.
Pure model: rapidfuzz is a string library, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .errors import AnchoringError, SpanError

CONTEXT = 32
"""Characters of prefix and suffix kept in a TextQuoteSelector."""

FUZZY_THRESHOLD = 85.0
"""Lowest rapidfuzz similarity (0-100) at which a fuzzy match is accepted."""

Method = Literal["position", "quote", "fuzzy", "orphan"]


@dataclass(frozen=True)
class TextQuote:
    """A W3C TextQuoteSelector."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class TextPosition:
    """A W3C TextPositionSelector: code-point offsets, end exclusive."""

    start: int
    end: int


@dataclass(frozen=True)
class Selectors:
    """The pair of selectors every annotation target carries."""

    quote: TextQuote
    position: TextPosition


@dataclass(frozen=True)
class Anchor:
    """Where a set of selectors anchors in a text.

    ``start``/``end`` are ``None`` for an orphan. ``score`` is 100 for exact
    strategies and the rapidfuzz similarity for fuzzy ones.
    """

    start: int | None
    end: int | None
    method: Method
    score: float = 100.0

    @property
    def orphan(self) -> bool:
        """Whether no place in the text fits the selectors."""
        return self.method == "orphan"


def describe(text: str, start: int, end: int, context: int = CONTEXT) -> Selectors:
    """Make the quote and position selectors for ``text[start:end]``.

    Raises:
        SpanError: for an empty, reversed or out-of-range span.
    """
    if isinstance(start, bool) or isinstance(end, bool):
        raise SpanError(f"span {start!r}..{end!r}: offsets must be whole numbers")
    if not isinstance(start, int) or not isinstance(end, int):
        raise SpanError(f"span {start!r}..{end!r}: offsets must be whole numbers")
    if start < 0 or end > len(text):
        raise SpanError(f"span {start}..{end} is outside the text, which runs 0..{len(text)}")
    if end < start:
        raise SpanError(f"span {start}..{end} is reversed: start must come before end")
    if end == start:
        raise SpanError(f"span {start}..{end} is empty: select at least one character")
    return Selectors(
        quote=TextQuote(
            exact=text[start:end],
            prefix=text[max(0, start - context) : start],
            suffix=text[end : end + context],
        ),
        position=TextPosition(start, end),
    )


def anchor(
    text: str,
    selectors: Selectors | None = None,
    *,
    quote: TextQuote | None = None,
    position: TextPosition | None = None,
) -> Anchor:
    """Anchor selectors in ``text``; see the module docstring for the strategy.

    Pass a :class:`Selectors`, or ``quote`` and/or ``position`` separately
    (an imported annotation may carry only one of them).

    Raises:
        AnchoringError: when no selector is given or the quote is empty.
    """
    if selectors is not None:
        quote, position = selectors.quote, selectors.position
    if quote is None and position is None:
        raise AnchoringError("an annotation target needs a TextQuoteSelector or a TextPositionSelector")
    if quote is None:
        assert position is not None
        if 0 <= position.start < position.end <= len(text):
            return Anchor(position.start, position.end, "position")
        return Anchor(None, None, "orphan", 0.0)
    if not quote.exact:
        raise AnchoringError("a TextQuoteSelector's 'exact' must not be empty")
    hint = position.start if position is not None else None
    if position is not None and text[position.start : position.end] == quote.exact and 0 <= position.start:
        return Anchor(position.start, position.end, "position")
    found = match_quote(text, quote, hint)
    if found is not None:
        return Anchor(found, found + len(quote.exact), "quote")
    fuzzy = match_fuzzy(text, quote, hint)
    if fuzzy is not None:
        start, end, score = fuzzy
        return Anchor(start, end, "fuzzy", score)
    return Anchor(None, None, "orphan", 0.0)


def _context_score(text: str, start: int, quote: TextQuote) -> int:
    """How many characters of prefix and suffix agree with the text around ``start``."""
    score = 0
    before = text[max(0, start - len(quote.prefix)) : start]
    for a, b in zip(reversed(before), reversed(quote.prefix), strict=False):
        if a != b:
            break
        score += 1
    after_start = start + len(quote.exact)
    after = text[after_start : after_start + len(quote.suffix)]
    for a, b in zip(after, quote.suffix, strict=False):
        if a != b:
            break
        score += 1
    return score


def _occurrences(text: str, exact: str, lo: int = 0, hi: int | None = None) -> list[int]:
    hi = len(text) if hi is None else hi
    found = []
    i = text.find(exact, lo, hi)
    while i != -1:
        found.append(i)
        i = text.find(exact, i + 1, hi)
    return found


def match_quote(text: str, quote: TextQuote, hint: int | None = None, window: int = 4096) -> int | None:
    """Start offset of the best exact occurrence of the quote, or ``None``.

    Looks near ``hint`` first (edits usually move text a little), accepting a
    candidate there only when its prefix and suffix agree fully; otherwise
    ranks every occurrence by context agreement, then by distance to ``hint``.
    """
    full = len(quote.prefix) + len(quote.suffix)
    if hint is not None:
        lo = max(0, hint - window)
        hi = min(len(text), hint + window + len(quote.exact))
        near = [i for i in _occurrences(text, quote.exact, lo, hi) if _context_score(text, i, quote) == full]
        if near:
            return min(near, key=lambda i: abs(i - hint))
    candidates = _occurrences(text, quote.exact)
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    return max(
        candidates,
        key=lambda i: (_context_score(text, i, quote), -abs(i - hint) if hint is not None else 0),
    )


def match_fuzzy(
    text: str,
    quote: TextQuote,
    hint: int | None = None,
    threshold: float = FUZZY_THRESHOLD,
) -> tuple[int, int, float] | None:
    """Best approximate occurrence of the quote as ``(start, end, score)``, or ``None``.

    rapidfuzz's ``partial_ratio_alignment`` finds the substring of the text
    most similar to the quote in optimised C; we use it rather than a
    hand-written Bitap because it is faster and well kept. The quote is
    widened with its prefix and suffix when that makes it distinctive.
    """
    exact = quote.exact
    windows: list[tuple[int, int]] = []
    if hint is not None:
        span = max(2048, 4 * len(exact))
        windows.append((max(0, hint - span), min(len(text), hint + len(exact) + span)))
    windows.append((0, len(text)))
    for lo, hi in windows:
        hay = text[lo:hi]
        if len(hay) < len(exact) * 0.5:
            continue
        result = fuzz.partial_ratio_alignment(exact, hay, score_cutoff=threshold)
        if result is None:
            continue
        start, end = _refine(text, exact, lo + result.dest_start, lo + result.dest_end)
        # The alignment scores a partial match; accept it only when the
        # found text as a whole is that similar to the quote.
        score = fuzz.ratio(exact, text[start:end]) if end > start else 0.0
        if score >= threshold:
            return start, end, float(score)
    return None


def _refine(text: str, exact: str, start: int, end: int) -> tuple[int, int]:
    """Move the ends of an alignment to where the whole span is most like the quote.

    The alignment has the quote's length, so an edit that made the passage
    longer or shorter leaves one end off; a short search around each end
    (first the start, then the end) puts them back on word boundaries.
    """
    slack = max(4, min(64, len(exact) // 4))
    start, end = _trim(text, start, end)
    best = fuzz.ratio(exact, text[start:end])
    for lo in range(max(0, start - slack), min(end, start + slack) + 1):
        score = fuzz.ratio(exact, text[lo:end])
        if score > best:
            best, start = score, lo
    for hi in range(max(start + 1, end - slack), min(len(text), end + slack) + 1):
        score = fuzz.ratio(exact, text[start:hi])
        if score > best:
            best, end = score, hi
    return _trim(text, start, end)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
