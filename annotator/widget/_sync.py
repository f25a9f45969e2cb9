# Keeps a Reader in step with its store.
#
# Two sources of change, both announced by Store.subscribe: writes in this
# process (at once, in the writer's thread, with ids) and writes by other
# processes such as the CLI importing a file (an "external" notice from the
# store's own watcher thread, without ids: we diff against what the page was
# shown). Both end in the same place: a delta of annotations added, changed or
# removed, handed to one callback under one lock, so the page sees every
# change once and in order. Inside a kernel the diff runs on the kernel's
# event loop, the thread that also handles widget messages.
"""StoreWatcher: turn store writes (from anywhere) into deltas for one story."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..annotation import Annotation
from ..errors import NotFoundError
from ..store import Change, Store

log = logging.getLogger("annotator.widget")


@dataclass
class Delta:
    """What changed: ``kind`` is ``add``, ``update`` or ``delete``."""

    kind: Literal["add", "update", "delete"]
    ids: list[str]
    annotations: list[Annotation] = field(default_factory=list)


class StoreWatcher:
    """Watch one story in a store and report deltas to ``emit``.

    Args:
        store: the store to watch.
        story_id: only changes to this story are reported.
        emit: called with each :class:`Delta`, holding :attr:`lock`.
        external: follow other processes' writes; when ``False``, call
            :meth:`refresh` yourself.
        on_reload: called (where deltas are emitted) after a store-wide
            "reload" notice, which group changes send: who sees what, and
            which groups a reader is in, may have changed.
    """

    def __init__(
        self,
        store: Store,
        story_id: str,
        emit: Callable[[Delta], None],
        external: bool = True,
        on_reload: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.on_reload = on_reload
        self.story_id = story_id
        self.emit = emit
        self.external = external
        self.lock = threading.RLock()
        # What the page has seen: id -> modified. Built lazily (from the page's
        # load snapshot, see seed) so that opening a Reader on 20,000
        # annotations does not read them all twice.
        self._known: dict[str, str] | None = None
        self._version = store.data_version()
        self._closed = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = _kernel_loop()
        self._unsubscribe = store.subscribe(self._on_store_change)

    def _safe_refresh(self, reload: bool = False) -> None:
        try:
            self.refresh()
            if reload and self.on_reload is not None and not self.closed:
                self.on_reload()
        except Exception:  # a refresh must never kill the kernel's loop or the store's thread
            log.exception("annotator: checking the store for changes failed")

    def close(self) -> None:
        """Stop watching (idempotent)."""
        self._closed.set()
        self._unsubscribe()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed.is_set()

    # -- changes ------------------------------------------------------------------
    def seed(self, annotations: list[Annotation]) -> None:
        """Take a snapshot the page was just sent as the baseline (call holding :attr:`lock`)."""
        with self.lock:
            self._known = {a.id: a.modified for a in annotations}

    def known(self) -> dict[str, str] | None:
        """What the page was shown (id -> modified), or ``None`` before its first load."""
        with self.lock:
            return None if self._known is None else dict(self._known)

    def forget(self, ids: list[str]) -> list[str]:
        """Drop ids from what the page was shown; returns those it had."""
        with self.lock:
            if self._known is None:
                return []
            return [i for i in ids if self._known.pop(i, None) is not None]

    def _baseline(self) -> dict[str, str]:
        if self._known is None:
            self._known = {a.id: a.modified for a in self.store.annotations(self.story_id)}
        return self._known

    def _on_store_change(self, change: Change) -> None:
        if self.closed:
            return
        kind = change.get("kind")
        if kind == "external":  # another process wrote; the store cannot say what
            reload = change.get("story") is None
            if self.external and change.get("story") in (None, self.story_id):
                loop = self._loop
                if loop is not None and loop.is_running() and not loop.is_closed():
                    loop.call_soon_threadsafe(self._safe_refresh, reload)
                else:
                    self._safe_refresh(reload)
            return
        # In-process writes: the store says what happened, no diff needed.
        if change.get("story") != self.story_id or kind not in ("add", "update", "delete"):
            return
        with self.lock:
            ids = list(change.get("ids") or [])
            known = self._known
            if kind == "delete":
                if known is not None:
                    for i in ids:
                        known.pop(i, None)
                if ids:
                    self.emit(Delta("delete", ids))
                return
            found: list[Annotation] = []
            hidden: list[str] = []
            for ident in ids:
                try:
                    found.append(self.store.get(ident))
                except NotFoundError:
                    # Deleted again before we looked, or (a shared store) no
                    # longer visible to this reader: made private, or moved to
                    # a group they are not in. Either way the page drops it.
                    if known is not None and ident in known:
                        del known[ident]
                        hidden.append(ident)
            if hidden:
                self.emit(Delta("delete", hidden))
            if known is not None:
                for a in found:
                    known[a.id] = a.modified
            if found:
                self.emit(Delta(kind, [a.id for a in found], found))

    def _report(self, annotations: list[Annotation]) -> None:
        known = self._baseline()
        added = [a for a in annotations if a.id not in known]
        updated = [a for a in annotations if a.id in known]
        for a in annotations:
            known[a.id] = a.modified
        if added:
            self.emit(Delta("add", [a.id for a in added], added))
        if updated:
            self.emit(Delta("update", [a.id for a in updated], updated))

    def refresh(self) -> bool:
        """Pick up writes by other connections; returns whether anything changed."""
        if self.closed:
            return False
        with self.lock:
            version = self.store.data_version()
            if version == self._version:
                return False
            self._version = version
            if self._known is None:
                # Nobody has been shown anything yet: this is the baseline.
                self._baseline()
                return False
            current = self.store.annotations(self.story_id)
            ids = {a.id for a in current}
            known = self._known
            gone = [i for i in known if i not in ids]
            for i in gone:
                del known[i]
            changed = [a for a in current if known.get(a.id) != a.modified]
            if gone:
                self.emit(Delta("delete", gone))
            self._report(changed)
            return bool(gone or changed)


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The IPython kernel's event loop, when this runs in a kernel.

    Widget messages must be sent from the kernel's loop. Outside a kernel a
    "running" loop may belong to something else (Playwright's sync API keeps
    one that only turns during its own calls), and handing work to it would
    stall, so changes are then handled on the spot.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
