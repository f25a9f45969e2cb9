"""The annotated HTML edition: one self-contained page per story.

Built by the nbconvert exporter ``annotated-edition``
(:class:`annotator.edition.exporter.AnnotatedEditionExporter`), from a
notebook (``jupyter nbconvert --to annotated-edition``) or, through
:func:`build_edition`, from a notebook generated on the fly
(``annotator export``). Importing this package is cheap: nbconvert is
imported only when an edition is built.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def edition_notebook(story_id: str = "one-dance", readers: Sequence[str] | None = None) -> Any:
    """An empty notebook whose metadata asks for the edition of ``story_id``."""
    import nbformat

    return nbformat.v4.new_notebook(
        metadata={"annotator": {"story": story_id, "readers": list(readers) if readers else None}}
    )


def build_edition(
    story_id: str = "one-dance",
    *,
    db: str | os.PathLike[str] | None = None,
    readers: Sequence[str] | None = None,
    vocab: str | os.PathLike[str] | None = None,
) -> str:
    """Build the annotated edition of a story, as one HTML page.

    The same exporter ``jupyter nbconvert --to annotated-edition`` uses, run
    in-process on a generated notebook.

    Args:
        story_id: the story (default ``one-dance``).
        db: the annotation database (default ``$ANNOTATOR_DB`` or the user's
            store; a new store starts with the shipped editorial reading).
        readers: only these readers' annotations; ``None`` for everyone's.
        vocab: a trope vocabulary file merged over the shipped one.

    Returns:
        The HTML text.

    Raises:
        StoryError: no such story. StoreError: the store cannot be opened.
        TropeError: a bad vocabulary file. ExportError: the edition cannot be built.
    """
    from traitlets.config import Config

    from .exporter import AnnotatedEditionExporter

    config = Config(
        {
            "EditionPreprocessor": {
                "db": os.fspath(db) if db else "",
                "vocab": os.fspath(vocab) if vocab else "",
            }
        }
    )
    exporter = AnnotatedEditionExporter(config=config)
    html, _ = exporter.from_notebook_node(
        edition_notebook(story_id, readers), resources={"metadata": {"name": story_id}}
    )
    return html


__all__ = ["build_edition", "edition_notebook"]
