# The shared store: one PostgreSQL database for a class or a fandom group.
#
# Why psycopg 3 and not SQLAlchemy: the SQLite store uses the standard
# library's sqlite3 by design (no dependency for the single-user default),
# and the shared layers in this package already give both backends one code
# path: the same portable SQL, the same row mapping, the same permission
# checks. SQLAlchemy Core would add a large dependency to the embedded case
# and still leave LISTEN/NOTIFY, advisory locks and error translation to us.
#
# Concurrency: SQLite serialises writes (BEGIN IMMEDIATE), and the shared
# layers' check-then-write steps (the conflict policies error / skip / newer,
# update as delete + insert) rely on no other writer touching the same rows
# meanwhile. Here a write takes a transaction-scoped advisory lock on each
# annotation id it touches (in one statement, in hash order, so two writers
# never wait for each other in a cycle), and writers on different annotations
# run side by side. Story re-imports (which re-anchor everyone's annotations)
# and group changes take an exclusive lock and run alone; every other write
# holds the same lock shared. Reads never wait (MVCC). The load test
# (docs/shared-store.md) measures the result.
#
# Live updates: each write NOTIFYs its changes inside its transaction, so a
# notification exists if and only if the write committed. A Store listens on
# its own connection, from a daemon thread started when the first subscriber
# appears, and hands other processes' changes to its subscribers.
"""The PostgreSQL backend of :class:`~annotator.store.Store`."""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, ClassVar

from ..annotation import now
from ..errors import CorruptStoreError, SchemaVersionError, StoreError
from ._notify import EXTERNAL, Change, Ticker
from .base import Store, Target, default_target
from .migrations import (
    APPLICATION_ID,
    POSTGRES_MIGRATIONS,
    POSTGRES_SCHEMA,
    SCHEMA_VERSION,
    statements,
)

try:
    import psycopg
    from psycopg import conninfo as _conninfo
    from psycopg import errors as _pgerrors
except ImportError:  # pragma: no cover - psycopg is a dependency; a broken install says so
    psycopg = None  # type: ignore[assignment]

log = logging.getLogger("annotator.store")

CHANNEL = "annotator_changes"
WRITE_LOCK = APPLICATION_ID  # bigint advisory keys: shared by writes, exclusive for re-imports
MIGRATE_LOCK = APPLICATION_ID + 1
ID_LOCKS = (
    0x414E  # the (int, int) advisory key space, apart from the bigint one: (ID_LOCKS, hashtext(id))
)
LISTEN_SECONDS = 0.25
"""How long the listener waits for a notification before checking whether it should stop."""
_PAYLOAD_BYTES = 7000  # NOTIFY payloads must stay under 8000 bytes
_BOOT = uuid.uuid4().hex[:12]


@lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    # The shared SQL uses sqlite3's "?" placeholders; psycopg wants "%s".
    # None of our statements has a "?" or a "%" inside a literal.
    return sql.replace("?", "%s")


def display_url(url: str) -> str:
    """``postgresql://user@host:port/dbname``: the URL without its password, for messages.

    Raises:
        StoreError: it is not a valid PostgreSQL URL.
    """
    if psycopg is None:
        raise StoreError("the PostgreSQL store needs psycopg 3: pip install 'psycopg[binary]'")
    try:
        parts = _conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as e:
        raise StoreError(
            f"bad PostgreSQL URL ({str(e).splitlines()[0]}): expected "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        ) from None
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return (
        f"postgresql://{user}{parts.get('host') or 'localhost'}{port}/{parts.get('dbname') or ''}"
    )


def _payloads(origin: str, change: Change) -> Iterator[str]:
    """``change`` as NOTIFY payloads, its ids split so that each stays small enough."""
    head = {"o": origin, "k": change["kind"], "s": change["story"]}
    ids: list[str] = []
    size = len(json.dumps(head, ensure_ascii=False).encode()) + 10
    for ident in change["ids"]:
        grow = len(json.dumps(ident, ensure_ascii=False).encode()) + 2
        if ids and size + grow > _PAYLOAD_BYTES:
            yield json.dumps({**head, "i": ids}, ensure_ascii=False)
            ids, size = [], len(json.dumps(head, ensure_ascii=False).encode()) + 10
        ids.append(ident)
        size += grow
    yield json.dumps({**head, "i": ids}, ensure_ascii=False)


class PostgresStore(Store):
    """Annotations of many stories in a PostgreSQL database, shared by many readers.

    Every table lives in the schema ``annotator``, created on first use
    (the role needs the CREATE privilege on the database then, or an
    administrator creates the schema for it: see docs/shared-store.md).

    Args:
        url: ``postgresql://USER:PASSWORD@HOST:PORT/DATABASE`` (any libpq URL;
            ``None`` for ``$ANNOTATOR_DB``).
        user: the acting reader, or ``None``; see :class:`~annotator.store.Store`.

    Raises:
        StoreError: psycopg is missing, the URL is bad, or the server cannot be reached.
        CorruptStoreError: the ``annotator`` schema holds tables that are not annotator's.
        SchemaVersionError: it was written by a newer annotator.
    """

    backend: ClassVar[str] = "postgresql"
    _ROWID: ClassVar[str] = "seq"

    def __init__(self, url: Target = None, *, user: str | None = None) -> None:
        self._init_common(user)
        self._url = str(url if url is not None else default_target())
        self.path = display_url(self._url)
        self._db_errors = (psycopg.Error,)
        self.created = False
        self._in_tx = False
        self._version = 0
        self._version_lock = threading.Lock()
        self._listener: Ticker | None = None
        self._listen_conn: Any = None
        self._conn = self._connect(migrate=True)
        info = self._conn.info
        self._key = f"postgresql://{info.host}:{info.port}/{info.dbname}"
        self._opened()

    # -- opening --------------------------------------------------------------------
    def _connect(self, *, migrate: bool = False, purpose: str = "annotator") -> Any:
        try:
            conn = psycopg.connect(
                self._url, autocommit=True, connect_timeout=10, application_name=purpose
            )
        except psycopg.Error as e:
            raise StoreError(
                f"cannot connect to the PostgreSQL server {self.path} ({str(e).strip().splitlines()[-1]}); "
                "check that the server is running and the URL's host, port, database, user and password"
            ) from None
        try:
            conn.execute(f"SET search_path TO {POSTGRES_SCHEMA}")
            if migrate:
                self._check_and_migrate(conn)
        except BaseException as e:
            conn.close()
            if isinstance(e, psycopg.Error):
                raise self._translate(e, "open") from None
            raise
        return conn

    def _check_and_migrate(self, conn: Any) -> None:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (POSTGRES_SCHEMA,),
            )
        }
        version = 0
        if tables:
            if "migrations" not in tables:
                raise CorruptStoreError(
                    f"{self.path}: the schema {POSTGRES_SCHEMA!r} holds tables that are not annotator's "
                    f"({', '.join(sorted(tables)[:5])}); nothing was changed. Use another database"
                )
            version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM migrations").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} was written by a newer annotator (schema {version}; this one knows "
                f"up to {SCHEMA_VERSION}); nothing was changed. Upgrade annotator to open it"
            )
        if version == SCHEMA_VERSION:
            return
        with conn.transaction():
            # One migrator at a time; the others find the work done.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
            if not conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (POSTGRES_SCHEMA,)
            ).fetchone():
                conn.execute(f"CREATE SCHEMA {POSTGRES_SCHEMA}")
            version = 0
            if conn.execute("SELECT to_regclass('migrations')").fetchone()[0] is not None:
                version = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM migrations"
                ).fetchone()[0]
            for number, (name, sql) in enumerate(POSTGRES_MIGRATIONS, 1):
                if number <= version:
                    continue
                for statement in statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO migrations (version, name, applied) VALUES (%s, %s, %s)",
                    (number, name, now()),
                )
                self.created = self.created or number == 1

    def _translate(self, e: BaseException, doing: str) -> StoreError:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, UnicodeEncodeError):
            return StoreError(
                f"cannot {doing} {self.path}: a value holds a lone UTF-16 surrogate (such as \\ud800), "
                "which is not valid Unicode text; nothing was written"
            )
        if isinstance(e, _pgerrors.InsufficientPrivilege):
            return StoreError(
                f"cannot {doing} {self.path}: the database role lacks a privilege ({msg}); connect as "
                "the database's owner, or grant it (see docs/shared-store.md)"
            )
        if isinstance(e, _pgerrors.DiskFull):
            return StoreError(
                f"cannot {doing} {self.path}: the server's disk is full ({msg}); nothing was written "
                "and earlier annotations are intact. Free some space and try again"
            )
        if isinstance(e, psycopg.DataError) and "NUL" in msg:
            return StoreError(
                f"cannot {doing} {self.path}: a value holds a NUL character (\\x00), which PostgreSQL "
                "cannot store in text; remove it. Nothing was written"
            )
        if isinstance(e, _pgerrors.TransactionRollback):  # a deadlock between two writers
            return StoreError(
                f"cannot {doing} {self.path}: another reader's change to the same annotations got in "
                f"the way ({msg}); nothing was written. Try again"
            )
        if isinstance(e, psycopg.OperationalError):
            return StoreError(
                f"lost the connection to the PostgreSQL server {self.path} ({msg}); if this was a "
                "write it may not have been saved. Check that the server runs, then try again"
            )
        return StoreError(f"cannot {doing} {self.path}: {msg}")

    # -- primitives -------------------------------------------------------------------
    def _execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        if self._conn.closed and not self._in_tx:
            self._conn = self._connect()  # the server restarted: start again on a new connection
        return self._conn.execute(_pg(sql), tuple(params))

    def _executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(_pg(sql), [tuple(r) for r in rows])

    def _begin(self, exclusive: bool) -> None:
        if self._conn.closed:
            self._conn = self._connect()  # the server restarted: start again on a new connection
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        self._in_tx = True
        try:
            self._conn.execute(f"BEGIN; SELECT {lock}({WRITE_LOCK})")  # one round trip
        except BaseException:
            self._rollback()
            raise

    def _lock_ids(self, ids: Iterable[str]) -> None:
        keys = sorted(set(ids))
        if keys:
            self._conn.execute(
                "SELECT pg_advisory_xact_lock(%s, k) FROM "
                "(SELECT DISTINCT hashtext(i) AS k FROM unnest(%s::text[]) AS i ORDER BY k) AS ids",
                (ID_LOCKS, keys),
            )

    def _commit(self) -> None:
        self._conn.execute("COMMIT")
        self._in_tx = False

    def _rollback(self) -> None:
        self._in_tx = False
        try:
            self._conn.execute("ROLLBACK")
        except psycopg.Error:
            pass

    def _publish(self, changes: list[Change]) -> None:
        origin = self._origin()
        for change in changes:
            for payload in _payloads(origin, change):
                self._conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    def _origin(self) -> str:
        # Stores of this process on this database hear our writes at once
        # (base._write); their listeners skip the echo. The pid keeps a
        # forked child's writes from looking like its parent's.
        return f"{os.getpid()}:{_BOOT}:{self._key}"

    def _close_backend(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self._listen_conn is not None:
            self._listen_conn.close()
            self._listen_conn = None
        with self._lock:
            self._conn.close()

    # -- other processes' writes ----------------------------------------------------------
    def data_version(self) -> int:
        """A number that changes when another connection commits to this database.

        Counted from the notifications this store hears, so it starts
        listening (at the first call) if it was not already.
        """
        with self._lock:
            if not self._closed:
                self._watch()
        with self._version_lock:
            return self._version

    def _bump(self) -> None:
        with self._version_lock:
            self._version += 1

    def _heard_from_another_store(self) -> None:
        self._bump()

    def _watch(self) -> None:
        if self._listener is not None:
            return
        # LISTEN before returning, so that no write after subscribe() is missed.
        self._listen_conn = self._listen()
        self._listener = Ticker("annotator-pg-listen", self._listen_once, 0)

    def _listen(self) -> Any:
        conn = self._connect(purpose="annotator-listen")
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _listen_once(self) -> None:
        ticker = self._listener
        if ticker is None or ticker.stopped:
            return
        if self._listen_conn is None:
            try:
                self._listen_conn = self._listen()
            except StoreError as e:
                log.warning("annotator: cannot listen to %s, trying again in 2 s: %s", self.path, e)
                ticker.wait(2.0)
                return
            # Changes made while we were away were not heard: reload.
            self._bump()
            self._listeners.deliver(EXTERNAL)
        try:
            for note in self._listen_conn.notifies(timeout=LISTEN_SECONDS):
                self._heard(note.payload)
        except psycopg.Error as e:
            if ticker.stopped:
                return
            log.warning(
                "annotator: lost the listening connection to %s (%s); reconnecting", self.path, e
            )
            try:
                self._listen_conn.close()
            finally:
                self._listen_conn = None
            ticker.wait(0.5)

    def _heard(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            change = {"kind": note["k"], "ids": list(note.get("i") or []), "story": note.get("s")}
        except (ValueError, KeyError, TypeError):
            log.warning("annotator: ignoring a malformed change notification: %.200s", payload)
            return
        if note.get("o") == self._origin():
            return  # our process's own write, announced at once by base._write
        self._bump()
        self._listeners.deliver(change)
