"""Seeded edits to a story text that remember where every character went.

A :class:`Doc` is the text as a list of characters, each with its *origin*:
its offset in the original text, or ``None`` for a character an edit
inserted. A character an edit replaces in place (a typo fix, a straight
quote made curly, a space made a no-break space) keeps its origin. So after
any chain of edits, the true new location of an original passage
``[start, end)`` is the set of new offsets whose origin lies in it, and a
re-anchored annotation can be judged against it.

Edit kinds: ``typo`` (substitute, insert, delete or transpose a letter),
``insert-sentence``, ``delete-sentence``, ``move-paragraph``,
``split-paragraph``, ``quotes`` (straight to typographic quotes and
apostrophes) and ``whitespace`` (double spaces, trailing spaces, CRLF line
ends, extra blank lines, no-break spaces).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_SENTENCE = re.compile(r'[^.!?\n]+[.!?]+["”’]?(?= |\n|$)')
_BOUNDARY = re.compile(r'(?<=[.!?]) (?=["“]?[A-Z])')
_NEW_SENTENCES = (
    "The music swelled and then fell away again.",
    "Somewhere behind them a glass broke and someone laughed.",
    "He counted the beats under his breath, one, two, three.",
    "The lights over the gym floor flickered red, then gold.",
    "Nobody seemed to notice the two of them at all.",
    '"Sorry," he muttered, though he was not sure what for.',
    "It was warmer out here than he had expected.",
)


@dataclass
class Doc:
    chars: list[str]
    origin: list[int | None]
    applied: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Doc:
        return cls(list(text), list(range(len(text))))

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def where(self, start: int, end: int) -> list[int]:
        """New offsets of the original characters ``[start, end)``, in order."""
        new_of = {o: i for i, o in enumerate(self.origin) if o is not None}
        return sorted(new_of[o] for o in range(start, end) if o in new_of)

    def locator(self) -> Callable[[int, int], list[int]]:
        """:meth:`where` for a text that no longer changes, with the map built once."""
        new_of = {o: i for i, o in enumerate(self.origin) if o is not None}
        return lambda start, end: sorted(new_of[o] for o in range(start, end) if o in new_of)

    # -- primitive changes ------------------------------------------------------
    def insert(self, at: int, s: str) -> None:
        self.chars[at:at] = list(s)
        self.origin[at:at] = [None] * len(s)

    def delete(self, start: int, end: int) -> None:
        del self.chars[start:end]
        del self.origin[start:end]

    def replace_char(self, at: int, c: str) -> None:
        self.chars[at] = c

    def move(self, start: int, end: int, to: int) -> None:
        """Move ``[start, end)`` so that it begins at ``to`` (an offset in the text before the move)."""
        chunk_c, chunk_o = self.chars[start:end], self.origin[start:end]
        self.delete(start, end)
        if to > start:
            to -= end - start
        self.chars[to:to] = chunk_c
        self.origin[to:to] = chunk_o


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in re.finditer(r"\n[ \t]*\n\s*", text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _letter_near_annotation(
    doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]
) -> int | None:
    """A letter inside an annotated passage (half the time), else anywhere."""
    text = doc.text
    if spans and rng.random() < 0.6:
        start, end = rng.choice(spans)
        where = [i for i in doc.where(start, end) if text[i].isalpha()]
        if where:
            return rng.choice(where)
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    return rng.choice(letters) if letters else None


def typo(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    at = _letter_near_annotation(doc, rng, spans)
    if at is None:
        return "typo: none"
    kind = rng.choice(["substitute", "insert", "delete", "transpose"])
    c = doc.chars[at]
    if kind == "substitute":
        doc.replace_char(at, rng.choice([x for x in "aeiourstln" if x != c.lower()]))
    elif kind == "insert":
        doc.insert(at, c)
    elif kind == "delete":
        doc.delete(at, at + 1)
    elif at + 1 < len(doc.chars) and doc.chars[at + 1].isalpha():
        doc.chars[at], doc.chars[at + 1] = doc.chars[at + 1], doc.chars[at]
        doc.origin[at], doc.origin[at + 1] = doc.origin[at + 1], doc.origin[at]
    return f"typo ({kind})"


def insert_sentence(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    points = [m.start() for m in _BOUNDARY.finditer(doc.text)]
    if not points:
        return "insert-sentence: none"
    doc.insert(rng.choice(points), " " + rng.choice(_NEW_SENTENCES))
    return "insert-sentence"


def delete_sentence(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    text = doc.text
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() - m.start() > 3]
    if not sentences:
        return "delete-sentence: none"
    start, end = rng.choice(sentences)
    while start < end and text[start] == " ":
        start += 1
    if end < len(text) and text[end] == " ":
        end += 1  # and the space after it
    doc.delete(start, end)
    return "delete-sentence"


def move_paragraph(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    paras = _paragraphs(doc.text)[1:]  # not the title
    if len(paras) < 3:
        return "move-paragraph: none"
    i, j = rng.sample(range(len(paras)), 2)
    start, end = paras[i]
    # Move the paragraph together with the blank line before it.
    sep_start = start
    while sep_start > 0 and doc.chars[sep_start - 1] in "\n \t":
        sep_start -= 1
    to = paras[j][1]
    if sep_start <= to <= end:
        return "move-paragraph: none"
    doc.move(sep_start, end, to)
    return "move-paragraph"


def split_paragraph(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    points = [m.start() for m in _BOUNDARY.finditer(doc.text)]
    if not points:
        return "split-paragraph: none"
    at = rng.choice(points)
    doc.delete(at, at + 1)
    doc.insert(at, "\n\n")
    return "split-paragraph"


def quotes(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    """Straight quotes to typographic ones (or back), paragraph by paragraph."""
    text = doc.text
    to_curly = '"' in text or "'" in text
    for start, end in _paragraphs(text):
        opening = True
        for i in range(start, end):
            c = text[i]
            if to_curly and c == '"':
                doc.replace_char(i, "“" if opening else "”")
                opening = not opening
            elif to_curly and c == "'":
                doc.replace_char(i, "’")
            elif not to_curly and c in "“”":
                doc.replace_char(i, '"')
            elif not to_curly and c == "’":
                doc.replace_char(i, "'")
    return "quotes"


def whitespace(doc: Doc, rng: random.Random, spans: Sequence[tuple[int, int]]) -> str:
    kind = rng.choice(["double-space", "trailing", "crlf", "blank-lines", "nbsp"])
    text = doc.text
    if kind == "double-space":
        for at in reversed([m.start() for m in _BOUNDARY.finditer(text)]):
            doc.insert(at, " ")
    elif kind == "trailing":
        for at in reversed([i for i, c in enumerate(text) if c == "\n"]):
            if rng.random() < 0.5:
                doc.insert(at, " " * rng.randint(1, 3))
    elif kind == "crlf":
        for at in reversed([i for i, c in enumerate(text) if c == "\n"]):
            doc.insert(at, "\r")
    elif kind == "blank-lines":
        for at in reversed([m.start() for m in re.finditer(r"\n\n", text)]):
            if rng.random() < 0.3:
                doc.insert(at, "\n")
    else:
        for i, c in enumerate(text):
            if c == " " and rng.random() < 0.05:
                doc.replace_char(i, "\u00a0")
    return f"whitespace ({kind})"


KINDS: dict[str, Callable[[Doc, random.Random, Sequence[tuple[int, int]]], str]] = {
    "typo": typo,
    "insert-sentence": insert_sentence,
    "delete-sentence": delete_sentence,
    "move-paragraph": move_paragraph,
    "split-paragraph": split_paragraph,
    "quotes": quotes,
    "whitespace": whitespace,
}


def generate(text: str, count: int, seed: int, spans: Sequence[tuple[int, int]] = ()) -> list[Doc]:
    """``count`` edited versions of ``text``, each from 1 to 3 edits of mixed kinds.

    The first edit of version ``i`` cycles through the kinds, so every kind
    is applied about equally often.
    """
    rng = random.Random(seed)
    names = list(KINDS)
    docs = []
    for i in range(count):
        doc = Doc.of(text)
        chosen = [names[i % len(names)]] + rng.choices(names, k=rng.randint(0, 2))
        for name in chosen:
            doc.applied.append(KINDS[name](doc, rng, spans))
        docs.append(doc)
    return docs
