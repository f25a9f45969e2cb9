"""The library: the stories annotator ships (``story/``) and the store they open in.

A story on disk is two files in the stories folder: ``<id>.txt``, the text
exactly as published, and ``<id>.json``, its AO3-style metadata. Shipped
readings live in ``story/annotations/<id>.jsonld`` and are loaded, as the
reader ``editor``, into every new store, so that a fresh machine can build
the shipped edition straight away.

Stories imported with ``annotator import-story`` (:mod:`annotator.story_import`)
live in the store; :func:`load_story` looks in ``story/`` first, then there.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import StoryError
from .story import Story
from .store import Store

EDITOR = "editor"
_REQUIRED_META = ("title", "fandom", "relationship", "characters", "rating", "language", "summary")


def stories_dir() -> Path:
    """The folder of shipped stories: ``$ANNOTATOR_STORIES`` or the project's ``story/``."""
    env = os.environ.get("ANNOTATOR_STORIES")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "story"


def story_ids() -> list[str]:
    """Ids of the stories in the stories folder."""
    folder = stories_dir()
    return sorted(p.stem for p in folder.glob("*.json") if (folder / f"{p.stem}.txt").exists())


def read_text(path: Path) -> str:
    """Read a story text exactly: UTF-8, no newline translation.

    Raises:
        StoryError: the file is missing, unreadable, not UTF-8, or empty.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoryError(f"story file {path} does not exist") from None
    except OSError as e:
        raise StoryError(f"cannot read story file {path}: {e.strerror}") from None
    if b"\x00" in data[:4096]:
        raise StoryError(f"{path} is a binary file, not a story text: give a UTF-8 .txt file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise StoryError(
            f"{path} is not UTF-8 (bad byte at offset {e.start}); save it as UTF-8 and try again"
        ) from None
    if not text.strip():
        raise StoryError(f"story file {path} is empty")
    return text


def read_metadata(path: Path) -> dict[str, Any]:
    """Read and check a story's metadata file.

    Raises:
        StoryError: missing, invalid JSON, or missing AO3 fields.
    """
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoryError(f"metadata file {path} does not exist") from None
    except UnicodeDecodeError:
        raise StoryError(f"metadata file {path} is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise StoryError(f"metadata file {path} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if not isinstance(meta, dict):
        raise StoryError(f"metadata file {path} must hold a JSON object with the AO3 fields")
    try:
        json.dumps(meta, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise StoryError(
            f"metadata file {path} holds a lone UTF-16 surrogate (such as \\ud800), "
            "which is not valid Unicode text; remove it"
        ) from None
    missing = [k for k in _REQUIRED_META if k not in meta]
    if missing:
        raise StoryError(f"metadata file {path} lacks {', '.join(missing)}: add them (see story/one-dance.json)")
    if "words" in meta:
        raise StoryError(f"metadata file {path} sets 'words': remove it, the word count is computed from the text")
    return meta


@lru_cache(maxsize=16)
def _load_cached(story_id: str, folder: str, stamp: tuple[float, float]) -> Story:
    base = Path(folder)
    meta = read_metadata(base / f"{story_id}.json")
    text = read_text(base / str(meta.get("text", f"{story_id}.txt")))
    return Story.from_text(story_id, text, meta)


StoreRef = Store | str | os.PathLike[str] | None
"""Where imported stories are looked up: a Store, a database path or URL, or None for the default one."""


def load_story(story_id: str = "one-dance", store: StoreRef = None) -> Story:
    """Load a story by id: a shipped one (``story/``) first, then one imported into a store.

    Args:
        story_id: the story's id.
        store: where imported stories live: a :class:`Store`, a database
            path, or ``None`` for the default database (``$ANNOTATOR_DB``),
            which is read only if it already exists.

    Raises:
        StoryError: no such story, or its files are bad.
        StoreError: the store cannot be read.
    """
    folder = stories_dir()
    # An id is a slug: never a path ("../x") nor a name the file system refuses.
    if not isinstance(story_id, str) or len(story_id) > 200 or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", story_id):
        raise StoryError(
            f"no story {story_id!r}: story ids are lower-case letters, digits and hyphens, "
            f"such as 'one-dance'; known stories: {', '.join(story_ids()) or 'none'}"
        )
    meta_path = folder / f"{story_id}.json"
    if meta_path.exists():
        text_path = folder / f"{story_id}.txt"
        text_stamp = text_path.stat().st_mtime if text_path.exists() else 0.0
        stamp = (meta_path.stat().st_mtime, text_stamp)
        return _load_cached(story_id, str(folder), stamp)
    found = _with_store(store, lambda s: s.story_text(story_id))
    if found is not None:
        metadata = json.dumps(found["metadata"], sort_keys=True)
        return _build_stored(story_id, found["text"], metadata, json.dumps(found["chapters"]))
    imported = _with_store(store, lambda s: [r["id"] for r in s.imported_stories()]) or []
    known = ", ".join(story_ids() + imported) or "none"
    raise StoryError(
        f"no story {story_id!r} in {folder} or in the store; known stories: {known}. "
        "Import a story file with `annotator import-story FILE`"
    )


@lru_cache(maxsize=8)
def _build_stored(story_id: str, text: str, metadata: str, chapters: str) -> Story:
    spans = [tuple(c) for c in json.loads(chapters) or []] or None
    return Story.from_text(story_id, text, json.loads(metadata), chapters=spans)


def _with_store(store: StoreRef, use: Any) -> Any:
    """``use(store)`` on the given store, or on the default database if it exists, else ``None``."""
    if isinstance(store, Store):
        return use(store)
    from .store import default_target, is_url

    target = store if store is not None else default_target()
    if is_url(target):  # a shared server: it exists, and nothing is created by looking
        with Store(target) as opened:
            return use(opened)
    path = Path(target)
    if str(store) == ":memory:" or not path.is_file():
        return None
    with Store(path) as opened:
        return use(opened)


def list_stories(store: StoreRef = None) -> list[dict[str, Any]]:
    """The library: shipped stories, then the stories imported into the store.

    Returns:
        ``{"id", "title", "words", "chapters", "source", "version"}`` for each,
        ``source`` being ``shipped`` or ``imported``.

    Raises:
        StoryError: a shipped story's files are bad.
        StoreError: the store cannot be read.
    """
    shipped = story_ids()

    def rows(opened: Store | None) -> list[dict[str, Any]]:
        rows_ = opened.imported_stories() if opened else []
        imported = [r["id"] for r in rows_ if r["id"] not in shipped]
        out = []
        for sid in shipped + imported:
            story = load_story(sid, opened)
            out.append(
                {
                    "id": sid,
                    "title": story.title,
                    "words": story.metadata.get("words"),
                    "chapters": len(story.sections),
                    "source": "shipped" if sid in shipped else "imported",
                    "version": story.version,
                }
            )
        return out

    found = _with_store(store, rows)
    return found if found is not None else rows(None)


def shipped_readings() -> list[Path]:
    """The shipped annotation files, ``story/annotations/*.jsonld``."""
    return sorted((stories_dir() / "annotations").glob("*.jsonld"))


def open_store(path: str | os.PathLike[str] | None = None, *, user: str | None = None) -> Store:
    """Open the store; a new one starts with the shipped readings loaded.

    Args:
        path: an SQLite file path, a ``postgresql://`` URL (a shared store),
            or ``None`` for ``$ANNOTATOR_DB`` or the user's data folder.
        user: the acting reader (see :class:`annotator.store.Store`); ``None``
            sees and changes everything.

    Raises:
        StoreError: see :class:`annotator.store.Store`.
    """
    store = Store(path, user=user)
    # Not only when just created: a crash between the migration's commit and
    # the import's leaves a store with no story registered; finish the job.
    # import_file registers a story only after its annotations are committed,
    # and importing again changes nothing, so this is safe to repeat.
    try:
        if store.created or not store.stories():
            from .interchange import import_file  # here to keep `import annotator` light

            with store._as_admin():  # the shipped reading is the editor's, not the user's
                for reading in shipped_readings():
                    import_file(store, reading, reader=EDITOR)
    except BaseException:
        store.close()
        raise
    return store
