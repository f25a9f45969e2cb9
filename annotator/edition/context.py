# What the edition template receives, gathered in one place: the view model
# (story + annotations + vocabulary), the inline stylesheet and script, and
# the Content-Security-Policy that lets only that script run. The exporter's
# preprocessor calls this; nothing here imports nbconvert.
"""Load a story, its annotations and the vocabulary into ``resources["edition"]``."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..errors import ExportError

STATIC = Path(__file__).resolve().parent / "static"


@functools.lru_cache(maxsize=4)
def _static(name: str, mtime: float) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    if name.endswith(".css"):
        # Comments are for whoever edits the file, not for every copy of the page.
        text = re.sub(r"/\*.*?\*/\s*", "", text, flags=re.S)
    if "</script" in text.lower() or "</style" in text.lower() or "<!--" in text:
        raise ExportError(f"{STATIC / name} must not contain '</script', '</style' or '<!--'")
    return text


def static_file(name: str) -> str:
    """The text of ``static/<name>`` (re-read when it changes on disk).

    Raises:
        ExportError: it is missing, or holds text that would end its element early.
    """
    path = STATIC / name
    try:
        return _static(name, path.stat().st_mtime)
    except OSError as e:
        raise ExportError(
            f"the edition's {name} is missing ({e.strerror}): reinstall annotator"
        ) from None


def csp(script: str) -> str:
    """A Content-Security-Policy for the page: nothing from the network, only our script runs.

    Even if some text escaped its escaping, an injected ``<script>`` or
    ``onerror=`` would not run, and no image or font could be fetched.
    """
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; "
        f"script-src 'sha256-{digest}'; "
        "style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'"
    )


def edition_resources(
    story_id: str,
    *,
    db: str | Path | None = None,
    readers: Sequence[str] | None = None,
    vocab: str | Path | None = None,
    store: Any = None,
) -> dict[str, Any]:
    """Everything the template needs, under ``resources["edition"]``.

    Args:
        story_id: the story to edit.
        db: the store's path (default ``$ANNOTATOR_DB`` or the user's store).
        readers: only these readers' annotations; ``None`` for all.
        vocab: a user vocabulary file merged over the shipped one.
        store: an open store to use instead of ``db`` (tests).

    Raises:
        StoryError, StoreError, TropeError: the story, store or vocabulary is bad.
    """
    from ..library import load_story, open_store
    from ..tropes import default_vocabulary, load_vocabulary
    from .fragments import fragments
    from .view import edition_view

    vocabulary = load_vocabulary(extra=vocab) if vocab else default_vocabulary()
    creators = list(readers) if readers else None
    # A published edition carries only what its readers made public: private
    # and group annotations stay in the store.
    if store is not None:
        story = load_story(story_id, store)
        annotations = store.annotations(story.id, creator=creators, audience="public")
    else:
        with open_store(db) as opened:
            story = load_story(story_id, opened)  # shipped, or imported into this store
            annotations = opened.annotations(story.id, creator=creators, audience="public")
    view = edition_view(story, annotations, vocabulary)
    script = static_file("edition.js")
    return {
        "view": view,
        "html": fragments(view),
        "css": Markup(static_file("edition.css")),  # noqa: S704 - our own file, checked above
        "script": Markup(script),  # noqa: S704
        "csp": csp(script),
    }


__all__ = ["csp", "edition_resources", "static_file"]
