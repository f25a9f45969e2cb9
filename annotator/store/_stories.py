# The story library and suggestion dismissals, for both backends. Stories are
# shared by everyone using the store (any user may register or import one);
# dismissals are a reader's own, so a store opened for a user touches only
# that user's.
"""Stories, imported story texts, and suggestion dismissals of a :class:`~annotator.store.Store`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..annotation import Annotation, now
from ._annotations import AnnotationsMixin


class StoriesMixin(AnnotationsMixin):
    """The stories in the store, their texts and versions, and dismissals."""

    # -- stories ----------------------------------------------------------------
    def register_story(self, story_id: str, version: str, title: str) -> None:
        """Record a story (or a new version of it) in the store."""
        with self._write("save the story in"):
            self._execute(
                "INSERT INTO stories (id, version, title, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title",
                (story_id, version, title, now()),
            )

    def stories(self) -> list[dict[str, str]]:
        """The stories recorded in the store."""
        rows = sorted(self._read("SELECT id, version, title, added FROM stories"))
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

        ``reanchor`` receives the story's annotations (everyone's: moving them
        to the new text is not editing them), read inside the same
        transaction, and returns the ones it changed, which are written there
        too: the story and its annotations never disagree.

        Returns:
            The annotations rewritten.

        Raises:
            StoreError: the write failed; nothing was written.
        """
        changed: list[Annotation] = []
        # Exclusive: no reader's edit may slip between the re-anchoring's read and its write.
        with self._write("save the story in", exclusive=True) as tx:
            self._execute(
                "INSERT INTO story_versions (story, version, text, metadata, chapters, source, imported) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story, version) DO UPDATE SET "
                "metadata = excluded.metadata, chapters = excluded.chapters, source = excluded.source",
                (story_id, version, text, json.dumps(metadata, ensure_ascii=False),
                 json.dumps(chapters or []), source, now()),
            )  # fmt: skip
            self._execute(
                "INSERT INTO stories (id, version, title, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title",
                (story_id, version, title, now()),
            )
            if reanchor is not None:
                changed = list(reanchor(self._select(["story = ?"], [story_id], visible=False)))
                for a in changed:
                    self._replace(a)
            tx.changed("update", changed)
        return changed

    def story_text(self, story_id: str, version: str | None = None) -> dict[str, Any] | None:
        """An imported story: its current version's text, or the version asked for.

        Returns:
            ``{"id", "version", "text", "metadata", "chapters", "source", "imported"}``,
            or ``None`` when the store holds no text for it (a shipped story, an unknown id).
        """
        rows = self._read(
            "SELECT v.version, v.text, v.metadata, v.chapters, v.source, v.imported, "
            "CASE WHEN v.version = s.version THEN 1 ELSE 0 END AS current_version "
            "FROM story_versions v LEFT JOIN stories s ON s.id = v.story WHERE v.story = ? "
            + ("AND v.version = ? " if version else "")
            + f"ORDER BY current_version DESC, v.imported DESC, v.{self._ROWID} DESC LIMIT 1",
            [story_id, version] if version else [story_id],
        )
        if not rows:
            return None
        ver, text, metadata, chapters, source, imported, _ = rows[0]
        return {
            "id": story_id, "version": ver, "text": text, "metadata": json.loads(metadata),
            "chapters": [tuple(c) for c in json.loads(chapters)] or None, "source": source,
            "imported": imported,
        }  # fmt: skip

    def story_versions(self, story_id: str) -> list[dict[str, Any]]:
        """Every stored version of an imported story, oldest first (no texts)."""
        rows = self._read(
            "SELECT v.version, v.source, v.imported, CASE WHEN v.version = s.version THEN 1 ELSE 0 END "
            "FROM story_versions v LEFT JOIN stories s ON s.id = v.story WHERE v.story = ? "
            f"ORDER BY v.imported, v.{self._ROWID}",
            [story_id],
        )
        return [
            {"version": v, "source": src, "imported": when, "current": bool(cur)}
            for v, src, when, cur in rows
        ]

    def imported_stories(self) -> list[dict[str, Any]]:
        """The stories whose texts the store holds.

        Returns:
            ``{"id", "title", "version", "imported", "source"}`` for each, by id.
        """
        rows = sorted(
            self._read(
                "SELECT v.story, COALESCE(s.title, v.story), v.version, v.imported, v.source "
                "FROM story_versions v LEFT JOIN stories s ON s.id = v.story "
                "WHERE v.version = s.version OR s.id IS NULL"
            ),
            key=lambda r: r[0],
        )
        keys = ("id", "title", "version", "imported", "source")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- suggestion dismissals ---------------------------------------------------
    def add_dismissal(self, dismissal: Any) -> None:
        """Remember that a reader dismissed a suggested trope on a paragraph (idempotent).

        Raises:
            PermissionDeniedError: the store is open for another reader.
        """
        d = dismissal
        self._check_reader(d.reader, "save")
        with self._write("save the dismissal in"):
            self._execute(
                "INSERT INTO dismissals (story, reader, paragraph, trope, generator, created) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (d.story, d.reader, d.paragraph, d.trope, d.generator, d.created),
            )

    def dismissals(self, story: str, reader: str) -> list[dict[str, str]]:
        """A reader's dismissals for a story.

        Raises:
            PermissionDeniedError: the store is open for another reader.
        """
        self._check_reader(reader, "read")
        rows = self._read(
            "SELECT story, reader, paragraph, trope, generator, created FROM dismissals "
            "WHERE story = ? AND reader = ? ORDER BY created",
            [story, reader],
        )
        keys = ("story", "reader", "paragraph", "trope", "generator", "created")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def remove_dismissal(self, story: str, reader: str, paragraph: str, trope: str) -> bool:
        """Forget a dismissal; returns whether there was one.

        Raises:
            PermissionDeniedError: the store is open for another reader.
        """
        self._check_reader(reader, "remove")
        with self._write("update"):
            cur = self._execute(
                "DELETE FROM dismissals WHERE story = ? AND reader = ? AND paragraph = ? AND trope = ?",
                (story, reader, paragraph, trope),
            )
        return cur.rowcount > 0
