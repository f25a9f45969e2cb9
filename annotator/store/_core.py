# The layer every other part of the Store stands on: the primitives each
# backend provides (execute, begin/commit/rollback, error translation,
# publishing and watching for changes), and the write transaction built from
# them, which announces its changes to the stores of this process after the
# commit and, through the backend, to other processes inside it.
"""The backend primitives and the write transaction of a :class:`~annotator.store.Store`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from ..annotation import Annotation
from ..errors import StoreError
from . import _notify
from ._notify import Change, Listeners


class _Tx:
    """One write transaction: run statements, record the changes to announce."""

    def __init__(self, store: StoreCore) -> None:
        self.store = store
        self.changes: list[Change] = []

    def changed(self, kind: str, annotations: Iterable[Annotation]) -> None:
        self.changes.extend(_notify.changes(kind, annotations))

    def reload(self) -> None:
        """Tell every reader to reload (visibility changed: a group's members)."""
        self.changes.append(dict(_notify.EXTERNAL))


class StoreCore:
    """Backend primitives and transactions; see :class:`~annotator.store.Store`."""

    backend: ClassVar[str] = ""
    _ROWID: ClassVar[str] = "rowid"  # orders story versions imported in the same millisecond
    _db_errors: tuple[type[BaseException], ...] = ()
    path: Any
    created: bool
    _key: str
    _user: str | None
    _lock: threading.RLock
    _listeners: Listeners
    _restorable: OrderedDict[str, Annotation]
    _closed: bool

    # -- backend primitives -----------------------------------------------------------
    def _execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        raise NotImplementedError

    def _begin(self, exclusive: bool) -> None:
        """Start a write transaction.

        ``exclusive`` ones run alone; the others side by side where the
        backend allows, each locking the annotation ids it touches.
        """
        raise NotImplementedError

    def _lock_ids(self, ids: Iterable[str]) -> None:
        """Inside a write: wait for, then hold until the end, the annotations ``ids``."""

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _translate(self, e: BaseException, doing: str) -> StoreError:
        raise NotImplementedError

    def _publish(self, changes: list[Change]) -> None:
        """Announce ``changes`` to other processes, inside the write transaction."""

    def _watch(self) -> None:
        """Start watching for other processes' writes (idempotent)."""

    def _heard_from_another_store(self) -> None:
        """Another Store in this process committed to the same database."""

    def _close_backend(self) -> None:
        raise NotImplementedError

    def data_version(self) -> int:
        """A number that changes when another connection commits to this database."""
        raise NotImplementedError

    # -- transactions and change notification -----------------------------------------
    @contextmanager
    def _write(self, doing: str, *, exclusive: bool = False) -> Iterator[_Tx]:
        errors = (*self._db_errors, UnicodeEncodeError)
        tx = _Tx(self)
        with self._lock:
            if self._closed:
                raise StoreError(f"the store {self.path} is closed; open it again")
            try:
                self._begin(exclusive)
            except errors as e:
                raise self._translate(e, doing) from None
            try:
                yield tx
                if tx.changes:
                    self._publish(tx.changes)
                self._commit()
            except errors as e:
                self._rollback()
                raise self._translate(e, doing) from None
            except BaseException:
                self._rollback()
                raise
        for change in tx.changes:
            for store in _notify.stores_on(self._key):
                store._hear(change, from_here=store is self)

    def _hear(self, change: Change, *, from_here: bool) -> None:
        if not from_here:
            self._heard_from_another_store()
        self._listeners.deliver(change)

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._closed:
                raise StoreError(f"the store {self.path} is closed; open it again")
            try:
                return list(self._execute(sql, tuple(params)).fetchall())
            except (*self._db_errors, UnicodeEncodeError) as e:
                raise self._translate(e, "read") from None
