"""Speaker attribution: who says each line of dialogue, where the text tells us.

Fiction names its speakers in a few regular ways, tried in this order:

1. a speech tag beside the quote: ``"..." Kakashi murmured``, ``"..." said
   Iruka``, an action beat ``"T-Thank you." Iruka blushed.``, or a name that
   opens the paragraph before the quote;
2. a pronoun tag (``"..." He asked.``) or no tag at all: the line belongs to
   the other partner of the running two-person exchange (lines alternate);
3. the first line of an exchange: the character the narration just before it
   was about, other than anyone the line addresses by name.

Anything else stays unattributed (``None``) rather than guessed wildly.
Pure model: only ``re``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .story import Paragraph

_QUOTE = re.compile(r'"[^"\n]*"?|“[^”\n]*”?')
_SPEECH_VERBS = (
    "said|asked|replied|murmured|whispered|grumbled|exclaimed|joked|called|"
    "continued|began|stammered|laughed|giggled|sighed|assured|added|answered|"
    "muttered|shouted|yelled|cried|chuckled|smiled|blushed|teased|admitted|"
    "insisted|mumbled|breathed|snapped|offered|agreed|pressed|repeated|told"
)
_PRONOUN = object()  # what _tagged returns for "He said"
_STRANGER = object()  # ... and for "A curious voice asked"
# A name used to address someone: at the start of the line or after a comma,
# and followed by a comma or the end of a sentence ("Kakashi, this is...").
_VOCATIVE = r'(?:^["“]|,\s)(?:Ms\.\s|Mr\.\s|Mrs\.\s)?{name}(?=\s*[,!?.])'
_PRONOUN_TAG = re.compile(rf"^[\s,]*(he|she|they)\b\s+(?:\w+ly\s+)?(?:{_SPEECH_VERBS})\b", re.I)


def _name_table(characters: Iterable[str], text: str) -> dict[str, str]:
    """Map every name part (``Hatake``, ``Kakashi``) to the form the text uses most."""
    table: dict[str, str] = {}
    for full in characters:
        parts = [p for p in re.split(r"[\s/]+", str(full)) if len(p) > 1 and p[0].isupper()]
        if not parts:
            continue
        counts = Counter({p: len(re.findall(rf"\b{re.escape(p)}\b", text)) for p in parts})
        canonical = counts.most_common(1)[0][0] if counts.most_common(1)[0][1] else parts[-1]
        # A family name alone ("Ms. Senju") still names its bearer; but a
        # given name wins when the text uses it at all.
        canonical = next((p for p in reversed(parts) if counts[p]), canonical)
        for p in parts:
            table.setdefault(p, canonical)
    return table


def attribute_speakers(
    text: str, paragraphs: Sequence[Paragraph], characters: Iterable[str]
) -> dict[str, str]:
    """Return ``{paragraph id: speaker}`` for the dialogue the text attributes.

    Args:
        text: the story's canonical text.
        paragraphs: its paragraphs, in order.
        characters: character names from the metadata (``"Hatake Kakashi"``).
    """
    names = _name_table(characters, text)
    if not names:
        return {}
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    name_re = re.compile(rf"\b({alternatives})\b")
    after_tag = re.compile(
        rf"^[\s,]*(?:(?:{_SPEECH_VERBS})\s+)?(?:Ms\.|Mr\.|Mrs\.)?\s*({alternatives})\b"
    )
    vocative = re.compile(_VOCATIVE.format(name=name_re.pattern))  # once, not once a quote
    result: dict[str, str] = {}
    addressed_by: dict[str, set[str]] = {}
    exchange: list[str] = []  # speakers of the running exchange, most recent last
    actor: str | None = None  # who the narration since the last line is about
    beat: str | None = None  # who acted in the action beat closing the last line
    lines: list[str] = []  # dialogue paragraph ids, in order, for the gap filling
    upcoming = _next_narration_names(text, paragraphs, name_re, names)
    for i, p in enumerate(paragraphs):
        block = text[p.start : p.end]
        if p.kind in ("title", "heading"):
            continue
        if p.scene_break_before:
            exchange.clear()
            lines.append("")  # a scene break ends every run of lines
        quotes = list(_QUOTE.finditer(block))
        if not quotes or p.kind == "narration":
            mentioned = [names[m.group(1)] for m in name_re.finditer(block)]
            if re.match(r"\s*(He|She|They)\b", block) and exchange:
                actor = exchange[-1]  # "He carefully climbed off..." continues the last speaker
            else:
                actor = mentioned[0] if mentioned else None
            if exchange and mentioned and not set(mentioned) <= set(exchange[-2:]):
                exchange.clear()
            lines.append("")
            beat = actor
            continue
        addressed = {
            names[m.group(1)]
            for q in quotes
            for m in vocative.finditer(q.group())
        }
        addressed_by[p.id] = addressed
        tag = _tagged(block, quotes, name_re, after_tag, names)
        speaker = None if tag is _PRONOUN or tag is _STRANGER else tag
        if tag is _STRANGER:
            speaker = None  # "A curious voice asked": the text withholds who
        elif tag is _PRONOUN and beat is not None and beat not in addressed:
            speaker = beat  # "...," he said, turning to Kakashi. / "..." He sighed.
        elif speaker is None and actor is not None and actor not in addressed:
            speaker = actor  # the line follows narration about its speaker
        elif speaker is None and len(set(exchange[-2:])) == 2:
            speaker = exchange[-2]
        elif speaker is None and exchange:
            previous = addressed_by.get(lines[-1], set()) if lines and lines[-1] else set()
            others = [n for n in previous if n != exchange[-1]] or [
                n for n in set(upcoming[i]) if n != exchange[-1]
            ]
            speaker = others[0] if len(others) == 1 else None
        elif speaker is None:
            candidates = [n for n in upcoming[i] if n not in addressed]
            speaker = candidates[0] if candidates else None
        lines.append(p.id)
        if speaker is not None:
            result[p.id] = speaker
            if not exchange or exchange[-1] != speaker:
                exchange.append(speaker)
        # Narration after the last quote (an action beat) keeps its speaker
        # as the one acting: "...," he said, turning back to Kakashi.
        tail = block[quotes[-1].end() :]
        beat = speaker if len(tail.strip()) > 20 else None
        actor = None
    _fill_alternating_gaps(lines, result)
    return result


def _next_narration_names(
    text: str, paragraphs: Sequence[Paragraph], name_re: re.Pattern[str], names: dict[str, str]
) -> list[list[str]]:
    """For each paragraph, the names in the next narration paragraph after it."""
    out: list[list[str]] = [[] for _ in paragraphs]
    following: list[str] = []
    for i in range(len(paragraphs) - 1, -1, -1):
        out[i] = following
        p = paragraphs[i]
        if p.kind == "narration":
            following = [names[m.group(1)] for m in name_re.finditer(text[p.start : p.end])]
    return out


def _fill_alternating_gaps(lines: list[str], result: dict[str, str]) -> None:
    """Fill unattributed lines between two known ones when strict alternation fits."""
    i = 0
    while i < len(lines):
        if not lines[i] or lines[i] in result:
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j] and lines[j] not in result:
            j += 1
        if i > 0 and lines[i - 1] and j < len(lines) and lines[j]:
            a, b = result[lines[i - 1]], result[lines[j]]
            gap = j - i
            if a != b and gap % 2 == 0:
                for k in range(i, j):
                    result[lines[k]] = b if (k - i) % 2 == 0 else a
        i = j


def _tagged(
    block: str,
    quotes: list[re.Match[str]],
    name_re: re.Pattern[str],
    after_tag: re.Pattern[str],
    names: dict[str, str],
) -> str | object | None:
    """A speaker named by a tag next to one of the quotes, if any."""
    for q in quotes:
        rest = block[q.end() :]
        nxt = _QUOTE.search(rest)
        segment = rest[: nxt.start()] if nxt else rest
        if _PRONOUN_TAG.match(segment):
            return _PRONOUN
        if _STRANGER_TAG.match(segment):
            return _STRANGER
        m = after_tag.match(segment)
        if m:
            return names[m.group(1)]
    lead = block[: quotes[0].start()]
    m = name_re.search(lead)
    if m:
        return names[m.group(1)]
    return None


_STRANGER_TAG = re.compile(
    rf"^[\s,]*(?:a|an|the|someone|somebody|a voice)\b[^.!?\"]{{0,40}}?\b(?:{_SPEECH_VERBS})\b", re.I
)
