"""The Reader's side list when it is long: built block by block as it scrolls.

A generated story with 600 annotations (more than EAGER_ITEMS): the list is
laid out as blocks of 25, only those near the list's view hold items, and
jumps, adds and deletes in unbuilt blocks still work. The annotations are
written after the Reader was built and before its view existed, so the page
also proves the "booted" resync. One notebook serves the module; the tests
build on each other in file order. Nothing here asserts on time.
"""

from __future__ import annotations

import pytest

from annotator.store import Store
from annotator.story import Story

from . import harness

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

N_PARAS = 60
N_NOTES = 600
BLOCK = 25  # BLOCK_ITEMS in reader.js
STORY_ID = "list-test"
READER = "lena"
TEXT = "Many Notes\n\n" + "\n\n".join(
    " ".join(f"p{i}w{k}" for k in range(1, 13)) + "." for i in range(1, N_PARAS + 1)
) + "\n"
STORY = Story.from_text(STORY_ID, TEXT, {"title": "Many Notes"})
def _spans() -> list[tuple[int, int]]:
    out = []
    for p in STORY.paragraphs:
        if p.kind == "title":
            continue
        at = p.start
        for word in TEXT[p.start : p.end].rstrip(".").split(" ")[:10]:
            at = TEXT.index(word, at)
            out.append((at, at + len(word)))
            at += len(word)
    return out


SPANS = _spans()[:N_NOTES]
SETUP = f"""from annotator.annotation import make_annotation
from annotator.story import Story
from annotator.widget import Reader
text = {TEXT!r}
story = Story.from_text({STORY_ID!r}, text, {{"title": "Many Notes"}})
reader = Reader(story, reader={READER!r})
reader.store.add_many([
    make_annotation(text, story.id, s, e, creator={READER!r}, note=f"note {{i}}", story_version=story.version)
    for i, (s, e) in enumerate({SPANS!r})
])
reader"""

JS_ROOT = "document.querySelector('.ann-root')"
JS_READY = f"""() => {{ const r = {JS_ROOT};
  return !!r && r.dataset.state === 'ready' && r.querySelectorAll('mark.ann-hl.is-head').length === {N_NOTES}; }}"""
JS_LIST = f"""() => {{
  const r = {JS_ROOT};
  const blocks = [...r.querySelectorAll('.ann-list .ann-list-block')];
  return {{
    lazy: r.dataset.listLazy,
    blocks: blocks.length,
    built: blocks.map((b) => b.querySelectorAll('.ann-li').length),
    count: r.querySelector('.ann-side-head .ann-count').textContent,
  }};
}}"""
JS_ITEM = f"(id) => !!{JS_ROOT}.querySelector(`.ann-list .ann-li[data-id=\"${{id}}\"]`)"
JS_ITEM_IN_VIEW = f"""(id) => {{
  const r = {JS_ROOT};
  const li = r.querySelector(`.ann-list .ann-li[data-id="${{id}}"]`);
  if (!li) return false;
  const a = li.getBoundingClientRect();
  const s = r.querySelector('.ann-list-scroll').getBoundingClientRect();
  return a.bottom > s.top && a.top < s.bottom;
}}"""
JS_SCROLL_LIST = f"""(where) => {{
  const sc = {JS_ROOT}.querySelector('.ann-list-scroll');
  sc.scrollTop = where === 'end' ? sc.scrollHeight : 0;
}}"""


def stored(lab):
    with Store(lab.db_path) as store:
        return store.annotations(STORY_ID)


@pytest.fixture(autouse=True)
def _fresh_kernels():
    """One notebook and kernel for the module: no per-test shutdown."""
    yield


@pytest.fixture(scope="module")
def page(lab, browser):
    with harness.generated_notebook(lab, browser, SETUP, "fixtures/list.ipynb", JS_READY) as page:
        yield page


def test_a_long_list_is_built_only_near_its_view(page):
    state = page.evaluate(JS_LIST)
    assert state["lazy"] == "true"
    assert state["blocks"] == N_NOTES // BLOCK
    assert state["built"][0] == BLOCK and sum(state["built"]) < N_NOTES // 2
    assert state["count"] == str(N_NOTES)  # the count is of all, built or not
    assert page.page_errors == []


def test_scrolling_the_list_builds_the_far_blocks_and_empties_the_first(page, lab):
    last = stored(lab)[-1]
    assert not page.evaluate(JS_ITEM, last.id)
    page.evaluate(JS_SCROLL_LIST, "end")
    page.wait_for_function(JS_ITEM, arg=last.id, timeout=10_000)
    page.evaluate(JS_SCROLL_LIST, "end")  # built, the block's height is now its real one
    page.wait_for_function(JS_ITEM_IN_VIEW, arg=last.id, timeout=10_000)
    page.wait_for_function(f"() => ({JS_LIST})().built[0] === 0", timeout=10_000)
    page.evaluate(JS_SCROLL_LIST, "start")
    page.wait_for_function(f"() => ({JS_LIST})().built[0] === {BLOCK}", timeout=10_000)


def test_a_jump_to_a_far_annotation_shows_its_list_item(page, lab):
    far = stored(lab)[-7]
    assert not page.evaluate(JS_ITEM, far.id)
    harness.run_in_kernel(page, f"reader.scroll_to({far.id!r})")
    page.wait_for_function(JS_ITEM_IN_VIEW, arg=far.id, timeout=10_000)


def test_adding_and_deleting_in_an_unbuilt_block(page, lab):
    page.evaluate(JS_SCROLL_LIST, "start")
    page.wait_for_function(f"() => ({JS_LIST})().built.slice(-1)[0] === 0", timeout=10_000)
    p = STORY.paragraphs[-1]
    s = TEXT.index("w11", p.start)
    harness.run_in_kernel(page, f"late = reader.annotate({s}, {s + 3}, note='late note').id")
    late = next(a for a in stored(lab) if a.note == "late note")
    page.wait_for_function(f"() => ({JS_LIST})().count === '{N_NOTES + 1}'", timeout=10_000)
    assert not page.evaluate(JS_ITEM, late.id)  # its block is not built
    page.evaluate(JS_SCROLL_LIST, "end")
    page.wait_for_function(JS_ITEM, arg=late.id, timeout=10_000)
    page.evaluate(JS_SCROLL_LIST, "start")
    page.wait_for_function(f"() => ({JS_LIST})().built.slice(-1)[0] === 0", timeout=10_000)
    harness.run_in_kernel(page, "reader.delete(late)")
    page.wait_for_function(f"() => ({JS_LIST})().count === '{N_NOTES}'", timeout=10_000)
    page.evaluate(JS_SCROLL_LIST, "end")
    page.wait_for_function(JS_ITEM, arg=stored(lab)[-1].id, timeout=10_000)
    assert not page.evaluate(JS_ITEM, late.id)
    assert page.page_errors == []


JS_UNTAGGED = f"""() => {{
  const n = {JS_ROOT}.querySelector('.ann-legend-chip.is-untagged .ann-legend-n');
  return n ? n.textContent : null;
}}"""


def test_the_legend_counts_follow_changes_the_reader_and_the_mine_filter(page):
    # Counted as annotations come and go, not recounted per change.
    assert page.evaluate(JS_UNTAGGED) == str(N_NOTES)
    harness.run_in_kernel(page, "reader.show = 'mine'")
    page.wait_for_function(f"() => ({JS_UNTAGGED})() === '{N_NOTES}'", timeout=10_000)
    harness.run_in_kernel(page, "reader.reader = 'bo'")  # bo has none: nothing of "mine" to count
    page.wait_for_function(f"() => ({JS_UNTAGGED})() === null", timeout=10_000)
    page.wait_for_function(f"() => ({JS_LIST})().count === '0 of {N_NOTES}'", timeout=10_000)
    harness.run_in_kernel(page, "reader.reader = 'lena'; reader.show = 'everyone'")
    page.wait_for_function(f"() => ({JS_UNTAGGED})() === '{N_NOTES}'", timeout=10_000)
    page.wait_for_function(f"() => ({JS_LIST})().count === '{N_NOTES}'", timeout=10_000)
    assert page.page_errors == []
