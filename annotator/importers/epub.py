"""EPUB: AO3's (a Calibre conversion of its HTML download) and anyone else's.

The zip is checked first with :mod:`zipfile` (is it a zip, is it an EPUB,
is it DRM-locked, would it unpack to something absurd), then read with
ebooklib. The spine gives the reading order. An AO3 EPUB is recognised by
the ``#preface`` / ``#chapters`` ids that Calibre keeps, its documents are
joined back together and read exactly like the HTML download
(:mod:`.ao3_html`), so both give the same text and metadata. Any other EPUB
makes one chapter per spine document, titled from its table of contents
(or its first heading), with Dublin Core metadata.
"""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
from typing import Any

from ..errors import StoryError
from ._html import blocks_of_element, soup, text_of
from ._text import SCENE_BREAK, ChapterDraft, assemble, one_line

MAX_UNPACKED = 512 * 2**20
_SKIP_NAME = re.compile(r"(^|/)(nav|toc|cover|titlepage|title_page|copyright)[^/]*$", re.I)
_SKIP_GUIDE = {"cover", "title-page", "toc", "copyright-page"}


def parse(
    data: bytes, name: str
) -> tuple[str, str, dict[str, Any], list[tuple[str | None, int, int]] | None]:
    """Read an EPUB.

    Raises:
        StoryError: not a zip, a zip that is not an EPUB, DRM, no spine, damaged.
    """
    _check_zip(data, name)
    book = _read(data, name)
    docs = _spine_documents(book, name)
    if any(b'id="chapters"' in c or b"id='chapters'" in c for _, c in docs):
        from .ao3_html import parse_document

        joined = "".join(_body_markup(c) for _, c in docs)
        title, chapters, metadata = parse_document(
            soup(f"<html><body>{joined}</body></html>", xhtml=True), name
        )
        metadata["source"]["format"] = "ao3-epub"
    else:
        title, chapters, metadata = _generic(book, docs)
    text, spans = assemble(title, chapters)
    return title, text, metadata, spans


def _check_zip(data: bytes, name: str) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise StoryError(
            f"{name} is not an EPUB: it is not a zip archive (an EPUB is a zip of XHTML files)"
        ) from None
    with z:
        names = set(z.namelist())
        if "META-INF/container.xml" not in names:
            raise StoryError(
                f"{name} is a zip archive but not an EPUB: it has no META-INF/container.xml"
            )
        if "mimetype" in names:
            kind = z.read("mimetype").decode("ascii", "replace").strip()
            if kind != "application/epub+zip":
                raise StoryError(
                    f"{name} is a zip archive but not an EPUB: its mimetype file says {kind[:60]!r}"
                )
        if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
            raise StoryError(
                f"{name} would unpack to more than {MAX_UNPACKED // 2**20} MiB; "
                "that is no story file"
            )
        if "META-INF/encryption.xml" in names and re.search(
            rb"\.x?html?\b", z.read("META-INF/encryption.xml")
        ):
            raise StoryError(
                f"{name} is encrypted (DRM): annotator can read only DRM-free EPUBs, such as AO3's"
            )


def _read(data: bytes, name: str) -> Any:
    from ebooklib import epub

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
    except KeyError as e:
        missing = re.search(r"'([^']+)'", str(e.args[0] if e.args else ""))
        what = repr(missing.group(1)) if missing else "a file"
        raise StoryError(
            f"{name}: the EPUB lists {what} but the file is not in the archive"
        ) from None
    except TypeError:
        raise StoryError(
            f"{name}: EPUB has no spine: its content.opf does not say the reading order"
        ) from None
    except Exception as e:  # noqa: BLE001 - ebooklib and lxml raise many kinds for one cause: a damaged file
        raise StoryError(
            f"{name}: the EPUB is damaged and cannot be read ({type(e).__name__}: {str(e)[:200]})"
        ) from None


def _spine_documents(book: Any, name: str) -> list[tuple[Any, bytes]]:
    import ebooklib
    from ebooklib import epub

    if not book.spine:
        raise StoryError(f"{name}: EPUB has no spine: its content.opf lists no documents to read")
    docs: list[tuple[Any, bytes]] = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            raise StoryError(
                f"{name}: the EPUB's spine refers to {idref!r}, which is not in its manifest"
            )
        if (
            item.get_type() != ebooklib.ITEM_DOCUMENT
            or isinstance(item, epub.EpubNav)
            or linear == "no"
        ):
            continue
        docs.append((item, item.get_content()))
    if not docs:
        raise StoryError(f"{name}: the EPUB's spine holds no text documents")
    return docs


def _body_markup(content: bytes) -> str:
    doc = soup(content, xhtml=True)
    body = doc.body or doc
    return "".join(str(c) for c in body.contents)


def _dc(book: Any, field: str) -> list[str]:
    return [one_line(v) for v, _ in book.get_metadata("DC", field) if v and v.strip()]


def _toc_titles(book: Any) -> dict[str, str]:
    titles: dict[str, str] = {}

    def walk(entries: Any) -> None:
        for entry in entries:
            if isinstance(entry, tuple):
                section, children = entry
                if getattr(section, "href", None):
                    titles.setdefault(section.href.split("#")[0], section.title)
                walk(children)
            elif getattr(entry, "href", None):
                titles.setdefault(entry.href.split("#")[0], entry.title)

    walk(book.toc or [])
    return {posixpath.normpath(k): one_line(v) for k, v in titles.items() if v}


def _generic(
    book: Any, docs: list[tuple[Any, bytes]]
) -> tuple[str, list[ChapterDraft], dict[str, Any]]:
    title = (_dc(book, "title") or ["Untitled"])[0]
    authors = _dc(book, "creator")
    metadata: dict[str, Any] = {
        "title": title,
        "author": ", ".join(authors) or None,
        "authors": authors,
    }
    if _dc(book, "language"):
        metadata["language"] = _dc(book, "language")[0]
    descriptions = [v for v, _ in book.get_metadata("DC", "description") if v]
    if descriptions:
        metadata["summary"] = text_of(soup(descriptions[0]).body) or one_line(descriptions[0])
    if _dc(book, "subject"):
        metadata["additional_tags"] = _dc(book, "subject")
    for field in ("publisher", "date"):
        if _dc(book, field):
            metadata[field] = _dc(book, field)[0]
    metadata["source"] = {"format": "epub"}
    skip = {
        posixpath.normpath(g["href"].split("#")[0])
        for g in book.guide
        if (g.get("type") or "") in _SKIP_GUIDE
    }
    toc = _toc_titles(book)
    chapters: list[ChapterDraft] = []
    for item, content in docs:
        href = posixpath.normpath(item.get_name())
        if href in skip or (_SKIP_NAME.search(href) and href not in toc):
            continue
        doc = soup(content, xhtml=True)
        body = doc.body or doc
        blocks = blocks_of_element(body)
        paragraphs = [b for b in blocks if b is not SCENE_BREAK]
        if not paragraphs or set(paragraphs) <= {title, *authors, f"by {', '.join(authors)}"}:
            continue  # an empty page or a title page
        heading = toc.get(href) or toc.get(posixpath.basename(href))
        if heading is None:
            h = body.find(["h1", "h2", "h3"])
            heading = one_line(h.get_text()) if h is not None else None
        if heading and blocks and blocks[0] == heading:
            blocks = blocks[1:]
        chapters.append(ChapterDraft(heading, blocks))
    if len(chapters) > 1:
        for n, c in enumerate(chapters, 1):
            c.title = c.title or f"Chapter {n}"
        metadata["chapters"] = [
            {"title": c.title, "summary": "", "notes": "", "end_notes": ""} for c in chapters
        ]
    return title, chapters, metadata
