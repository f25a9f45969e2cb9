"""The embedded annotation store: one SQLite file through the standard library.

WAL mode so readers never block the writer, a busy timeout so concurrent
writers wait instead of failing, every write in one ``BEGIN IMMEDIATE``
transaction, and named migrations (:mod:`annotator.migrations`). SQLite's
own errors never reach a user: they become :class:`StoreError` subclasses
that say what to do.

Writers in the same process are told about each other's changes through
:meth:`Store.subscribe`, so two Reader widgets on one story stay in sync;
other processes are noticed through :meth:`Store.data_version`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .anchoring import TextQuote
from .annotation import Annotation, now, validate
from .errors import CorruptStoreError, NotFoundError, SchemaVersionError, StoreError
from .migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

Change = dict[str, Any]
"""``{"kind": "add"|"update"|"delete", "ids": [...], "story": id}``."""
Listener = Callable[[Change], None]
OnConflict = Literal["error", "skip", "newer"]

_COLUMNS = (
    "id, story, story_version, creator, start, \"end\", exact, prefix, suffix, tropes, note, "
    "note_format, colour, motivation, links, target_ref, orphan, created, modified, extra"
)
_listeners: dict[str, list[Listener]] = defaultdict(list)
_listeners_lock = threading.Lock()


def default_db_path() -> Path:
    """Where the store lives unless ``--db`` or ``ANNOTATOR_DB`` says otherwise.

    ``$XDG_DATA_HOME/annotator/annotator.db``, which is usually
    ``~/.local/share/annotator/annotator.db``.
    """
    env = os.environ.get("ANNOTATOR_DB")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "annotator" / "annotator.db"


class Store:
    """Annotations of many stories in one SQLite database.

    Args:
        path: the database file; ``":memory:"`` for a private in-memory store;
            ``None`` for :func:`default_db_path`.

    Raises:
        StoreError: the file cannot be created or opened (read-only place, a folder...).
        CorruptStoreError: it is not an annotator database, or it is damaged.
        SchemaVersionError: it was written by a newer annotator.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = ":memory:" if str(path) == ":memory:" else Path(path or default_db_path())
        self.created = False
        self._key = str(self.path) if self.path == ":memory:" else str(Path(self.path).resolve())
        if self.path == ":memory:":
            self._key = f":memory:{id(self)}"
        self._conn = self._connect()
        self._lock = threading.RLock()

    # -- opening --------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        where = str(self.path)
        if self.path != ":memory:":
            p = Path(self.path)
            if p.is_dir():
                raise StoreError(f"{p} is a folder, not a database file: pass a file path with --db")
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
            conn = sqlite3.connect(where, timeout=30.0, isolation_level=None, check_same_thread=False)
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
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
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
                for statement in sql.split(";"):
                    if statement.strip():
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

    def _translate(self, e: sqlite3.Error | UnicodeEncodeError, doing: str) -> StoreError:
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
        if "unable to open" in msg and self.path != ":memory:" and not os.access(Path(self.path).parent, os.W_OK):
            return StoreError(
                f"cannot {doing} {self.path}: its folder is read-only, and SQLite must create the "
                f"{Path(self.path).name}-wal and -shm files beside it; copy the database somewhere "
                "writable and pass it with --db"
            )
        if "unable to open" in msg:
            return StoreError(f"cannot open {self.path} ({msg}); check the path and permissions")
        return StoreError(f"cannot {doing} {self.path}: {msg}")

    def close(self) -> None:
        """Close the connection."""
        with _listeners_lock:
            _listeners.pop(self._key, None) if self.path == ":memory:" else None
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.path}>"

    # -- transactions and change notification ---------------------------------
    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise self._translate(e, doing) from None
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except (sqlite3.Error, UnicodeEncodeError) as e:
                self._rollback()
                raise self._translate(e, doing) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except (sqlite3.Error, UnicodeEncodeError) as e:
                raise self._translate(e, "read") from None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change)`` after every write to this database in this process.

        Returns:
            A function that unsubscribes.
        """
        with _listeners_lock:
            _listeners[self._key].append(listener)

        def unsubscribe() -> None:
            with _listeners_lock:
                if listener in _listeners[self._key]:
                    _listeners[self._key].remove(listener)

        return unsubscribe

    def _notify(self, kind: str, annotations: Iterable[Annotation]) -> None:
        items = list(annotations)
        if not items:
            return
        with _listeners_lock:
            listeners = list(_listeners[self._key])
        by_story: dict[str, list[str]] = defaultdict(list)
        for a in items:
            by_story[a.story].append(a.id)
        for story, ids in by_story.items():
            for listener in listeners:
                listener({"kind": kind, "ids": ids, "story": story})

    def data_version(self) -> int:
        """A number that changes when another connection commits (``PRAGMA data_version``)."""
        return int(self._read("PRAGMA data_version")[0][0])

    # -- stories ----------------------------------------------------------------
    def register_story(self, story_id: str, version: str, title: str) -> None:
        """Record a story (or a new version of it) in the store."""
        with self._write("save the story in"):
            self._conn.execute(
                "INSERT INTO stories (id, version, title, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title",
                (story_id, version, title, now()),
            )

    def stories(self) -> list[dict[str, str]]:
        """The stories recorded in the store."""
        rows = self._read("SELECT id, version, title, added FROM stories ORDER BY id")
        return [dict(zip(("id", "version", "title", "added"), r, strict=True)) for r in rows]

    # -- story texts (imported stories) -------------------------------------------
    def save_story_text(
        self,
        story_id: str,
        version: str,
        title: str,
        text: str,
        metadata: dict[str, Any],
        chapters: list[tuple[str | None, int, int]] | None,
        *,
        source: str | None = None,
        reanchor: Callable[[list[Annotation]], list[Annotation]] | None = None,
    ) -> list[Annotation]:
        """Store a story text as the story's current version, all in one transaction.

        ``reanchor`` receives the story's annotations, read inside the same
        transaction, and returns the ones it changed, which are written there
        too: the story and its annotations never disagree.

        Returns:
            The annotations rewritten.

        Raises:
            StoreError: the write failed; nothing was written.
        """
        changed: list[Annotation] = []
        with self._write("save the story in"):
            self._conn.execute(
                "INSERT INTO story_versions (story, version, text, metadata, chapters, source, imported) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story, version) DO UPDATE SET "
                "metadata = excluded.metadata, chapters = excluded.chapters, source = excluded.source",
                (story_id, version, text, json.dumps(metadata, ensure_ascii=False),
                 json.dumps(chapters or []), source, now()),
            )  # fmt: skip
            self._conn.execute(
                "INSERT INTO stories (id, version, title, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title",
                (story_id, version, title, now()),
            )
            if reanchor is not None:
                changed = list(reanchor(self._select("WHERE story = ?", [story_id])))
                for a in changed:
                    self._conn.execute("DELETE FROM annotations WHERE id = ?", (a.id,))
                    self._insert(a)
        self._notify("update", changed)
        return changed

    def story_text(self, story_id: str, version: str | None = None) -> dict[str, Any] | None:
        """An imported story: its current version's text, or the version asked for.

        Returns:
            ``{"id", "version", "text", "metadata", "chapters", "source", "imported"}``,
            or ``None`` when the store holds no text for it (a shipped story, an unknown id).
        """
        rows = self._read(
            "SELECT v.version, v.text, v.metadata, v.chapters, v.source, v.imported "
            "FROM story_versions v LEFT JOIN stories s ON s.id = v.story WHERE v.story = ? "
            + ("AND v.version = ? " if version else "")
            + "ORDER BY v.version = s.version DESC, v.imported DESC, v.rowid DESC LIMIT 1",
            [story_id, version] if version else [story_id],
        )
        if not rows:
            return None
        ver, text, metadata, chapters, source, imported = rows[0]
        return {
            "id": story_id, "version": ver, "text": text, "metadata": json.loads(metadata),
            "chapters": [tuple(c) for c in json.loads(chapters)] or None, "source": source,
            "imported": imported,
        }  # fmt: skip

    def story_versions(self, story_id: str) -> list[dict[str, Any]]:
        """Every stored version of an imported story, oldest first (no texts)."""
        rows = self._read(
            "SELECT v.version, v.source, v.imported, v.version = s.version FROM story_versions v "
            "LEFT JOIN stories s ON s.id = v.story WHERE v.story = ? ORDER BY v.imported, v.rowid",
            [story_id],
        )
        return [
            {"version": v, "source": src, "imported": when, "current": bool(cur)} for v, src, when, cur in rows
        ]

    def imported_stories(self) -> list[dict[str, Any]]:
        """The stories whose texts the store holds: ``{"id", "title", "version", "imported", "source"}``."""
        rows = self._read(
            "SELECT v.story, COALESCE(s.title, v.story), v.version, v.imported, v.source "
            "FROM story_versions v LEFT JOIN stories s ON s.id = v.story "
            "WHERE v.version = s.version OR s.id IS NULL ORDER BY v.story"
        )
        keys = ("id", "title", "version", "imported", "source")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- suggestion dismissals ---------------------------------------------------
    def add_dismissal(self, dismissal: Any) -> None:
        """Remember that a reader dismissed a suggested trope on a paragraph (idempotent)."""
        d = dismissal
        with self._write("save the dismissal in"):
            self._conn.execute(
                "INSERT OR IGNORE INTO dismissals (story, reader, paragraph, trope, generator, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (d.story, d.reader, d.paragraph, d.trope, d.generator, d.created),
            )

    def dismissals(self, story: str, reader: str) -> list[dict[str, str]]:
        """A reader's dismissals for a story."""
        rows = self._read(
            "SELECT story, reader, paragraph, trope, generator, created FROM dismissals "
            "WHERE story = ? AND reader = ? ORDER BY created",
            [story, reader],
        )
        keys = ("story", "reader", "paragraph", "trope", "generator", "created")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def remove_dismissal(self, story: str, reader: str, paragraph: str, trope: str) -> bool:
        """Forget a dismissal; returns whether there was one."""
        with self._write("update"):
            cur = self._conn.execute(
                "DELETE FROM dismissals WHERE story = ? AND reader = ? AND paragraph = ? AND trope = ?",
                (story, reader, paragraph, trope),
            )
        return cur.rowcount > 0

    # -- annotations: writing -----------------------------------------------------
    def add(self, annotation: Annotation) -> Annotation:
        """Add one annotation.

        Raises:
            StoreError: an annotation with that id exists, or the write failed.
        """
        self.add_many([annotation], on_conflict="error")
        return annotation

    def add_many(self, annotations: Iterable[Annotation], *, on_conflict: OnConflict = "error") -> dict[str, int]:
        """Add annotations in one transaction: all of them or none.

        Args:
            annotations: the annotations.
            on_conflict: for an id already stored: ``error`` (nothing is
                written), ``skip`` it, or keep the ``newer`` by ``modified``.

        Returns:
            Counts: ``{"added": n, "updated": n, "unchanged": n}``.

        Raises:
            StoreError: on a conflict with ``error``, or when the write failed.
        """
        items = list(annotations)
        for a in items:
            validate(a)
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        added: list[Annotation] = []
        updated: list[Annotation] = []
        with self._write("write to"):
            existing = self._existing_modified([a.id for a in items])
            for a in items:
                old = existing.get(a.id)
                if old is None:
                    self._insert(a)
                    existing[a.id] = a.modified
                    added.append(a)
                elif on_conflict == "error":
                    raise StoreError(f"annotation {a.id!r} is already in the store; nothing was written")
                elif on_conflict == "newer" and a.modified > old:
                    self._conn.execute("DELETE FROM annotations WHERE id = ?", (a.id,))
                    self._insert(a)
                    existing[a.id] = a.modified
                    updated.append(a)
                else:
                    counts["unchanged"] += 1
        counts["added"], counts["updated"] = len(added), len(updated)
        self._notify("add", added)
        self._notify("update", updated)
        return counts

    def _existing_modified(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for ident, modified in self._conn.execute(
                f"SELECT id, modified FROM annotations WHERE id IN ({marks})", chunk
            ):
                found[ident] = modified
        return found

    def _insert(self, a: Annotation) -> None:
        cur = self._conn.execute(
            f"INSERT INTO annotations ({_COLUMNS}) VALUES ({','.join('?' * 20)})",
            (
                a.id, a.story, a.story_version, a.creator, a.start, a.end,
                a.quote.exact if a.quote else None, a.quote.prefix if a.quote else None,
                a.quote.suffix if a.quote else None, json.dumps(list(a.tropes)), a.note,
                a.note_format, a.colour, a.motivation, json.dumps(list(a.links)), a.target_ref,
                int(a.orphan), a.created, a.modified, json.dumps(dict(a.extra), ensure_ascii=False),
            ),
        )  # fmt: skip
        if a.tropes:
            self._conn.executemany(
                "INSERT OR IGNORE INTO annotation_tropes (annotation_seq, trope) VALUES (?, ?)",
                [(cur.lastrowid, t) for t in a.tropes],
            )

    def update(self, annotation: Annotation) -> Annotation:
        """Replace a stored annotation by id.

        Raises:
            NotFoundError: no annotation has that id.
        """
        validate(annotation)
        with self._write("update"):
            if not self._existing_modified([annotation.id]):
                raise NotFoundError(f"no annotation {annotation.id!r} in the store to update")
            self._conn.execute("DELETE FROM annotations WHERE id = ?", (annotation.id,))
            self._insert(annotation)
        self._notify("update", [annotation])
        return annotation

    def replace_all(self, annotations: Iterable[Annotation]) -> None:
        """Update many annotations (a re-anchoring) in one transaction."""
        items = list(annotations)
        with self._write("update"):
            for a in items:
                self._conn.execute("DELETE FROM annotations WHERE id = ?", (a.id,))
                self._insert(a)
        self._notify("update", items)

    def delete(self, annotation_id: str) -> list[Annotation]:
        """Delete an annotation and the links that point at it.

        Returns:
            Everything deleted (the annotation first), so that it can be restored.

        Raises:
            NotFoundError: no annotation has that id.
        """
        with self._write("delete from"):
            target = self._select("WHERE id = ?", [annotation_id])
            if not target:
                raise NotFoundError(f"no annotation {annotation_id!r} in the store to delete")
            links = [
                a
                for a in self._select("WHERE story = ? AND motivation = 'linking'", [target[0].story])
                if a.target_ref == annotation_id or annotation_id in a.links
            ]
            gone = target + links
            self._conn.executemany("DELETE FROM annotations WHERE id = ?", [(a.id,) for a in gone])
        self._notify("delete", gone)
        return gone

    # -- annotations: reading -------------------------------------------------------
    def get(self, annotation_id: str) -> Annotation:
        """The annotation with that id.

        Raises:
            NotFoundError: no annotation has that id.
        """
        with self._lock:
            found = self._select("WHERE id = ?", [annotation_id])
        if not found:
            raise NotFoundError(f"no annotation {annotation_id!r} in the store")
        return found[0]

    def annotations(
        self,
        story: str | None = None,
        *,
        creator: str | Iterable[str] | None = None,
        trope: str | None = None,
        start: int | None = None,
        end: int | None = None,
        links: bool = True,
    ) -> list[Annotation]:
        """Annotations in story order, filtered by story, reader(s), trope and text range.

        ``start``/``end`` keep the annotations that overlap ``[start, end)``.
        """
        where: list[str] = []
        params: list[Any] = []
        if story is not None:
            where.append("story = ?")
            params.append(story)
        if creator is not None:
            names = [creator] if isinstance(creator, str) else list(creator)
            where.append(f"creator IN ({','.join('?' * len(names))})")
            params.extend(names)
        if trope is not None:
            where.append("seq IN (SELECT annotation_seq FROM annotation_tropes WHERE trope = ?)")
            params.append(trope)
        if start is not None:
            where.append('"end" > ?')
            params.append(start)
        if end is not None:
            where.append("start < ?")
            params.append(end)
        if not links:
            where.append("motivation != 'linking'")
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        with self._lock:
            return self._select(clause + " ORDER BY start IS NULL, start, \"end\" DESC, seq", params)

    def readers(self, story: str | None = None) -> list[str]:
        """The names of everyone who annotated (a story)."""
        sql = "SELECT DISTINCT creator FROM annotations"
        rows = self._read(sql + (" WHERE story = ?" if story else "") + " ORDER BY creator", [story] if story else [])
        return [r[0] for r in rows]

    def count(self, story: str | None = None) -> int:
        """How many annotations the store holds (for a story)."""
        sql = "SELECT COUNT(*) FROM annotations" + (" WHERE story = ?" if story else "")
        return int(self._read(sql, [story] if story else [])[0][0])

    def _select(self, clause: str, params: Iterable[Any]) -> list[Annotation]:
        try:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM annotations {clause}", tuple(params)).fetchall()
        except (sqlite3.Error, UnicodeEncodeError) as e:
            raise self._translate(e, "read") from None
        return [_row_to_annotation(r) for r in rows]


@lru_cache(maxsize=4096)
def _json_tuple(raw: str) -> tuple[Any, ...]:
    # Trope and link lists repeat across thousands of rows: parse each once.
    return tuple(json.loads(raw))


def _row_to_annotation(r: tuple[Any, ...]) -> Annotation:
    (ident, story, version, creator, start, end, exact, prefix, suffix, tropes, note,
     note_format, colour, motivation, links, target_ref, orphan, created, modified, extra) = r  # fmt: skip
    # Rows were validated when written; building the frozen dataclass through
    # its __init__ (one object.__setattr__ per field) was most of the cost of
    # loading 20,000 annotations, so fill its __dict__ directly.
    a = object.__new__(Annotation)
    a.__dict__.update(
        id=ident, story=story, creator=creator, start=start, end=end,
        quote=TextQuote(exact, prefix or "", suffix or "") if exact is not None else None,
        tropes=_json_tuple(tropes), note=note, note_format=note_format, colour=colour,
        motivation=motivation, links=_json_tuple(links), target_ref=target_ref,
        orphan=bool(orphan), created=created, modified=modified, story_version=version,
        extra={} if extra == "{}" else json.loads(extra),
    )  # fmt: skip
    return a
