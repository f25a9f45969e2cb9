"""The annotation store: SQLite for one reader, PostgreSQL for a class or a group.

``Store(target, user=None)`` opens the backend ``target`` names: a
``postgresql://`` URL, or an SQLite file path (``":memory:"`` for a private
in-memory store; ``None`` for ``$ANNOTATOR_DB`` or the user's data folder).
Both backends share one implementation of the store's behaviour, in layers:

- :mod:`~annotator.store._core`: the write transaction over each backend's primitives;
- :mod:`~annotator.store._groups`: reader groups and the permission checks;
- :mod:`~annotator.store._annotations`: adding, changing, deleting, querying annotations;
- :mod:`~annotator.store._stories`: story texts and suggestion dismissals;
- :mod:`~annotator.store.base`: the :class:`Store` itself (opening, subscribing);
- :mod:`~annotator.store.sqlite` and :mod:`~annotator.store.postgres`: the backends;
- :mod:`~annotator.store.migrations`: the schema of both, as named migrations.

:meth:`Store.subscribe` announces every write, this process's at once and
other processes' within a second (LISTEN/NOTIFY on PostgreSQL, a ``PRAGMA
data_version`` poll on SQLite).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._annotations import OnConflict
from ._notify import Change, Listener
from .base import Store, Target, default_db_path, default_target, is_url

if TYPE_CHECKING:
    from .postgres import PostgresStore
    from .sqlite import SQLiteStore


def open_store_url(target: Target = None, *, user: str | None = None) -> Store:
    """Open the store ``target`` names (a ``postgresql://`` URL or an SQLite path), as ``user``.

    The same as ``Store(target, user=user)``; :func:`annotator.library.open_store`
    also loads the shipped readings into a new store.

    Raises:
        StoreError: see :class:`Store`.
    """
    return Store(target, user=user)


def __getattr__(name: str) -> Any:
    # The backends load on first use: psycopg only when a URL asks for it.
    if name == "SQLiteStore":
        from .sqlite import SQLiteStore

        return SQLiteStore
    if name == "PostgresStore":
        from .postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module 'annotator.store' has no attribute {name!r}")


__all__ = [
    "Change",
    "Listener",
    "OnConflict",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "Target",
    "default_db_path",
    "default_target",
    "is_url",
    "open_store_url",
]
