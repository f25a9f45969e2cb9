# The page's requests, answered: the one place where messages from reader.js
# become calls on the Reader (and so on annotator.reading.Reading), and where
# every error becomes an acknowledgement in plain words. The message shapes
# are in _protocol.py.
"""PageMessages: the Reader's handler for messages from the page."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import (
    AnnotationError,
    AnnotatorError,
    NotFoundError,
    PermissionDeniedError,
    SpanError,
    UnknownTropeError,
)
from ..story import Story
from ._protocol import (
    Ack,
    Boot,
    Selection,
    WireStory,
    annotation_payload,
    story_payload,
    tropes_payload,
)

if TYPE_CHECKING:
    from ._reader import Reader

log = logging.getLogger("annotator.widget")

#: Stories with more paragraphs than this load text first, annotations after.
SPLIT_LOAD_PARAGRAPHS = 1500
#: A story with at most this many paragraphs and annotations is drawn from the
#: surface's opening state (the ``boot`` trait) with no load round trip: the
#: page can draw as soon as its view exists. Bigger ones would make the opening
#: message too big to be worth it; they load by request, text first.
BOOT_PARAGRAPHS = SPLIT_LOAD_PARAGRAPHS
BOOT_ANNOTATIONS = 4000
#: A split load goes in messages of about this many bytes of JSON: the page
#: parses each message in one task, and a novel's 5 MB of text (or 6 MB of
#: annotations) in one message was a long task of 140-600 ms.
LOAD_CHUNK_BYTES = 400_000


class PageMessages:
    """Mixed into :class:`~annotator.widget.Reader`: ``_on_msg``, one ``_msg_<type>`` a request."""

    def _ack(
        self: Reader, request: str, ok: bool, *, error: str | None = None, **extra: Any
    ) -> None:
        msg: Ack = {"type": "ack", "request": request, "ok": ok, "error": error}
        msg.update(extra)  # type: ignore[typeddict-item]
        self.surface.send(msg)

    def _on_msg(self: Reader, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """Handle one message from the page (tests call this directly)."""
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        request = str(content.get("request", ""))
        handler = getattr(self, f"_msg_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            self._ack(request, False, error=f"The page sent an unknown request {kind!r}.")
            return
        try:
            result = handler(content)
        except UnknownTropeError as e:
            self._ack(request, False, error=plain(e), suggestions=e.suggestions)
        except AnnotatorError as e:
            self._ack(request, False, error=plain(e))
        except Exception as e:  # never leave the page waiting
            log.exception("annotator: handling %r failed", kind)
            self._ack(
                request, False, error=f"Something went wrong in Python ({type(e).__name__}: {e})."
            )
        else:
            if kind != "load":
                self._ack(request, True, result=result)

    def _boot(self: Reader) -> bytes:
        """A small story's first load, as JSON for the surface's opening state (see ``Boot``).

        Sent as one binary buffer: ipywidgets passes bytes through without
        walking or re-encoding them, which for 1,000 annotations saves ~15 ms
        of the kernel's time before the page can draw. ``b""`` for a big story.
        """
        if len(self.story.paragraphs) > BOOT_PARAGRAPHS:
            return b""
        with self._watcher.lock:  # the snapshot and the delta count must agree
            snapshot = self.reading.annotations()
            if len(snapshot) > BOOT_ANNOTATIONS:
                return b""
            self._watcher.seed(snapshot)
            self._boot_ids = [a.id for a in snapshot]
            self._story_payload = cached_story_payload(self.story)
            boot: Boot = {
                "story": self._story_payload,
                "tropes": tropes_payload(self.reading.vocabulary),
                "annotations": [annotation_payload(a) for a in snapshot],
                "rev": self._deltas_sent,
            }
        return json.dumps(boot, ensure_ascii=False, separators=(",", ":")).encode()

    def _msg_booted(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        # The view drew the boot snapshot. Later views must ask for a fresh
        # one; and deltas sent before this view listened were lost to it, so
        # if there were any, send the difference (upserts are idempotent).
        self.surface.boot = b""
        self._ensure_controls()  # the page is drawn: now the controls row
        rev = content.get("rev")
        if rev == self._deltas_sent:
            return {"resynced": False}
        with self._watcher.lock:
            snapshot = self.reading.annotations()
            self._watcher.seed(snapshot)
            ids = {a.id for a in snapshot}
            gone = [i for i in self._boot_ids if i not in ids]
            if gone:
                self.surface.send({"type": "remove", "ids": gone})
            self.surface.send(
                {"type": "upsert", "annotations": [annotation_payload(a) for a in snapshot]}
            )
        return {"resynced": True}

    def _msg_load(self: Reader, content: dict[str, Any]) -> None:
        self._ensure_controls()
        if self._story_payload is None:
            self._story_payload = cached_story_payload(self.story)
        request = str(content.get("request", ""))
        # A big story goes first, alone, so the page paints text while we read
        # the annotations; both in messages of about LOAD_CHUNK_BYTES: the
        # text as the load reply plus ``load-part``s, the annotations as
        # upserts (``more`` on all but the last).
        split = len(self.story.paragraphs) > SPLIT_LOAD_PARAGRAPHS
        with self._watcher.lock:  # no delta may slip between snapshot and reply
            reply: dict[str, Any] = {
                "type": "load",
                "request": request,
                "story": self._story_payload,
                "tropes": tropes_payload(self.reading.vocabulary),
                "annotations": [],
                "more": split,
            }
            if split:
                parts = chunked(self._story_payload["paragraphs"], _paragraph_bytes)
                reply["story"] = {**self._story_payload, "paragraphs": parts[0]}
                reply["parts"] = len(parts)
                self.surface.send(reply)
                for part in parts[1:]:
                    self.surface.send({"type": "load-part", "request": request, "paragraphs": part})
            self._refresh_groups()
            snapshot = self.reading.annotations()
            self._watcher.seed(snapshot)
            annotations = [annotation_payload(a) for a in snapshot]
            if split:
                chunks = chunked(annotations, _annotation_bytes)
                for i, chunk in enumerate(chunks):
                    self.surface.send(
                        {"type": "upsert", "annotations": chunk, "more": i < len(chunks) - 1}
                    )
            else:
                reply["annotations"] = annotations
                self.surface.send(reply)

    def _msg_select(self: Reader, content: dict[str, Any]) -> Selection | None:
        if content.get("start") is None and content.get("end") is None:
            self.selection = None
            return None
        selection = self._verified_span(content)
        self.selection = dict(selection)
        return selection

    def _msg_annotate(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        span = self._verified_span(content)
        a = self.annotate(
            span["start"], span["end"],
            tropes=_strings(content.get("tropes", []), "tropes"),
            note=_string(content.get("note", ""), "note"),
            colour=_colour(content.get("colour")),
            audience=self._audience_choice(content.get("audience") or "public"),
        )  # fmt: skip
        return {"id": a.id}

    def _msg_edit(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if "tropes" in content:
            kwargs["tropes"] = _strings(content["tropes"], "tropes")
        if "note" in content:
            kwargs["note"] = _string(content["note"], "note")
        if "colour" in content:
            kwargs["colour"] = _colour(content["colour"])
        if content.get("audience") is not None:
            kwargs["audience"] = self._audience_choice(content["audience"])
        ident = _string(content.get("id"), "id")
        with self._gone_if_missing(ident):
            self._own_for_page(ident, "edit")
            a = self.edit(ident, **kwargs)
        return {"id": a.id}

    def _msg_delete(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        ident = _string(content.get("id"), "id")
        with self._gone_if_missing(ident):
            self._own_for_page(ident, "delete")
            gone = self.delete(ident)
        return {"ids": [a.id for a in gone]}

    def _msg_link(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        source = _string(content.get("source"), "source")
        target = _string(content.get("target"), "target")
        with self._gone_if_missing(source, target):
            link = self.link(source, target)
        return {"id": link.id}

    # -- suggestions --------------------------------------------------------------------
    def _msg_hints(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        wanted = content.get("paragraphs")
        paragraphs = None if wanted is None else _strings(wanted, "paragraphs")
        return {"count": self._push_hints(paragraphs, force=True)}

    def _msg_accept(self: Reader, content: dict[str, Any]) -> dict[str, Any]:
        key = (_string(content.get("paragraph"), "paragraph"), _string(content.get("trope"), "trope"))
        a = self.accept_suggestion(key)
        return {"id": a.id}

    def _msg_dismiss(self: Reader, content: dict[str, Any]) -> None:
        key = (_string(content.get("paragraph"), "paragraph"), _string(content.get("trope"), "trope"))
        self.dismiss_suggestion(key)

    def _msg_undismiss(self: Reader, content: dict[str, Any]) -> None:
        key = (_string(content.get("paragraph"), "paragraph"), _string(content.get("trope"), "trope"))
        self.undismiss_suggestion(key)

    # The store enforces who may do what; these say it in the page's words first.
    def _own_for_page(self: Reader, ident: str, doing: str) -> None:
        creator = self.reading.store.get(ident).creator
        if creator != self.reader:
            raise PermissionDeniedError(
                f"this annotation is {creator}'s: you can {doing} only your own "
                f"(you are reading as {self.reader})"
            )

    def _audience_choice(self: Reader, value: Any) -> str:
        audience = _string(value, "audience")
        if audience.startswith("group:") and self.reading.store.user is not None:
            group = audience[6:]
            if group not in self.groups:
                raise PermissionDeniedError(
                    f"you ({self.reader}) are not in the group {group!r}, so you cannot share "
                    "with it; ask its owner to add you, or choose Public or Only me"
                )
        return audience

    @contextmanager
    def _gone_if_missing(self: Reader, *ids: str) -> Iterator[None]:
        """A NotFoundError for an annotation the page shows: drop it there, say so plainly."""
        try:
            yield
        except NotFoundError:
            missing = [i for i in ids if not self._visible(i)]
            shown = self._watcher.forget(missing)
            if not shown:
                raise
            self.surface.send({"type": "remove", "ids": shown})
            raise NotFoundError(
                "that annotation is no longer here: it was deleted, or it is no longer "
                "shared with you"
            ) from None

    def _msg_undo(self: Reader, _content: dict[str, Any]) -> dict[str, Any]:
        return {"undone": self.undo()}

    def _verified_span(self: Reader, content: dict[str, Any]) -> Selection:
        start, end = self.story.check_span(content.get("start"), content.get("end"))
        exact = self.story.text[start:end]
        sent = content.get("exact")
        if sent is not None and sent != exact:
            raise SpanError(
                f"the page selected {start}..{end} as {_short(sent)} but the story has "
                f"{_short(exact)} there: the page and the kernel disagree about the text; "
                "run the Reader cell again"
            )
        return {"start": start, "end": end, "exact": exact}


_payloads: dict[tuple[str, str], WireStory] = {}


def cached_story_payload(story: Story) -> WireStory:
    """The story's wire form, kept for the last few stories (a re-run cell reuses it)."""
    key = (story.id, story.version)
    if key not in _payloads:
        while len(_payloads) >= 4:
            _payloads.pop(next(iter(_payloads)))
        _payloads[key] = story_payload(story)
    return _payloads[key]


def chunked(items: list[Any], size: Callable[[Any], int], limit: int | None = None) -> list[list[Any]]:
    """``items`` in consecutive runs of about ``limit`` bytes (by ``size``); at least one run."""
    limit = LOAD_CHUNK_BYTES if limit is None else limit
    out: list[list[Any]] = [[]]
    n = 0
    for item in items:
        k = size(item)
        if out[-1] and n + k > limit:
            out.append([])
            n = 0
        out[-1].append(item)
        n += k
    return out


def _paragraph_bytes(p: dict[str, Any]) -> int:
    """About the JSON size of a WireParagraph (keys, numbers, text, sentence pairs)."""
    return 110 + len(p["text"]) + len(p.get("after", "")) + 14 * len(p.get("sentences", ()))


def _annotation_bytes(a: dict[str, Any]) -> int:
    """About the JSON size of a WireAnnotation."""
    return (
        260 + len(a["id"]) + len(a["note"]) + len(a["exact"] or "")
        + sum(len(t) + 4 for t in a["tropes"]) + sum(len(i) + 4 for i in a["links"])
    )  # fmt: skip


def plain(error: Exception) -> str:
    """An error message as a sentence for the page."""
    text = str(error).strip() or type(error).__name__
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _short(value: Any, n: int = 40) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise AnnotationError(
            f"the page sent a bad {what}: expected text, got {type(value).__name__}"
        )
    return value


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnnotationError(f"the page sent bad {what}: expected a list of names")
    return [v for v in value if v.strip()]


def _colour(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return _string(value, "colour")
