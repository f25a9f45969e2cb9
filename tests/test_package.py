"""The package's shape: a pure model, a curated public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import annotator

PKG = Path(annotator.__file__).parent
MODEL = ["story", "speakers", "anchoring", "annotation", "tropes", "jsonld", "hypothesis_api", "errors"]
FORBIDDEN = ("ipywidgets", "anywidget", "sqlite3", "nbconvert", "nbformat", "jupyter", "traitlets", "IPython")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", MODEL)
def test_model_modules_import_no_io_or_ui(module):
    names = imported_modules(PKG / f"{module}.py")
    bad = {n for n in names if n.split(".")[0] in FORBIDDEN}
    assert not bad, f"{module} imports {bad}"


def test_all_matches_public_names():
    assert sorted(annotator.__all__) == annotator.__all__ or len(set(annotator.__all__)) == len(annotator.__all__)
    for name in annotator.__all__:
        assert getattr(annotator, name) is not None, name
    public = {n for n in vars(annotator) if not n.startswith("_") and n not in {"annotations", "TYPE_CHECKING", "Any"}}
    modules = {n for n in public if type(getattr(annotator, n)).__name__ == "module"}
    assert public - modules <= set(annotator.__all__)


def test_every_error_is_an_annotator_error():
    from annotator import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.AnnotatorError)
