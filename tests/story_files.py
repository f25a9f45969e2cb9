"""Story files made by the tests: AO3 downloads, EPUBs, Markdown, plain text.

Nothing here is a copyrighted work: the prose is written for the tests. The
AO3 HTML follows the markup of AO3's own download template (``#preface``
with ``dl.tags``, ``#chapters`` with ``div.meta.group`` / ``h2.heading`` /
``div.userstuff``, ``#endnotesN``, ``#afterword``), and the AO3-style EPUB
imitates what Calibre makes of it (split files, renamed classes).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

# Messy real-world chapter markup: nested inline tags, <br>-separated lines and
# paragraphs, entities, three kinds of scene break, empty paragraphs, RTL, emoji.
MESSY_CHAPTER = """
<p>The rain had <em>finally</em> stopped, and Iruka&nbsp;stood at the window&hellip;</p>
<p>&nbsp;</p>
<p><span style="font-family: serif"><strong>&ldquo;You&rsquo;re late,&rdquo;</strong> <i>he</i> said, <a href="#">not&nbsp;unkindly</a>.</span></p>
<p></p>
<p>The note read:<br />
<em>Meet me at the bridge.</em><br/>
<em>Come alone.</em></p>
<p style="text-align: center;">* * *</p>
<p>Morning came &amp; went. Fish &lt;3 chips.</p>
<p>First line of a br paragraph.<br><br>Second paragraph, after two breaks.</p>
<p align="center">~~~</p>
<p>The sign said <span dir="rtl">שלום עליכם</span> and <bdi>مرحبا بالعالم</bdi>. 🌸👩‍👩‍👧 ✨</p>
<hr />
<p>   Indented   with   spaces,
   and a source line break.   </p>
<div><p>Nested <b><i><u>deeply</u></i></b> inside a div.</p></div>
<p><br/></p>
"""

MESSY_EXPECTED = (
    "The rain had finally stopped, and Iruka\u00a0stood at the window…\n\n"
    "“You’re late,” he said, not\u00a0unkindly.\n\n"
    "The note read:\nMeet me at the bridge.\nCome alone.\n\n\n"
    "Morning came & went. Fish <3 chips.\n\n"
    "First line of a br paragraph.\n\n"
    "Second paragraph, after two breaks.\n\n\n"
    "The sign said שלום עליכם and مرحبا بالعالم. 🌸👩‍👩‍👧 ✨\n\n\n"
    "Indented with spaces, and a source line break.\n\n"
    "Nested deeply inside a div."
)


@dataclass
class Chapter:
    title: str  # as AO3 shows it: "Chapter 2: The Bridge" or "Chapter 3"
    body: str  # chapter HTML
    summary: str = ""
    notes: str = ""
    end_notes: str = ""


@dataclass
class Work:
    title: str = "The Bridge at Dawn"
    authors: tuple[str, ...] = ("inkwell_fox",)
    rating: str = "Teen And Up Audiences"
    warnings: tuple[str, ...] = ("No Archive Warnings Apply",)
    categories: tuple[str, ...] = ("M/M",)
    fandoms: tuple[str, ...] = ("Naruto",)
    relationships: tuple[str, ...] = ("Hatake Kakashi/Umino Iruka",)
    characters: tuple[str, ...] = ("Hatake Kakashi", "Umino Iruka")
    tags: tuple[str, ...] = ("Slow Burn", "Rain", "Fluff & Angst")
    language: str = "English"
    series: tuple[tuple[int, str], ...] = ((2, "Bridges"),)
    summary: str = (
        "<p>Two men, one bridge, <em>a lot</em> of rain.</p><p>Second summary paragraph.</p>"
    )
    notes: str = "<p>Thanks to my beta!</p>"
    end_notes: str = '<p>Come say hi on the <a href="#">blog</a>.</p>'
    work_id: int = 4242
    chapters: list[Chapter] = field(default_factory=list)


def _dd(label: str, values: tuple[str, ...] | list[str]) -> str:
    if not values:
        return ""
    links = ", ".join(
        f'<a href="https://archiveofourown.org/tags/{escape(v)}">{escape(v)}</a>' for v in values
    )
    return f"<dt>{label}:</dt>\n<dd>{links}</dd>\n"


def ao3_html(work: Work) -> str:
    """An AO3 HTML download of ``work``, shaped like AO3's download template."""
    plural = lambda n, one, many: one if n == 1 else many  # noqa: E731
    url = f"https://archiveofourown.org/works/{work.work_id}"
    tags = (
        _dd("Rating", (work.rating,))
        + _dd(plural(len(work.warnings), "Archive Warning", "Archive Warnings"), work.warnings)
        + _dd(plural(len(work.categories), "Category", "Categories"), work.categories)
        + _dd(plural(len(work.fandoms), "Fandom", "Fandoms"), work.fandoms)
        + _dd(plural(len(work.relationships), "Relationship", "Relationships"), work.relationships)
        + _dd(plural(len(work.characters), "Character", "Characters"), work.characters)
        + _dd("Additional Tags", work.tags)
    )
    series = ", ".join(
        f'Part {n} of\n<a href="https://archiveofourown.org/series/7">{escape(t)}</a>'
        for n, t in work.series
    )
    n = len(work.chapters)
    byline = ", ".join(
        f'<a rel="author" href="https://archiveofourown.org/users/{a}/pseuds/{a}">{a}</a>'
        for a in work.authors
    )
    preface = f"""<div id="preface">
  <h2 class="toc-heading">Preface</h2>
  <p class="message">
    <b>{escape(work.title)}</b><br/>
    Posted originally on the <a href="https://archiveofourown.org/">Archive of Our Own</a> at <a href="{url}">{url}</a>.
  </p>
  <div class="meta">
    <dl class="tags">
{tags}      <dt>Language:</dt>
      <dd>{work.language}</dd>
{"      <dt>Series:</dt><dd>" + series + "</dd>" if series else ""}
      <dt>Stats:</dt>
      <dd>
        Published: 2021-03-04
        Updated: 2021-05-06
        Words: 12,345
        Chapters: {n}/{n if n > 1 else 1}
      </dd>
    </dl>
    <h1>{escape(work.title)}</h1>
    <div class="byline">by {byline}</div>
    {"<p>Summary</p><blockquote class='userstuff'>" + work.summary + "</blockquote>" if work.summary else ""}
    {"<p>Notes</p>" if work.notes or work.end_notes else ""}
    {"<blockquote class='userstuff'>" + work.notes + "</blockquote>" if work.notes else ""}
    {'<div class="endnote-link">See the end of the work for <a href="#endnotes">notes</a></div>' if work.end_notes else ""}
  </div>
</div>
"""
    if n == 1:
        chapters = f'<div class="userstuff">\n{work.chapters[0].body}\n</div>'
    else:
        parts = []
        for i, ch in enumerate(work.chapters, 1):
            meta = f'<div class="meta group">\n  <h2 class="heading">{escape(ch.title)}</h2>\n'
            if ch.summary:
                meta += f'  <p>Chapter Summary</p>\n  <blockquote class="userstuff">{ch.summary}</blockquote>\n'
            if ch.notes or ch.end_notes:
                meta += "  <p>Chapter Notes</p>\n"
                if ch.notes:
                    meta += f'  <blockquote class="userstuff">{ch.notes}</blockquote>\n'
                if ch.end_notes:
                    meta += f'  <div class="endnote-link">See the end of the chapter for <a href="#endnotes{i}">notes</a></div>\n'
            meta += "</div>\n"
            body = f'<!--chapter content-->\n<div class="userstuff">\n{ch.body}\n</div>\n<!--/chapter content-->\n'
            end = (
                f'<div class="meta" id="endnotes{i}">\n  <p>Chapter End Notes</p>\n'
                f'  <blockquote class="userstuff">{ch.end_notes}</blockquote>\n</div>\n'
                if ch.end_notes
                else ""
            )
            parts.append(meta + body + end)
        chapters = "\n".join(parts)
    afterword = '<div id="afterword">\n  <h2 class="toc-heading">Afterword</h2>\n'
    if work.end_notes:
        afterword += (
            f'  <div class="meta">\n    <div id="endnotes">\n      <p>End Notes</p>\n'
            f'      <blockquote class="userstuff">{work.end_notes}</blockquote>\n    </div>\n  </div>\n'
        )
    afterword += (
        f'  <p class="message">Please <a href="{url}/comments/new">drop by the archive and comment</a> '
        "to let the creator know if you enjoyed their work!</p>\n</div>\n"
    )
    head = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="UTF-8"/>\n'
        f"<title>{escape(work.title)} - {work.authors[0]} - {work.fandoms[0]} [Archive of Our Own]</title>\n"
        '<style type="text/css">\n#chapters { font-family: serif; }\n.userstuff p { margin: 1em 0; }\n</style>\n'
        "</head>\n<body>\n"
    )
    return (
        head
        + preface
        + f'<div id="chapters" class="userstuff">\n{chapters}\n</div>\n'
        + afterword
        + "</body>\n</html>\n"
    )


def chapter_body(n: int, paragraphs: int = 3) -> str:
    """Plain, distinct prose for chapter ``n``."""
    return "\n".join(
        f"<p>In chapter {n}, paragraph {k}, Kakashi counted the {k + n} lanterns on the bridge.</p>"
        for k in range(1, paragraphs + 1)
    )


def three_chapter_work() -> Work:
    return Work(
        chapters=[
            Chapter(
                "Chapter 1: Rain",
                MESSY_CHAPTER,
                summary="<p>It rains.</p>",
                notes="<p>Hello, readers!</p>",
            ),
            Chapter("Chapter 2", chapter_body(2), end_notes="<p>Cliffhanger, sorry.</p>"),
            Chapter(
                "Chapter 3: Dawn &amp; After".replace("&amp;", "&"),
                chapter_body(3),
                summary="<p>The <em>end</em>.</p>",
                notes="<p>Last one.</p>",
                end_notes="<p>Thank you for reading!</p>",
            ),
        ]
    )


# -- EPUB ------------------------------------------------------------------------
_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""


def _xhtml(title: str, body: str) -> str:
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml">\n  <head>\n'
        f"    <title>{escape(title)}</title>\n"
        '    <meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>\n'
        '  <link href="stylesheet.css" rel="stylesheet" type="text/css"/>\n</head>\n'
        f'  <body class="calibre">\n{body}\n</body>\n</html>\n'
    )


def write_epub(
    path: Path,
    files: list[tuple[str, str]],
    *,
    title: str = "A Book",
    creators: tuple[str, ...] = ("Someone",),
    language: str = "en",
    description: str = "",
    subjects: tuple[str, ...] = (),
    publisher: str = "",
    spine: bool = True,
    toc: list[tuple[str, str]] | None = None,
) -> Path:
    """Write an EPUB 2 by hand with zipfile: ``files`` are (name, xhtml) in reading order."""
    manifest = "\n".join(
        f'    <item id="item{i}" href="{name}" media-type="application/xhtml+xml"/>'
        for i, (name, _) in enumerate(files)
    )
    itemrefs = (
        "\n".join(f'    <itemref idref="item{i}"/>' for i in range(len(files))) if spine else ""
    )
    meta = "\n".join(
        [f"    <dc:title>{escape(title)}</dc:title>", f"    <dc:language>{language}</dc:language>"]
        + [f'    <dc:creator opf:role="aut">{escape(c)}</dc:creator>' for c in creators]
        + ([f"    <dc:description>{escape(description)}</dc:description>"] if description else [])
        + [f"    <dc:subject>{escape(s)}</dc:subject>" for s in subjects]
        + ([f"    <dc:publisher>{escape(publisher)}</dc:publisher>"] if publisher else [])
        + [
            '    <dc:identifier id="uuid_id" opf:scheme="uuid">0b4f3c1e-1111-4222-8333-444455556666</dc:identifier>'
        ]
    )
    opf = f"""<?xml version='1.0' encoding='utf-8'?>
<package xmlns="http://www.idpf.org/2007/opf" unique-identifier="uuid_id" version="2.0">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
{meta}
  </metadata>
  <manifest>
{manifest}
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="css" href="stylesheet.css" media-type="text/css"/>
  </manifest>
  <spine toc="ncx">
{itemrefs}
  </spine>
</package>
"""
    points = "\n".join(
        f'    <navPoint id="np{i}" playOrder="{i}"><navLabel><text>{escape(label)}</text></navLabel>'
        f'<content src="{href}"/></navPoint>'
        for i, (label, href) in enumerate(toc or [], 1)
    )
    ncx = f"""<?xml version='1.0' encoding='utf-8'?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
  <head><meta name="dtb:uid" content="0b4f3c1e-1111-4222-8333-444455556666"/></head>
  <docTitle><text>{escape(title)}</text></docTitle>
  <navMap>
{points}
  </navMap>
</ncx>
"""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", _CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("toc.ncx", ncx, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(
            "stylesheet.css", ".calibre { display: block }", compress_type=zipfile.ZIP_DEFLATED
        )
        for name, xhtml in files:
            z.writestr(name, xhtml, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ao3_epub(path: Path, work: Work) -> Path:
    """An AO3-style EPUB: the HTML download split per chapter, classes renamed as Calibre does."""
    html = ao3_html(work)
    body = html.split("<body>\n", 1)[1].rsplit("</body>", 1)[0]
    preface, rest = body.split('<div id="chapters" class="userstuff">', 1)
    chapters, afterword = rest.rsplit('<div id="afterword">', 1)
    chapters = chapters.rstrip().removesuffix("</div>")

    def calibre(markup: str) -> str:
        return (
            markup.replace('class="meta group"', 'class="meta1"')
            .replace('class="userstuff"', 'class="userstuff2"')
            .replace("class='userstuff'", 'class="userstuff3"')
            .replace('class="heading"', 'class="heading1"')
            .replace('class="tags"', 'class="tags"')
            .replace("<br>", "<br/>")
            .replace("<hr />", '<hr class="calibre4"/>')
        )

    pieces = chapters.split('<div class="meta group">')
    files = [("The_Bridge_split_000.xhtml", _xhtml(work.title, calibre(preface)))]
    first = pieces[0]
    groups = ['<div class="meta group">' + p for p in pieces[1:]] or [first]
    if pieces[1:] and first.strip():
        groups[0] = first + groups[0]
    for i, g in enumerate(groups, 1):
        files.append(
            (
                f"The_Bridge_split_{i:03d}.xhtml",
                _xhtml(work.title, f'<div id="chapters" class="userstuff">\n{calibre(g)}\n</div>'),
            )
        )
    files.append(
        (
            f"The_Bridge_split_{len(groups) + 1:03d}.xhtml",
            _xhtml(work.title, calibre('<div id="afterword">' + afterword)),
        )
    )
    return write_epub(
        path,
        files,
        title=work.title,
        creators=work.authors,
        description="Two men, one bridge.",
        subjects=("Fanworks", work.rating, *work.fandoms, *work.tags),
        publisher="Archive of Our Own",
        toc=[("Preface", files[0][0])]
        + [(c.title, f[0]) for c, f in zip(work.chapters, files[1:-1], strict=False)],
    )
