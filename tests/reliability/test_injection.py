"""Injection: nothing a user types runs as script, and nothing leaves the page.

Seventy payloads (:mod:`payloads`: script tags, event handlers, ``javascript:``
and ``data:`` URLs, SVG and MathML, CSS and resource loads, ``</script>``
inside JSON, entity and Unicode tricks) go through every user-controlled
field: notes (Markdown and plain), trope labels and definitions and category
labels of a user vocabulary, reader names, annotation ids, the story's title,
metadata and text. They are rendered

* by the exported edition (``build_edition``), loaded in Chromium from
  ``file://``: as shipped, and once more with its Content-Security-Policy
  removed, so that the escaping alone is tested, not only the CSP;
* by the Reader widget in a real JupyterLab (see ``test_reader_widget``).

Traps: ``alert``/``confirm``/``prompt``/``print`` are replaced and a setter
on ``window.__xss`` records any write, in every frame, from before the page's
own scripts run; dialogs and console messages are recorded too; every
request is recorded and any that is not ``file:``/``data:`` (edition) or
the Lab server itself (widget) is aborted and counted. Then every element
gets synthetic mouse-over, focus and click events, every note is opened,
and the DOM is checked for elements and attributes the payloads would add.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from . import payloads

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TRAP = """
(() => {
  const hits = [];
  Object.defineProperty(window, '__xssHits', {value: hits});
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = (...a) => { hits.push(name + ':' + a.join(' ')); };
  }
  Object.defineProperty(window, '__xss', {
    set(v) { hits.push('__xss=' + v); }, get() { return undefined; }, configurable: false,
  });
})();
"""

# Everything a page may contain besides what the clean edition has: the tags
# a Markdown note renders to.
MARKDOWN_TAGS = {
    "p",
    "em",
    "strong",
    "code",
    "pre",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "br",
    "hr",
    "span",
}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data|file):", re.I)

PROVOKE = """() => {
  const all = Array.from(document.querySelectorAll('body *'));
  for (const el of all) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'toggle', 'animationstart']) {
      try { el.dispatchEvent(new Event(type, {bubbles: true})); } catch (e) {}
    }
    // Click everything but links that would navigate away (their targets are checked statically).
    const a = el.closest('a[href]');
    if (!a || a.getAttribute('href').startsWith('#')) { try { el.click(); } catch (e) {} }
  }
  return all.length;
}"""

DOM_REPORT = """() => {
  const tags = new Set(), onattrs = [], urls = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      tags.add(el.localName);
      for (const at of el.attributes) {
        const n = at.name.toLowerCase();
        if (n.startsWith('on')) onattrs.push(el.localName + '[' + n + ']');
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data', 'ping', 'poster', 'background'].includes(n))
          urls.push(el.localName + '[' + n + ']=' + at.value.slice(0, 80));
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return {tags: Array.from(tags), onattrs, urls,
          scripts: document.querySelectorAll('script').length,
          hits: window.__xssHits ? Array.from(window.__xssHits) : ['trap missing']};
}"""


class Trapped:
    """A page with the traps set and every request recorded."""

    def __init__(self, browser: Any, allowed: Callable[[str], bool]) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(30_000)
        self.context.add_init_script(TRAP)
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []

        def route(r: Any) -> None:
            url = r.request.url
            if allowed(url):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def report(self) -> dict[str, Any]:
        dom = self.page.evaluate(DOM_REPORT)
        frames = [
            f.evaluate("() => window.__xssHits ? Array.from(window.__xssHits) : []")
            for f in self.page.frames[1:]
            if not f.is_detached()
        ]
        dom["hits"] += [h for hits in frames for h in hits]
        return dom

    def close(self) -> None:
        self.context.close()


def _file_only(url: str) -> bool:
    return url.startswith(("file://", "data:", "about:"))


def _load_edition(browser: Any, path: Path) -> dict[str, Any]:
    """Load a page with the traps set, provoke it, and report (runs in the browser thread)."""
    t = Trapped(browser, _file_only)
    t.page.goto(path.as_uri())
    t.page.wait_for_load_state("load")
    elements = t.page.evaluate(PROVOKE)
    # Open every note the way a reader does: the marks and buttons, with real clicks.
    for loc in t.page.locator("mark, button, summary, [role=button]").all()[:80]:
        try:
            loc.click(timeout=1000, force=True)
        except Exception:  # noqa: BLE001 - a hidden control is fine to skip
            pass
    t.page.keyboard.press("Tab")
    t.page.wait_for_timeout(300)
    report = t.report()
    report.update(
        elements_provoked=elements,
        dialogs=t.dialogs,
        blocked=t.blocked,
        console=t.console,
        body=t.page.inner_text("body"),
    )
    t.close()
    return report


def _verdict(report: dict[str, Any], allowed_tags: set[str], expected_scripts: int) -> list[str]:
    problems = []
    if report["hits"]:
        problems.append(f"script ran: {report['hits'][:5]}")
    if report["dialogs"]:
        problems.append(f"dialogs opened: {report['dialogs'][:5]}")
    if report["blocked"]:
        problems.append(f"requests tried to leave the page: {sorted(set(report['blocked']))[:5]}")
    leaks = [c for c in report["console"] if "__xss" in c]
    if leaks:
        problems.append(f"payload text reached the console: {leaks[:3]}")
    if report["onattrs"]:
        problems.append(f"event-handler attributes in the DOM: {report['onattrs'][:5]}")
    bad_urls = [u for u in report["urls"] if BAD_URL.match(u.split("=", 1)[1])]
    if bad_urls:
        problems.append(f"dangerous URLs in the DOM: {bad_urls[:5]}")
    extra = set(report["tags"]) - allowed_tags
    if extra:
        problems.append(f"elements a payload created: {sorted(extra)}")
    if report["scripts"] != expected_scripts:
        problems.append(f"{report['scripts']} <script> elements, expected {expected_scripts}")
    return problems


def test_exported_edition(chromium, editions, tmp_path, figures):
    # The clean edition tells which elements an edition is made of.
    clean_report = chromium.run(_load_edition, editions["shipped"])
    assert not clean_report["hits"]
    allowed = set(clean_report["tags"]) | MARKDOWN_TAGS
    scripts = clean_report["scripts"]

    html = editions["hostile"].read_text(encoding="utf-8")
    without_csp = tmp_path / "xss-no-csp.html"
    stripped, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert n == 1, "the edition has no CSP meta tag to remove"
    without_csp.write_text(stripped, encoding="utf-8")

    results = {}
    problems = []
    for name, path in (("with CSP", editions["hostile"]), ("CSP removed", without_csp)):
        report = chromium.run(_load_edition, path)
        found = _verdict(report, allowed, scripts)
        # The payloads must be visible as text (escaped), not silently dropped.
        shown = sum(1 for p in payloads.PAYLOADS if _visible(p) in report["body"])
        results[name] = {
            "script_ran": len(report["hits"]),
            "dialogs": len(report["dialogs"]),
            "requests_blocked": len(report["blocked"]),
            "injected_elements": len(set(report["tags"]) - allowed),
            "handler_attributes": len(report["onattrs"]),
            "payloads_shown_as_text": shown,
            "elements_provoked": report["elements_provoked"],
        }
        problems += [f"{name}: {p}" for p in found]
    figures.record(
        "injection_edition",
        payloads=len(payloads.PAYLOADS),
        fields=list(payloads.FIELDS),
        results=results,
        ok=not problems,
    )
    assert not problems, "\n".join(problems)


def _visible(payload: str) -> str:
    """A stretch of the payload that must appear as text when it is escaped."""
    words = re.findall(r"[A-Za-z_]{4,}", payload)
    return max(words, key=len) if words else payload.strip()[:4]


def test_the_traps_catch_a_real_injection(chromium, tmp_path, figures):
    """A control: a page that does get injected must fail every check above."""
    page = tmp_path / "injected.html"
    page.write_text(
        "<!doctype html><title>control</title><p>ok</p>"
        f'<img src=x onerror="{payloads.X}"><script>alert(1)</script>'
        f'<img src="{payloads.LEAK}.png"><a href="javascript:{payloads.X}">x</a>',
        encoding="utf-8",
    )
    report = chromium.run(_load_edition, page)
    found = _verdict(report, {"html", "head", "title", "body", "p"}, 0)
    caught = {
        "script": any("script ran" in p for p in found),
        "request": any("leave the page" in p for p in found),
        "handler": any("event-handler" in p for p in found),
        "url": any("dangerous URLs" in p for p in found),
        "element": any("elements a payload created" in p for p in found),
    }
    figures.record("injection_control", caught=caught, ok=all(caught.values()))
    assert all(caught.values()), (caught, found)


# -- the Reader widget in JupyterLab -------------------------------------------------------
WIDGET_NOTEBOOK = "reliability/xss.ipynb"

# Open every annotation's popover in turn and scan the widget after each, then
# provoke every element of the widget (never the rest of Lab: a click there
# runs Lab's own commands).
WIDGET_PROVOKE = """async (index) => {
  const root = document.querySelectorAll('.ann-root')[index];
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const scan = (acc) => {
    for (const el of root.querySelectorAll('*')) {
      acc.tags.add(el.localName);
      for (const at of el.attributes) {
        const n = at.name.toLowerCase();
        if (n.startsWith('on')) acc.onattrs.push(el.localName + '[' + n + ']');
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data', 'ping'].includes(n))
          acc.urls.push(el.localName + '[' + n + ']=' + at.value.slice(0, 80));
      }
    }
  };
  const acc = {tags: new Set(), onattrs: [], urls: [], popovers: 0};
  const heads = Array.from(root.querySelectorAll('mark.ann-hl.is-head'));
  for (const m of heads) {
    m.scrollIntoView({block: 'center'});
    m.click();
    await frame();
    const pop = root.querySelector('.ann-popover');
    if (pop && !pop.hidden) acc.popovers += 1;
    scan(acc);
  }
  for (const el of (root.closest('.annotator-reader') || root).querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin']) {
      try { el.dispatchEvent(new Event(type, {bubbles: true})); } catch (e) {}
    }
  }
  await frame();
  scan(acc);
  return {tags: Array.from(acc.tags), onattrs: acc.onattrs, urls: acc.urls, popovers: acc.popovers, heads: heads.length,
          hits: Array.from(window.__xssHits || ['trap missing'])};
}"""


def _widget_notebook(lab: Any, editions: dict[str, Path]) -> str:
    import nbformat

    folder = lab.root_dir / "reliability"
    folder.mkdir(parents=True, exist_ok=True)
    # A copy of the hostile store, so that what the test types does not touch the edition's.
    db = folder / "xss.db"
    db.write_bytes(editions["db"].read_bytes())
    name = payloads.NAMES[0]
    setup = (
        "import os\n"
        "from annotator import Reader, load_vocabulary\n"
        f"clean = Reader('one-dance', reader='ada', db={str(folder / 'clean.db')!r})\n"
        "clean"
    )
    hostile = (
        f"os.environ['ANNOTATOR_STORIES'] = {str(editions['stories'])!r}\n"
        f"vocab = load_vocabulary(extra={str(editions['vocab'])!r})\n"
        f"hostile = Reader({payloads.STORY_ID!r}, reader={name!r}, db={str(db)!r}, vocabulary=vocab)\n"
        "hostile"
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(hostile)],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    lab.add_notebook(nb, WIDGET_NOTEBOOK)
    return str(db)


def _type_payloads(page: Any, index: int, typed: list[str]) -> int:
    """Select paragraphs by their numbers and save each payload as a note, as a reader types it."""
    root = page.locator(".ann-root").nth(index)
    saved = 0
    for i, text in enumerate(typed):
        num = root.locator(".ann-num").nth(i + 1)
        num.scroll_into_view_if_needed()
        num.click()
        toolbar = root.locator(".ann-toolbar")
        toolbar.wait_for(state="visible", timeout=10_000)
        # A payload typed as a trope name must come back as a plain error.
        box = toolbar.locator(".ann-tb-input")
        box.click()
        box.fill(text[:60])
        box.press("Enter")
        page.wait_for_timeout(200)
        note = toolbar.locator(".ann-tb-note")
        note.click()
        note.fill(text)
        note.press("Enter")
        try:
            toolbar.wait_for(state="hidden", timeout=10_000)
            saved += 1
        except Exception:  # noqa: BLE001 - an unsaved note shows up as a missing count below
            page.keyboard.press("Escape")
    return saved


TYPED = [payloads.PAYLOADS[i] for i in (0, 6, 13, 33, 45, 51)]


def _drive_widget(browser: Any, lab: Any) -> dict[str, Any]:
    """Open the notebook, provoke both Readers, type payloads (runs in the browser thread)."""
    from browser import harness

    base = lab.base_url

    def same_server(url: str) -> bool:
        return url.startswith((base + "/", "data:", "blob:", "about:"))

    t = Trapped(browser, same_server)
    page = t.page
    try:
        harness.open_notebook(page, lab, WIDGET_NOTEBOOK, timeout=90)
        harness.run_all(page, timeout=180)
        page.wait_for_function(
            "() => { const r = document.querySelectorAll('.ann-root'); return r.length === 2 && "
            "[...r].every((x) => x.dataset.state === 'ready'); }",
            timeout=120_000,
        )
        clean = page.evaluate(WIDGET_PROVOKE, 0)
        saved = _type_payloads(page, 1, TYPED)
        # The reader's name box: a payload as a name.
        name_box = page.locator(".annotator-reader-name input").nth(1)
        name_box.fill(payloads.NAMES[8])
        name_box.press("Enter")
        page.wait_for_timeout(500)
        hostile = page.evaluate(WIDGET_PROVOKE, 1)
        texts = page.locator(".ann-root").nth(1).inner_text()
        return {
            "clean": clean,
            "hostile": hostile,
            "saved": saved,
            "texts": texts,
            "dialogs": t.dialogs,
            "blocked": t.blocked,
            "console": t.console,
        }
    finally:
        t.close()
        harness.shutdown_all_sessions(lab)


def test_reader_widget(chromium, rlab, editions, figures):
    db = _widget_notebook(rlab, editions)
    run = chromium.run(_drive_widget, rlab)
    clean, hostile = run["clean"], run["hostile"]
    shown = sum(1 for p in payloads.PAYLOADS if _visible(p) in run["texts"])
    allowed = set(clean["tags"]) | MARKDOWN_TAGS
    problems = []
    if hostile["hits"] or clean["hits"]:
        problems.append(f"script ran: {(hostile['hits'] + clean['hits'])[:5]}")
    if run["dialogs"]:
        problems.append(f"dialogs opened: {run['dialogs'][:5]}")
    if run["blocked"]:
        problems.append(
            f"requests left for elsewhere than the Lab server: {sorted(set(run['blocked']))[:5]}"
        )
    if any("__xss" in c for c in run["console"]):
        problems.append("payload text reached the console")
    if hostile["onattrs"]:
        problems.append(f"event-handler attributes: {hostile['onattrs'][:5]}")
    bad_urls = [u for u in hostile["urls"] if BAD_URL.match(u.split("=", 1)[1])]
    if bad_urls:
        problems.append(f"dangerous URLs: {bad_urls[:5]}")
    extra = set(hostile["tags"]) - allowed
    if extra:
        problems.append(f"elements a payload created: {sorted(extra)}")
    from annotator.store import Store

    with Store(db) as store:
        stored_notes = {a.note for a in store.annotations(payloads.STORY_ID)}
    typed_saved = sum(1 for p in TYPED if p in stored_notes)
    figures.record(
        "injection_widget",
        payloads=len(payloads.PAYLOADS),
        typed_in_page=len(TYPED),
        typed_saved=typed_saved,
        popovers_opened=hostile["popovers"],
        highlights=hostile["heads"],
        payloads_shown_as_text=shown,
        script_ran=len(hostile["hits"]),
        dialogs=len(run["dialogs"]),
        requests_blocked=len(run["blocked"]),
        injected_elements=len(extra),
        handler_attributes=len(hostile["onattrs"]),
        ok=not problems,
    )
    assert not problems, "\n".join(problems)
    assert hostile["popovers"] >= len(payloads.PAYLOADS) - 5, hostile["popovers"]
    assert typed_saved == len(TYPED), (
        f"only {typed_saved} of {len(TYPED)} typed notes were saved ({run['saved']} closed)"
    )
