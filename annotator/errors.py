"""The one exception hierarchy of annotator.

Every error a user can meet is an :class:`AnnotatorError`; the CLI prints its
message on one line and exits non-zero, the widgets show it in place.
Messages say what happened, the bad value, and the likely fix::

    AnnotatorError
     ├── StoryError            a story file, id or metadata is bad or unknown
     ├── SpanError             an empty, reversed or out-of-range span
     ├── AnchoringError        selectors that cannot be used at all
     ├── TropeError            a bad vocabulary file
     │    └── UnknownTropeError   an id not in the vocabulary (suggests the closest)
     ├── AnnotationError       an annotation that breaks the data model
     ├── InterchangeError      a JSON-LD, Hypothesis, CSV or edition file that cannot be read
     ├── StoreError            the database cannot be opened, read or written
     │    ├── CorruptStoreError   not an annotator database, or damaged
     │    ├── SchemaVersionError  made by a newer annotator
     │    ├── NotFoundError       no annotation with that id (or none you may see)
     │    └── PermissionDeniedError  not yours to change (a store opened for a user)
     └── ExportError           the edition cannot be built
"""

from __future__ import annotations

from collections.abc import Iterable


class AnnotatorError(Exception):
    """Base class of every error annotator raises on purpose."""

    def __str__(self) -> str:
        # Messages quote the bad value; a hostile file can make that value
        # megabytes long. Keep the start (what) and the end (the fix).
        message = super().__str__()
        if len(message) <= 500:
            return message
        return f"{message[:300]} … {message[-180:]}"


class StoryError(AnnotatorError):
    """A story file, id or metadata file is missing, unreadable or malformed."""


class SpanError(AnnotatorError):
    """A span that is empty, reversed or outside the text."""


class AnchoringError(AnnotatorError):
    """Selectors that are malformed, so no anchoring can even be tried."""


class TropeError(AnnotatorError):
    """A trope vocabulary file that is missing or malformed."""


class UnknownTropeError(TropeError):
    """A trope id that is not in the vocabulary.

    ``suggestions`` holds the closest known ids, best first.
    """

    def __init__(self, trope_id: str, suggestions: Iterable[str] = ()) -> None:
        self.trope_id = trope_id
        self.suggestions = list(suggestions)
        hint = (
            f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?"
            if self.suggestions
            else "; run `annotator tropes` to list the known ids"
        )
        super().__init__(f"unknown trope {trope_id!r}{hint}")


class AnnotationError(AnnotatorError):
    """An annotation that does not fit the data model (bad body, creator, date...)."""


class InterchangeError(AnnotatorError):
    """A file to import that cannot be read: names the file, the annotation id and why."""


class StoreError(AnnotatorError):
    """The annotation database cannot be opened, read or written."""


class CorruptStoreError(StoreError):
    """The database file is damaged or is not an annotator database."""


class SchemaVersionError(StoreError):
    """The database was written by a newer annotator than this one."""


class NotFoundError(StoreError):
    """No annotation (or story) with the given id in the store."""


class PermissionDeniedError(StoreError):
    """The acting user may not do this (a store opened for a user).

    Changing or deleting someone else's annotation, writing as another reader,
    posting to a group they are not in, or managing a group they do not own.
    """


class ExportError(AnnotatorError):
    """The annotated edition cannot be built."""


__all__ = [
    "AnchoringError",
    "AnnotationError",
    "AnnotatorError",
    "CorruptStoreError",
    "ExportError",
    "InterchangeError",
    "NotFoundError",
    "PermissionDeniedError",
    "SchemaVersionError",
    "SpanError",
    "StoreError",
    "StoryError",
    "TropeError",
    "UnknownTropeError",
]
