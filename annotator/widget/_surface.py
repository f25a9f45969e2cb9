# The text surface: an anywidget whose front end is annotator/static/reader.js.
#
# Its synced traits are small view state, plus ``boot``: the first view's
# story and annotations, carried in the model's opening state so that a small
# story draws without a round trip to the kernel (then cleared). Everything
# after that travels as custom messages (see _protocol.py), so nothing large
# is re-sent when a filter changes or an annotation is added.
"""ReaderSurface: the book page, the floating toolbar, the side panel."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_STATIC = Path(__file__).resolve().parent.parent / "static"
DEFAULT_HEIGHT = "min(76vh, 860px)"


class ReaderSurface(anywidget.AnyWidget):
    """The anywidget drawing the story; :class:`annotator.widget.Reader` drives it."""

    _esm = _STATIC / "reader.js"
    _css = _STATIC / "reader.css"

    story_id = traitlets.Unicode("").tag(sync=True)
    reader = traitlets.Unicode("").tag(sync=True)
    show = traitlets.Enum(("everyone", "mine"), default_value="everyone").tag(sync=True)
    trope_filter = traitlets.Unicode("").tag(sync=True)
    hidden_tropes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    can_undo = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Unicode(DEFAULT_HEIGHT).tag(sync=True)
    suggestions = traitlets.Bool(False).tag(sync=True)
    groups = traitlets.List(traitlets.Unicode()).tag(sync=True)
    boot = traitlets.Bytes(b"").tag(sync=True)  # JSON of a _protocol.Boot, or b""

    def __repr__(self) -> str:
        return f"<ReaderSurface {self.story_id!r}>"
