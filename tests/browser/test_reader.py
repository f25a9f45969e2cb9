"""The Reader in a real JupyterLab and Chromium: select, tag, see, edit, link, persist.

One notebook load serves the whole module (the scenario builds on itself, in
file order); the emoji story gets its own small notebook, generated here.
Every check on what was saved reads the server's SQLite file directly.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from annotator.library import load_story
from annotator.store import Store

from . import harness

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

NOTEBOOK = "notebooks/01-read-and-annotate.ipynb"
SCREENSHOTS = harness.REPO_ROOT / "docs" / "screenshots"
STORY = load_story("one-dance")

# Client coordinates of a character boundary inside a paragraph's text,
# counting characters across the highlight marks. `which`: "start" puts the
# point just inside the first character, "end" just inside the last one.
JS_POINT = """([root, pi, needle, which, nth]) => {
  const r0 = document.querySelectorAll('.ann-root')[root];
  const text = r0.querySelector(`.ann-p[data-pi="${pi}"] .ann-text`);
  const full = text.textContent;
  let at = -1;
  for (let i = 0; i <= (nth || 0); i++) at = full.indexOf(needle, at + 1);
  if (at < 0) return null;
  const target = which === 'start' ? at : at + needle.length - 1;
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let left = target;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (left < n.data.length) {
      const r = document.createRange();
      r.setStart(n, left); r.setEnd(n, left + 1);
      const rect = r.getClientRects()[0];
      const x = which === 'start' ? rect.left + 1 : rect.right - 1;
      return {x, y: rect.top + rect.height / 2};
    }
    left -= n.data.length;
  }
  return null;
}"""

JS_SCROLL_TO_PARA = """([root, pi]) => {
  const r0 = document.querySelectorAll('.ann-root')[root];
  r0.scrollIntoView({block: 'start'});
  const p = r0.querySelector(`.ann-p[data-pi="${pi}"]`);
  const scroller = r0.querySelector('.ann-scroll');
  scroller.scrollTop += p.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 80;
}"""

JS_READY = """(i) => {
  const r = document.querySelectorAll('.ann-root')[i];
  return r && r.dataset.state === 'ready';
}"""
JS_NEW_HEAD = """(ids) => [...document.querySelectorAll('.ann-root mark.ann-hl.is-head')]
  .some(m => !ids.includes(m.dataset.id))"""
JS_HEADS = (
    "() => document.querySelector('.ann-root').querySelectorAll('mark.ann-hl.is-head').length"
)
JS_HEADS_FEWER = f"(n) => ({JS_HEADS})() < n"
JS_HEADS_EQUAL = f"(n) => ({JS_HEADS})() === n"
JS_POPOVER_OF = """(id) => {
  const p = document.querySelector('.ann-popover');
  return p && !p.hidden && p.querySelector(`article[data-id="${id}"]`);
}"""
JS_SAVED = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w && !w.context.model.dirty;
}"""
JS_THEME = """(theme) => {
  void window.jupyterapp.commands.execute('apputils:change-theme', {theme});
}"""


def para_index(pid: str) -> int:
    return next(i for i, p in enumerate(STORY.paragraphs) if p.id == pid)


def store_annotations(lab, story="one-dance", creator="reader"):
    with Store(lab.db_path) as store:
        return store.annotations(story, creator=creator)


class ReaderPage:
    """The notebook open in Lab, with helpers that act like a reader."""

    def __init__(self, lab, page):
        self.lab = lab
        self.page = page
        self.root_index = 0

    @property
    def root(self):
        return self.page.locator(".ann-root").nth(self.root_index)

    def wait_ready(self, timeout=60):
        self.page.wait_for_function(
            JS_READY,
            arg=self.root_index,
            timeout=timeout * 1000,
        )

    def show(self):
        """Bring the widget into view (Lab skips rendering cells out of view)."""
        self.page.wait_for_function(
            "(i) => !!document.querySelectorAll('.ann-root')[i]",
            arg=self.root_index,
            timeout=60_000,
        )
        self.page.evaluate(
            "(i) => document.querySelectorAll('.ann-root')[i].scrollIntoView({block: 'start'})",
            self.root_index,
        )
        self.page.wait_for_timeout(100)

    def scroll_to(self, pi):
        self.page.evaluate(JS_SCROLL_TO_PARA, [self.root_index, pi])
        self.page.wait_for_timeout(120)

    def point(self, pi, needle, which, nth=0):
        pt = self.page.evaluate(JS_POINT, [self.root_index, pi, needle, which, nth])
        assert pt, f"{needle!r} not found in paragraph {pi}"
        return pt

    def drag(self, start_pi, start_text, end_pi, end_text):
        """Select from the first character of start_text to the last of end_text with the mouse."""
        self.scroll_to(start_pi)
        a = self.point(start_pi, start_text, "start")
        b = self.point(end_pi, end_text, "end")
        m = self.page.mouse
        m.move(a["x"], a["y"])
        m.down()
        m.move((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, steps=5)
        m.move(b["x"], b["y"], steps=5)
        m.up()
        self.toolbar.wait_for(state="visible", timeout=5000)

    @property
    def toolbar(self):
        return self.root.locator(".ann-toolbar")

    def add_trope(self, typed, expect_label):
        box = self.toolbar.locator(".ann-tb-input")
        box.click()
        box.type(typed, delay=20)
        active = self.toolbar.locator(".ann-option.is-active")
        active.wait_for(timeout=5000)
        assert expect_label in active.inner_text()
        box.press("Enter")
        self.toolbar.locator(".ann-tb-chips .ann-chip", has_text=expect_label).wait_for(
            timeout=5000
        )

    def write_note_and_save(self, note):
        field = self.toolbar.locator(".ann-tb-note")
        field.click()
        field.fill(note)
        field.press("Enter")
        self.toolbar.wait_for(state="hidden", timeout=10_000)

    def marks(self, ident):
        return self.root.locator(f'mark.ann-hl[data-id="{ident}"]')

    def open_popover(self, ident):
        head = self.root.locator(f'mark.ann-hl.is-head[data-id="{ident}"]')
        self.root.locator(f'.ann-item[data-id="{ident}"]').click()
        self.page.wait_for_timeout(500)  # smooth scroll
        head.click()
        pop = self.root.locator(".ann-popover")
        pop.wait_for(state="visible", timeout=5000)
        return pop


def new_annotation(lab, before_ids, timeout=10.0):
    def found():
        new = [a for a in store_annotations(lab) if a.id not in before_ids and not a.is_link]
        return new[0] if new else None

    return harness.poll(found, timeout=timeout, message="no new annotation reached the store")


@pytest.fixture(autouse=True)
def _fresh_kernels():
    """This module shares one notebook (and kernel) across its tests: no per-test shutdown."""
    yield


@pytest.fixture(scope="module")
def reader_page(lab, browser):
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.console_errors, page.page_errors = [], []
    page.on(
        "console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None
    )
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    rp = ReaderPage(lab, page)
    harness.open_notebook(page, lab, NOTEBOOK)
    t0 = time.monotonic()
    harness.run_all(page)
    rp.wait_ready()
    rp.run_all_seconds = time.monotonic() - t0
    try:
        yield rp
    finally:
        context.close()
        harness.shutdown_all_sessions(lab)


def test_book_page_renders(reader_page):
    rp = reader_page
    rp.show()
    root = rp.root
    assert root.locator(".ann-title").text_content().strip() == "One Dance"
    numbers = root.locator(".ann-num")
    assert numbers.count() == len(STORY.body_paragraphs)
    assert numbers.first.inner_text() == "1"
    assert root.locator(".ann-break").count() == sum(p.scene_break_before for p in STORY.paragraphs)
    assert root.locator(".ann-p.is-dialogue").count() > 10
    # the shipped reading, and the notebook's own hound-mask annotation
    with Store(rp.lab.db_path) as store:
        shown = [a for a in store.annotations("one-dance") if not a.is_link and not a.orphan]
    heads = root.locator("mark.ann-hl.is-head")
    assert heads.count() == len(shown)
    anchor = heads.first.locator(":scope > .ann-anchor")
    assert anchor.get_attribute("tabindex") == "0" and anchor.get_attribute("role") == "button"
    assert "By editor" in anchor.get_attribute("aria-label")
    assert root.locator(".ann-list .ann-item").count() == len(shown)
    ms = float(root.get_attribute("data-first-paint-ms"))
    print(f"\nReader: run-all -> ready {rp.run_all_seconds:.2f}s; view -> first paint {ms:.0f} ms")
    assert rp.page.page_errors == []


def test_first_view_draws_from_the_opening_state_and_the_controls_keep_their_row(reader_page):
    # The story and its annotations came in the widget's opening state (no
    # load round trip); the ipywidgets controls follow, into a row whose
    # height was reserved, so the text does not move when they arrive.
    rp = reader_page
    rp.show()
    assert rp.root.get_attribute("data-boot") == "state"
    controls = rp.page.locator(".annotator-reader .annotator-controls").first
    controls.locator(".annotator-trope-filter select").wait_for(timeout=15_000)
    height, reserved = controls.evaluate(
        "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).minHeight)]"
    )
    assert reserved > 0 and abs(height - reserved) < 1, (height, reserved)


def test_drag_select_tag_with_note_and_save(reader_page):
    rp = reader_page
    before = {a.id for a in store_annotations(rp.lab)}
    pi = para_index("p8")
    rp.drag(pi, "Kakashi, this is Iruka", pi, "Anko's friends")
    quote = rp.toolbar.locator(".ann-tb-quote").inner_text()
    assert "Kakashi, this is Iruka. He's one of Anko's friends" in quote
    rp.add_trope("mask rev", "Mask reveal")
    rp.write_note_and_save("The **set-up**: a name before a face.")
    a = new_annotation(rp.lab, before)
    p8 = STORY.paragraph("p8")
    assert a.tropes == ("mask-reveal",)
    assert a.note == "The **set-up**: a name before a face."
    assert a.quote.exact == "Kakashi, this is Iruka. He's one of Anko's friends"
    assert STORY.text[a.start : a.end] == a.quote.exact and p8.start < a.start < a.end < p8.end
    marks = rp.marks(a.id)
    marks.first.wait_for(timeout=5000)
    assert "".join(marks.all_inner_texts()) == a.quote.exact
    # the second cue besides colour: a dashed underline for an identity trope
    assert marks.first.evaluate("m => getComputedStyle(m).textDecorationStyle") == "dashed"
    rp.saved_id = a.id
    # the list shows it, with the note rendered as text
    item = rp.root.locator(f'.ann-item[data-id="{a.id}"]')
    assert "The set-up: a name before a face." in item.inner_text()


def test_save_round_trip_is_acknowledged(reader_page):
    """Select -> save -> highlight, a few times; the page records request -> ack.

    How fast is for benchmarks/bench_reader.py; here only that every save is
    acknowledged, timed, and drawn.
    """
    rp = reader_page
    pi = para_index("p21")
    page_ms, wall_ms = [], []
    for phrase in ("Tell me", "doing right now", "He asked"):
        before = {a.id for a in store_annotations(rp.lab)}
        rp.drag(pi, phrase, pi, phrase)
        rp.add_trope("fluff", "Fluff")
        t0 = time.monotonic()
        rp.toolbar.locator(".ann-tb-input").press("Enter")
        rp.page.wait_for_function(
            JS_NEW_HEAD,
            arg=list(before),
        )
        wall_ms.append((time.monotonic() - t0) * 1000)
        page_ms.append(float(rp.root.get_attribute("data-last-save-ms")))
        new_annotation(rp.lab, before)
    print(
        f"\nsave round trip: page request->ack {[round(t) for t in page_ms]} ms; "
        f"test Enter->highlight {[round(t) for t in wall_ms]} ms"
    )
    assert len(page_ms) == 3 and all(ms > 0 for ms in page_ms)


def test_a_drag_can_start_on_a_highlight(reader_page):
    """Selecting over an existing highlight selects text (highlights are not focus targets)."""
    rp = reader_page
    pi = para_index("p21")
    rp.drag(pi, "Tell me", pi, "Tell me")  # exactly the highlight saved above
    assert rp.toolbar.locator(".ann-tb-quote").inner_text() == "“Tell me”"
    rp.page.keyboard.press("Escape")
    rp.toolbar.wait_for(state="hidden")


def test_unknown_trope_shows_a_plain_error(reader_page):
    rp = reader_page
    pi = para_index("p9")
    rp.drag(pi, "No, you're not", pi, "setting me up")
    box = rp.toolbar.locator(".ann-tb-input")
    box.click()
    box.type("zorblax", delay=10)
    box.press("Enter")
    err = rp.toolbar.locator(".ann-tb-error")
    err.wait_for(state="visible", timeout=10_000)
    assert "Unknown trope 'zorblax'" in err.inner_text()
    box.press("Escape")
    rp.toolbar.wait_for(state="hidden")


def test_paragraph_number_selects_paragraph_and_shift_extends(reader_page):
    rp = reader_page
    p5, p7 = STORY.paragraph("p5"), STORY.paragraph("p7")
    rp.scroll_to(para_index("p5"))
    rp.root.locator(f'.ann-num[data-pi="{para_index("p5")}"]').click()
    rp.toolbar.wait_for(state="visible")
    quote = rp.toolbar.locator(".ann-tb-quote").inner_text()
    assert quote.startswith("“" + STORY.text[p5.start : p5.start + 40])
    assert rp.toolbar.locator(".ann-tb-loc").inner_text() == "¶5"
    rp.root.locator(f'.ann-num[data-pi="{para_index("p7")}"]').click(modifiers=["Shift"])
    rp.toolbar.wait_for(state="visible")
    assert rp.toolbar.locator(".ann-tb-loc").inner_text() == "¶5–7"
    assert (
        rp.toolbar.locator(".ann-tb-quote")
        .inner_text()
        .endswith(STORY.text[p7.end - 20 : p7.end] + "”")
    )
    before = {a.id for a in store_annotations(rp.lab)}
    rp.write_note_and_save("Three paragraphs of set-up.")
    a = new_annotation(rp.lab, before)
    assert (a.start, a.end) == (p5.start, p7.end)
    assert a.motivation == "commenting"


def test_cross_paragraph_drag(reader_page):
    rp = reader_page
    before = {a.id for a in store_annotations(rp.lab)}
    p11, p12 = para_index("p11"), para_index("p12")
    rp.drag(p11, "Kakashi glanced at Iruka", p12, "one song only")
    rp.add_trope("slow d", "Slow dance")
    rp.toolbar.locator(".ann-tb-input").press("Enter")
    rp.toolbar.wait_for(state="hidden")
    a = new_annotation(rp.lab, before)
    exact = a.quote.exact
    assert exact.startswith("Kakashi glanced at Iruka") and exact.endswith("one song only")
    assert "\n\n" in exact and STORY.text[a.start : a.end] == exact
    # drawn in both paragraphs
    rp.marks(a.id).first.wait_for()
    texts = rp.marks(a.id).all_inner_texts()
    assert texts[0].startswith("Kakashi glanced") and texts[-1].endswith("one song only")


def test_edit_then_delete_then_undo(reader_page):
    rp = reader_page
    ident = rp.saved_id
    pop = rp.open_popover(ident)
    assert "The set-up: a name before a face." in pop.inner_text()  # Markdown shown as text
    assert pop.locator("strong", has_text="set-up").count() == 1
    pop.locator('button[data-action="edit"]').first.click()
    rp.toolbar.wait_for(state="visible")
    rp.add_trope("first ki", "First kiss")
    rp.write_note_and_save("Edited note.")

    def edited():
        with Store(rp.lab.db_path) as store:
            a = store.get(ident)
        return a if a.note == "Edited note." else None

    a = harness.poll(edited, timeout=10)
    assert a.tropes == ("mask-reveal", "first-kiss")

    pop = rp.open_popover(ident)
    pop.locator('button[data-action="delete"]').first.click()
    rp.marks(ident).first.wait_for(state="detached", timeout=10_000)
    assert ident not in {x.id for x in store_annotations(rp.lab)}

    rp.root.locator(".ann-page").focus()
    rp.page.keyboard.press("Control+z")
    rp.marks(ident).first.wait_for(timeout=10_000)
    assert ident in {x.id for x in store_annotations(rp.lab)}


def test_legend_and_trope_filter_hide_and_show(reader_page):
    rp = reader_page
    root = rp.root
    chip = root.locator(".ann-legend-chip", has_text="Mask reveal")
    with Store(rp.lab.db_path) as store:
        only_mask = [a for a in store.annotations("one-dance", trope="mask-reveal")]
    ident = rp.saved_id  # tropes: mask-reveal, first-kiss
    n_before = root.locator("mark.ann-hl.is-head").count()
    chip.click()
    assert chip.get_attribute("aria-pressed") == "false"
    n_hidden = root.locator("mark.ann-hl.is-head").count()
    solely = [a for a in only_mask if a.tropes == ("mask-reveal",)]
    assert n_hidden == n_before - len(solely)
    assert rp.marks(ident).count() > 0  # still shown for its other trope
    chip.click()
    assert root.locator("mark.ann-hl.is-head").count() == n_before

    # the ipywidgets trope filter: only one trope
    select = rp.page.locator(".annotator-trope-filter select")
    select.select_option(label="Slow dance")
    rp.page.wait_for_function(
        JS_HEADS_FEWER,
        arg=n_before,
    )
    with Store(rp.lab.db_path) as store:
        slow = [a for a in store.annotations("one-dance", trope="slow-dance")]
    assert root.locator("mark.ann-hl.is-head").count() == len(slow)
    select.select_option(label="All tropes")
    rp.page.wait_for_function(
        JS_HEADS_EQUAL,
        arg=n_before,
    )
    # "Mine": only this reader's
    rp.page.locator(".annotator-show button", has_text="Mine").click()
    mine = [a for a in store_annotations(rp.lab) if not a.is_link]
    rp.page.wait_for_function(
        JS_HEADS_EQUAL,
        arg=len(mine),
    )
    rp.page.locator(".annotator-show button", has_text="Everyone").click()
    rp.page.wait_for_function(
        JS_HEADS_EQUAL,
        arg=n_before,
    )


def test_link_and_follow_both_ways(reader_page):
    rp = reader_page
    ident = rp.saved_id
    payoff = next(
        a
        for a in store_annotations(rp.lab)
        if a.quote and a.quote.exact.startswith("Kakashi glanced")
    )
    pop = rp.open_popover(ident)
    pop.locator('button[data-action="link"]').first.click()
    assert rp.root.locator(".ann-banner").is_visible()
    rp.root.locator(f'.ann-item[data-id="{payoff.id}"]').click()

    def linked():
        return [a for a in store_annotations(rp.lab) if a.is_link and a.target_ref == ident]

    link = harness.poll(linked, timeout=10)[0]
    assert link.links == (payoff.id,) and link.motivation == "linking"
    pop = rp.open_popover(ident)
    row = pop.locator(".ann-linkrow", has_text="Payoff")
    assert "Kakashi glanced" in row.inner_text()
    row.click()  # follow to the payoff, whose popover shows the way back
    rp.page.wait_for_function(
        JS_POPOVER_OF,
        arg=payoff.id,
        timeout=10_000,
    )
    back = rp.root.locator(".ann-popover .ann-linkrow", has_text="Set-up")
    assert back.count() == 1
    back.click()
    rp.page.wait_for_function(
        JS_POPOVER_OF,
        arg=ident,
        timeout=10_000,
    )
    rp.page.keyboard.press("Escape")

    # the Undo button (ipywidgets) takes the link back ...
    undo = rp.page.locator(".annotator-undo")
    assert undo.is_enabled()
    undo.click()
    harness.poll(lambda: not linked(), timeout=10, message="Undo did not remove the link")
    pop = rp.open_popover(ident)
    assert pop.locator(".ann-linkrow").count() == 0
    # ... and linking again from the popover works the same way
    pop.locator('button[data-action="link"]').first.click()
    rp.root.locator(f'.ann-item[data-id="{payoff.id}"]').click()
    harness.poll(linked, timeout=10)


def test_keys_in_the_reader_are_not_notebook_shortcuts(reader_page):
    rp = reader_page
    page = rp.page
    cells = "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
    n = page.evaluate(cells)
    rp.root.locator(".ann-page").focus()
    for key in ("a", "b", "d", "d", "x", "m"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.evaluate(cells) == n
    assert page.evaluate("() => document.activeElement.classList.contains('ann-page')")


def test_keyboard_sentence_selection(reader_page):
    rp = reader_page
    page = rp.page
    rp.scroll_to(para_index("p1"))
    rp.root.locator(".ann-page").focus()
    page.keyboard.press("ArrowRight")  # the cursor appears on a sentence
    page.keyboard.press("Shift+ArrowRight")  # extend by one sentence
    page.keyboard.press("Enter")
    rp.toolbar.wait_for(state="visible")
    assert rp.toolbar.locator(".ann-tb-quote").inner_text().strip("“”")
    page.keyboard.press("Escape")
    rp.toolbar.wait_for(state="hidden")
    # Tab reaches highlights, which say what they are
    rp.root.locator(".ann-page").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "ann-anchor"
    assert "By editor" in page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert rp.root.locator("mark.ann-hl.is-focus").count() >= 1  # the whole highlight shows focus
    page.keyboard.press("Enter")
    rp.root.locator(".ann-popover").wait_for(state="visible")
    page.keyboard.press("Escape")
    rp.root.locator(".ann-popover").wait_for(state="hidden")


def test_changes_by_another_program_appear(reader_page):
    """Writes from another process (here: this test process) show up by themselves."""
    from annotator.anchoring import TextQuote
    from annotator.annotation import Annotation, new_id
    from annotator.reading import Reading

    rp = reader_page
    p30 = STORY.paragraph("p30")
    hostile = '<img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script> **bold**'
    with Store(rp.lab.db_path) as store:
        a = Reading(STORY, store, "cli-importer").annotate(
            p30.start, p30.start + 20, tropes=["banter"], note=hostile
        )
        orphan = Annotation(
            id=new_id(), story="one-dance", creator="cli-importer",
            quote=TextQuote("a sentence the author later cut", "", ""),
            tropes=("fluff",), orphan=True,
        )  # fmt: skip
        store.add(orphan)
    rp.marks(a.id).first.wait_for(state="attached", timeout=10_000)
    # the orphan is listed with its quote
    detached = rp.root.locator(".ann-orphans")
    detached.wait_for(state="visible", timeout=10_000)
    detached.locator("summary").click()
    assert "a sentence the author later cut" in detached.inner_text()
    # notes are data: shown as text, never as markup
    pop = rp.open_popover(a.id)
    note = pop.locator(f'article[data-id="{a.id}"] .ann-card-note')
    assert '<img src=x onerror="window.pwned = 1">' in note.inner_text()
    assert (
        note.locator("img, script").count() == 0 and note.locator("strong").inner_text() == "bold"
    )
    assert rp.page.evaluate("() => window.pwned") is None
    rp.page.keyboard.press("Escape")
    with Store(rp.lab.db_path) as store:
        store.delete(a.id)
        store.delete(orphan.id)
    rp.marks(a.id).first.wait_for(state="detached", timeout=10_000)
    detached.wait_for(state="hidden", timeout=10_000)


def test_survives_reload_and_kernel_restart(reader_page):
    rp = reader_page
    ident = rp.saved_id
    # Saved with its outputs, the notebook shows the live kernel's Reader again after a reload.
    rp.page.evaluate("() => { void window.jupyterapp.commands.execute('docmanager:save'); }")
    rp.page.wait_for_function(JS_SAVED)
    harness.reload(rp.page)
    rp.show()
    rp.wait_ready()
    rp.marks(ident).first.wait_for(state="attached", timeout=20_000)

    harness.restart_kernel(rp.page)
    harness.run_all(rp.page)
    rp.show()
    rp.wait_ready()
    rp.marks(ident).first.wait_for(state="attached", timeout=20_000)
    assert rp.root.locator(f'.ann-item[data-id="{ident}"]').count() == 1


def test_screenshots_light_and_dark(reader_page):
    """docs/screenshots/reader.png (toolbar open) and reader-dark.png (a popover with a link)."""
    rp = reader_page
    page = rp.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out = page.locator(".jp-OutputArea-output").filter(has=page.locator(".ann-root")).first
    rp.show()
    page.evaluate("() => { document.querySelector('.ann-root .ann-scroll').scrollTop = 0; }")
    pi = para_index("p1")
    a = rp.point(pi, "You're coming", "start")
    b = rp.point(pi, "with me!", "end")
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=8)
    page.mouse.up()
    rp.toolbar.wait_for(state="visible")
    rp.add_trope("match", "Matchmaker")
    rp.toolbar.locator(".ann-tb-input").type("fri", delay=20)
    rp.toolbar.locator(".ann-option.is-active").wait_for()
    page.wait_for_timeout(300)
    out.screenshot(path=str(SCREENSHOTS / "reader.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    rp.toolbar.wait_for(state="hidden")

    page.evaluate(JS_THEME, "JupyterLab Dark")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
    page.wait_for_timeout(800)
    rp.open_popover(rp.saved_id)
    page.wait_for_timeout(300)
    out.screenshot(path=str(SCREENSHOTS / "reader-dark.png"))
    page.keyboard.press("Escape")
    page.evaluate(JS_THEME, "JupyterLab Light")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'", timeout=20_000)


def test_no_errors_in_the_page(reader_page):
    page = reader_page.page
    assert page.page_errors == []
    print("\nconsole errors:", page.console_errors)
    ours = [e for e in page.console_errors if re.search(r"annotator|reader\.js|anywidget|ann-", e)]
    assert ours == [], page.console_errors


# -- a story with emoji: code points in Python, UTF-16 in the page ---------------------

EMOJI_TEXT = (
    "Masks 🎭 and Music\n\n"
    "He wore a 🦊 fox mask; she wore a 🐈‍⬛ cat mask and 💃 danced.\n\n"
    "Later, 👀 the masks came off and 💋 they kissed.\n"
)


def test_emoji_story_offsets_are_code_points(lab, browser):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from annotator.story import Story\n"
            "from annotator.widget import Reader\n"
            f"text = {EMOJI_TEXT!r}\n"
            "story = Story.from_text('emoji-test', text, {'title': 'Masks 🎭 and Music'})\n"
            "reader = Reader(story, reader='emoji-reader')\n"
            "reader"
        )
    ]
    lab.add_notebook(nb, "fixtures/emoji.ipynb")
    context = browser.new_context(viewport=harness.VIEWPORT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        harness.open_notebook(page, lab, "fixtures/emoji.ipynb")
        harness.run_all(page)
        rp = ReaderPage(lab, page)
        rp.wait_ready()
        story_paras = [p for p in _emoji_story().paragraphs]
        p1 = next(i for i, p in enumerate(story_paras) if p.number == 1)
        p2 = next(i for i, p in enumerate(story_paras) if p.number == 2)
        cases = [
            (p1, "cat mask", p1, "cat mask"),  # after a ZWJ sequence and two astral emoji
            (p1, "🦊 fox", p1, "💃 danced"),  # starts and ends on emoji
            (p1, "danced", p2, "💋 they"),  # across paragraphs
        ]
        for a_pi, a_text, b_pi, b_text in cases:
            before = {a.id for a in store_annotations(lab, "emoji-test", "emoji-reader")}
            rp.drag(a_pi, a_text, b_pi, b_text)
            rp.add_trope("mask rev", "Mask reveal")
            rp.toolbar.locator(".ann-tb-input").press("Enter")
            rp.toolbar.wait_for(state="hidden")

            def fresh(before=before):
                new = [
                    a
                    for a in store_annotations(lab, "emoji-test", "emoji-reader")
                    if a.id not in before
                ]
                return new[0] if new else None

            a = harness.poll(fresh, timeout=10)
            text = EMOJI_TEXT
            exact = a.quote.exact
            assert exact.startswith(a_text) and exact.endswith(b_text), exact
            assert text[a.start : a.end] == exact
            assert a.start == text.index(a_text)
            # the highlight covers exactly that text in the page
            marks = rp.marks(a.id)
            marks.first.wait_for()
            assert "".join(marks.all_inner_texts()).replace("\n", "") == exact.replace("\n", "")
        assert errors == []
    finally:
        context.close()


def _emoji_story():
    from annotator.story import Story

    return Story.from_text("emoji-test", EMOJI_TEXT, {"title": "Masks 🎭 and Music"})
