"""EPUBs: AO3's (Calibre-split, classes renamed), ordinary ones made with ebooklib, and broken ones."""

from __future__ import annotations

import warnings
import zipfile

import pytest
from story_files import MESSY_EXPECTED, ao3_epub, ao3_html, three_chapter_work, write_epub

from annotator.errors import StoryError
from annotator.importers import read_story_file

epub = pytest.importorskip("ebooklib.epub")


def test_ao3_epub_reads_like_the_html_download(tmp_path):
    work = three_chapter_work()
    from_epub = read_story_file(ao3_epub(tmp_path / "bridge.epub", work))
    (tmp_path / "bridge.html").write_text(ao3_html(work), encoding="utf-8")
    from_html = read_story_file(tmp_path / "bridge.html")
    assert from_epub.text == from_html.text and from_epub.chapters == from_html.chapters
    assert from_epub.metadata["source"]["format"] == "ao3-epub"
    strip = lambda m: {k: v for k, v in m.items() if k != "source"}  # noqa: E731
    assert strip(from_epub.metadata) == strip(from_html.metadata)
    assert from_epub.metadata["chapters"][1]["end_notes"] == "Cliffhanger, sorry."
    assert MESSY_EXPECTED in from_epub.text


def make_book(
    tmp_path, chapters, *, name="salt.epub", description="<p>A <b>sea</b> story &amp; more.</p>"
):
    book = epub.EpubBook()
    book.set_identifier("urn:uuid:5d1c6a4e-0000-4000-8000-000000000001")
    book.set_title("Salt and Stars")
    book.set_language("en")
    book.add_author("R. Writer")
    book.add_metadata("DC", "description", description)
    book.add_metadata("DC", "subject", "Sea")
    book.add_metadata("DC", "subject", "Found Family")
    items = []
    for i, (title, body) in enumerate(chapters, 1):
        item = epub.EpubHtml(title=title, file_name=f"text/ch{i}.xhtml", lang="en")
        item.content = body
        book.add_item(item)
        items.append(item)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    path = tmp_path / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epub.write_epub(str(path), book)
    return path


def test_ordinary_epub_chapters_from_the_toc(tmp_path):
    path = make_book(
        tmp_path,
        [
            (
                "One: Harbour",
                "<h1>One: Harbour</h1><p>The harbour was <em>quiet</em>.</p><p>* * *</p><p>Later &amp; later.</p>",
            ),
            ("Two", "<h2>Two</h2><p>She sailed.<br/>Alone.</p><p>&nbsp;</p><p>إلى البحر 🌊</p>"),
        ],
    )
    parsed = read_story_file(path)
    assert parsed.format == "epub" and parsed.id == "salt-and-stars"
    assert parsed.text == (
        "One: Harbour\n\nThe harbour was quiet.\n\n\nLater & later.\n\n"
        "Two\n\nShe sailed.\nAlone.\n\nإلى البحر 🌊\n"
    )
    two = parsed.text.index("Two\n")
    assert parsed.chapters == [("One: Harbour", 0, two - 2), ("Two", two, len(parsed.text) - 1)]
    meta = parsed.metadata
    assert (
        meta["title"] == "Salt and Stars"
        and meta["author"] == "R. Writer"
        and meta["language"] == "en"
    )
    assert meta["summary"] == "A sea story & more." and meta["additional_tags"] == [
        "Sea",
        "Found Family",
    ]
    assert [c["title"] for c in meta["chapters"]] == ["One: Harbour", "Two"]


def test_one_document_epub_has_no_chapters(tmp_path):
    parsed = read_story_file(
        make_book(tmp_path, [("Salt and Stars", "<h1>Salt and Stars</h1><p>Just one page.</p>")])
    )
    assert parsed.chapters is None and parsed.text == "Salt and Stars\n\nJust one page.\n"


def test_hand_made_epub2_with_messy_xhtml(tmp_path):
    body = (
        '<div class="calibre1"><p class="calibre2">Tea&#8217;s ready,<br class="calibre3"/>she said.</p>'
        '<p class="calibre2"> </p><p style="text-align:center">❖</p><p>Pages later.</p></div>'
    )
    title_page = "<h1>A Book</h1><p>Someone</p>"
    path = write_epub(
        tmp_path / "hand.epub",
        [
            ("titlepage.xhtml", _doc(title_page)),
            ("c1.xhtml", _doc(body)),
            ("c2.xhtml", _doc("<h3>Two</h3><p>End.</p>")),
        ],
        toc=[("One", "c1.xhtml"), ("Two", "c2.xhtml#start")],
    )
    parsed = read_story_file(path)
    assert parsed.text == "One\n\nTea’s ready,\nshe said.\n\n\nPages later.\n\nTwo\n\nEnd.\n"


def _doc(body):
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title/>"
        f"</head><body>{body}</body></html>"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: p.write_bytes(b"just some text, not a zip"),
            "not an EPUB: it is not a zip archive",
        ),
        (
            lambda p: _zip(p, {"story.txt": "hello"}),
            "a zip archive but not an EPUB: it has no META-INF/container.xml",
        ),
        (
            lambda p: _zip(p, {"mimetype": "application/zip", "META-INF/container.xml": "<x/>"}),
            "its mimetype file says 'application/zip'",
        ),
        (
            lambda p: write_epub(p, [("c1.xhtml", _doc("<p>x</p>"))], spine=False),
            "EPUB has no spine",
        ),
        (lambda p: _drm(p), "encrypted \\(DRM\\)"),
        (
            lambda p: _zip(
                p, {"mimetype": "application/epub+zip", "META-INF/container.xml": "not xml"}
            ),
            "the EPUB is damaged",
        ),
    ],
)
def test_bad_epubs(tmp_path, make, message):
    path = tmp_path / "bad.epub"
    make(path)
    with pytest.raises(StoryError, match=message) as e:
        read_story_file(path)
    assert "bad.epub" in str(e.value)


def test_spine_pointing_at_a_missing_file(tmp_path):
    path = write_epub(tmp_path / "gap.epub", [("c1.xhtml", _doc("<p>x</p>"))])
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist() if n != "c1.xhtml"}
    _zip(path, entries)
    with pytest.raises(
        StoryError, match="gap.epub: the EPUB lists 'c1.xhtml' but the file is not in the archive"
    ):
        read_story_file(path)


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def _drm(path):
    write_epub(path, [("c1.xhtml", _doc("<p>x</p>"))])
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(
            "META-INF/encryption.xml",
            '<encryption><EncryptedData><CipherReference URI="c1.xhtml"/></EncryptedData></encryption>',
        )
