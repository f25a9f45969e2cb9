"""Suggestions and audiences in the Reader, in a real JupyterLab and Chromium.

One notebook load (notebook 01) serves the module; the scenario builds on
itself in file order. What was saved is read from the server's SQLite file;
what the kernel holds (``reader.selection``) is asked of the kernel itself.
"""

from __future__ import annotations

import pytest

from annotator.library import load_story
from annotator.store import Store
from annotator.suggest import ACCEPTED_FROM

from . import harness
from .test_reader import JS_SAVED, ReaderPage, para_index

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

NOTEBOOK = "notebooks/01-read-and-annotate.ipynb"
SCREENSHOTS = harness.REPO_ROOT / "docs" / "screenshots"
STORY = load_story("one-dance")
READER = "reader"  # the notebook's default name

# Run code in the notebook's kernel (no cell); returns what it printed.
JS_KERNEL = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const f = k.requestExecute({code, store_history: false});
  let out = '';
  f.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === 'stream') out += msg.content.text;
    if (t === 'error') out += `ERROR ${msg.content.ename}: ${msg.content.evalue}`;
  };
  await f.done;
  return out;
}"""

# The open list's evidence, as the CSS Custom Highlight API holds it.
JS_EVIDENCE = """() => {
  const root = document.querySelector('.ann-root');
  const scope = [...root.classList].find(c => c.startsWith('ann-v'));
  const hl = CSS.highlights.get(`${scope}-evidence`);
  return hl ? [...hl].map(r => r.toString()) : [];
}"""

JS_HINT_COUNT = "() => document.querySelectorAll('.ann-root .ann-sg-btn').length"

# The open list no longer offers trope `t` (or it closed: nothing left to offer).
JS_NOT_LISTED = """(t) => {
  const b = document.querySelector('.ann-root .ann-sg');
  return b.hidden || ![...b.querySelectorAll('.ann-sg-item')].some(e => e.dataset.trope === t);
}"""


def kernel(page, code: str) -> str:
    return page.evaluate(JS_KERNEL, code)


def dismissals(lab):
    with Store(lab.db_path) as store:
        return {(d["paragraph"], d["trope"]) for d in store.dismissals("one-dance", READER)}


def annotations(lab):
    with Store(lab.db_path) as store:
        return {a.id: a for a in store.annotations("one-dance", creator=READER)}


@pytest.fixture(autouse=True)
def _fresh_kernels():
    """This module shares one notebook (and kernel) across its tests: no per-test shutdown."""
    yield


@pytest.fixture(scope="module")
def rp(lab, browser):
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    reader_page = ReaderPage(lab, page)
    harness.open_notebook(page, lab, NOTEBOOK)
    harness.run_all(page)
    reader_page.wait_ready()
    try:
        yield reader_page
    finally:
        context.close()
        harness.shutdown_all_sessions(lab)


def hint_button(rp, pid):
    return rp.root.locator(f'.ann-sg-btn[data-pi="{para_index(pid)}"]')


def open_hints(rp, pid, *, keyboard=False):
    rp.scroll_to(para_index(pid))
    btn = hint_button(rp, pid)
    btn.wait_for(timeout=10_000)
    if keyboard:
        btn.focus()
        rp.page.keyboard.press("Enter")
    else:
        btn.click()
    box = rp.root.locator(".ann-sg")
    box.wait_for(state="visible", timeout=5000)
    return box


def listed_tropes(box):
    return box.locator(".ann-sg-item").evaluate_all("els => els.map(e => e.dataset.trope)")


def test_suggestions_are_off_until_the_button_is_pressed(rp):
    rp.show()
    assert rp.root.get_attribute("data-suggestions") == "off"
    assert rp.page.evaluate(JS_HINT_COUNT) == 0
    button = rp.page.locator(".annotator-suggestions")
    assert "Suggestions" in button.inner_text()
    button.click()
    rp.page.wait_for_function(f"() => ({JS_HINT_COUNT})() > 50", timeout=20_000)
    assert rp.root.get_attribute("data-suggestions") == "on"
    assert kernel(rp.page, "print(reader.show_suggestions)").strip() == "True"
    # quiet: a count beside the paragraph number, and no highlight was added
    btn = hint_button(rp, "p3")
    assert btn.inner_text().strip().isdigit() and "Suggested:" in btn.get_attribute("title")
    assert rp.root.locator("mark.ann-hl.is-head").count() == len(
        [a for a in _all(rp.lab) if not a.is_link and not a.orphan]
    )


def _all(lab):
    with Store(lab.db_path) as store:
        return store.annotations("one-dance")


def test_a_hint_list_shows_score_and_evidence_and_tag_accepts(rp):
    before = annotations(rp.lab)
    box = open_hints(rp, "p3")
    first = box.locator(".ann-sg-item").first
    trope = first.get_attribute("data-trope")
    pct = first.locator(".ann-sg-pct").inner_text()
    assert pct.endswith("%") and 0 < int(pct[:-1]) <= 100
    assert first.locator(".ann-sg-evidence q").count() >= 1
    evidence = rp.page.evaluate(JS_EVIDENCE)  # faintly marked in the paragraph
    assert evidence and all(w and w in STORY.text for w in evidence)
    first.locator("button[data-action=tag]").click()

    def accepted():
        new = [a for i, a in annotations(rp.lab).items() if i not in before]
        return new[0] if new else None

    a = harness.poll(accepted, timeout=10, message="Tag did not make an annotation")
    assert a.tropes == (trope,) and a.creator == READER and a.extra.get(ACCEPTED_FROM)
    rp.marks(a.id).first.wait_for(timeout=10_000)  # a highlight like any other
    assert rp.root.locator(f'.ann-item[data-id="{a.id}"]').count() == 1
    # no longer offered there
    rp.page.wait_for_function(JS_NOT_LISTED, arg=trope, timeout=10_000)
    rp.page.keyboard.press("Escape")
    rp.root.locator(".ann-sg").wait_for(state="hidden")
    assert rp.page.evaluate(JS_EVIDENCE) == []  # the marks go with the list
    rp.accepted_id = a.id


def test_not_here_is_remembered_after_a_reload(rp):
    box = open_hints(rp, "p8", keyboard=True)  # Enter opens it too
    assert rp.page.evaluate("() => document.activeElement.dataset.action") == "tag"
    trope = listed_tropes(box)[0]
    box.locator(".ann-sg-item").first.locator("button[data-action=dismiss]").click()
    harness.poll(lambda: ("p8", trope) in dismissals(rp.lab), timeout=10)
    rp.page.wait_for_function(JS_NOT_LISTED, arg=trope, timeout=10_000)
    rp.page.keyboard.press("Escape")

    # Saved with its outputs, the notebook shows the live Reader again after a reload.
    rp.page.evaluate("() => { void window.jupyterapp.commands.execute('docmanager:save'); }")
    rp.page.wait_for_function(JS_SAVED)
    harness.reload(rp.page)
    rp.show()
    rp.wait_ready()
    rp.page.wait_for_function(f"() => ({JS_HINT_COUNT})() > 50", timeout=20_000)
    rp.marks(rp.accepted_id).first.wait_for(state="attached", timeout=10_000)
    if hint_button(rp, "p8").count():
        assert trope not in listed_tropes(open_hints(rp, "p8"))
        rp.page.keyboard.press("Escape")
    # ... and Python agrees
    out = kernel(rp.page, f"print(('p8', {trope!r}) in {{s.key for s in reader.suggestions}})")
    assert out.strip() == "False"


def test_audience_menu_and_badge(rp):
    before = annotations(rp.lab)
    pi = para_index("p6")
    rp.drag(pi, "Kakashi", pi, "Kakashi")
    menu = rp.toolbar.locator(".ann-tb-audience")
    assert menu.evaluate("s => [...s.options].map(o => o.textContent)") == ["Public", "Only me"]
    assert menu.input_value() == "public"
    menu.select_option("private")
    rp.write_note_and_save("Just for me.")

    def saved():
        new = [a for i, a in annotations(rp.lab).items() if i not in before]
        return new[0] if new else None

    a = harness.poll(saved, timeout=10)
    assert a.audience == "private"
    pop = rp.open_popover(a.id)
    badge = pop.locator(f'article[data-id="{a.id}"] .ann-aud.is-private')
    assert badge.inner_text().strip() == "Only me"
    assert badge.locator("svg").count() == 1  # the lock
    harness.save_screenshot(rp.page, "reader-private-badge")  # build/screenshots, for a look
    # edit mode shows (and can change) it
    pop.locator(f'article[data-id="{a.id}"] button[data-action="edit"]').click()
    rp.toolbar.wait_for(state="visible")
    assert rp.toolbar.locator(".ann-tb-audience").input_value() == "private"
    rp.toolbar.locator(".ann-tb-audience").select_option("public")
    rp.toolbar.locator(".ann-primary").click()
    harness.poll(lambda: annotations(rp.lab)[a.id].audience == "public", timeout=10)
    # the page hears of it a moment after the store has it
    rp.root.locator(f'.ann-item[data-id="{a.id}"] .ann-aud').wait_for(state="detached", timeout=10_000)


def test_closing_the_toolbar_without_saving_clears_the_selection(rp):
    pi = para_index("p9")
    rp.drag(pi, "No, you're not", pi, "setting me up")
    out = harness.poll(
        lambda: kernel(rp.page, "print(reader.selection and reader.selection['exact'])").strip()
        or None,
        timeout=10,
    )
    assert out.startswith("No, you're not")
    rp.page.keyboard.press("Escape")
    rp.toolbar.wait_for(state="hidden")
    harness.poll(
        lambda: kernel(rp.page, "print(reader.selection)").strip() == "None",
        timeout=10,
        message="reader.selection kept the selection after Esc",
    )


def test_screenshot_with_the_suggestion_list(rp):
    """docs/screenshots/reader-suggestions.png: a hint list open, its evidence marked."""
    page = rp.page
    out = page.locator(".jp-OutputArea-output").filter(has=page.locator(".ann-root")).first
    rp.show()
    rp.root.locator(".ann-toast").wait_for(state="hidden", timeout=10_000)
    box = open_hints(rp, "p16")
    box.locator(".ann-sg-item").first.hover()
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out.screenshot(path=str(SCREENSHOTS / "reader-suggestions.png"))
    page.keyboard.press("Escape")
    assert rp.page.page_errors == []
