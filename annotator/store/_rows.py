# Rows <-> Annotation, shared by both backends: the columns are the same on
# SQLite and PostgreSQL, lists and the ``extra`` mapping are JSON text in both
# (one mapping, one code path; jsonb would buy server-side queries we do not
# make), and ``orphan`` goes in as a bool, which sqlite3 stores as 0/1.
"""The ``annotations`` row layout and its mapping to :class:`Annotation`."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from ..anchoring import TextQuote
from ..annotation import Annotation

COLUMNS = (
    'id, story, story_version, creator, start, "end", exact, prefix, suffix, tropes, note, '
    "note_format, colour, motivation, links, target_ref, orphan, created, modified, extra, audience"
)
N_COLUMNS = COLUMNS.count(",") + 1


def to_row(a: Annotation) -> tuple[Any, ...]:
    """The column values of an annotation, in :data:`COLUMNS` order."""
    return (
        a.id, a.story, a.story_version, a.creator, a.start, a.end,
        a.quote.exact if a.quote else None, a.quote.prefix if a.quote else None,
        a.quote.suffix if a.quote else None, json.dumps(list(a.tropes)), a.note,
        a.note_format, a.colour, a.motivation, json.dumps(list(a.links)), a.target_ref,
        bool(a.orphan), a.created, a.modified, json.dumps(dict(a.extra), ensure_ascii=False),
        a.audience,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _json_tuple(raw: str) -> tuple[Any, ...]:
    # Trope and link lists repeat across thousands of rows: parse each once.
    return tuple(json.loads(raw))


def from_row(r: tuple[Any, ...]) -> Annotation:
    """The annotation a row holds (rows were validated when written)."""
    (ident, story, version, creator, start, end, exact, prefix, suffix, tropes, note,
     note_format, colour, motivation, links, target_ref, orphan, created, modified, extra,
     audience) = r  # fmt: skip
    # Building the frozen dataclass through its __init__ (one
    # object.__setattr__ per field) was most of the cost of loading 20,000
    # annotations, so fill its __dict__ directly.
    a = object.__new__(Annotation)
    a.__dict__.update(
        id=ident, story=story, creator=creator, start=start, end=end,
        quote=TextQuote(exact, prefix or "", suffix or "") if exact is not None else None,
        tropes=_json_tuple(tropes), note=note, note_format=note_format, colour=colour,
        motivation=motivation, links=_json_tuple(links), target_ref=target_ref,
        orphan=bool(orphan), created=created, modified=modified, story_version=version,
        extra={} if extra == "{}" else json.loads(extra), audience=audience,
    )  # fmt: skip
    return a


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of rows are fetched and built.

    Every fetched row and every new annotation is a tracked container, so
    loading 20,000 of them set off a young collection every 700 allocations,
    each re-scanning the survivors: about half of the load time (from_row
    alone: 54 ms paused against 153 ms). Rows and annotations form no cycles,
    so the collector has nothing to find meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
