"""The exported edition in Chromium, opened from file:// with no server and no network.

Three editions are built once per module: the shipped one (fresh store), one
with a second reader whose annotations overlap the editor's, and a hostile one
whose every field carries a script payload.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.edition import build_edition
from annotator.library import load_story, open_store
from annotator.reading import Reading

from . import harness

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
NARROW = {"width": 390, "height": 844}
TRAP = """
window.__alerts = [];
window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };
window.__copied = [];
Object.defineProperty(navigator, 'clipboard', {
  configurable: true,
  value: { writeText: function (t) { window.__copied.push(t); return Promise.resolve(); } },
});
"""


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    shipped = out / "one-dance.html"
    shipped.write_text(build_edition("one-dance", db=out / "shipped.db"), encoding="utf-8")

    story = load_story("one-dance")
    with open_store(out / "mixed.db") as store:
        ada = Reading(story, store, "ada")
        p3, p5 = story.paragraph("p3"), story.paragraph("p5")
        ada.annotate(
            p3.start + 10, p3.start + 90, tropes=["fluff"], note="Ada's *overlapping* note."
        )
        ada.annotate(p5.start, p5.end, tropes=["hurt-comfort"], note="A whole paragraph.")
    mixed = out / "mixed.html"
    mixed.write_text(build_edition("one-dance", db=out / "mixed.db"), encoding="utf-8")

    import test_edition  # tests/ is on sys.path: the hostile edition is built there

    with pytest.MonkeyPatch.context() as mp:
        hostile = out / "hostile.html"
        hostile.write_text(test_edition.hostile_edition(out, mp), encoding="utf-8")
    return {"shipped": shipped, "mixed": mixed, "hostile": hostile}


def _open(page, path: Path, fragment: str = "") -> None:
    page.add_init_script(TRAP)
    page.goto(path.as_uri() + fragment)
    page.wait_for_function("document.documentElement.classList.contains('js')")


def _local_only(page) -> None:
    foreign = [u for u in page.requests if not u.startswith("file://")]
    assert foreign == [], f"network requests: {foreign}"
    assert page.console_errors == [] and page.page_errors == []


def _embedded(path: Path) -> dict:
    html = path.read_text(encoding="utf-8")
    raw = re.search(
        r'<script[^>]*id="annotator-annotations"[^>]*>(.*?)</script>', html, re.S
    ).group(1)
    return json.loads(raw)


def test_every_annotation_is_highlighted(page, editions):
    _open(page, editions["shipped"])
    items = _embedded(editions["shipped"])["first"]["items"]
    text_annotations = [a for a in items if a["motivation"] != "linking"]
    drawn = page.evaluate(
        """() => {
          const seen = {};
          for (const m of document.querySelectorAll('mark[data-a]')) {
            const box = m.getBoundingClientRect();
            const bg = getComputedStyle(m).backgroundColor;
            if (box.width > 0 && bg !== 'rgba(0, 0, 0, 0)') seen[m.dataset.a] = true;
          }
          return Object.keys(seen).length;
        }"""
    )
    assert drawn == len(text_annotations) == 65
    # every highlight has its margin note and its note marker
    assert page.locator(".mn .ne").count() == 65
    assert page.locator("a.nr").count() == 65
    assert page.locator(".mn .ne").first.is_visible()
    _local_only(page)


def test_legend_filters_hide_and_show(page, editions):
    _open(page, editions["shipped"])
    legend = page.locator(".side button.lg[data-f]").filter(has_text="Mask reveal")
    trope_class = legend.get_attribute("data-f")
    total = page.locator("mark[data-a]").count()
    legend.click()
    assert legend.get_attribute("aria-pressed") == "true"
    state = page.evaluate(
        """(cls) => {
          const marks = [...document.querySelectorAll('mark[data-a]')];
          const on = marks.filter(m => !m.classList.contains('off'));
          return {
            on: on.length,
            allMatch: on.every(m => m.classList.contains(cls)),
            offAreBare: marks.filter(m => m.classList.contains('off'))
              .every(m => getComputedStyle(m).backgroundColor === 'rgba(0, 0, 0, 0)'),
            notes: [...document.querySelectorAll('.mn .ne')]
              .filter(n => n.offsetParent !== null).length,
          };
        }""",
        trope_class,
    )
    assert 0 < state["on"] < total and state["allMatch"] and state["offAreBare"]
    assert state["notes"] == 6
    assert "Showing 6 of 65" in page.locator(".status").inner_text()
    legend.click()
    assert page.locator("mark[data-a].off").count() == 0
    assert page.locator(".status").inner_text() == ""
    _local_only(page)


def test_reader_filter(page, editions):
    _open(page, editions["mixed"])
    ada = page.locator(".side button.rd").filter(has_text="ada")
    ada.click()
    visible = page.evaluate(
        "() => [...document.querySelectorAll('.mn .ne')].filter(n => n.offsetParent !== null)"
        ".map(n => n.querySelector('.by').textContent)"
    )
    assert visible == ["ada", "ada"]
    page.get_by_role("button", name="Show all").click()
    assert page.locator("mark[data-a].off").count() == 0
    # overlapping annotations nest: some segment carries both readers' marks
    nested = page.locator("mark.r0 mark.r1, mark.r1 mark.r0").count()
    assert nested > 0
    _local_only(page)


def test_anchors_and_index_links_land_on_their_paragraphs(page, editions):
    _open(page, editions["shipped"], "#p40")
    in_view = (
        "(id) => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.top < innerHeight / 2; }"
    )
    assert page.evaluate(in_view, "p40")
    page.goto(editions["shipped"].as_uri() + "#index")
    link = page.locator(".kwic a.kp").nth(3)
    target = link.get_attribute("href")
    link.click()
    page.wait_for_function("(h) => location.hash === h", arg=target)
    assert page.evaluate(in_view, target[1:])
    # a timeline tick is a link to its paragraph too
    tick = page.locator("svg.tl a.tk").first
    href = tick.get_attribute("href")
    tick.click()
    page.wait_for_function("(h) => location.hash === h", arg=href)
    assert page.evaluate(in_view, href[1:])
    _local_only(page)


def test_copy_link(page, editions):
    _open(page, editions["shipped"])
    page.locator("#p12").scroll_into_view_if_needed()
    page.locator("#p12").hover()
    page.locator('a.pn[href="#p12"]').click()
    page.wait_for_function("window.__copied.length === 1")
    copied = page.evaluate("window.__copied[0]")
    assert copied == editions["shipped"].as_uri() + "#p12"
    assert page.evaluate("location.hash") == "#p12"
    assert "copied" in page.locator(".toast").inner_text()
    _local_only(page)


def test_keyboard_reaches_notes(page, editions):
    _open(page, editions["shipped"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "story"
    # The title's margin note comes first (notes precede their paragraph, so
    # that they float beside it), then the title with its note marker.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.ne').id") == "n1"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", (
        "visible focus"
    )
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "r1":
            break
    assert page.evaluate("document.activeElement.id") == "r1"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "n1"
    _local_only(page)


def test_narrow_screen_pops_notes_up(browser, editions):
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _open(page, editions["shipped"])
        assert not page.locator(".mn").first.is_visible()
        marker = page.locator("a.nr").nth(2)
        marker.scroll_into_view_if_needed()
        marker.click()
        pop = page.locator(".pop")
        assert pop.is_visible()
        assert pop.locator(".ne").count() == 1 and "editor" in pop.inner_text().lower()
        page.keyboard.press("Escape")
        assert not pop.is_visible()
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [harness.VIEWPORT, NARROW], ids=["wide", "narrow"])
def test_without_javascript_notes_are_visible(browser, editions, viewport):
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(editions["shipped"].as_uri())
        notes = page.locator(".mn .ne")
        assert notes.count() == 65
        notes.nth(10).scroll_into_view_if_needed()
        assert notes.nth(10).is_visible() and "editor" in notes.nth(10).inner_text().lower()
        assert page.locator("mark[data-a]").first.is_visible()
        assert page.locator(".side a.lg").count() > 0, (
            "the legend is still there, as links to the index"
        )
        assert not page.locator(".status").is_visible()
    finally:
        context.close()


def test_hostile_edition_runs_no_script(page, editions):
    _open(page, editions["hostile"])
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__alerts") == []
    # the page's own script did run (CSP allows exactly it) and shows the payloads as text
    assert page.locator(".side button.lg").count() >= 2
    assert "<img src=x onerror=" in page.locator("h1.title").inner_text()
    assert page.locator("img, iframe, object, embed").count() == 0
    assert page.locator("svg").count() == 1
    page.locator("a.nr").first.click()
    page.locator(".side button.lg").first.click()
    page.locator(".side button.lg").first.click()
    page.locator("mark[data-a]").first.click()
    assert page.evaluate("window.__pwned") is None
    _local_only(page)


def test_print_shows_endnotes_without_filters(page, editions):
    _open(page, editions["shipped"])
    page.emulate_media(media="print")
    assert not page.locator("nav.side").is_visible()
    heading = page.locator(".story .endnotes-h")
    assert heading.is_visible()
    last_paragraph = page.locator(".story p.tx").last.bounding_box()
    first_note = page.locator(".mn .ne").first.bounding_box()
    assert first_note["y"] > last_paragraph["y"] > 0, "notes follow the story as endnotes"
    assert heading.bounding_box()["y"] < first_note["y"]


def test_dark_mode(browser, editions):
    context = browser.new_context(viewport=harness.VIEWPORT, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(editions["shipped"].as_uri())
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(27, 25, 23)"
    finally:
        context.close()


def test_screenshots(browser, editions):
    """docs/screenshots/edition-wide.png and edition-narrow.png (with a note popped up)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("wide", harness.VIEWPORT), ("narrow", NARROW)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            page.goto(editions["shipped"].as_uri())
            page.wait_for_function("document.documentElement.classList.contains('js')")
            page.evaluate(
                "document.querySelector('#story').scrollIntoView({block: 'start'});"
                " window.scrollBy(0, -24)"
            )
            if name == "narrow":
                page.evaluate("window.scrollBy(0, 150)")
                page.locator("#r3").click()
                page.locator(".pop").wait_for()
                page.evaluate("document.activeElement.blur()")
            page.screenshot(path=str(SCREENSHOTS / f"edition-{name}.png"))
        finally:
            context.close()
    assert (SCREENSHOTS / "edition-wide.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "edition-narrow.png").stat().st_size > 10_000
