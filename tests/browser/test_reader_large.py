"""The Reader on a long story (lazy mode): blocks far from the viewport are not built.

A generated story of 3,200 paragraphs (more than LAZY_PARAGRAPHS, and more
than SPLIT_LOAD_PARAGRAPHS, so it also loads in parts). One notebook serves
the module; the tests build on each other in file order. Nothing here
asserts on time.
"""

from __future__ import annotations

import pytest

from annotator.store import Store
from annotator.story import Story

from . import harness

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

N = 3200
STORY_ID = "big-test"
READER = "lena"


def paragraph_text(i: int) -> str:
    # every paragraph has its own words (w<i>a, w<i>b) to find and select
    return (
        f"Paragraph w{i}a w{i}b begins here. It goes on for a while with ordinary words, "
        f"so that it wraps over a line or two in the reading pane of the widget."
    )


TEXT = "The Long One\n\n" + "\n\n".join(paragraph_text(i) for i in range(1, N + 1)) + "\n"
STORY = Story.from_text(STORY_ID, TEXT, {"title": "The Long One"})


def span(i: int, words: str) -> tuple[int, int]:
    """Story offsets of ``words`` in paragraph number i."""
    p = next(p for p in STORY.paragraphs if p.number == i)
    at = TEXT.index(words, p.start)
    return at, at + len(words)


def pi_of(i: int) -> int:
    """Index (data-pi) of the paragraph numbered i."""
    return next(k for k, p in enumerate(STORY.paragraphs) if p.number == i)


DEEP = span(3100, "w3100a w3100b")
SETUP = f"""from annotator.story import Story
from annotator.widget import Reader
text = {TEXT!r}
story = Story.from_text({STORY_ID!r}, text, {{"title": "The Long One"}})
reader = Reader(story, reader={READER!r})
deep = reader.annotate({DEEP[0]}, {DEEP[1]}, tropes=["mask-reveal"], note="deep in the story")
reader"""

JS_ROOT = "document.querySelector('.ann-root')"
JS_READY = f"() => {{ const r = {JS_ROOT}; return !!r && r.dataset.state === 'ready'; }}"
JS_STATE = f"""() => {{
  const r = {JS_ROOT};
  const page = r.querySelector('.ann-page');
  const blocks = [...page.querySelectorAll('.ann-block')];
  return {{
    lazy: r.dataset.lazy,
    paras: page.querySelectorAll('.ann-p').length,
    blocks: blocks.length,
    placeholders: blocks.filter((b) => b.classList.contains('is-placeholder')).length,
    last: blocks.length ? +blocks[blocks.length - 1].dataset.to : null,
    elements: page.getElementsByTagName('*').length,
  }};
}}"""
# Is the block holding paragraph index pi built?
JS_BUILT = f"""(pi) => {{
  const b = [...{JS_ROOT}.querySelectorAll('.ann-block')].find((b) => +b.dataset.from <= pi && pi <= +b.dataset.to);
  return !!b && !b.classList.contains('is-placeholder');
}}"""
# Scroll the pane to the block of paragraph index pi (by its placeholder), not to the paragraph.
JS_SCROLL_TO_BLOCK = f"""(pi) => {{
  const r = {JS_ROOT};
  r.scrollIntoView({{ block: 'start' }});
  const sc = r.querySelector('.ann-scroll');
  const b = [...r.querySelectorAll('.ann-block')].find((b) => +b.dataset.from <= pi && pi <= +b.dataset.to);
  sc.scrollTop += b.getBoundingClientRect().top - sc.getBoundingClientRect().top;
}}"""
JS_SCROLL_TO_PARA = f"""(pi) => {{
  const r = {JS_ROOT};
  const sc = r.querySelector('.ann-scroll');
  const p = r.querySelector(`.ann-p[data-pi="${{pi}}"]`);
  sc.scrollTop += p.getBoundingClientRect().top - sc.getBoundingClientRect().top - 80;
}}"""
# Is the element in the reading pane's viewport?
JS_IN_VIEW = f"""(sel) => {{
  const r = {JS_ROOT};
  const el = r.querySelector(sel);
  if (!el) return false;
  const a = el.getBoundingClientRect();
  const s = r.querySelector('.ann-scroll').getBoundingClientRect();
  return a.bottom > s.top && a.top < s.bottom;
}}"""
JS_POINT = f"""([pi, needle, which]) => {{
  const text = {JS_ROOT}.querySelector(`.ann-p[data-pi="${{pi}}"] .ann-text`);
  let left = text.textContent.indexOf(needle);
  if (left < 0) return null;
  if (which === 'end') left += needle.length - 1;
  const w = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) {{
    if (left < n.data.length) {{
      const rg = document.createRange(); rg.setStart(n, left); rg.setEnd(n, left + 1);
      const rect = rg.getClientRects()[0];
      return {{ x: which === 'end' ? rect.right - 1 : rect.left + 1, y: rect.top + rect.height / 2 }};
    }}
    left -= n.data.length;
  }}
  return null;
}}"""


def annotations(lab):
    with Store(lab.db_path) as store:
        return store.annotations(STORY_ID, creator=READER)


@pytest.fixture(autouse=True)
def _fresh_kernels():
    """One notebook and kernel for the module: no per-test shutdown."""
    yield


@pytest.fixture(scope="module")
def big(lab, browser):
    with harness.generated_notebook(lab, browser, SETUP, "fixtures/big.ipynb", JS_READY) as page:
        yield page


def test_far_blocks_are_not_built(big):
    state = big.evaluate(JS_STATE)
    assert state["lazy"] == "true"
    assert state["last"] == len(STORY.paragraphs) - 1  # every paragraph came (the load came in parts)
    assert state["blocks"] == -(-N // 40)
    assert state["placeholders"] >= state["blocks"] - 4
    assert state["paras"] <= 4 * 40
    assert not big.evaluate(JS_BUILT, pi_of(3100))


def test_scroll_to_an_annotation_deep_in_the_story_builds_and_shows_it(big):
    harness.run_in_kernel(big, "reader.scroll_to(deep)")
    big.wait_for_function(JS_IN_VIEW, arg="mark.ann-hl.is-head", timeout=10_000)
    big.wait_for_function(
        "(sel) => { const m = document.querySelector(sel); return !!m && m.textContent.includes('w3100a'); }",
        arg=".ann-root mark.ann-hl.is-head",
        timeout=10_000,
    )
    assert big.evaluate(JS_BUILT, pi_of(3100))
    head = big.evaluate(
        f"() => {JS_ROOT}.querySelector(`.ann-p[data-pi=\"{pi_of(3100)}\"] mark.ann-hl.is-head`).textContent"
    )
    assert head == "w3100a w3100b"
    # the blocks near the top went back to placeholders
    big.wait_for_function(f"() => !({JS_BUILT})(1)", timeout=10_000)


def test_an_annotation_added_in_an_unbuilt_block_shows_when_it_is_built(big, lab):
    target = pi_of(2000)
    assert not big.evaluate(JS_BUILT, target)
    s, e = span(2000, "w2000a w2000b")
    harness.run_in_kernel(big, f"far = reader.annotate({s}, {e}, note='added far away')")
    far = next(a for a in annotations(lab) if a.note == "added far away")
    sel = f'mark.ann-hl[data-id="{far.id}"]'
    assert big.evaluate(f"(sel) => !{JS_ROOT}.querySelector(sel)", sel)
    assert not big.evaluate(JS_BUILT, target)
    big.evaluate(JS_SCROLL_TO_BLOCK, target)
    big.wait_for_function(f"(sel) => !!{JS_ROOT}.querySelector(sel)", arg=sel, timeout=10_000)
    assert big.evaluate(f"(sel) => {JS_ROOT}.querySelector(sel).textContent", sel) == "w2000a w2000b"


def test_drag_select_and_save_in_a_block_built_on_scroll(big, lab):
    target = pi_of(1500)
    assert not big.evaluate(JS_BUILT, target)
    big.evaluate(JS_SCROLL_TO_BLOCK, target)
    big.wait_for_function(f"(pi) => !!{JS_ROOT}.querySelector(`.ann-p[data-pi=\"${{pi}}\"]`)", arg=target)
    big.evaluate(JS_SCROLL_TO_PARA, target)
    big.wait_for_timeout(200)
    a = big.evaluate(JS_POINT, [target, "w1500a", "start"])
    b = big.evaluate(JS_POINT, [target, "begins", "end"])
    before = {x.id for x in annotations(lab)}
    m = big.mouse
    m.move(a["x"], a["y"])
    m.down()
    m.move((a["x"] + b["x"]) / 2, a["y"], steps=4)
    m.move(b["x"], b["y"], steps=4)
    m.up()
    big.wait_for_function(f"() => {JS_ROOT}.dataset.toolbar === 'create'", timeout=10_000)
    quote = big.evaluate(f"() => {JS_ROOT}.querySelector('.ann-tb-quote').textContent")
    assert "w1500a w1500b begins" in quote
    big.keyboard.press("Enter")  # a plain highlight
    big.wait_for_function(f"() => !{JS_ROOT}.dataset.toolbar", timeout=10_000)
    new = harness.poll(lambda: [x for x in annotations(lab) if x.id not in before], timeout=10)
    assert len(new) == 1
    got = new[0]
    assert got.quote.exact == "w1500a w1500b begins" and (got.start, got.end) == span(1500, "w1500a w1500b begins")
    big.wait_for_function(
        f"(id) => !!{JS_ROOT}.querySelector(`mark.ann-hl.is-head[data-id=\"${{id}}\"]`)", arg=got.id
    )


def test_paragraph_number_and_keyboard_cursor_reach_unbuilt_paragraphs(big):
    # a paragraph number in the block built on scroll selects its paragraph
    target = pi_of(1500)
    big.locator(f'.ann-root .ann-num[data-pi="{target}"]').click()
    big.wait_for_function(f"() => {JS_ROOT}.dataset.toolbar === 'create'", timeout=10_000)
    assert big.evaluate(f"() => {JS_ROOT}.querySelector('.ann-tb-loc').textContent") == "¶1500"
    big.keyboard.press("Escape")
    big.wait_for_function(f"() => !{JS_ROOT}.dataset.toolbar", timeout=10_000)
    # End moves the reading cursor to the last paragraph: its block is built and in view
    big.evaluate(f"() => {JS_ROOT}.querySelector('.ann-page').focus()")
    big.keyboard.press("End")
    last = len(STORY.paragraphs) - 1
    big.wait_for_function(JS_BUILT, arg=last, timeout=10_000)
    big.wait_for_function(JS_IN_VIEW, arg=f'.ann-p[data-pi="{last}"]', timeout=10_000)
    live = big.evaluate(f"() => {JS_ROOT}.querySelector('.ann-sr').textContent")
    assert live.startswith(f"Paragraph {N}:")
    # Home goes back to the title; the keyboard works on from there
    big.keyboard.press("Home")
    big.keyboard.press("ArrowDown")
    live = big.evaluate(f"() => {JS_ROOT}.querySelector('.ann-sr').textContent")
    assert live.startswith("Paragraph 1:")


def test_tab_from_the_last_highlight_of_a_block_goes_on_into_the_next(big, lab):
    # two highlights: the last paragraph of one block and the first of the next
    b0 = pi_of(2400)
    blocks = big.evaluate(
        f"(pi) => {{ const b = [...{JS_ROOT}.querySelectorAll('.ann-block')].find((b) => +b.dataset.from <= pi && pi <= +b.dataset.to); return [+b.dataset.from, +b.dataset.to]; }}",
        b0,
    )
    last_pi, next_pi = blocks[1], blocks[1] + 1
    n1 = STORY.paragraphs[last_pi].number
    n2 = STORY.paragraphs[next_pi].number
    s1 = span(n1, f"w{n1}a")
    s2 = span(n2, f"w{n2}a")
    harness.run_in_kernel(big, f"t1 = reader.annotate({s1[0]}, {s1[1]}, note='tab one'); t2 = reader.annotate({s2[0]}, {s2[1]}, note='tab two')")
    ids = {a.note: a.id for a in annotations(lab) if a.note in ("tab one", "tab two")}
    big.evaluate(JS_SCROLL_TO_BLOCK, b0)
    sel1 = f'.ann-anchor[data-id="{ids["tab one"]}"]'
    big.wait_for_function(f"(sel) => !!{JS_ROOT}.querySelector(sel)", arg=sel1, timeout=10_000)
    big.evaluate(f"(sel) => {JS_ROOT}.querySelector(sel).focus({{ preventScroll: true }})", sel1)
    assert not big.evaluate(JS_BUILT, next_pi)  # the next block is far below: not built yet
    big.keyboard.press("Tab")
    big.wait_for_function(
        "(id) => document.activeElement && document.activeElement.dataset.id === id",
        arg=ids["tab two"],
        timeout=10_000,
    )


def test_no_errors_in_the_page(big):
    assert big.page_errors == []
