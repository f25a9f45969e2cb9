"""annotator: read a story closely, tag its tropes, publish an annotated edition.

The public API, curated here::

    from annotator import Reader, load_story, open_store
    reader = Reader("one-dance", reader="ada")        # the widget, in JupyterLab
    story = load_story("one-dance")                   # the pure model
    store = open_store()                              # the SQLite store (or a URL: shared)

``Reader`` and ``build_edition`` are imported on first use, so that
``import annotator`` stays cheap for the CLI and for nbconvert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .anchoring import Anchor, Selectors, TextPosition, TextQuote, anchor, describe
from .annotation import Annotation, make_annotation, make_link
from .errors import (
    AnchoringError,
    AnnotationError,
    AnnotatorError,
    CorruptStoreError,
    ExportError,
    InterchangeError,
    NotFoundError,
    PermissionDeniedError,
    SchemaVersionError,
    SpanError,
    StoreError,
    StoryError,
    TropeError,
    UnknownTropeError,
)
from .interchange import export_csv, export_jsonld, import_file
from .jsonld import from_w3c, to_w3c
from .library import load_story, open_store
from .reading import Reading
from .store import Store, default_db_path
from .story import Paragraph, Sentence, Story
from .tropes import Trope, Vocabulary, default_vocabulary, load_vocabulary

if TYPE_CHECKING:
    from .edition import build_edition
    from .widget import Reader

__version__ = "0.1.0"

__all__ = [
    "Anchor",
    "AnchoringError",
    "Annotation",
    "AnnotationError",
    "AnnotatorError",
    "CorruptStoreError",
    "ExportError",
    "InterchangeError",
    "NotFoundError",
    "Paragraph",
    "PermissionDeniedError",
    "Reader",
    "Reading",
    "SchemaVersionError",
    "Selectors",
    "Sentence",
    "SpanError",
    "Store",
    "StoreError",
    "Story",
    "StoryError",
    "TextPosition",
    "TextQuote",
    "Trope",
    "TropeError",
    "UnknownTropeError",
    "Vocabulary",
    "anchor",
    "build_edition",
    "default_db_path",
    "default_vocabulary",
    "describe",
    "export_csv",
    "export_jsonld",
    "from_w3c",
    "import_file",
    "load_story",
    "load_vocabulary",
    "make_annotation",
    "make_link",
    "open_store",
    "to_w3c",
]


def __getattr__(name: str) -> Any:
    if name == "Reader":
        from .widget import Reader

        return Reader
    if name == "build_edition":
        from .edition import build_edition

        return build_edition
    raise AttributeError(f"module 'annotator' has no attribute {name!r}")
