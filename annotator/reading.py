"""A reading: one reader's session with one story and a store.

The operations a reader performs (annotate, edit, delete, link, undo) with
every check in one place, so that the Reader widget, the notebooks and the
CLI behave the same. Each change is written to the store at once; undo
restores the state before the last change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .annotation import Annotation, check_audience, make_annotation, make_link, motivation_for
from .errors import AnnotationError, NotFoundError, PermissionDeniedError
from .store import Store
from .story import Story
from .tropes import Vocabulary, default_vocabulary

UNDO_DEPTH = 100


@dataclass(frozen=True)
class _Undo:
    label: str
    restore: tuple[Annotation, ...]  # put these back as they were
    remove: tuple[str, ...]  # delete these ids


class Reading:
    """One reader, one story, one store.

    Args:
        story: the story being read.
        store: where annotations live.
        reader: the reader's name (the creator of what they add).
        vocabulary: the trope vocabulary; the shipped one by default.
    """

    def __init__(self, story: Story, store: Store, reader: str, vocabulary: Vocabulary | None = None) -> None:
        if not isinstance(reader, str) or not reader.strip():
            raise AnnotationError("a reading needs a reader name: Reader(story, reader='your name')")
        acting = getattr(store, "user", None)
        if acting is not None and reader.strip() != acting:
            raise PermissionDeniedError(
                f"this store is open for {acting!r}, so {reader.strip()!r} cannot read and annotate "
                f"with it: open the store as {reader.strip()!r}, or read as {acting!r}"
            )
        self.story = story
        self.store = store
        self.reader = reader.strip()
        self.vocabulary = vocabulary or default_vocabulary()
        self._undo: list[_Undo] = []
        if story.id not in {s["id"] for s in store.stories()}:
            store.register_story(story.id, story.version, story.title)

    # -- reading ------------------------------------------------------------------
    def annotations(self, *, creator: str | Iterable[str] | None = None) -> list[Annotation]:
        """Every annotation of the story, in story order (links last)."""
        return self.store.annotations(self.story.id, creator=creator)

    def _tropes(self, tropes: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.vocabulary.resolve(t).id for t in tropes))

    def _own(self, annotation_id: str) -> Annotation:
        a = self.store.get(annotation_id)
        if a.story != self.story.id:
            raise NotFoundError(f"annotation {annotation_id!r} belongs to story {a.story!r}, not {self.story.id!r}")
        return a

    # -- changing -----------------------------------------------------------------
    def annotate(
        self,
        start: int,
        end: int,
        *,
        tropes: Iterable[str] = (),
        note: str = "",
        colour: str | None = None,
        extra: dict[str, Any] | None = None,
        audience: str = "public",
    ) -> Annotation:
        """Annotate ``text[start:end]`` and save it.

        ``extra`` holds W3C fields we do not model, written back on export
        (for example ``annotator:acceptedFrom`` for an accepted suggestion).
        ``audience`` is who may see it in a shared store: ``public``,
        ``private`` or ``group:<name>``.

        Raises:
            SpanError: empty, reversed or out-of-range span.
            UnknownTropeError: a trope not in the vocabulary (with suggestions).
            AnnotationError: nothing to say, a bad colour or note.
        """
        start, end = self.story.check_span(start, end)
        a = make_annotation(
            self.story.text, self.story.id, start, end, creator=self.reader,
            tropes=self._tropes(tropes), note=note.strip(), colour=colour,
            story_version=self.story.version,
        )  # fmt: skip
        if extra:
            a = replace(a, extra=dict(extra))
        if audience != "public":
            a = replace(a, audience=check_audience(audience))
        self.store.add(a)
        self._push(_Undo("add", (), (a.id,)))
        return a

    def edit(
        self,
        annotation_id: str,
        *,
        tropes: Iterable[str] | None = None,
        note: str | None = None,
        colour: str | None | Any = ...,
        audience: str | None = None,
    ) -> Annotation:
        """Change an annotation's tropes, note, colour or audience.

        Raises:
            NotFoundError, UnknownTropeError, AnnotationError,
            PermissionDeniedError (in a shared store: someone else's).
        """
        old = self._own(annotation_id)
        changes: dict[str, Any] = {}
        if tropes is not None:
            changes["tropes"] = self._tropes(tropes)
        if note is not None:
            changes["note"] = note.strip()
        if colour is not ...:
            changes["colour"] = colour or None
        if audience is not None:
            changes["audience"] = check_audience(audience)
        if not old.is_link:
            changes["motivation"] = motivation_for(
                changes.get("tropes", old.tropes), changes.get("note", old.note), changes.get("colour", old.colour)
            )
        new = old.with_changes(**changes)
        self.store.update(new)
        self._push(_Undo("edit", (old,), ()))
        return new

    def delete(self, annotation_id: str) -> list[Annotation]:
        """Delete an annotation (and links to it); undo brings them back."""
        self._own(annotation_id)
        gone = self.store.delete(annotation_id)
        self._push(_Undo("delete", tuple(gone), ()))
        return gone

    def link(self, source_id: str, target_id: str, note: str = "") -> Annotation:
        """Link a set-up (``source_id``) to its payoff (``target_id``)."""
        self._own(source_id)
        self._own(target_id)
        link = make_link(self.story.id, source_id, target_id, creator=self.reader, note=note.strip())
        self.store.add(link)
        self._push(_Undo("link", (), (link.id,)))
        return link

    def links_of(self, annotation_id: str) -> list[tuple[str, Annotation]]:
        """``("to"|"from", other annotation)`` for every link touching an annotation."""
        found: list[tuple[str, Annotation]] = []
        by_id = {a.id: a for a in self.annotations()}
        for a in by_id.values():
            if not a.is_link:
                continue
            if a.target_ref == annotation_id:
                found.extend(("to", by_id[i]) for i in a.links if i in by_id)
            elif annotation_id in a.links and a.target_ref in by_id:
                found.append(("from", by_id[a.target_ref]))
        return found

    # -- undo -----------------------------------------------------------------------
    def _push(self, step: _Undo) -> None:
        self._undo.append(step)
        del self._undo[:-UNDO_DEPTH]

    @property
    def can_undo(self) -> str | None:
        """The label of the change undo would revert, or ``None``."""
        return self._undo[-1].label if self._undo else None

    def undo(self) -> str | None:
        """Revert the last change; returns its label, or ``None`` when there is none."""
        if not self._undo:
            return None
        step = self._undo.pop()
        for ident in step.remove:
            try:
                self.store.delete(ident)
            except NotFoundError:
                pass  # someone else deleted it already
        existing = {a.id for a in self.annotations()}
        back = [a for a in step.restore if a.id not in existing]
        if back:
            self.store.add_many(back, on_conflict="skip")
        for a in step.restore:
            if a.id in existing:
                self.store.update(a)
        return step.label
