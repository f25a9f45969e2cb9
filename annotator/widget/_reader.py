# The Reader widget: the text surface (anywidget) composed with a few standard
# ipywidgets controls, and a Python API that mirrors what the page can do.
#
# Every operation goes through annotator.reading.Reading, which owns all the
# checks; this module only translates page messages into those calls and
# store changes into deltas for the page.
"""Reader: read a story in JupyterLab, select passages, tag tropes, add notes."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import traitlets

from ..annotation import MAX_NAME, Annotation
from ..errors import AnnotationError, AnnotatorError
from ..library import load_story, open_store
from ..reading import Reading
from ..store import Store, default_target, is_url
from ..story import Story
from ..tropes import Vocabulary
from ._messages import PageMessages, plain
from ._protocol import WireStory, annotation_payload
from ._surface import DEFAULT_HEIGHT, ReaderSurface
from ._sync import Delta, StoreWatcher

log = logging.getLogger("annotator.widget")

ChangeCallback = Callable[[dict[str, Any]], None]
_UNSET: Any = object()


class Reader(PageMessages, widgets.VBox):
    """Read a story as a book page and annotate it.

    Args:
        story: a :class:`~annotator.story.Story` or the id of a shipped story.
        reader: your name; what you add is yours ("mine").
        db: the store: a path, an open :class:`~annotator.store.Store`, or
            ``None`` for the default (``$ANNOTATOR_DB`` or the user data folder).
            A new store starts with the shipped readings.
        vocabulary: the trope vocabulary; the shipped one by default.
        show: ``"everyone"`` or ``"mine"``: whose annotations to show.
        height: CSS height of the reading pane, e.g. ``"600px"``.
        watch: follow changes made by other programs (the CLI, another
            notebook) as the store announces them; ``False`` leaves that to
            :meth:`refresh`.

    Raises:
        StoryError: an unknown story id.
        AnnotationError: an empty or overlong reader name.
        StoreError: the store cannot be opened.
    """

    selection = traitlets.Dict(default_value=None, allow_none=True)
    """The span last selected in the page: ``{"start", "end", "exact"}`` or ``None``."""

    def __init__(
        self,
        story: Story | str = "one-dance",
        reader: str = "reader",
        db: str | os.PathLike[str] | Store | None = None,
        *,
        vocabulary: Vocabulary | None = None,
        show: str = "everyone",
        height: str | None = None,
        watch: bool = True,
        **kwargs: Any,
    ) -> None:
        story_obj = story if isinstance(story, Story) else load_story(story)
        name = _check_name(reader)
        if show not in ("everyone", "mine"):
            raise AnnotationError(f"show must be 'everyone' or 'mine', not {show!r}")
        owns_store = not isinstance(db, Store)
        store = _acquire_store(db) if owns_store else db
        try:
            self.reading = Reading(story_obj, store, name, vocabulary)
        except BaseException:
            if owns_store:
                _release_store(store)
            raise
        self._owns_store = owns_store
        self._callbacks: list[ChangeCallback] = []
        self._story_payload: WireStory | None = None
        self._closed = False
        self.surface = ReaderSurface(
            story_id=story_obj.id,
            reader=name,
            show=show,
            height=height or DEFAULT_HEIGHT,
        )
        self._build_controls()
        super().__init__(children=[self._controls, self.surface], **kwargs)
        self.add_class("annotator-reader")
        self.surface.on_msg(self._on_msg)
        self._watcher = StoreWatcher(store, story_obj.id, self._emit, external=watch)

    # -- the controls (standard ipywidgets) -------------------------------------------
    def _build_controls(self) -> None:
        vocab = self.reading.vocabulary
        self._name_box = widgets.Text(
            value=self.reading.reader,
            description="Reader",
            placeholder="your name",
            continuous_update=False,
            layout=widgets.Layout(width="15em"),
        )
        self._name_box.add_class("annotator-reader-name")
        self._show_toggle = widgets.ToggleButtons(
            options=[("Everyone", "everyone"), ("Mine", "mine")],
            value=self.surface.show,
            tooltips=["Show everyone's annotations", "Show only yours"],
            style=widgets.ToggleButtonsStyle(button_width="6.5em"),
        )
        self._show_toggle.add_class("annotator-show")
        self._trope_menu = widgets.Dropdown(
            options=[("All tropes", "")] + [(t.label, t.id) for t in vocab],
            value="",
            description="Trope",
            layout=widgets.Layout(width="17em"),
        )
        self._trope_menu.add_class("annotator-trope-filter")
        self._undo_button = widgets.Button(
            description="Undo",
            icon="rotate-left",
            disabled=True,
            tooltip="Undo your last change (Ctrl+Z in the page)",
            layout=widgets.Layout(width="auto"),
        )
        self._undo_button.add_class("annotator-undo")
        self._message = widgets.Label(value="")
        self._message.add_class("annotator-message")
        self._controls = widgets.HBox(
            [self._name_box, self._show_toggle, self._trope_menu, self._undo_button, self._message],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )
        self._controls.add_class("annotator-controls")
        widgets.link((self._show_toggle, "value"), (self.surface, "show"))
        widgets.link((self._trope_menu, "value"), (self.surface, "trope_filter"))
        self._name_box.observe(self._on_name_box, "value")
        self._undo_button.on_click(lambda _button: self._undo_from_button())

    def _on_name_box(self, change: dict[str, Any]) -> None:
        if isinstance(change["new"], str) and change["new"].strip() == self.reading.reader:
            return  # our own revert, or only white space changed
        try:
            self.reader = change["new"]
            self._message.value = ""
        except AnnotationError as e:
            self._message.value = plain(e)
            self._name_box.value = self.reading.reader

    def _undo_from_button(self) -> None:
        try:
            self.undo()
        except AnnotatorError as e:
            self._message.value = plain(e)

    # -- view state ---------------------------------------------------------------------
    @property
    def story(self) -> Story:
        """The story being read."""
        return self.reading.story

    @property
    def store(self) -> Store:
        """The store annotations are saved to."""
        return self.reading.store

    @property
    def reader(self) -> str:
        """Your name: the creator of what you add, and who "mine" means."""
        return self.reading.reader

    @reader.setter
    def reader(self, name: str) -> None:
        name = _check_name(name)
        self.reading.reader = name
        self.surface.reader = name
        if self._name_box.value != name:
            self._name_box.value = name

    @property
    def show(self) -> str:
        """Whose annotations are shown: ``"everyone"`` or ``"mine"``."""
        return self.surface.show

    @show.setter
    def show(self, value: str) -> None:
        if value not in ("everyone", "mine"):
            raise AnnotationError(f"show must be 'everyone' or 'mine', not {value!r}")
        self.surface.show = value

    @property
    def trope_filter(self) -> str | None:
        """Show only annotations with this trope (an id), or ``None`` for all."""
        return self.surface.trope_filter or None

    @trope_filter.setter
    def trope_filter(self, trope: str | None) -> None:
        self.surface.trope_filter = self.reading.vocabulary.resolve(trope).id if trope else ""

    @property
    def hidden_tropes(self) -> list[str]:
        """Trope ids switched off in the legend."""
        return list(self.surface.hidden_tropes)

    @hidden_tropes.setter
    def hidden_tropes(self, tropes: Iterable[str]) -> None:
        self.surface.hidden_tropes = [
            self.reading.vocabulary.resolve(t).id if t else "" for t in tropes
        ]

    # -- the Python API (mirrors the page) ------------------------------------------------
    @property
    def annotations(self) -> list[Annotation]:
        """Every annotation of the story, in story order (links last)."""
        return self.reading.annotations()

    def annotate(
        self,
        start: int,
        end: int,
        tropes: Iterable[str] = (),
        note: str = "",
        colour: str | None = None,
    ) -> Annotation:
        """Annotate ``story.text[start:end]`` and save it; the page shows it at once.

        Raises:
            SpanError, UnknownTropeError, AnnotationError: see :meth:`Reading.annotate`.
        """
        if isinstance(tropes, str):
            tropes = [tropes]
        a = self.reading.annotate(start, end, tropes=tropes, note=note, colour=colour)
        self._after_change()
        return a

    def edit(
        self,
        annotation_id: str,
        *,
        tropes: Iterable[str] | None = None,
        note: str | None = None,
        colour: str | None | Any = _UNSET,
    ) -> Annotation:
        """Change an annotation's tropes, note or colour (see :meth:`Reading.edit`)."""
        if isinstance(tropes, str):
            tropes = [tropes]
        kwargs: dict[str, Any] = {"tropes": tropes, "note": note}
        if colour is not _UNSET:
            kwargs["colour"] = colour
        a = self.reading.edit(annotation_id, **kwargs)
        self._after_change()
        return a

    def delete(self, annotation_id: str) -> list[Annotation]:
        """Delete an annotation and the links to it; :meth:`undo` brings them back."""
        gone = self.reading.delete(annotation_id)
        self._after_change()
        return gone

    def link(self, source_id: str, target_id: str, note: str = "") -> Annotation:
        """Link a set-up (``source_id``) to its payoff (``target_id``)."""
        a = self.reading.link(source_id, target_id, note=note)
        self._after_change()
        return a

    def links_of(self, annotation_id: str) -> list[tuple[str, Annotation]]:
        """``("to"|"from", other annotation)`` for every link touching an annotation."""
        return self.reading.links_of(annotation_id)

    def undo(self) -> str | None:
        """Revert your last change; returns what was undone (``"add"``...), or ``None``."""
        label = self.reading.undo()
        self._after_change()
        return label

    def scroll_to(self, annotation: Annotation | str) -> None:
        """Scroll the page to an annotation and flash it."""
        ident = annotation.id if isinstance(annotation, Annotation) else str(annotation)
        self.surface.send({"type": "focus", "id": ident})

    def on_change(self, callback: ChangeCallback) -> Callable[[], None]:
        """Call ``callback(change)`` after every change to the story's annotations.

        ``change`` is ``{"kind": "add"|"update"|"delete", "ids": [...],
        "annotations": [Annotation, ...]}`` (no annotations for deletes).
        Changes made by other programs arrive within about a second (in a
        kernel, between cells; elsewhere from the store's watcher thread).
        Returns an unsubscribe function.
        """
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def refresh(self) -> bool:
        """Pick up changes made by other programs now; returns whether there were any."""
        return self._watcher.refresh()

    def close(self) -> None:
        """Stop syncing, close the widgets and (if the Reader opened it) the store."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        self._watcher.close()
        for w in (self._name_box, self._show_toggle, self._trope_menu, self._undo_button,
                  self._message, self._controls, self.surface):  # fmt: skip
            w.close()
        super().close()
        if self._owns_store:
            _release_store(self.reading.store)

    def __repr__(self) -> str:
        try:
            n = len([a for a in self.reading.annotations() if not a.is_link])
        except AnnotatorError:
            n = "?"
        return f"<Reader {self.story.id!r} for {self.reader!r}: {n} annotations>"

    # -- plumbing ------------------------------------------------------------------------
    def _after_change(self) -> None:
        label = self.reading.can_undo or ""
        self.surface.can_undo = label
        self._undo_button.disabled = not label
        self._undo_button.tooltip = (
            f"Undo your last change: {label} (Ctrl+Z in the page)" if label else "Nothing to undo"
        )

    def _emit(self, delta: Delta) -> None:
        if delta.kind == "delete":
            self.surface.send({"type": "remove", "ids": delta.ids})
        else:
            self.surface.send(
                {
                    "type": "upsert",
                    "annotations": [annotation_payload(a) for a in delta.annotations],
                }
            )
        change = {
            "kind": delta.kind,
            "ids": list(delta.ids),
            "annotations": list(delta.annotations),
        }
        for callback in list(self._callbacks):
            try:
                callback(change)
            except Exception:
                log.exception("annotator: an on_change callback failed")


# -- helpers ----------------------------------------------------------------------------

# Readers that open a store by path share it (one connection and one watcher
# thread per database, however often the Reader cell is run); the last one
# to close closes it.
_stores: dict[str, list[Any]] = {}  # key -> [store, number of readers]
_stores_lock = threading.Lock()


def _store_key(db: str | os.PathLike[str] | None) -> str | None:
    target = default_target() if db is None else db
    if is_url(target):
        return str(target)
    if str(target) == ":memory:":
        return None  # private by definition
    return str(Path(target).expanduser().resolve())


def _acquire_store(db: str | os.PathLike[str] | None) -> Store:
    key = _store_key(db)
    with _stores_lock:
        entry = _stores.get(key) if key else None
        if entry is not None and not getattr(entry[0], "_closed", False):
            entry[1] += 1
            return entry[0]
        store = open_store(db)
        if key:
            _stores[key] = [store, 1]
        return store


def _release_store(store: Store) -> None:
    with _stores_lock:
        for key, entry in list(_stores.items()):
            if entry[0] is store:
                entry[1] -= 1
                if entry[1] > 0:
                    return
                del _stores[key]
                break
    store.close()


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise AnnotationError("a reader needs a name: Reader(story, reader='your name')")
    name = name.strip()
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise AnnotationError(
            f"reader name {name[:40]!r} is too long or has control characters: "
            f"use at most {MAX_NAME} ordinary characters"
        )
    return name
