"""The story model: one canonical text, and the paragraphs and lines laid over it.

Every offset in annotator is a Python code-point offset into ``Story.text``,
the story file's text exactly as stored (no newline translation, no Unicode
normalisation), so a span the reader selects means the same characters in the
widget, the store and the edition. Paragraphs and sentences are views onto
that text: they hold offsets, never copies that could drift.

Pure model: no I/O here beyond nothing at all; loading files is
:mod:`annotator.library`.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from .errors import SpanError, StoryError
from .speakers import attribute_speakers

ParagraphKind = Literal["title", "heading", "narration", "dialogue", "mixed"]

# Straight and typographic double quotes; single quotes are apostrophes too
# often in fan fiction to mark speech reliably.
_QUOTED = re.compile(r'"[^"\n]*"?|“[^”\n]*”?|«[^»\n]*»?')
_BLOCK_SEP = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
# A sentence ends at . ! ? or an ellipsis, possibly followed by closing quotes
# or dashes, then white space and the start of the next sentence.
_SENTENCE_END = re.compile(r"""([.!?…]+["”’)\]]*|["”]|-["”])(?=\s+["“(\[]?[A-Z0-9À-ÖØ-Þ"“])""")
_ABBREVIATIONS = ("Ms.", "Mr.", "Mrs.", "Dr.", "St.", "Prof.", "Sr.", "Jr.", "vs.", "e.g.", "i.e.")
STORY_IRI_PREFIX = "urn:annotator:story:"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Sentence:
    """One line of a paragraph, the unit a reader highlights with one click."""

    id: str
    paragraph_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A block of text between blank lines.

    Attributes:
        id: stable, citable id (``p12``; ``c3-p12`` in multi-chapter works;
            ``title`` for the title line).
        number: the number shown in the gutter, ``None`` for titles.
        start, end: offsets of the paragraph's text in ``Story.text``.
        kind: ``title``, ``heading``, ``narration``, ``dialogue`` or ``mixed``.
        scene: 0-based scene index; scenes are separated by runs of three or
            more newlines.
        scene_break_before: whether a scene break precedes this paragraph.
        speaker: who speaks the dialogue, when the text says or implies it.
        section: id of the chapter/section holding the paragraph.
    """

    id: str
    number: int | None
    start: int
    end: int
    kind: ParagraphKind
    scene: int
    scene_break_before: bool
    sentences: tuple[Sentence, ...] = ()
    speaker: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Section:
    """A chapter (or the whole work when it has no chapters)."""

    id: str
    title: str | None
    start: int
    end: int


@dataclass
class Story:
    """A story: id, canonical text, AO3-style metadata and its structure.

    Build one with :meth:`Story.from_text`; load a shipped one with
    :func:`annotator.library.load_story`.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    paragraphs: tuple[Paragraph, ...] = ()
    sections: tuple[Section, ...] = ()

    # -- construction -------------------------------------------------------
    @classmethod
    def from_text(
        cls,
        story_id: str,
        text: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        chapters: list[tuple[str | None, int, int]] | None = None,
    ) -> Story:
        """Parse ``text`` into paragraphs, scenes, sentences and speakers.

        Args:
            story_id: slug such as ``one-dance``.
            text: the canonical text; kept exactly as given.
            metadata: AO3-style fields (title, fandom, characters ...).
            chapters: optional ``(title, start, end)`` spans for multi-chapter
                works; paragraph ids then become ``c{n}-p{m}``.

        Raises:
            StoryError: for a bad id or an empty text.
        """
        if not isinstance(story_id, str) or not _SLUG.match(story_id):
            raise StoryError(
                f"bad story id {story_id!r}: use lower-case letters, digits and hyphens, "
                "for example 'one-dance'"
            )
        if not isinstance(text, str) or not text.strip():
            raise StoryError(f"story {story_id!r} has no text: the file is empty")
        meta = dict(metadata or {})
        meta.setdefault("words", count_words(text))
        sections = _sections(text, chapters)
        paragraphs = _paragraphs(text, meta.get("title"), sections)
        characters = meta.get("characters") or []
        if not isinstance(characters, list) or not all(isinstance(c, str) for c in characters):
            raise StoryError(
                f"story {story_id!r}: metadata 'characters' must be a list of names, "
                f"such as [\"Hatake Kakashi\"], not {characters!r}"
            )
        speakers = attribute_speakers(text, paragraphs, characters)
        paragraphs = tuple(
            replace(p, speaker=speakers.get(p.id)) if p.id in speakers else p for p in paragraphs
        )
        return cls(id=story_id, text=text, metadata=meta, paragraphs=paragraphs, sections=sections)

    # -- identity -----------------------------------------------------------
    @property
    def title(self) -> str:
        """The story's title from its metadata, or its id."""
        return str(self.metadata.get("title") or self.id)

    @property
    def iri(self) -> str:
        """The IRI used as the ``source`` of annotation targets."""
        return STORY_IRI_PREFIX + self.id

    @cached_property
    def version(self) -> str:
        """A hash of the text: annotations belong to a version of a story."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]

    # -- lookups ------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"<Story {self.id!r}: {self.title!r}, {len(self.body_paragraphs)} paragraphs, "
            f"{self.metadata.get('words')} words>"
        )

    @cached_property
    def body_paragraphs(self) -> tuple[Paragraph, ...]:
        """The numbered paragraphs (everything but titles and headings)."""
        return tuple(p for p in self.paragraphs if p.number is not None)

    @property
    def sentences(self) -> Iterator[Sentence]:
        """Every sentence of the story in order."""
        for p in self.paragraphs:
            yield from p.sentences

    def paragraph(self, paragraph_id: str) -> Paragraph:
        """The paragraph with that id.

        Raises:
            StoryError: when there is none.
        """
        for p in self.paragraphs:
            if p.id == paragraph_id:
                return p
        raise StoryError(
            f"story {self.id!r} has no paragraph {paragraph_id!r}; "
            f"ids run {self.paragraphs[0].id} to {self.paragraphs[-1].id}"
        )

    @cached_property
    def _paragraph_ends(self) -> list[int]:
        return [p.end for p in self.paragraphs]

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """The paragraph containing ``offset``, or the next one after a gap."""
        i = bisect.bisect_right(self._paragraph_ends, offset)
        return self.paragraphs[i] if i < len(self.paragraphs) else None

    def paragraphs_in(self, start: int, end: int) -> list[Paragraph]:
        """Paragraphs overlapping the span ``[start, end)`` (a binary search, then a walk)."""
        out = []
        paragraphs = self.paragraphs
        i = bisect.bisect_right(self._paragraph_ends, start)
        while i < len(paragraphs) and paragraphs[i].start < end:
            out.append(paragraphs[i])
            i += 1
        return out

    def check_span(self, start: Any, end: Any) -> tuple[int, int]:
        """Validate a span and return it.

        Raises:
            SpanError: for non-integers, empty, reversed or out-of-range spans.
        """
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpanError(f"span {name} must be a whole number, got {value!r}")
        n = len(self.text)
        if start < 0 or end > n:
            raise SpanError(
                f"span {start}..{end} is outside story {self.id!r}, whose text runs 0..{n}"
            )
        if end < start:
            raise SpanError(f"span {start}..{end} is reversed: start must come before end")
        if end == start:
            raise SpanError(f"span {start}..{end} is empty: select at least one character")
        if not self.text[start:end].strip():
            raise SpanError(f"span {start}..{end} holds only white space: select some words")
        return start, end

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (text, metadata, paragraphs) for the widget and edition."""
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "text": self.text,
            "metadata": self.metadata,
            "sections": [s.__dict__ for s in self.sections],
            "paragraphs": [
                {
                    "id": p.id,
                    "number": p.number,
                    "start": p.start,
                    "end": p.end,
                    "kind": p.kind,
                    "scene": p.scene,
                    "sceneBreakBefore": p.scene_break_before,
                    "speaker": p.speaker,
                    "section": p.section,
                    "sentences": [[s.id, s.start, s.end] for s in p.sentences],
                }
                for p in self.paragraphs
            ],
        }


# A run of non-space characters holding a letter or digit: one regex pass
# (a search per token was most of a short story's parse time).
_WORD_TOKEN = re.compile(r"\S*\w\S*")


def count_words(text: str) -> int:
    """Count words the way AO3 does, near enough: runs of non-space characters.

    Dashes standing alone (" - ") are punctuation, not words.
    """
    return len(_WORD_TOKEN.findall(text))


def _sections(text: str, chapters: list[tuple[str | None, int, int]] | None) -> tuple[Section, ...]:
    if not chapters:
        return (Section(id="c1", title=None, start=0, end=len(text)),)
    return tuple(
        Section(id=f"c{i}", title=title, start=start, end=end)
        for i, (title, start, end) in enumerate(chapters, 1)
    )


def _blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """Yield (start, end, scene_break_before) for each block in text[start:end]."""
    pos = start
    scene_break = False
    for m in _BLOCK_SEP.finditer(text, start, end):
        yield from _trimmed(text, pos, m.start(), scene_break)
        scene_break = m.group().count("\n") >= 3
        pos = m.end()
    yield from _trimmed(text, pos, end, scene_break)


def _trimmed(text: str, start: int, end: int, scene_break: bool) -> Iterator[tuple[int, int, bool]]:
    # Trim surrounding newlines and ordinary spaces, but keep characters such
    # as a trailing no-break space: they are part of what the author wrote.
    while start < end and text[start] in " \t\r\n":
        start += 1
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    if end > start:
        yield start, end, scene_break


def _paragraphs(text: str, title: Any, sections: tuple[Section, ...]) -> tuple[Paragraph, ...]:
    paragraphs: list[Paragraph] = []
    scene = 0
    multi = len(sections) > 1
    for section in sections:
        number = 0
        for i, (start, end, brk) in enumerate(_blocks(text, section.start, section.end)):
            block = text[start:end]
            # A chapter's own heading wins: chapter 1's "Chapter 1" is not the work's title.
            is_heading = multi and i == 0 and section.title is not None and block == section.title
            is_title = (
                not is_heading
                and i == 0
                and not paragraphs
                and "\n" not in block
                and (block.strip() == str(title or "").strip() or _looks_like_title(block))
            )
            if brk and paragraphs:
                scene += 1
            if is_title or is_heading:
                pid = "title" if is_title else f"{section.id}-title"
                kind: ParagraphKind = "title" if is_title else "heading"
                paragraphs.append(
                    Paragraph(pid, None, start, end, kind, scene, False, (), None, section.id)
                )
                continue
            number += 1
            pid = f"{section.id}-p{number}" if multi else f"p{number}"
            paragraphs.append(
                Paragraph(
                    id=pid,
                    number=number,
                    start=start,
                    end=end,
                    kind=_kind(block),
                    scene=scene,
                    scene_break_before=brk and len(paragraphs) > 0,
                    sentences=tuple(_sentences(text, pid, start, end)),
                    section=section.id,
                )
            )
    return tuple(paragraphs)


def _looks_like_title(block: str) -> bool:
    return len(block) <= 80 and not _QUOTED.search(block) and block.rstrip()[-1:] not in ".!?…,;:"


def _kind(block: str) -> ParagraphKind:
    quoted = sum(len(m.group()) for m in _QUOTED.finditer(block))
    if quoted == 0:
        return "narration"
    if quoted * 2 >= len(block.strip()) or block.lstrip()[:1] in '"“«':
        return "dialogue"
    return "mixed"


def _sentences(text: str, pid: str, start: int, end: int) -> Iterator[Sentence]:
    pos = start
    n = 0
    for m in _SENTENCE_END.finditer(text, start, end):
        cut = m.end()
        if any(text[max(start, cut - len(a)) : cut] == a for a in _ABBREVIATIONS):
            continue
        # The lookahead admits only a capital next, so '"Fine," he said'
        # stays one line while '"Fine." He grumbled.' becomes two.
        n += 1
        yield Sentence(f"{pid}-s{n}", pid, pos, cut)
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    if pos < end:
        n += 1
        yield Sentence(f"{pid}-s{n}", pid, pos, end)
