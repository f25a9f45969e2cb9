"""The Reader widget: read a story in JupyterLab and annotate it.

    from annotator.widget import Reader
    reader = Reader("one-dance", reader="ada")
    reader                      # shows the book page in the notebook

The page (``annotator/static/reader.js``) and Python talk through the
messages described in :mod:`annotator.widget._protocol`.
"""

from __future__ import annotations

from ._reader import Reader
from ._surface import ReaderSurface

__all__ = ["Reader", "ReaderSurface"]
