# The edition's view model: plain dataclasses holding everything the
# template and the pre-rendered fragments show. They are filled in by
# :func:`annotator.edition.view.edition_view` and only read afterwards;
# nothing here computes anything beyond a class name or a count.
"""The view-model classes of the edition: :class:`Edition` and its pieces."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


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
]
