"""AO3's HTML download: preface, chapters and afterword into text and metadata.

The download (Download → HTML on a work's page) is rendered by AO3's
``downloads/show`` template and looks like this::

    <div id="preface">
      <h2 class="toc-heading">Preface</h2>
      <p class="message"><b>Title</b><br/>Posted originally on the ... at <a href=".../works/123">
      <div class="meta">
        <dl class="tags"><dt>Rating:</dt><dd><a>Teen And Up Audiences</a></dd> ...
          <dt>Stats:</dt><dd>Published: 2021-03-04 Words: 12,345 Chapters: 3/3</dd></dl>
        <h1>Title</h1>
        <div class="byline">by <a rel="author">Name</a></div>
        <p>Summary</p><blockquote class="userstuff">...</blockquote>
        <p>Notes</p><blockquote class="userstuff">...</blockquote>
    </div></div>
    <div id="chapters" class="userstuff">
      <div class="meta group"><h2 class="heading">Chapter 1: Title</h2>
        <p>Chapter Summary</p><blockquote>...</blockquote>
        <p>Chapter Notes</p><blockquote>...</blockquote>
      </div>
      <div class="userstuff"> the chapter </div>
      <div class="meta" id="endnotes1"><p>Chapter End Notes</p><blockquote>...</blockquote></div>
      ...
    </div>
    <div id="afterword"><div class="meta"><div id="endnotes"><p>End Notes</p><blockquote>...

A one-chapter work has just ``<div class="userstuff">`` inside ``#chapters``.
AO3's EPUBs are this same file converted by Calibre, which keeps the ids but
renames classes (``meta1``, ``userstuff2``) or drops them, so the reader
here leans on ids and structure, and only on class prefixes.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag

from ..errors import StoryError
from ._html import blocks_of, local_name, soup, text_of
from ._text import ChapterDraft, assemble, one_line

# dt label (singular or plural, lower case) -> metadata key and whether it is a list
_TAG_FIELDS: dict[str, tuple[str, bool]] = {
    "rating": ("rating", False),
    "archive warning": ("archive_warnings", True),
    "category": ("category", True),
    "fandom": ("fandom", True),
    "relationship": ("relationship", True),
    "character": ("characters", True),
    "additional tag": ("additional_tags", True),
    "language": ("language", False),
    "collection": ("collections", True),
}
_STAT = re.compile(
    r"(Published|Updated|Completed|Words|Chapters|Comments|Kudos|Bookmarks|Hits):\s*(\S+)"
)
_SERIES = re.compile(r"Part\s+(\d+)\s+of\s+(.+?)(?=,?\s*Part\s+\d+\s+of\s|$)", re.S)
_WORK_URL = re.compile(r"archiveofourown\.org/works/(\d+)")


def parse(
    data: bytes, name: str
) -> tuple[str, str, dict[str, Any], list[tuple[str | None, int, int]] | None]:
    """Read an AO3 HTML download.

    Raises:
        StoryError: not UTF-8, or not an AO3 download (no ``#chapters`` or ``#preface``).
    """
    from . import decode

    doc = soup(decode(data, name))
    title, chapters, metadata = parse_document(doc, name)
    text, spans = assemble(title, chapters)
    return title, text, metadata, spans


def parse_document(doc: BeautifulSoup, name: str) -> tuple[str, list[ChapterDraft], dict[str, Any]]:
    """The title, chapters and metadata of a parsed AO3 download (HTML or EPUB).

    Raises:
        StoryError: no ``#chapters`` or ``#preface`` div.
    """
    containers = doc.find_all(id="chapters")
    if not containers:
        raise StoryError(
            f"{name}: no #chapters div: this is not an AO3 download. On the work's page use "
            "Download → HTML, and import that file (a page saved from the browser will not do)"
        )
    preface = doc.find(id="preface")
    if preface is None:
        raise StoryError(
            f"{name}: no #preface div: this is not a complete AO3 download "
            "(its tags and title are missing)"
        )
    metadata = _preface(preface, doc)
    chapters = _chapters(containers)
    afterword = doc.find(id="afterword")
    if afterword is not None:
        end = afterword.find(id="endnotes")
        if end is not None:
            metadata["end_notes"] = _labelled_text(end)
        inspired = [one_line(dd.get_text()) for dd in afterword.find_all("dd")]
        if inspired:
            metadata["inspired_works"] = inspired
    if len(chapters) > 1:
        metadata["chapters"] = [{"title": one_line(c.title), **c.info} for c in chapters]
    elif chapters and chapters[0].info:
        metadata["chapter_notes"] = chapters[0].info
    metadata.setdefault("source", {})["format"] = "ao3-html"
    return metadata["title"], chapters, metadata


# -- preface -------------------------------------------------------------------
def _preface(preface: Tag, doc: BeautifulSoup) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    dl = preface.find("dl")
    if dl is not None:
        for dt in dl.find_all("dt"):
            dd = dt.find_next_sibling("dd")
            if dd is not None:
                _tag_field(meta, one_line(dt.get_text()).rstrip(":").strip(), dd)
    h1 = preface.find("h1")
    message = preface.find("p", class_=re.compile(r"^message"))
    title = one_line(h1.get_text()) if h1 else ""
    if not title and message is not None and message.find("b"):
        title = one_line(message.find("b").get_text())
    if not title and doc.title:
        title = one_line(doc.title.get_text().split(" - ")[0])
    meta["title"] = title or "Untitled"
    byline = preface.find(class_=re.compile(r"^byline"))
    if byline is not None:
        authors = [one_line(a.get_text()) for a in byline.find_all("a")]
        if not authors:
            authors = [one_line(re.sub(r"^\s*by\s+", "", byline.get_text()))]
        meta["authors"] = [a for a in authors if a]
        meta["author"] = ", ".join(meta["authors"]) or None
    if message is not None:
        link = message.find("a", href=_WORK_URL)
        if link is not None:
            meta.setdefault("source", {})["url"] = link["href"]
            meta["ao3_work_id"] = int(_WORK_URL.search(link["href"]).group(1))
    for p in preface.find_all("p"):
        label = one_line(p.get_text()).lower()
        nxt = p.find_next_sibling()
        if label in ("summary", "notes") and nxt is not None and local_name(nxt) == "blockquote":
            meta[label] = text_of(nxt)
    related = [one_line(li.get_text()) for li in preface.find_all("li")]
    if related:
        meta["related_works"] = related
    return meta


def _tag_field(meta: dict[str, Any], label: str, dd: Tag) -> None:
    key = label.lower()
    if key == "stats":
        stats: dict[str, Any] = {}
        for k, v in _STAT.findall(dd.get_text(" ")):
            number = v.replace(",", "")
            stats[k.lower()] = int(number) if number.isdigit() else v  # "Chapters: 3/?" stays text
        meta["ao3_stats"] = stats
        return
    if key == "series":
        meta["series"] = [
            {"part": int(n), "title": one_line(t)}
            for n, t in _SERIES.findall(one_line(dd.get_text(" ")))
        ]
        return
    singular = re.sub(r"ies$", "y", key) if key.endswith("ies") else re.sub(r"s$", "", key)
    field, is_list = _TAG_FIELDS.get(singular, (re.sub(r"\W+", "_", key).strip("_"), True))
    values = [one_line(a.get_text()) for a in dd.find_all("a")] or [
        v for v in (one_line(x) for x in dd.get_text().split(",")) if v
    ]
    meta[field] = values if is_list else ", ".join(values)


# -- chapters ------------------------------------------------------------------
def _is_chapter_meta(div: Tag) -> bool:
    first = next((c for c in div.children if isinstance(c, Tag)), None)
    if first is None or local_name(first) != "h2":
        return False
    classes = div.get("class") or []
    return any(re.fullmatch(r"meta\d*", c) for c in classes) or not classes


def _labelled_text(div: Tag) -> str:
    """The text of a notes block, without its label paragraph (``End Notes``)."""
    quote = div.find("blockquote")
    return text_of(quote) if quote is not None else text_of(div)


def _chapter_info(div: Tag) -> tuple[str, dict[str, Any]]:
    title = one_line(div.find("h2").get_text())
    info: dict[str, Any] = {"summary": "", "notes": "", "end_notes": ""}
    for p in div.find_all("p", recursive=False):
        label = one_line(p.get_text()).lower()
        nxt = p.find_next_sibling()
        if nxt is None or local_name(nxt) != "blockquote":
            if "byline" in " ".join(p.get("class") or []):
                info["byline"] = one_line(re.sub(r"^\s*by\s+", "", p.get_text()))
            continue
        if "summary" in label:
            info["summary"] = text_of(nxt)
        elif "notes" in label:
            info["notes"] = text_of(nxt)
    return title, info


def _chapters(containers: list[Tag]) -> list[ChapterDraft]:
    chapters: list[ChapterDraft] = []
    nodes: list[list[object]] = [[]]  # nodes[0]: before any chapter heading
    for container in containers:
        for child in container.children:
            if isinstance(child, Tag):
                name = local_name(child)
                ident = str(child.get("id") or "")
                if name == "div" and _is_chapter_meta(child):
                    title, info = _chapter_info(child)
                    chapters.append(ChapterDraft(title, [], info))
                    nodes.append([])
                    continue
                if ident.startswith("endnotes"):
                    if chapters:
                        chapters[-1].info["end_notes"] = _labelled_text(child)
                    continue
                if (
                    name == "div"
                    and "meta" in " ".join(child.get("class") or [])
                    and not child.get_text(strip=True)
                ):
                    continue  # the empty half of a heading block that Calibre split
                if name == "h2" and not chapters:
                    continue  # older downloads: the work title as a toc-heading
            nodes[-1].append(child)
    if not chapters:
        return [ChapterDraft(None, blocks_of(nodes[0]))]
    for chapter, chapter_nodes in zip(chapters, nodes[1:], strict=True):
        chapter.blocks = blocks_of(chapter_nodes)
    if any(isinstance(n, Tag) for n in nodes[0]):
        chapters[0].blocks = blocks_of(nodes[0]) + chapters[0].blocks
    return chapters
