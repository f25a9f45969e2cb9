"""The annotation model: what a reader says about a span of a story.

Simple inside (``start``, ``end``, the quote, tropes, a note, a colour), and
W3C Web Annotation Data Model outside: :mod:`annotator.jsonld` is the one
module that maps between the two. An annotation either targets text (a
TextQuoteSelector and a TextPositionSelector into the canonical text) or,
for ``linking`` annotations, another annotation (a set-up and its payoff).

Pure model: no I/O.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from .anchoring import TextQuote, describe
from .errors import AnnotationError

Motivation = Literal["tagging", "commenting", "highlighting", "linking"]
MOTIVATIONS: tuple[str, ...] = ("tagging", "commenting", "highlighting", "linking")
NOTE_FORMATS = ("text/markdown", "text/plain")
MAX_NOTE = 20_000
MAX_NAME = 80
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
"""A group's name: lower-case letters, digits, ``.``, ``_`` and ``-``, up to 63 characters."""


def now() -> str:
    """The current time in UTC, ISO 8601 with milliseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """A fresh annotation id, ``urn:uuid:`` plus a random UUID."""
    return f"urn:uuid:{uuid.uuid4()}"


def normalise_date(value: Any, what: str = "date") -> str:
    """Return ``value`` as UTC ISO 8601 with a ``Z``.

    Raises:
        AnnotationError: when it is not an ISO 8601 date-time with a zone.
    """
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise AnnotationError(
            f"bad {what} {value!r}: expected an ISO 8601 date-time with a time zone, "
            "such as 2026-11-27T18:00:00Z"
        )
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Annotation:
    """One annotation.

    Attributes:
        id: an IRI, ``urn:uuid:...`` for the ones we create.
        story: the id of the story it belongs to.
        creator: the reader's name.
        start, end: offsets into the story text; ``None`` for orphans and links.
        quote: the TextQuoteSelector (exact, prefix, suffix); ``None`` for links.
        tropes: trope ids (``tagging`` bodies), in the order given.
        note: a ``commenting`` body, Markdown or plain text.
        colour: a ``highlighting`` body, ``#rrggbb``.
        motivation: the W3C motivation.
        links: for ``linking``: ids of the annotations this one points to.
        target_ref: for ``linking``: the id of the annotation it is about.
        orphan: the text changed and no place fits the quote any more.
        story_version: hash of the story text the offsets refer to.
        extra: W3C fields and bodies we do not model, kept for round trips.
        audience: who may see it: ``public`` (everyone, the default),
            ``private`` (its creator alone) or ``group:<name>`` (that group's
            members and its creator). Enforced by a store opened for a user.
    """

    id: str
    story: str
    creator: str
    start: int | None = None
    end: int | None = None
    quote: TextQuote | None = None
    tropes: tuple[str, ...] = ()
    note: str = ""
    note_format: str = "text/markdown"
    colour: str | None = None
    motivation: str = "tagging"
    links: tuple[str, ...] = ()
    target_ref: str | None = None
    created: str = field(default_factory=now)
    modified: str = ""
    orphan: bool = False
    story_version: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    audience: str = "public"

    def __post_init__(self) -> None:
        if not self.modified:
            object.__setattr__(self, "modified", self.created)

    @property
    def is_link(self) -> bool:
        """Whether this annotation links two annotations rather than marking text."""
        return self.motivation == "linking"

    def with_changes(self, **changes: Any) -> Annotation:
        """A copy with ``changes`` applied and ``modified`` set to now."""
        changes.setdefault("modified", now())
        updated = replace(self, **changes)
        validate(updated)
        return updated

    def to_dict(self) -> dict[str, Any]:
        """A flat JSON-ready dict, the shape the widget and the edition use."""
        return {
            "id": self.id,
            "story": self.story,
            "creator": self.creator,
            "start": self.start,
            "end": self.end,
            "exact": self.quote.exact if self.quote else None,
            "prefix": self.quote.prefix if self.quote else None,
            "suffix": self.quote.suffix if self.quote else None,
            "tropes": list(self.tropes),
            "note": self.note,
            "noteFormat": self.note_format,
            "colour": self.colour,
            "motivation": self.motivation,
            "links": list(self.links),
            "targetRef": self.target_ref,
            "created": self.created,
            "modified": self.modified,
            "orphan": self.orphan,
            "audience": self.audience,
        }


def check_audience(audience: Any) -> str:
    """Return ``audience`` if it is ``public``, ``private`` or ``group:<name>``.

    Raises:
        AnnotationError: for anything else, saying what is allowed.
    """
    if audience in ("public", "private"):
        return str(audience)
    if isinstance(audience, str) and audience.startswith("group:") and GROUP_NAME.match(audience[6:]):
        return audience
    raise AnnotationError(
        f"bad audience {str(audience)[:80]!r}: use 'public', 'private' or 'group:<name>' "
        "(group names are lower-case letters, digits, '.', '_' and '-')"
    )


def check_group_name(name: Any) -> str:
    """Return ``name`` if it is a valid group name.

    Raises:
        AnnotationError: naming the rule it breaks.
    """
    if isinstance(name, str) and GROUP_NAME.match(name):
        return name
    raise AnnotationError(
        f"bad group name {str(name)[:80]!r}: use 1 to 63 lower-case letters, digits, '.', '_' "
        "and '-', starting with a letter or digit, such as 'english-10b'"
    )


def motivation_for(tropes: Iterable[str], note: str, colour: str | None) -> str:
    """The W3C motivation that best describes these bodies."""
    if list(tropes):
        return "tagging"
    if note:
        return "commenting"
    return "highlighting" if colour else "commenting"


def make_annotation(
    text: str,
    story: str,
    start: int,
    end: int,
    *,
    creator: str,
    tropes: Iterable[str] = (),
    note: str = "",
    colour: str | None = None,
    note_format: str = "text/markdown",
    story_version: str | None = None,
    id: str | None = None,
) -> Annotation:
    """Create a text annotation, describing the span with both selectors.

    Trope ids are checked by the caller against its vocabulary
    (:meth:`annotator.tropes.Vocabulary.get`); this checks the rest.

    Raises:
        SpanError: for an empty, reversed or out-of-range span.
        AnnotationError: for a bad creator, note or colour, or no body at all.
    """
    selectors = describe(text, start, end)
    tropes = tuple(dict.fromkeys(tropes))
    annotation = Annotation(
        id=id or new_id(),
        story=story,
        creator=creator,
        start=start,
        end=end,
        quote=selectors.quote,
        tropes=tropes,
        note=note or "",
        note_format=note_format,
        colour=colour,
        motivation=motivation_for(tropes, note, colour),
        story_version=story_version,
    )
    validate(annotation)
    return annotation


def make_link(
    story: str, source_id: str, target_id: str, *, creator: str, note: str = ""
) -> Annotation:
    """A ``linking`` annotation from a set-up (``source_id``) to its payoff (``target_id``).

    Raises:
        AnnotationError: when both ends are the same annotation.
    """
    if source_id == target_id:
        raise AnnotationError("an annotation cannot be linked to itself: pick two annotations")
    link = Annotation(
        id=new_id(),
        story=story,
        creator=creator,
        motivation="linking",
        links=(target_id,),
        target_ref=source_id,
        note=note,
    )
    validate(link)
    return link


def validate(a: Annotation) -> None:
    """Check an annotation against the data model.

    Raises:
        AnnotationError: naming the annotation and the broken rule.
    """

    def bad(why: str) -> AnnotationError:
        return AnnotationError(f"annotation {a.id!r}: {why}")

    # A lone UTF-16 surrogate ("\ud800" in JSON, or typed in a browser) is not
    # text: it could be neither stored nor written out again.
    try:
        json.dumps(
            [a.id, a.creator, a.note, a.colour, a.target_ref, a.tropes, a.links, a.extra,
             a.quote.__dict__ if a.quote else None], ensure_ascii=False, default=str,
        ).encode("utf-8")  # fmt: skip
    except UnicodeEncodeError:
        raise AnnotationError(
            f"annotation {str(a.id).encode('utf-8', 'replace').decode()!r}: it holds a lone UTF-16 surrogate "
            "(such as \\ud800), which is not valid Unicode text; remove it"
        ) from None
    if not isinstance(a.id, str) or not a.id.strip() or len(a.id) > 500 or any(c.isspace() for c in a.id):
        raise bad("the id must be a non-empty IRI without spaces, such as urn:uuid:...")
    if not isinstance(a.creator, str) or not a.creator.strip():
        raise bad("it needs a creator: pass the reader's name, e.g. reader='ada'")
    if len(a.creator) > MAX_NAME or any(ord(c) < 32 for c in a.creator):
        raise bad(f"reader name {a.creator[:40]!r} is too long or has control characters")
    if a.motivation not in MOTIVATIONS:
        raise bad(f"unknown motivation {a.motivation!r}; use one of {', '.join(MOTIVATIONS)}")
    if not isinstance(a.note, str) or len(a.note) > MAX_NOTE:
        raise bad(f"the note must be text of at most {MAX_NOTE} characters")
    if a.note_format not in NOTE_FORMATS:
        raise bad(f"note format {a.note_format!r} is not one of {', '.join(NOTE_FORMATS)}")
    if a.colour is not None and not (isinstance(a.colour, str) and _COLOUR.match(a.colour)):
        raise bad(f"highlight colour {a.colour!r} must be written #rrggbb")
    for t in a.tropes:
        if not isinstance(t, str) or not t:
            raise bad(f"trope {t!r} must be a non-empty id")
    for date, what in ((a.created, "created"), (a.modified, "modified")):
        normalise_date(date, f"{what} date of {a.id!r}")
    try:
        check_audience(a.audience)
    except AnnotationError as e:
        raise bad(str(e)) from None
    if a.is_link:
        if not a.links or not a.target_ref:
            raise bad("a linking annotation needs a target annotation and a linked one")
        return
    if a.quote is None or not a.quote.exact:
        raise bad("a text annotation needs a TextQuoteSelector with a non-empty 'exact'")
    if not a.orphan:
        if a.start is None or a.end is None or a.start < 0 or a.end <= a.start:
            raise bad(f"span {a.start}..{a.end} is empty, reversed or negative")
    if not a.tropes and not a.note and not a.colour and not a.extra.get("bodies"):
        raise bad("it says nothing: give it a trope, a note or a highlight colour")
