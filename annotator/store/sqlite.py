# The embedded store: one SQLite file through the standard library (no
# dependency, nothing to run). WAL mode so readers never block the writer, a
# busy timeout so concurrent writers wait instead of failing, every write in
# one BEGIN IMMEDIATE transaction. SQLite's own errors never reach a user:
# they become StoreError subclasses that say what to do.
#
# Other processes' writes are noticed by polling PRAGMA data_version (it
# changes when another connection commits) from a daemon thread started when
# the first subscriber appears; SQLite cannot say what changed, so the poll
# announces {"kind": "external", "story": None}: reload.
"""The SQLite backend of :class:`~annotator.store.Store`."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from ..annotation import now
from ..errors import CorruptStoreError, SchemaVersionError, StoreError
from ._notify import EXTERNAL, Ticker
from .base import Store, Target, default_db_path
from .migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, statements

POLL_SECONDS = 0.25
"""How often a subscribed SQLite store checks for other processes' writes."""


class SQLiteStore(Store):
    """Annotations of many stories in one SQLite database.

    Args:
        path: the database file; ``":memory:"`` for a private in-memory store;
            ``None`` for :func:`~annotator.store.default_db_path`.
        user: the acting reader, or ``None``; see :class:`~annotator.store.Store`.

    Raises:
        StoreError: the file cannot be created or opened (read-only place, a folder...).
        CorruptStoreError: it is not an annotator database, or it is damaged.
        SchemaVersionError: it was written by a newer annotator.
    """

    backend: ClassVar[str] = "sqlite"
    _ROWID: ClassVar[str] = "rowid"
    _db_errors = (sqlite3.Error,)

    def __init__(self, path: Target = None, *, user: str | None = None) -> None:
        self._init_common(user)
        self.path: Path | str = (
            ":memory:" if str(path) == ":memory:" else Path(path or default_db_path())
        )
        self.created = False
        self._key = (
            f":memory:{id(self)}" if self.path == ":memory:" else str(Path(self.path).resolve())
        )
        self._poller: Ticker | None = None
        self._seen_version: int | None = None
        self._conn = self._connect()
        self._opened()

    # -- opening --------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        where = str(self.path)
        if self.path != ":memory:":
            p = Path(self.path)
            if p.is_dir():
                raise StoreError(
                    f"{p} is a folder, not a database file: pass a file path with --db"
                )
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(
                    f"cannot create the folder for the database {p}: {e.strerror}; "
                    "choose another place with --db PATH or ANNOTATOR_DB"
                ) from None
            if p.exists() and not os.access(p, os.R_OK):
                raise StoreError(f"cannot read the database {p}: check its permissions")
        conn = None
        try:
            conn = sqlite3.connect(
                where, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            self._check_and_migrate(conn)
        except BaseException as e:
            # A store that fails to open must not keep its file open (and locked).
            if conn is not None:
                conn.close()
            if isinstance(e, sqlite3.DatabaseError):
                raise self._translate(e, "open") from None
            raise
        return conn

    def _check_and_migrate(self, conn: sqlite3.Connection) -> None:
        # One snapshot: another process may be creating this very store, and
        # its tables seen without its application_id would look foreign.
        conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
        finally:
            self._rollback_quietly(conn)
        if app_id != APPLICATION_ID and (tables or version):
            raise CorruptStoreError(
                f"{self.path} is an SQLite database but not an annotator one "
                f"(it holds {', '.join(tables[:5]) or 'no tables'}); nothing was changed. "
                "Point --db at another file"
            )
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} was written by a newer annotator (schema {version}; this one knows "
                f"up to {SCHEMA_VERSION}); nothing was changed. Upgrade annotator to open it"
            )
        if self.path != ":memory:" and not os.access(Path(self.path).parent, os.W_OK):
            if not os.access(self.path, os.W_OK) or version < SCHEMA_VERSION:
                raise StoreError(
                    f"cannot write to {self.path}: the place is read-only; copy the database "
                    "somewhere writable and pass it with --db"
                )
        if self.path != ":memory:":
            mode = self._switch_to_wal(conn)
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
            # NORMAL is safe against process crashes in WAL mode; FULL only
            # adds protection against power loss, at an fsync per commit.
            conn.execute("PRAGMA synchronous = NORMAL")
        if version == SCHEMA_VERSION:
            integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
            if integrity != "ok":
                raise CorruptStoreError(
                    f"{self.path} is damaged ({integrity}); restore it from a backup or "
                    "export what is readable with `sqlite3 .recover`"
                )
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, (name, sql) in enumerate(MIGRATIONS, 1):
                if number <= version:
                    continue
                for statement in statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO migrations (version, name, applied) VALUES (?, ?, ?)",
                    (number, name, now()),
                )
                self.created = self.created or number == 1
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _rollback_quietly(conn: sqlite3.Connection) -> None:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    @staticmethod
    def _switch_to_wal(conn: sqlite3.Connection) -> str:
        # While another process switches the same new file to WAL, SQLite
        # answers SQLITE_BUSY at once, without calling the busy handler: retry.
        deadline = time.monotonic() + 30.0
        while True:
            try:
                return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _translate(self, e: BaseException, doing: str) -> StoreError:
        msg = str(e)
        if isinstance(e, UnicodeEncodeError):
            return StoreError(
                f"cannot {doing} {self.path}: a value holds a lone UTF-16 surrogate (such as \\ud800), "
                "which is not valid Unicode text; nothing was written"
            )
        if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
            return CorruptStoreError(
                f"{self.path} is not a readable annotator database ({msg}); nothing was changed. "
                "Point --db at another file, or restore a backup"
            )
        if "readonly" in msg or "read-only" in msg:
            return StoreError(f"cannot {doing} {self.path}: it is read-only; pass a writable --db")
        if "disk is full" in msg or "disk I/O" in msg:
            return StoreError(
                f"cannot {doing} {self.path}: the disk is full or failing ({msg}); nothing was "
                "written and earlier annotations are intact. Free some space and try again"
            )
        if "locked" in msg or "busy" in msg:
            return StoreError(f"{self.path} stayed locked by another program for 30 s; try again")
        if (
            "unable to open" in msg
            and self.path != ":memory:"
            and not os.access(Path(self.path).parent, os.W_OK)
        ):
            return StoreError(
                f"cannot {doing} {self.path}: its folder is read-only, and SQLite must create the "
                f"{Path(self.path).name}-wal and -shm files beside it; copy the database somewhere "
                "writable and pass it with --db"
            )
        if "unable to open" in msg:
            return StoreError(f"cannot open {self.path} ({msg}); check the path and permissions")
        return StoreError(f"cannot {doing} {self.path}: {msg}")

    # -- primitives -------------------------------------------------------------------
    def _execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, tuple(params))

    def _executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        self._conn.executemany(sql, [tuple(r) for r in rows])

    def _begin(self, exclusive: bool) -> None:
        self._conn.execute("BEGIN IMMEDIATE")  # SQLite has one writer at a time anyway

    def _commit(self) -> None:
        self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _close_backend(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        with self._lock:
            self._conn.close()

    # -- other processes' writes ----------------------------------------------------------
    def data_version(self) -> int:
        """A number that changes when another connection commits (``PRAGMA data_version``)."""
        return int(self._read("PRAGMA data_version")[0][0])

    def _watch(self) -> None:
        if self._poller is not None or self.path == ":memory:":
            return  # nobody else can write to a private in-memory database
        self._seen_version = self.data_version()
        self._poller = Ticker(
            f"annotator-sqlite-poll {Path(self.path).name}", self._poll, POLL_SECONDS
        )

    def _poll(self) -> None:
        if self._closed:
            return
        try:
            version = self.data_version()
        except StoreError:
            if self._closed:
                return
            raise
        if version != self._seen_version:
            self._seen_version = version
            # Writes through stores of this process were announced already,
            # with ids; this may repeat them as a reload, which is harmless.
            self._listeners.deliver(EXTERNAL)
