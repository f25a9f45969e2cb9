# Adding, changing, deleting and querying annotations: written once for both
# backends against the primitives of :class:`~annotator.store.base.Store`,
# with the permission checks of :mod:`annotator.store._groups` in every path.
"""The annotation operations of a :class:`~annotator.store.Store`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from ..annotation import Annotation, validate
from ..errors import NotFoundError, StoreError
from ._groups import GroupsMixin
from ._rows import COLUMNS, N_COLUMNS, collector_paused, from_row, to_row

OnConflict = Literal["error", "skip", "newer"]


class AnnotationsMixin(GroupsMixin):
    """Annotations: add, update, delete, get and query, visibility-filtered."""

    # -- annotations: writing ----------------------------------------------------------
    def add(self, annotation: Annotation) -> Annotation:
        """Add one annotation.

        Raises:
            StoreError: an annotation with that id exists, or the write failed.
            PermissionDeniedError: the store acts for another reader, or for
                one outside the annotation's group.
        """
        self.add_many([annotation], on_conflict="error")
        return annotation

    def add_many(
        self, annotations: Iterable[Annotation], *, on_conflict: OnConflict = "error"
    ) -> dict[str, int]:
        """Add annotations in one transaction: all of them or none.

        Args:
            annotations: the annotations.
            on_conflict: for an id already stored: ``error`` (nothing is
                written), ``skip`` it, or keep the ``newer`` by ``modified``.

        Returns:
            Counts: ``{"added": n, "updated": n, "unchanged": n}``.

        Raises:
            StoreError: on a conflict with ``error``, or when the write failed.
            PermissionDeniedError: an annotation by another reader (or
                replacing one), or for a group the acting user is not in.
        """
        items = list(annotations)
        for a in items:
            validate(a)
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        added: list[Annotation] = []
        updated: list[Annotation] = []
        with self._write("write to") as tx:
            self._lock_ids(a.id for a in items)
            for a in items:
                if self._restorable.get(a.id) != a:
                    self._check_writable(a, "add")
            existing = self._existing([a.id for a in items])
            # New rows go in together (one executemany: per-row statements were
            # most of a 20,000-row import); a replacement first writes what is
            # pending, so the batch keeps its order.
            pending: list[Annotation] = []
            for a in items:
                old = existing.get(a.id)
                if old is None:
                    pending.append(a)
                    added.append(a)
                elif on_conflict == "error":
                    raise StoreError(
                        f"annotation {a.id!r} is already in the store; nothing was written"
                    )
                elif on_conflict == "newer" and a.modified > old[0]:
                    self._check_owner(a.id, old[1], "replace")
                    self._insert_many(pending)
                    pending = []
                    self._execute("DELETE FROM annotations WHERE id = ?", (a.id,))
                    self._insert(a)
                    updated.append(a)
                else:
                    counts["unchanged"] += 1
                    continue
                existing[a.id] = (a.modified, a.creator)
            self._insert_many(pending)
            tx.changed("add", added)
            tx.changed("update", updated)
        for a in added:
            self._restorable.pop(a.id, None)
        counts["added"], counts["updated"] = len(added), len(updated)
        return counts

    def _existing(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for ident, modified, creator in self._execute(
                f"SELECT id, modified, creator FROM annotations WHERE id IN ({marks})", chunk
            ).fetchall():
                found[ident] = (modified, creator)
        return found

    def _insert(self, a: Annotation) -> None:
        marks = ",".join("?" * N_COLUMNS)
        seq = self._execute(
            f"INSERT INTO annotations ({COLUMNS}) VALUES ({marks}) RETURNING seq", to_row(a)
        ).fetchone()[0]
        if a.tropes:
            self._executemany(
                "INSERT INTO annotation_tropes (annotation_seq, trope) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(seq, t) for t in a.tropes],
            )

    def _insert_many(self, items: list[Annotation]) -> None:
        if not items:
            return
        marks = ",".join("?" * N_COLUMNS)
        self._executemany(
            f"INSERT INTO annotations ({COLUMNS}) VALUES ({marks})", [to_row(a) for a in items]
        )
        tagged = [(t, a.id) for a in items for t in dict.fromkeys(a.tropes)]
        if tagged:
            self._executemany(
                "INSERT INTO annotation_tropes (annotation_seq, trope) "
                "SELECT seq, ? FROM annotations WHERE id = ? ON CONFLICT DO NOTHING",
                tagged,
            )

    def _replace(self, a: Annotation) -> None:
        self._execute("DELETE FROM annotations WHERE id = ?", (a.id,))
        self._insert(a)

    def update(self, annotation: Annotation) -> Annotation:
        """Replace a stored annotation by id.

        Raises:
            NotFoundError: no annotation has that id (that the acting user can see).
            PermissionDeniedError: it is someone else's.
        """
        validate(annotation)
        with self._write("update") as tx:
            self._lock_ids([annotation.id])
            old = self._select(["id = ?"], [annotation.id], visible=False)
            if not old or not self._can_see(old[0]):
                raise NotFoundError(f"no annotation {annotation.id!r} in the store to update")
            self._check_owner(old[0].id, old[0].creator, "edit")
            self._check_writable(annotation, "edit")
            self._replace(annotation)
            tx.changed("update", [annotation])
        return annotation

    def replace_all(self, annotations: Iterable[Annotation]) -> None:
        """Update many annotations (a re-anchoring) in one transaction.

        Raises:
            PermissionDeniedError: one of them is someone else's.
        """
        items = list(annotations)
        with self._write("update") as tx:
            self._lock_ids(a.id for a in items)
            for old_id, (_, creator) in self._existing([a.id for a in items]).items():
                self._check_owner(old_id, creator, "edit")
            for a in items:
                self._check_writable(a, "edit")
                self._replace(a)
            tx.changed("update", items)

    def delete(self, annotation_id: str) -> list[Annotation]:
        """Delete an annotation and the links that point at it.

        Links by other readers go too (a link to nothing means nothing); the
        same store may add them back (undo) although they are not its user's.

        Returns:
            Everything deleted (the annotation first), so that it can be restored.

        Raises:
            NotFoundError: no annotation has that id (that the acting user can see).
            PermissionDeniedError: it is someone else's.
        """
        with self._write("delete from") as tx:
            self._lock_ids([annotation_id])
            target = self._select(["id = ?"], [annotation_id], visible=False)
            if not target or not self._can_see(target[0]):
                raise NotFoundError(f"no annotation {annotation_id!r} in the store to delete")
            self._check_owner(annotation_id, target[0].creator, "delete")
            links = [
                a
                for a in self._select(
                    ["story = ?", "motivation = 'linking'"], [target[0].story], visible=False
                )
                if a.target_ref == annotation_id or annotation_id in a.links
            ]
            self._lock_ids(a.id for a in links)
            gone = target + links
            self._executemany("DELETE FROM annotations WHERE id = ?", [(a.id,) for a in gone])
            tx.changed("delete", gone)
        if self._user is not None:
            for a in links:
                if a.creator != self._user:
                    self._restorable[a.id] = a
            while len(self._restorable) > 1000:
                self._restorable.popitem(last=False)
        return gone

    # -- annotations: reading ------------------------------------------------------------
    def get(self, annotation_id: str) -> Annotation:
        """The annotation with that id.

        Raises:
            NotFoundError: no annotation has that id (that the acting user can see).
        """
        found = self._select(["id = ?"], [annotation_id])
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
        audience: str | None = None,
    ) -> list[Annotation]:
        """Annotations in story order, filtered by story, reader(s), trope, text range, audience.

        ``start``/``end`` keep the annotations that overlap ``[start, end)``.
        Only those the acting user may see are returned.
        """
        where: list[str] = []
        params: list[Any] = []
        if story is not None:
            where.append("story = ?")
            params.append(story)
        if creator is not None:
            names = [creator] if isinstance(creator, str) else list(creator)
            where.append(f"creator IN ({','.join('?' * len(names))})" if names else "1 = 0")
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
        if audience is not None:
            where.append("audience = ?")
            params.append(audience)
        # The index annotations_in_story_order serves this ORDER BY; the
        # unplaced (orphans and links, start NULL) come first on SQLite and
        # last on PostgreSQL, and are moved to the end here.
        found = self._select(where, params, order=' ORDER BY start, "end" DESC, seq')
        if found and (found[0].start is None or found[-1].start is None):
            found = [a for a in found if a.start is not None] + [
                a for a in found if a.start is None
            ]
        return found

    def readers(self, story: str | None = None) -> list[str]:
        """The names of everyone who annotated (a story), as far as the acting user can see."""
        where, params = self._where(
            ["story = ?"] if story else [], [story] if story else [], visible=True
        )
        return sorted(
            r[0] for r in self._read(f"SELECT DISTINCT creator FROM annotations{where}", params)
        )

    def count(self, story: str | None = None) -> int:
        """How many annotations the store holds (for a story) that the acting user can see."""
        where, params = self._where(
            ["story = ?"] if story else [], [story] if story else [], visible=True
        )
        return int(self._read(f"SELECT COUNT(*) FROM annotations{where}", params)[0][0])

    def _where(
        self, where: list[str], params: list[Any], *, visible: bool
    ) -> tuple[str, list[Any]]:
        where, params = list(where), list(params)
        if visible:
            sql, extra = self._visible_sql()
            if sql:
                where.append(sql)
                params.extend(extra)
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def _select(
        self, where: list[str], params: list[Any], *, visible: bool = True, order: str = ""
    ) -> list[Annotation]:
        clause, params = self._where(where, params, visible=visible)
        with collector_paused():
            rows = self._read(f"SELECT {COLUMNS} FROM annotations{clause}{order}", params)
            return [from_row(r) for r in rows]
