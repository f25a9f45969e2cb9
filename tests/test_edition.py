"""The annotated HTML edition: view model, safety, embedded data, exporter, CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from annotator.annotation import make_annotation
from annotator.edition import build_edition, edition_notebook
from annotator.edition.notes import render_note, safe_link
from annotator.edition.view import edition_view, json_for_script, language_code
from annotator.interchange import _EDITION_DATA, import_file
from annotator.jsonld import collection, to_w3c
from annotator.library import load_story
from annotator.reading import Reading
from annotator.store import Store
from annotator.story import Story
from annotator.tropes import default_vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
EDITION = ROOT / "annotator" / "edition"
PWN = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "</script><script>window.__pwned=1</script><!--"
SVG = '<svg onload="window.__pwned=1"><a href="javascript:window.__pwned=1">x</a></svg>'


# -- helpers ---------------------------------------------------------------------------


class Page(HTMLParser):
    """Every tag, attribute, id and script of a page, for structural checks."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.feed(html)
        self.close()
        self.ids = [a["id"] for _, a in self.tags if a.get("id")]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]

    def hrefs(self) -> list[str]:
        return [str(a.get("href")) for _, a in self.tags if a.get("href") is not None]


def assert_safe(html: str) -> Page:
    """No injected element, handler, script, URL scheme or resource can be in the page."""
    page = Page(html)
    for tag, attrs in page.tags:
        bad = [name for name in attrs if name.startswith("on")]
        assert not bad, f"<{tag}> has event handler attributes {bad}"
        assert "src" not in attrs, f"<{tag}> loads {attrs['src']!r}"
        assert tag not in (
            "img",
            "iframe",
            "object",
            "embed",
            "link",
            "base",
            "form",
            "input",
            "video",
            "audio",
        )
        for name in ("href", "xlink:href", "action", "formaction", "data", "poster"):
            value = str(attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (
                f"<{tag} {name}={value!r}>"
            )
    assert len(page.named("svg")) == (1 if 'class="tl"' in html else 0), "an injected <svg>"
    assert len(page.named("style")) == 1
    scripts = page.named("script")
    assert len(scripts) == 2, f"expected the data block and the page script, found {scripts}"
    assert scripts[0] == {"type": "application/ld+json", "id": "annotator-annotations"}
    assert scripts[1] == {}
    for href in page.hrefs():
        assert href.startswith(("#", "https://", "http://", "mailto:")), href
    for tag, attrs in page.tags:
        if tag == "a" and str(attrs.get("href", "")).startswith("http"):
            assert "noopener" in str(attrs.get("rel")), attrs
    return page


def embedded(html: str) -> dict:
    m = _EDITION_DATA.search(html)
    assert m, "no embedded annotations"
    raw = m.group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    return json.loads(raw)


def fresh_store(path: Path) -> Store:
    """A store without the shipped reading."""
    return Store(path)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "edition.db"


@pytest.fixture
def small() -> Story:
    text = (
        "A Title\n\n"
        "First paragraph has some words in it and then some more.\n\n"
        "Second paragraph, also with words.\n\n\n\n"
        "Third paragraph after a scene break."
    )
    return Story.from_text("small-story", text, {"title": "A Title", "language": "English"})


def ann(story: Story, start: int, end: int, tropes=("slow-dance",), **kw):
    return make_annotation(
        story.text, story.id, start, end, creator=kw.pop("creator", "ada"), tropes=tropes, **kw
    )


def spans_of(view, n: int) -> list[tuple[str, str]]:
    """(paragraph id, text) of every segment annotation ``n`` covers."""
    return [
        (p.id, s.text)
        for p in view.paragraphs
        for s in p.segments
        if any(e.n == n for e in s.marks)
    ]


# -- the segmenter ---------------------------------------------------------------------------


def test_no_annotations_one_segment_per_paragraph(small):
    view = edition_view(small, [], default_vocabulary())
    assert [p.id for p in view.paragraphs] == ["title", "p1", "p2", "p3"]
    for p, para in zip(view.paragraphs, small.paragraphs, strict=True):
        assert [s.text for s in p.segments] == [small.text[para.start : para.end]]
        assert p.segments[0].marks == ()
    assert [p.scene_break_before for p in view.paragraphs] == [False, False, False, True]


def test_overlapping_annotations_split_at_every_boundary(small):
    p1 = small.paragraph("p1")
    a = ann(small, p1.start + 6, p1.start + 25)  # "paragraph has some "
    b = ann(small, p1.start + 16, p1.start + 40, tropes=("first-kiss",))
    view = edition_view(small, [b, a], default_vocabulary())
    para = next(p for p in view.paragraphs if p.id == "p1")
    got = [(s.text, tuple(e.n for e in s.marks), tuple(e.n for e in s.refs)) for s in para.segments]
    text = small.text
    assert got == [
        (text[p1.start : p1.start + 6], (), ()),
        (text[p1.start + 6 : p1.start + 16], (1,), ()),
        (text[p1.start + 16 : p1.start + 25], (1, 2), (1,)),
        (text[p1.start + 25 : p1.start + 40], (2,), (2,)),
        (text[p1.start + 40 : p1.end], (), ()),
    ]
    one, two = view.entries
    assert (one.lane, two.lane) == (0, 1)
    assert "L1" in two.cls.split() and "L1" not in one.cls.split()


def test_nested_and_identical_spans(small):
    p1 = small.paragraph("p1")
    outer = ann(small, p1.start, p1.end)
    inner = ann(small, p1.start + 6, p1.start + 15, tropes=("first-kiss",))
    twin = ann(small, p1.start + 6, p1.start + 15, tropes=("banter",))
    view = edition_view(small, [inner, outer, twin], default_vocabulary())
    para = next(p for p in view.paragraphs if p.id == "p1")
    assert "".join(s.text for s in para.segments) == small.text[p1.start : p1.end]
    assert [tuple(e.n for e in s.marks) for s in para.segments] == [(1,), (1, 2, 3), (1,)]
    assert [e.lane for e in view.entries] == [0, 1, 2]
    # the outer annotation's marker comes at the very end of the paragraph
    assert [e.n for e in para.segments[-1].refs] == [1]


def test_annotation_across_paragraphs_is_clipped_and_noted_where_it_ends(small):
    p1, p2 = small.paragraph("p1"), small.paragraph("p2")
    a = ann(small, p1.start + 30, p2.start + 6, note="Spans two paragraphs.")
    view = edition_view(small, [a], default_vocabulary())
    assert spans_of(view, 1) == [
        ("p1", small.text[p1.start + 30 : p1.end]),
        ("p2", small.text[p2.start : p2.start + 6]),
    ]
    entry = view.entries[0]
    assert (entry.paragraph, entry.note_paragraph, entry.paragraph_number) == ("p1", "p2", 1)
    assert [e.n for p in view.paragraphs if p.id == "p2" for e in p.notes] == [1]


def test_segments_match_a_brute_force_cover_on_the_real_story(story):
    rng = random.Random(7)
    n = len(story.text)
    annotations = []
    for _ in range(300):
        start = rng.randrange(0, n - 2)
        end = min(n, start + rng.randint(1, 400))
        if story.text[start:end].strip():
            annotations.append(
                ann(story, start, end, tropes=(rng.choice(["slow-dance", "banter", "fluff"]),))
            )
    view = edition_view(story, annotations, default_vocabulary())
    spans = {e.n: (e.start, e.end) for e in view.entries}
    for p, para in zip(view.paragraphs, story.paragraphs, strict=True):
        assert "".join(s.text for s in p.segments) == story.text[para.start : para.end]
        pos = para.start
        for s in p.segments:
            expected = {k for k, (a, b) in spans.items() if a <= pos and pos + len(s.text) <= b}
            covering_any = {k for k, (a, b) in spans.items() if a < pos + len(s.text) and pos < b}
            assert {e.n for e in s.marks} == expected == covering_any, (p.id, pos)
            assert [e.lane for e in s.marks] == sorted(e.lane for e in s.marks)
            pos += len(s.text)
    refs = [e.n for p in view.paragraphs for s in p.segments for e in s.refs]
    assert sorted(refs) == sorted(spans), "exactly one note marker per annotation"


def test_segmenting_scales_linearly():
    words = "the mask slipped as they danced under paper lanterns and nobody saw".split()
    rng = random.Random(3)
    paras = [
        " ".join(rng.choice(words) for _ in range(rng.randint(20, 80))) + "." for _ in range(2500)
    ]
    text = "Long Story\n\n" + "\n\n".join(paras)
    story = Story.from_text("long-story", text, {"title": "Long Story"})
    ids = [t.id for t in default_vocabulary().tropes]
    annotations = []
    for i in range(5000):
        s = rng.randrange(0, len(text) - 300)
        e = s + rng.randint(5, 300)
        if text[s:e].strip():
            annotations.append(
                make_annotation(
                    text, story.id, s, e, creator="ada", tropes=[rng.choice(ids)], id=f"urn:x:{i}"
                )
            )
    from annotator.edition.fragments import fragments

    t = time.perf_counter()
    view = edition_view(story, annotations, default_vocabulary())
    fragments(view)
    elapsed = time.perf_counter() - t
    assert len(view.entries) == len(annotations)
    assert elapsed < 8, (
        f"{len(annotations)} annotations over {len(paras)} paragraphs took {elapsed:.1f} s"
    )


def test_orphans_and_stale_offsets(small):
    p1 = small.paragraph("p1")
    good = ann(small, p1.start, p1.start + 5)
    from dataclasses import replace

    from annotator.anchoring import TextQuote

    moved = replace(ann(small, p1.start + 6, p1.start + 15), start=p1.start + 1, end=p1.start + 10)
    lost = replace(
        ann(small, p1.start + 20, p1.start + 30, note="gone"),
        quote=TextQuote("words that are not in this story at all"),
        orphan=True,
    )
    view = edition_view(small, [good, moved, lost], default_vocabulary())
    assert [(e.start, e.end) for e in view.entries] == [
        (p1.start, p1.start + 5),
        (p1.start + 6, p1.start + 15),
    ]
    assert [o.quote for o in view.orphans] == ["words that are not in this story at all"]
    assert view.orphans[0].anchor == "o1" and view.total == 3


def test_links_both_ways_and_unknown_tropes(small):
    p1, p3 = small.paragraph("p1"), small.paragraph("p3")
    setup = ann(small, p1.start, p1.start + 5)
    payoff = ann(small, p3.start, p3.start + 5, tropes=("not-in-vocabulary",))
    from annotator.annotation import make_link

    link = make_link(small.id, setup.id, payoff.id, creator="bo", note="Pays off.")
    view = edition_view(small, [setup, payoff, link], default_vocabulary())
    (k,) = view.links
    assert (k.setup.n, k.payoff.n) == (1, 2)
    assert view.entries[0].sets_up == [k] and view.entries[1].pays_off == [k]
    unknown = [t for t in view.tropes if not t.known]
    assert [t.label for t in unknown] == ["not-in-vocabulary"]
    assert [r.name for r in view.readers] == ["ada", "bo"]


def test_chapters_cite_chapter_and_paragraph():
    text = "Chapter One\n\nFirst para.\n\nSecond para.\n\nChapter Two\n\nThird para here."
    c2 = text.index("Chapter Two")
    story = Story.from_text(
        "two-chapters",
        text,
        {"title": "Book"},
        chapters=[("Chapter One", 0, c2), ("Chapter Two", c2, len(text))],
    )
    third = text.index("Third")
    view = edition_view(story, [ann(story, third, third + 5)], default_vocabulary())
    assert [p.id for p in view.paragraphs] == ["c1-title", "c1-p1", "c1-p2", "c2-title", "c2-p1"]
    assert view.entries[0].ref == "¶2.1" and view.entries[0].paragraph == "c2-p1"
    from annotator.edition.fragments import fragments

    html = str(fragments(view)["story"])
    assert '<h3 class="tx" id="c2-title">Chapter Two</h3>' in html
    assert '<p class="tx" id="c2-p1" data-n="1">' in html


def test_index_and_timeline(story):
    p = story.paragraph("p12")
    a = ann(story, p.start + 4, p.start + 30, tropes=("slow-dance", "banter"))
    view = edition_view(story, [a], default_vocabulary())
    index = {t.id: snippets for t, snippets in view.index}
    assert set(index) == {"slow-dance", "banter"}
    (snippet,) = index["slow-dance"]
    assert snippet.exact == " ".join(story.text[p.start + 4 : p.start + 30].split())
    assert snippet.entry.paragraph == "p12"
    rows = {row.trope.id: row for row in view.timeline}
    assert len(rows["banter"].ticks) == 1
    x, width, entry = rows["banter"].ticks[0]
    assert 210 < x < 1000 and width >= 2.5 and entry is snippet.entry


# -- the page's language -----------------------------------------------------------------------


def test_language_code():
    assert language_code("English") == "en"
    assert language_code(["Français"]) == "fr"
    assert language_code("pt-BR") == "pt-BR"
    assert language_code('"><script>') == "en"


# -- notes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note, forbidden",
    [
        ("<script>window.__pwned=1</script>", "<script"),
        (PWN, "<img"),
        ("[click](javascript:window.__pwned=1)", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", "href="),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href="),
        ("[x](vbscript:msgbox)", "href="),
        ("![pic](https://evil.example/track.png)", "<img"),
        ("<svg onload=alert(1)>", "<svg"),
        ('[x](https://e.org "title" onmouseover="alert(1)")', 'onmouseover="alert'),
        ("# Heading", "<h1"),
    ],
)
def test_notes_are_safe(note, forbidden):
    html = str(render_note(note))
    assert forbidden not in html.lower()


def test_notes_markdown_and_links():
    html = str(
        render_note(
            "*so* [TV Tropes](https://tvtropes.org) [p](#p12) [m](mailto:a@b.org) ![a <b>](https://e.org/x.png)"
        )
    )
    assert "<em>so</em>" in html
    assert '<a href="https://tvtropes.org" rel="noopener noreferrer nofollow">' in html
    assert '<a href="#p12">' in html and 'href="mailto:a@b.org"' in html
    assert "[image: a &lt;b&gt;]" in html
    assert str(render_note("a\n\nb <i>", "text/plain")) == "<p>a</p>\n<p>b &lt;i&gt;</p>"
    assert safe_link("https://x.org/a?b=1") and safe_link("#p1")
    assert (
        not safe_link("javascript:alert(1)")
        and not safe_link("//evil.org")
        and not safe_link("x.html")
    )


def test_plain_notes_fast_path_renders_like_markdown():
    from annotator.edition.notes import _markdown

    data = json.loads((ROOT / "story" / "annotations" / "one-dance.jsonld").read_text())
    notes = [
        b["value"]
        for a in data["first"]["items"]
        for b in a["body"]
        if b.get("purpose") == "commenting"
    ]
    notes += [
        'He said "hi".',
        "trailing  ",
        "C# and 3.5",
        "ends\u00a0",
        "x = y",
        "1 2 3",
        "emoji 💃",
    ]
    for note in notes:
        assert str(render_note(note)) == _markdown().render(note), note


def test_json_for_script_cannot_break_out():
    data = {"note": SCRIPT + "&amp; ]]> \u2028", "id": "urn:x:</SCRIPT >"}
    out = str(json_for_script(data))
    assert not set("<>&") & set(out)
    assert json.loads(out) == data


# -- the exporter -------------------------------------------------------------------------------


def test_exporter_is_registered_and_declarative():
    from importlib.metadata import entry_points

    from nbconvert.exporters import get_export_names, get_exporter

    from annotator.edition.exporter import AnnotatedEditionExporter

    assert get_exporter("annotated-edition") is AnnotatedEditionExporter
    assert "annotated-edition" in get_export_names()
    assert any(ep.name == "annotated-edition" for ep in entry_points(group="nbconvert.exporters"))
    from nbconvert.exporters import HTMLExporter

    exporter = AnnotatedEditionExporter()
    assert isinstance(exporter, HTMLExporter)
    assert exporter.template_name == "annotated-edition"
    assert exporter.output_mimetype == "text/html" and exporter.file_extension == ".html"
    assert AnnotatedEditionExporter.export_from_notebook == "Annotated edition"
    template = EDITION / "templates" / "annotated-edition"
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    assert (
        (template / "index.html.j2").read_text().startswith("{%- extends 'lab/index.html.j2' -%}")
    )


def test_exporter_import_is_cheap():
    code = (
        "import sys, annotator.edition.exporter as e; "
        "heavy = [m for m in ('annotator.edition.view', 'annotator.edition.context', "
        "'annotator.edition.model', 'annotator.edition.layout', 'annotator.edition.colours', "
        "'markdown_it', "
        "'annotator.store', 'sqlite3') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    imported = eval(out.stdout.strip())  # noqa: S307 - our own output
    assert "annotator.edition.view" not in imported and "markdown_it" not in imported
    assert "annotator.edition.context" not in imported
    assert not {"annotator.edition.model", "annotator.edition.layout"} & set(imported)
    assert "annotator.edition.colours" not in imported


def test_build_edition_on_a_fresh_store_is_the_shipped_edition(db):
    html = build_edition("one-dance", db=db)
    page = assert_safe(html)
    data = embedded(html)
    shipped = json.loads((ROOT / "story" / "annotations" / "one-dance.jsonld").read_text())
    assert data["total"] == shipped["total"] == len(data["first"]["items"])
    assert {a["id"] for a in data["first"]["items"]} == {a["id"] for a in shipped["first"]["items"]}
    text_ids = {a["id"] for a in shipped["first"]["items"] if a["motivation"] != "linking"}
    marked = {a["data-a"] for t, a in page.tags if t == "mark"}
    assert len(marked) == len(text_ids), "every text annotation is highlighted"
    assert html.count('class="lg ') == len(
        {
            b["value"]
            for a in shipped["first"]["items"]
            for b in a["body"]
            if b.get("purpose") == "tagging"
        }
    )
    assert '<html lang="en">' in html and "<title>One Dance</title>" in html
    assert "author unknown" in html
    assert build_edition("one-dance", db=db) == html, "deterministic"


def test_page_structure_anchors_and_landmarks(db):
    html = build_edition("one-dance", db=db)
    page = Page(html)
    ids = page.ids
    assert len(ids) == len(set(ids)), "ids are unique"
    for href in page.hrefs():
        if href.startswith("#") and len(href) > 1:
            assert href[1:] in ids, f"dangling link {href}"
    story = load_story("one-dance")
    for p in story.body_paragraphs:
        assert p.id in ids
    for landmark in ("header", "nav", "main", "aside", "footer"):
        assert len(page.named(landmark)) == 1, landmark
    first_link = next(a for t, a in page.tags if t == "a")
    assert first_link == {"class": "skip", "href": "#story"}
    # the Content-Security-Policy lets exactly the page's own script run
    (csp,) = [
        m["content"] for m in page.named("meta") if m.get("http-equiv") == "Content-Security-Policy"
    ]
    (script,) = [text for attrs, text in page.scripts if not attrs]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "@media print" in html and "prefers-color-scheme: dark" in html


def test_no_external_resources(db):
    html = build_edition("one-dance", db=db)
    page = assert_safe(html)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html)
    assert "@import" not in html
    assert not re.search(r"""\bsrc\s*=\s*["']?(?:https?:)?//""", html)
    external = [h for h in page.hrefs() if h.startswith("http")]
    assert external and all(h.startswith("https://tvtropes.org/") for h in external)


def test_readers_filter_the_edition(db):
    html = build_edition("one-dance", db=db, readers=["nobody"])
    assert not assert_safe(html).named("mark") and embedded(html)["total"] == 0


def test_same_edition_from_the_notebook_and_build_edition(db, monkeypatch):
    import nbformat

    from annotator.edition.exporter import AnnotatedEditionExporter

    monkeypatch.setenv("ANNOTATOR_DB", str(db))
    notebook = nbformat.read(ROOT / "notebooks" / "03-export-edition.ipynb", as_version=4)
    assert notebook.metadata["annotator"] == {"story": "one-dance", "readers": None}
    from_notebook, resources = AnnotatedEditionExporter().from_notebook_node(notebook)
    about = re.findall(r'\n<div class="about-cell">.*?</div>', from_notebook, re.S)
    assert len(about) == 1 and "How this edition was made" in about[0]
    assert "print(" not in from_notebook and "AnnotatedEditionExporter" not in from_notebook
    assert from_notebook.replace(about[0], "") == build_edition("one-dance", db=db)
    assert resources["edition"]["view"].total == 65 + 0


def test_cli_export(db, tmp_path, capsys):
    from annotator.cli import main

    out = tmp_path / "site" / "one-dance.html"
    assert main(["export", "--story", "one-dance", "--db", str(db), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert embedded(html)["total"] == 70
    assert main(["export", "--story", "no-such-story", "--db", str(db), "-o", str(out)]) == 1
    assert "no story 'no-such-story'" in capsys.readouterr().err


def test_nbconvert_command_line(tmp_path, db):
    env = {**__import__("os").environ, "ANNOTATOR_DB": str(db)}
    jupyter = Path(sys.executable).with_name("jupyter")
    run = subprocess.run(
        [str(jupyter), "nbconvert", "--to", "annotated-edition",
         "notebooks/03-export-edition.ipynb", "--output-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "03-export-edition.html").read_text(encoding="utf-8")
    assert_safe(html)
    assert embedded(html)["total"] == 70 and "How this edition was made" in html


# -- data in the page -----------------------------------------------------------------------------


def _comparable(a) -> dict:
    w = to_w3c(a)
    w.pop("@context", None)
    target = w["target"]
    if isinstance(target, dict):
        target = {k: v for k, v in target.items() if k != "state"}
    return {
        "id": w["id"],
        "creator": w["creator"],
        "motivation": w["motivation"],
        "body": w["body"],
        "target": target,
    }


def test_round_trip_export_then_import(db, tmp_path, story):
    with fresh_store(db) as store:
        reading = Reading(story, store, "ada")
        p3, p12 = story.paragraph("p3"), story.paragraph("p12")
        a = reading.annotate(
            p3.start, p3.start + 40, tropes=["slow-dance"], note="*Set-up* " + SCRIPT
        )
        b = reading.annotate(
            p12.start + 5, p12.start + 60, tropes=["first-kiss", "banter"], colour="#123456"
        )
        c = reading.annotate(p12.start + 20, p12.start + 30, note="Just a note.")
        reading.link(a.id, b.id, note="Pays off later.")
        before = {x.id: _comparable(x) for x in store.annotations(story.id)}
    out = tmp_path / "edition.html"
    out.write_text(build_edition("one-dance", db=db), encoding="utf-8")
    with fresh_store(tmp_path / "other.db") as other:
        report = import_file(other, out)
        after = {x.id: _comparable(x) for x in other.annotations(story.id)}
    assert report.total == 4 and report.added == 4 and "edition" in report.format
    assert after == before
    assert {a.id, b.id, c.id} <= set(after)


def test_round_trip_of_the_shipped_edition(db, tmp_path):
    out = tmp_path / "one-dance.html"
    out.write_text(build_edition("one-dance", db=db), encoding="utf-8")
    with Store(db) as original:
        before = {x.id: _comparable(x) for x in original.annotations("one-dance")}
    with fresh_store(tmp_path / "other.db") as other:
        import_file(other, out)
        after = {x.id: _comparable(x) for x in other.annotations("one-dance")}
    assert len(after) == 70 and after == before


# -- hostile input --------------------------------------------------------------------------------


def hostile_edition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A story, vocabulary, readers and notes full of payloads; returns the edition's HTML.

    Also used by the browser tests, which open it and check that nothing runs.
    """
    stories = tmp_path / "stories"
    stories.mkdir()
    text = (
        f"Evil {PWN}\n\n"
        f"The first paragraph quotes {SCRIPT} inside the story text itself.\n\n"
        f"A second paragraph with {SVG} and an ampersand & a <b>bold</b> claim."
    )
    (stories / "evil-story.txt").write_text(text, encoding="utf-8")
    meta = {
        "title": f"Evil {PWN}",
        "author": SCRIPT,
        "author_note": SVG,
        "rating": PWN,
        "archive_warnings": [SCRIPT],
        "category": [PWN],
        "fandom": ['"><script>window.__pwned=1</script>'],
        "relationship": [SVG],
        "characters": [PWN, SCRIPT],
        "additional_tags": ["javascript:window.__pwned=1", PWN],
        "language": '"><img src=x onerror=window.__pwned=1>',
        "summary": f"{SCRIPT}\n\n{PWN}",
    }
    (stories / "evil-story.json").write_text(json.dumps(meta), encoding="utf-8")
    monkeypatch.setenv("ANNOTATOR_STORIES", str(stories))
    vocab = tmp_path / "vocab.json"
    vocab.write_text(
        json.dumps(
            {
                "categories": [{"id": "evil", "label": PWN}],
                "tropes": [
                    {
                        "id": "evil-trope",
                        "label": PWN,
                        "definition": SCRIPT,
                        "category": "evil",
                        "colour": "#123456",
                    },
                    {"id": "slow-dance", "label": SVG, "definition": SVG},
                ],
            }
        ),
        encoding="utf-8",
    )
    vocabulary = load_vocabulary(extra=vocab)
    story = load_story("evil-story")
    db = tmp_path / "evil.db"
    with fresh_store(db) as store:
        first = story.paragraph("p1")
        second = story.paragraph("p2")
        evil = Reading(story, store, "<script>window.__pwned=1</script>", vocabulary)
        x = evil.annotate(
            first.start,
            first.end,
            tropes=["evil-trope", "slow-dance"],
            note=f"{SCRIPT} [x](javascript:window.__pwned=1) {PWN}",
        )
        y = evil.annotate(
            second.start + 2,
            second.end - 3,
            tropes=["slow-dance"],
            note=f"![x](https://evil.example/x.png) {SVG}",
        )
        other = Reading(story, store, PWN, vocabulary)
        other.annotate(
            story.paragraphs[0].start, story.paragraphs[0].end, note=f"# {PWN}\n\n> {SCRIPT}"
        )
        other.link(x.id, y.id, note=SCRIPT)
        from dataclasses import replace

        from annotator.anchoring import TextQuote

        store.add(
            replace(
                x,
                id='urn:evil:"><img/src=x/onerror=window.__pwned=1>',
                quote=TextQuote(f"gone {PWN}"),
                orphan=True,
            )
        )
    return build_edition("evil-story", db=db, vocab=vocab)


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    return hostile_edition(tmp_path, monkeypatch)


def test_every_field_is_escaped(hostile, tmp_path):
    page = assert_safe(hostile)
    assert "<title>Evil &lt;img src=x onerror=" in hostile
    assert '<html lang="en">' in hostile
    # the payloads are shown to the reader as text
    assert "&lt;img src=x onerror=" in hostile and "&lt;/script&gt;" in hostile
    # and travel intact in the data block
    data = embedded(hostile)
    assert any(a["id"].startswith('urn:evil:"><img') for a in data["first"]["items"])
    assert {a["creator"]["name"] for a in data["first"]["items"]} == {
        "<script>window.__pwned=1</script>",
        PWN,
    }
    assert len(page.named("mark")) >= 3
    (tmp_path / "evil.html").write_text(hostile, encoding="utf-8")
    with fresh_store(tmp_path / "back.db") as store:
        assert (
            import_file(
                store,
                tmp_path / "evil.html",
                vocabulary=load_vocabulary(extra=tmp_path / "vocab.json"),
            ).total
            == 5
        )


def test_edition_notebook_metadata():
    nb = edition_notebook("one-dance", ["ada"])
    assert nb.metadata["annotator"] == {"story": "one-dance", "readers": ["ada"]}
    assert nb.cells == []


def test_collection_in_page_matches_the_store(db):
    html = build_edition("one-dance", db=db)
    with Store(db) as store:
        expected = collection(store.annotations("one-dance"), "One Dance: annotations")
    for item in expected["first"]["items"]:
        item.pop("@context")
    assert embedded(html) == expected


def test_private_and_group_annotations_stay_out_of_the_edition(db: Path):
    story = load_story("one-dance")
    store = Store(db)
    mine = Reading(story, store, "ada")
    public = mine.annotate(100, 140, tropes=["slow-dance"], note="shared with all")
    private = mine.annotate(200, 240, tropes=["slow-dance"], note="only for me", audience="private")
    group = mine.annotate(300, 340, tropes=["slow-dance"], note="for the class", audience="group:class")
    store.close()
    html = build_edition("one-dance", db=db, readers=["ada"])
    ids = {a["id"] for a in embedded(html)["first"]["items"]}
    assert public.id in ids and private.id not in ids and group.id not in ids
    assert "only for me" not in html and "for the class" not in html
