# The nbconvert side of the edition: an exporter and a preprocessor.
#
# JupyterLab imports every registered exporter when it starts, so importing
# this module must be cheap and must not fail: it imports nbconvert (which
# Lab has loaded already) and nothing of annotator beyond this package's
# empty __init__; the story, store and view model are imported when a
# notebook is actually converted.
"""``AnnotatedEditionExporter`` (``jupyter nbconvert --to annotated-edition``).

The template ``templates/annotated-edition`` extends nbconvert's ``lab``
template; :class:`EditionPreprocessor` (registered in its ``conf.json``)
reads ``nb.metadata["annotator"]`` (``{"story": ..., "readers": ...}``),
loads the story, the store and the vocabulary, and hands the view model to
the template as ``resources["edition"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.exporters.html import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import List, Unicode, default
from traitlets.config import Config

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
TEMPLATE_NAME = "annotated-edition"


class EditionPreprocessor(Preprocessor):
    """Put the edition's view model into ``resources["edition"]``.

    Which story and readers: ``nb.metadata["annotator"]`` first, then these
    traits. The store is ``db`` or ``$ANNOTATOR_DB`` (a new store starts with
    the shipped editorial reading).
    """

    story = Unicode("one-dance", help="Story id, when the notebook's metadata names none.").tag(
        config=True
    )
    readers = List(
        Unicode(), default_value=None, allow_none=True,
        help="Only these readers' annotations (default: everyone's).",
    ).tag(config=True)  # fmt: skip
    db = Unicode(
        "", help="The annotation database (default: $ANNOTATOR_DB or the user's store)."
    ).tag(config=True)
    vocab = Unicode("", help="A trope vocabulary file merged over the shipped one.").tag(
        config=True
    )

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """Build the view model; set the page's language and title from the story."""
        from .context import edition_resources

        meta = dict(nb.metadata.get("annotator") or {})
        readers = meta.get("readers", self.readers)
        if isinstance(readers, str):
            readers = [readers]
        edition = edition_resources(
            str(meta.get("story") or self.story),
            db=self.db or None,
            readers=list(readers) if readers else None,
            vocab=self.vocab or None,
        )
        resources["edition"] = edition
        resources["language_code"] = edition["view"].lang
        nb.metadata.setdefault("title", edition["view"].title)
        return nb, resources


def _markdown_filter(source: str) -> Any:
    from .notes import render_markdown

    return render_markdown(source)


class AnnotatedEditionExporter(HTMLExporter):
    """The annotated HTML edition: one self-contained page, readable offline."""

    export_from_notebook = "Annotated edition"

    @default("template_name")
    def _template_name_default(self) -> str:
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATES)]

    @default("output_mimetype")
    def _output_mimetype_default(self) -> str:
        return "text/html"

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self) -> bool:
        return True

    @property
    def default_config(self) -> Config:
        """HTMLExporter's configuration, without the Pygments stylesheet (no code is shown)."""
        config = super().default_config.copy()
        config.merge(Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}))
        return config

    def default_filters(self) -> Any:
        """Nbconvert's filters plus ``edition_markdown``, the edition's safe Markdown."""
        yield from super().default_filters()
        yield ("edition_markdown", _markdown_filter)

    def from_notebook_node(
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Render the edition.

        ``HTMLExporter`` re-parses its whole output with BeautifulSoup to add
        ``alt`` and ``tabindex`` attributes to code cells. The edition shows
        no code cells and can run to tens of megabytes for a long work, where
        that pass would cost more than everything else, so it is skipped; the
        filters it registers are kept.
        """
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        resources = self._init_resources(resources)
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(parent=self))
        )
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            ),
        )
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


__all__ = ["AnnotatedEditionExporter", "EditionPreprocessor"]
