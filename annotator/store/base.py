# The Store both backends share. It is built in layers, one module each, all
# written once against the primitives of _core.StoreCore:
#   _core (transactions) <- _groups (groups, permissions) <- _annotations
#   <- _stories (story texts, dismissals) <- Store (here: opening, closing,
#   subscribing, choosing the backend)
# SQL in the layers is the portable subset of SQLite and PostgreSQL, with
# ``?`` placeholders that the PostgreSQL backend rewrites for psycopg.
"""The :class:`Store` interface, the default location, and backend dispatch."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..annotation import MAX_NAME, Annotation
from ..errors import StoreError
from . import _notify
from ._notify import Listener, Listeners
from ._stories import StoriesMixin

Target = str | os.PathLike[str] | None
"""Where a store lives: a file path, ``":memory:"``, a ``postgresql://`` URL, or ``None``."""

_URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: Target) -> bool:
    """Whether ``target`` names a PostgreSQL server rather than an SQLite file."""
    return isinstance(target, str) and target.strip().lower().startswith(_URL_SCHEMES)


def default_db_path() -> Path:
    """Where the SQLite store lives unless ``--db`` or ``ANNOTATOR_DB`` says otherwise.

    ``$ANNOTATOR_DB``, or ``$XDG_DATA_HOME/annotator/annotator.db``, which is
    usually ``~/.local/share/annotator/annotator.db``. When ``ANNOTATOR_DB``
    is a ``postgresql://`` URL, use :func:`default_target` instead.
    """
    env = os.environ.get("ANNOTATOR_DB")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "annotator" / "annotator.db"


def default_target() -> str | Path:
    """The default store: ``$ANNOTATOR_DB`` when it is a URL, else :func:`default_db_path`."""
    env = os.environ.get("ANNOTATOR_DB", "").strip()
    return env if is_url(env) else default_db_path()


def check_user(user: str | None) -> str | None:
    """A cleaned acting-user name, or ``None`` (unrestricted).

    Raises:
        StoreError: an empty or overlong name, or one with control characters.
    """
    if user is None:
        return None
    if not isinstance(user, str) or not user.strip() or len(user.strip()) > MAX_NAME:
        raise StoreError(
            f"bad user name {str(user)[:40]!r}: give a reader name of 1 to {MAX_NAME} characters"
        )
    if any(ord(c) < 32 for c in user):
        raise StoreError(f"user name {user[:40]!r} has control characters")
    return user.strip()


class Store(StoriesMixin):
    """Annotations of many stories, in SQLite (the default) or PostgreSQL.

    ``Store(target)`` opens the backend ``target`` names: a ``postgresql://``
    URL opens :class:`~annotator.store.postgres.PostgresStore`, anything else
    :class:`~annotator.store.sqlite.SQLiteStore` (a file path, ``":memory:"``,
    or ``None`` for :func:`default_target`).

    Args:
        target: where the store lives.
        user: the acting reader. ``None`` (the single-user default, admin
            tools) sees and changes everything. A named user adds and changes
            only their own annotations and sees only those whose audience lets
            them: ``public``, their own, and ``group:<name>`` of their groups.

    Raises:
        StoreError: the store cannot be opened (a read-only place, an unreachable server...).
        CorruptStoreError: it is not an annotator database, or it is damaged.
        SchemaVersionError: it was written by a newer annotator.
    """

    def __new__(cls, target: Target = None, *, user: str | None = None) -> Store:  # noqa: D102
        if cls is Store:
            if target is None:
                target = default_target()
            if is_url(target):
                from .postgres import PostgresStore

                cls = PostgresStore
            else:
                from .sqlite import SQLiteStore

                cls = SQLiteStore
        return super().__new__(cls)

    def _init_common(self, user: str | None) -> None:
        """Set up what every backend needs; called first by their ``__init__``."""
        self._user = check_user(user)
        self._lock = threading.RLock()
        self._listeners = Listeners()
        self._restorable = OrderedDict[str, Annotation]()
        self._closed = False

    def _opened(self) -> None:
        """The connection is up: let this process's other stores on the database announce to us."""
        _notify.register(self._key, self)

    @property
    def user(self) -> str | None:
        """The acting reader, or ``None`` for an unrestricted store."""
        return self._user

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Stop watching, drop the subscribers and close the connection (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        _notify.unregister(self._key, self)
        self._listeners.clear()
        self._close_backend()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f" as {self._user!r}" if self._user else ""
        return f"<Store {self.path}{who}>"

    @contextmanager
    def _as_admin(self) -> Iterator[None]:
        # Seeding a new store with the shipped reading (library.open_store)
        # writes as the editor; nothing else may use this.
        with self._lock:
            saved, self._user = self._user, None
            try:
                yield
            finally:
                self._user = saved

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change)`` after every write to this database, from any process.

        Writes through stores in this process are announced at once, in the
        writer's thread, as ``add``, ``update`` or ``delete`` with their ids.
        Other processes' writes arrive from a background thread within a
        second: with ids on PostgreSQL (LISTEN/NOTIFY), as
        ``{"kind": "external", "ids": [], "story": None}`` ("reload") on
        SQLite, whose poll of ``PRAGMA data_version`` cannot know what
        changed. Listeners may be called from several threads; the ids may
        name annotations the acting user cannot see (:meth:`get` says
        ``NotFoundError``).

        Returns:
            A function that unsubscribes.
        """
        unsubscribe = self._listeners.add(listener)
        with self._lock:
            if not self._closed:
                self._watch()
        return unsubscribe
