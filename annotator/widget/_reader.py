# The Reader widget: the text surface (anywidget) composed with a few standard
# ipywidgets controls, and a Python API that mirrors what the page can do.
#
# Every operation goes through annotator.reading.Reading, which owns all the
# checks; this module only translates page messages into those calls and
# store changes into deltas for the page.
"""Reader: read a story in JupyterLab, select passages, tag tropes, add notes."""

from __future__ import annotations

import bisect
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import traitlets

from ..annotation import MAX_NAME, Annotation
from ..errors import AnnotationError, AnnotatorError, NotFoundError
from ..library import load_story, open_store
from ..reading import Reading
from ..store import Store, default_target, is_url
from ..story import Story
from ..tropes import Vocabulary
from ._messages import PageMessages, plain
from ._protocol import WireStory, annotation_payload, hint_payload
from ._surface import DEFAULT_HEIGHT, ReaderSurface
from ._sync import Delta, StoreWatcher, _kernel_loop

if TYPE_CHECKING:
    from ..suggest import Dismissal, Suggestion

log = logging.getLogger("annotator.widget")

ChangeCallback = Callable[[dict[str, Any]], None]
_UNSET: Any = object()


class Reader(PageMessages, widgets.VBox):
    """Read a story as a book page and annotate it.

    Args:
        story: a :class:`~annotator.story.Story` or the id of a shipped story.
        reader: your name; what you add is yours ("mine"). The Reader opens
            its store for you (acting user): you see public annotations, your
            own and your groups', and change only your own.
        db: the store: an SQLite path, a ``postgresql://`` URL (a shared
            store), an open :class:`~annotator.store.Store`, or ``None`` for
            the default (``$ANNOTATOR_DB`` or the user data folder). A new
            store starts with the shipped readings.
        vocabulary: the trope vocabulary; the shipped one by default.
        show: ``"everyone"`` or ``"mine"``: whose annotations to show.
        height: CSS height of the reading pane, e.g. ``"600px"``.
        watch: follow changes made by other programs (the CLI, another
            notebook) as the store announces them; ``False`` leaves that to
            :meth:`refresh`.
        suggestions: show trope suggestions in the gutter from the start
            (the *Suggestions* button; off by default: you read first).

    Raises:
        StoryError: an unknown story id.
        AnnotationError: an empty or overlong reader name.
        StoreError: the store cannot be opened.
        PermissionDeniedError: ``db`` is a store opened for another reader.
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
        suggestions: bool = False,
        **kwargs: Any,
    ) -> None:
        # An imported story lives in the store the Reader is given (not only the default one).
        story_obj = story if isinstance(story, Story) else load_story(story, store=db)
        name = _check_name(reader)
        if show not in ("everyone", "mine"):
            raise AnnotationError(f"show must be 'everyone' or 'mine', not {show!r}")
        owns_store = not isinstance(db, Store)
        store = _acquire_store(db, name) if owns_store else db
        try:
            self.reading = Reading(story_obj, store, name, vocabulary)
        except BaseException:
            if owns_store:
                _release_store(store)
            raise
        self._owns_store = owns_store
        # A store opened by path acts for the reader and is opened again for
        # a new name; ":memory:" is private by definition and stays as it is.
        self._per_reader = owns_store and _store_key(db) is not None
        self._db = db
        self._watch = watch
        self._starts = [p.start for p in story_obj.paragraphs]  # for bisection
        self._callbacks: list[ChangeCallback] = []
        self._story_payload: WireStory | None = None
        self._closed = False
        self._deltas_sent = 0  # the boot snapshot's "rev" (see _protocol.Boot)
        self._boot_ids: list[str] = []
        # Watch first, then take the boot snapshot under the watcher's lock: a
        # write after it is a delta, counted even before the surface exists.
        self._watcher = StoreWatcher(
            store, story_obj.id, self._emit, external=watch, on_reload=self._refresh_groups
        )
        self.surface = ReaderSurface(
            story_id=story_obj.id,
            reader=name,
            show=show,
            height=height or DEFAULT_HEIGHT,
            suggestions=bool(suggestions),
            groups=self._groups(),
            boot=self._boot(),  # in the opening state: no update message after it
        )
        # The controls row starts empty and is filled when the page has drawn
        # the story (its first "booted" or "load"): their ~20 widget models
        # cost ~35 ms of messages in the kernel and as much again in the page
        # before it could draw anything. The row's height is reserved
        # (reader.css), so the text does not move when they arrive.
        self._controls = widgets.HBox(
            [], layout=widgets.Layout(align_items="center", flex_flow="row wrap")
        )
        self._controls.add_class("annotator-controls")
        super().__init__(children=[self._controls, self.surface], **kwargs)
        self.add_class("annotator-reader")
        self.surface.on_msg(self._on_msg)
        if _kernel_loop() is None:
            self._ensure_controls()  # no page will ask: outside a kernel

    # -- the controls (standard ipywidgets) -------------------------------------------
    @property
    def _controls_built(self) -> bool:
        return bool(self._controls.children)

    def _ensure_controls(self) -> None:
        """Build the controls row now if it is not built yet (idempotent)."""
        if self._controls_built or self._closed:
            return
        self._build_controls()
        self._after_change()

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
        options = [("All tropes", "")] + [(t.label, t.id) for t in vocab]
        self._trope_menu = widgets.Dropdown(
            options=options,
            value=self.surface.trope_filter
            if self.surface.trope_filter in {value for _, value in options}
            else "",
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
        self._suggest_button = widgets.ToggleButton(
            value=self.surface.suggestions,
            description="Suggestions",
            icon="lightbulb-o",
            tooltip="Show tropes the suggester proposes, beside the paragraph numbers "
            "(nothing is tagged until you choose Tag)",
            layout=widgets.Layout(width="auto"),
        )
        self._suggest_button.add_class("annotator-suggestions")
        self._message = widgets.Label(value="")
        self._message.add_class("annotator-message")
        self._controls.children = [
            self._name_box, self._show_toggle, self._trope_menu, self._suggest_button,
            self._undo_button, self._message,
        ]  # fmt: skip
        widgets.link((self._show_toggle, "value"), (self.surface, "show"))
        widgets.link((self._trope_menu, "value"), (self.surface, "trope_filter"))
        widgets.link((self._suggest_button, "value"), (self.surface, "suggestions"))
        self._name_box.observe(self._on_name_box, "value")
        self._undo_button.on_click(lambda _button: self._undo_from_button())

    def _on_name_box(self, change: dict[str, Any]) -> None:
        if isinstance(change["new"], str) and change["new"].strip() == self.reading.reader:
            return  # our own revert, or only white space changed
        try:
            self.reader = change["new"]
            self._message.value = ""
        except AnnotatorError as e:  # a bad name, a store that cannot open for it...
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
        self._ensure_controls()
        if name != self.reading.reader:
            self._switch_reader(name)
        if self._name_box.value != name:
            self._name_box.value = name

    def _switch_reader(self, name: str) -> None:
        # The store acts for one reader: open it again for the new one (a
        # Reader given an open store keeps it; one opened for another user
        # refuses). What the new reader may see can differ, so the page gets
        # the difference as deltas, not a reload of the text.
        old = self.reading
        store = _acquire_store(self._db, name) if self._per_reader else old.store
        try:
            reading = Reading(old.story, store, name, old.vocabulary)
        except BaseException:
            if self._per_reader:
                _release_store(store)
            raise
        shown = self._watcher.known()
        self._watcher.close()
        self.reading = reading
        self._watcher = StoreWatcher(
            store, old.story.id, self._emit, external=self._watch, on_reload=self._refresh_groups
        )
        if shown is not None:
            with self._watcher.lock:
                snapshot = reading.annotations()
                self._watcher.seed(snapshot)
                ids = {a.id for a in snapshot}
                gone = [i for i in shown if i not in ids]
                changed = [a for a in snapshot if shown.get(a.id) != a.modified]
                if gone:
                    self.surface.send({"type": "remove", "ids": gone})
                if changed:
                    self.surface.send(
                        {"type": "upsert", "annotations": [annotation_payload(a) for a in changed]}
                    )
        if self._per_reader and store is not old.store:
            _release_store(old.store)
        self._refresh_groups()
        self.surface.reader = name
        self._after_change()

    def _refresh_groups(self) -> None:
        self.surface.groups = self._groups()

    def _groups(self) -> list[str]:
        try:
            return self.reading.store.groups_of(self.reading.reader)
        except AnnotatorError:
            log.exception("annotator: reading the reader's groups failed")
            return []

    @property
    def groups(self) -> list[str]:
        """The groups you belong to: ``audience="group:<name>"`` shares with one."""
        self._refresh_groups()
        return list(self.surface.groups)

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

    @property
    def show_suggestions(self) -> bool:
        """Whether the page shows trope suggestions in the gutter (the *Suggestions* button)."""
        return bool(self.surface.suggestions)

    @show_suggestions.setter
    def show_suggestions(self, value: bool) -> None:
        self.surface.suggestions = bool(value)

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
        audience: str = "public",
    ) -> Annotation:
        """Annotate ``story.text[start:end]`` and save it; the page shows it at once.

        ``audience``: who may see it in a shared store: ``"public"`` (everyone),
        ``"private"`` (only you) or ``"group:<name>"`` (a group you are in).

        Raises:
            SpanError, UnknownTropeError, AnnotationError: see :meth:`Reading.annotate`.
            PermissionDeniedError: a group you are not a member of.
        """
        if isinstance(tropes, str):
            tropes = [tropes]
        a = self.reading.annotate(
            start, end, tropes=tropes, note=note, colour=colour, audience=audience
        )
        self._after_change()
        return a

    def edit(
        self,
        annotation_id: str,
        *,
        tropes: Iterable[str] | None = None,
        note: str | None = None,
        colour: str | None | Any = _UNSET,
        audience: str | None = None,
    ) -> Annotation:
        """Change an annotation's tropes, note, colour or audience (see :meth:`Reading.edit`).

        Raises:
            PermissionDeniedError: someone else's annotation, or a group you are not in.
        """
        if isinstance(tropes, str):
            tropes = [tropes]
        kwargs: dict[str, Any] = {"tropes": tropes, "note": note, "audience": audience}
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

    # -- suggestions ---------------------------------------------------------------------
    @property
    def suggestions(self) -> list[Suggestion]:
        """The current hints: trope suggestions for every paragraph, best first per paragraph.

        At most three a paragraph, without those you dismissed or already
        tagged there (see :func:`annotator.suggest.hints`). Nothing here is
        an annotation until you accept it.
        """
        return self._hints()

    def accept_suggestion(
        self, suggestion: Suggestion | tuple[str, str], *, tropes: Iterable[str] | None = None
    ) -> Annotation:
        """Tag a suggestion's passage: your annotation, marked as accepted from the suggester.

        ``suggestion`` is one of :attr:`suggestions` or a ``(paragraph id,
        trope)`` pair; ``tropes`` replaces the suggested trope if given.
        :meth:`undo` takes it back.

        Raises:
            AnnotationError: that trope is not (or no longer) suggested there.
        """
        from ..suggest import accept

        found = self._current(suggestion)
        a = accept(self.reading, found, tropes=tropes)
        self._after_change()
        self._push_hints([found.paragraph])
        return a

    def dismiss_suggestion(self, suggestion: Suggestion | tuple[str, str]) -> Dismissal:
        """Say "not here": the suggestion stops being shown to you, in this and later sessions."""
        from ..suggest import dismiss

        found = self._current(suggestion)
        d = dismiss(found, self.reader, self.reading.store)
        self._push_hints([found.paragraph])
        return d

    def undismiss_suggestion(self, suggestion: Suggestion | tuple[str, str]) -> bool:
        """Take back a dismissal; returns whether there was one."""
        from ..suggest import Suggestion, undismiss

        paragraph, trope = _key(suggestion)
        self.story.paragraph(paragraph)  # StoryError for an unknown id
        trope = self.reading.vocabulary.resolve(trope).id
        stub = Suggestion(self.story.id, paragraph, 0, 0, trope, 0.0, (), "")
        done = undismiss(stub, self.reader, self.reading.store)
        self._push_hints([paragraph])
        return done

    def _hints(self, paragraphs: Iterable[str] | None = None, top: int | None = 3) -> list[Suggestion]:
        # annotator.suggest.hints, computed for the paragraphs asked about only:
        # it reads just the reader's annotations that overlap them and finds
        # their paragraphs by bisection, so a block of a long novel costs the
        # same as a block of One Dance (the page asks block by block).
        from ..suggest import dismissed, suggest

        story = self.story
        wanted = None if paragraphs is None else [story.paragraph(p) for p in paragraphs]
        lo = min((p.start for p in wanted), default=0) if wanted is not None else None
        hi = max((p.end for p in wanted), default=0) if wanted is not None else None
        gone = dismissed(story.id, self.reader, self.reading.store)
        paras = story.paragraphs
        starts = self._starts
        tagged: set[tuple[str, str]] = set()
        for a in self.reading.store.annotations(
            story.id, creator=self.reader, start=lo, end=hi, links=False
        ):
            if a.start is None or a.end is None or not a.tropes:
                continue
            i = max(0, bisect.bisect_right(starts, a.start) - 1)
            while i < len(paras) and paras[i].start < a.end:
                if a.start < paras[i].end:
                    tagged.update((paras[i].id, t) for t in a.tropes)
                i += 1
        found = suggest(story, wanted, top=None, vocabulary=self.reading.vocabulary)
        kept: list[Suggestion] = []
        per_paragraph: dict[str, int] = {}
        for s in found:
            if s.key in gone or s.key in tagged:
                continue
            if top is not None and per_paragraph.get(s.paragraph, 0) >= top:
                continue
            per_paragraph[s.paragraph] = per_paragraph.get(s.paragraph, 0) + 1
            kept.append(s)
        return kept

    def _current(self, suggestion: Suggestion | tuple[str, str]) -> Suggestion:
        paragraph, trope = _key(suggestion)
        number = self.story.paragraph(paragraph).number
        trope = self.reading.vocabulary.resolve(trope).id
        for s in self._hints([paragraph], top=None):
            if s.trope == trope:
                return s
        raise AnnotationError(
            f"{trope!r} is not suggested for paragraph {number if number is not None else paragraph} "
            "any more (you tagged or dismissed it already)"
        )

    def _push_hints(self, paragraphs: list[str] | None, *, force: bool = False) -> int:
        """Send the page the hints of these paragraphs (all when ``None``); returns how many."""
        if not (force or self.surface.suggestions):
            return 0
        found = self._hints(paragraphs)
        ids = [p.id for p in self.story.body_paragraphs] if paragraphs is None else list(paragraphs)
        self.surface.send(
            {"type": "hints", "paragraphs": ids, "hints": [hint_payload(s) for s in found]}
        )
        return len(found)

    def _visible(self, annotation_id: str) -> bool:
        try:
            self.reading.store.get(annotation_id)
        except NotFoundError:
            return False
        return True

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
        for w in (*self._controls.children, self._controls, self.surface):
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
        if not self._controls_built:
            return  # _ensure_controls calls this again
        self._undo_button.disabled = not label
        self._undo_button.tooltip = (
            f"Undo your last change: {label} (Ctrl+Z in the page)" if label else "Nothing to undo"
        )

    def _emit(self, delta: Delta) -> None:
        self._deltas_sent += 1
        if "surface" not in self.__dict__:
            return  # written before the surface existed: "booted" will resync
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
# thread per database and reader, however often the Reader cell is run); the
# last one to close closes it. The store acts for its reader, so readers of
# different names have their own connections.
_stores: dict[tuple[str, str], list[Any]] = {}  # (db, reader) -> [store, number of readers]
_stores_lock = threading.Lock()


def _store_key(db: str | os.PathLike[str] | None) -> str | None:
    target = default_target() if db is None else db
    if is_url(target):
        return str(target)
    if str(target) == ":memory:":
        return None  # private by definition
    return str(Path(target).expanduser().resolve())


def _acquire_store(db: str | os.PathLike[str] | None, user: str) -> Store:
    path = _store_key(db)
    key = (path, user) if path else None
    with _stores_lock:
        entry = _stores.get(key) if key else None
        if entry is not None and not getattr(entry[0], "_closed", False):
            entry[1] += 1
            return entry[0]
        store = open_store(db, user=user if key else None)  # ":memory:" is private anyway
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


def _key(suggestion: Any) -> tuple[str, str]:
    if isinstance(suggestion, tuple) and len(suggestion) == 2:
        paragraph, trope = suggestion
    elif isinstance(suggestion, dict):
        paragraph, trope = suggestion.get("paragraph"), suggestion.get("trope")
    else:
        paragraph, trope = getattr(suggestion, "paragraph", None), getattr(suggestion, "trope", None)
    if not isinstance(paragraph, str) or not isinstance(trope, str):
        raise AnnotationError(
            "give a suggestion from reader.suggestions, or a (paragraph id, trope) pair"
        )
    return paragraph, trope


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
