"""The library: the stories annotator ships (``story/``) and the store they open in.

A story on disk is two files in the stories folder: ``<id>.txt``, the text
exactly as published, and ``<id>.json``, its AO3-style metadata. Shipped
readings live in ``story/annotations/<id>.jsonld`` and are loaded, as the
reader ``editor``, into every new store, so that a fresh machine can build
the shipped edition straight away.
"""

from __future__ import annotations

import json
import os
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


def load_story(story_id: str = "one-dance") -> Story:
    """Load a shipped story by id.

    Raises:
        StoryError: no such story, or its files are bad.
    """
    folder = stories_dir()
    meta_path = folder / f"{story_id}.json"
    if not meta_path.exists():
        known = ", ".join(story_ids()) or "none"
        raise StoryError(f"no story {story_id!r} in {folder}; known stories: {known}")
    text_path = folder / f"{story_id}.txt"
    stamp = (meta_path.stat().st_mtime, text_path.stat().st_mtime if text_path.exists() else 0.0)
    return _load_cached(story_id, str(folder), stamp)


def shipped_readings() -> list[Path]:
    """The shipped annotation files, ``story/annotations/*.jsonld``."""
    return sorted((stories_dir() / "annotations").glob("*.jsonld"))


def open_store(path: str | os.PathLike[str] | None = None) -> Store:
    """Open the store; a new one starts with the shipped readings loaded.

    Raises:
        StoreError: see :class:`annotator.store.Store`.
    """
    store = Store(path)
    if store.created:
        from .interchange import import_file  # here to keep `import annotator` light

        for reading in shipped_readings():
            import_file(store, reading, reader=EDITOR)
    return store
