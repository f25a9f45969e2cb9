# Change notification, shared by both backends.
#
# Writes in this process reach every Store open on the same database at once,
# in the writer's thread, right after the commit (the registry below). Writes
# by other processes arrive through a per-Store background thread: LISTEN on
# PostgreSQL, a PRAGMA data_version poll on SQLite. Each listener belongs to
# exactly one Store, so a change is delivered to it once.
"""Subscribers, the in-process registry of open stores, and change dicts."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..annotation import Annotation
    from .base import Store

log = logging.getLogger("annotator.store")

Change = dict[str, Any]
"""``{"kind": "add"|"update"|"delete"|"external", "ids": [...], "story": id}``.

``external`` means "another program changed the store, I do not know what":
reload ``story``, or everything when ``story`` is ``None``; ``ids`` is empty.
"""
Listener = Callable[[Change], None]
Kind = Literal["add", "update", "delete", "external"]

EXTERNAL: Change = {"kind": "external", "ids": [], "story": None}


def changes(kind: str, annotations: Iterable[Annotation]) -> list[Change]:
    """One change per story for ``annotations``, ids in the order given."""
    by_story: dict[str, list[str]] = {}
    for a in annotations:
        by_story.setdefault(a.story, []).append(a.id)
    return [{"kind": kind, "ids": ids, "story": story} for story, ids in by_story.items()]


class Listeners:
    """A store's subscribers: add and remove from any thread, call them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Listener] = []

    def add(self, listener: Listener) -> Callable[[], None]:
        """Subscribe ``listener``; returns the function that unsubscribes it."""
        with self._lock:
            self._items.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._items:
                    self._items.remove(listener)

        return unsubscribe

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._items)

    def clear(self) -> None:
        """Drop every subscriber."""
        with self._lock:
            self._items.clear()

    def deliver(self, change: Change) -> None:
        """Call every listener with a copy of ``change``; one that raises is logged, not fatal."""
        with self._lock:
            items = list(self._items)
        for listener in items:
            try:
                listener({**change, "ids": list(change["ids"])})
            except Exception:  # a reader's callback must not break a write or the watcher
                log.exception("annotator: a store listener failed on %s", change)


# -- the stores open in this process, by database ---------------------------------------
_open: dict[str, weakref.WeakSet[Store]] = {}
_open_lock = threading.Lock()


def register(key: str, store: Store) -> None:
    """Remember that ``store`` is open on the database named ``key``."""
    with _open_lock:
        _open.setdefault(key, weakref.WeakSet()).add(store)


def unregister(key: str, store: Store) -> None:
    """Forget ``store`` (it is closing)."""
    with _open_lock:
        stores = _open.get(key)
        if stores is not None:
            stores.discard(store)
            if not stores:
                del _open[key]


def stores_on(key: str) -> list[Store]:
    """The stores open in this process on the database named ``key``."""
    with _open_lock:
        return list(_open.get(key, ()))


class Ticker:
    """A daemon thread that calls a store's ``tick()`` again and again until stopped.

    It sleeps ``pause`` seconds between calls (SQLite's poll); ``tick`` may
    itself block instead (PostgreSQL's LISTEN waits inside it), with a
    ``pause`` of 0. An exception is logged, and the thread goes on a second
    later. The thread holds the method weakly: a store dropped without
    ``close()`` is not kept alive by its watcher, which then ends.
    """

    def __init__(self, name: str, tick: Callable[[], None], pause: float) -> None:
        self._tick = weakref.WeakMethod(tick)  # type: ignore[arg-type]
        self._pause = pause
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tick = self._tick()
                if tick is None:
                    return  # the store is gone
                tick()
                del tick
            except Exception:
                log.exception("annotator: watching the store for changes failed")
                self._stop.wait(1.0)
                continue
            if self._pause:
                self._stop.wait(self._pause)

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; returns whether the ticker was stopped meanwhile."""
        return self._stop.wait(seconds)

    def stop(self) -> None:
        """Stop and wait for the thread (unless called from it)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
