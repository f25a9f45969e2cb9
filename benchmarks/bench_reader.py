"""Reader: the widget in a real JupyterLab and Chromium (issue 6's browser targets).

* One Dance with 1,000 overlapping annotations (3 readers): from the moment
  the Reader cell's execution is requested (``notebook:run-cell``) until the
  surface is ``data-state="ready"`` with a highlight head for every
  annotation, one frame has been painted and the next task could run
  (the page is interactive). Each run is a fresh page and a fresh kernel.
* The 500,000-word story with 20,000 annotations (5 readers): cell run ->
  first paint of text (first ``.ann-p`` in the DOM, then a frame and a task);
  -> first highlights; -> fully built. Then the reading pane is scrolled
  through the whole story one pane height per frame (``scrollTop``), and by
  mouse wheel over the first part, with a buffered ``longtask``
  PerformanceObserver.
* Select -> save -> highlight: a real mouse drag over two words, the toolbar
  opens, Enter saves (a plain highlight); timed in the page from the drag's
  ``mouseup`` event to the toolbar shown, and from the Enter ``keydown`` to
  the new highlight in the DOM. The figure is the sum (the time the reader
  waits, without their own think time), p95 of 20+ samples.
* Kernel RSS (``/proc/self/status`` read in the kernel) with the novel open.

Quick mode: one run, a 30,000-word story with 1,000 annotations, 3 samples.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from annotator.store import Store

from .browser import LabBench, chromium_available, p95
from .common import Result
from .workloads import novel_workload, one_dance_workload

GROUP = "reader"

SETUP = """import ipywidgets
from annotator.widget import Reader
from annotator.library import load_story
DB = {db!r}
story = load_story({story!r}, store=DB)
display(ipywidgets.Label("widget manager warm-up"))"""
RENDER_ONE_DANCE = """r = Reader("one-dance", reader="ada", db=DB)
r"""
RENDER_NOVEL = """r = Reader(story, reader="ada", db=DB)
r"""
RSS = """
vals = {}
for line in open('/proc/self/status'):
    k, _, v = line.partition(':')
    if k in ('VmRSS', 'VmHWM'):
        vals[k] = int(v.split()[0]) / 1024
print(vals['VmRSS'], vals['VmHWM'])
"""

# Page-side helpers for the select -> save -> highlight samples.
JS_ARM_SAVE = r"""() => {
  const roots = document.querySelectorAll('.ann-root');
  const root = roots[roots.length - 1];
  const old = new Set([...root.querySelectorAll('mark.ann-hl.is-head')].map((m) => m.dataset.id));
  const s = { mouseup: null, enter: null, toolbar: null, mark: null };
  window.__save = s;
  const onUp = (e) => { if (s.mouseup === null) s.mouseup = e.timeStamp; };
  const onKey = (e) => { if (e.key === 'Enter' && s.enter === null) s.enter = e.timeStamp; };
  window.addEventListener('mouseup', onUp, true);
  window.addEventListener('keydown', onKey, true);
  const o1 = new MutationObserver(() => {
    if (s.toolbar === null && root.dataset.toolbar === 'create') s.toolbar = performance.now();
  });
  o1.observe(root, { attributes: true, attributeFilter: ['data-toolbar'] });
  const o2 = new MutationObserver((records) => {
    if (s.mark !== null) return;
    for (const rec of records) for (const n of rec.addedNodes) {
      if (n.nodeType !== 1) continue;
      const ms = n.matches('mark.ann-hl.is-head') ? [n] : n.querySelectorAll('mark.ann-hl.is-head');
      for (const m of ms) if (!old.has(m.dataset.id)) {
        s.mark = performance.now();
        o1.disconnect(); o2.disconnect();
        window.removeEventListener('mouseup', onUp, true);
        window.removeEventListener('keydown', onKey, true);
        return;
      }
    }
  });
  o2.observe(root.querySelector('.ann-page'), { subtree: true, childList: true });
}"""

# Client points for a drag over two words of paragraph `pi` (the `nth` word pair
# of 4+ letters), after scrolling the pane so that the paragraph is near the top.
JS_DRAG_POINTS = r"""([pi, nth]) => {
  const roots = document.querySelectorAll('.ann-root');
  const root = roots[roots.length - 1];
  const sc = root.querySelector('.ann-scroll');
  const p = root.querySelector(`.ann-p[data-pi="${pi}"]`);
  if (!p) {
    // lazy mode: the paragraph's block is not built; scroll to it (the next call finds it)
    const block = [...root.querySelectorAll('.ann-block[data-from]')].find((b) => +b.dataset.from <= pi && pi <= +b.dataset.to);
    if (block) sc.scrollTop += block.getBoundingClientRect().top - sc.getBoundingClientRect().top;
    return null;
  }
  sc.scrollTop += p.getBoundingClientRect().top - sc.getBoundingClientRect().top - 60;
  const text = p.querySelector('.ann-text');
  const full = text.textContent;
  const words = [...full.matchAll(/[A-Za-z]{4,} [A-Za-z]{4,}/g)];
  if (!words.length) return null;
  const m = words[nth % words.length];
  const at = (i, end) => {
    const w = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    let left = i;
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      if (left < n.data.length) {
        const r = document.createRange(); r.setStart(n, left); r.setEnd(n, left + 1);
        const rect = r.getClientRects()[0];
        return { x: end ? rect.right - 1 : rect.left + 1, y: rect.top + rect.height / 2 };
      }
      left -= n.data.length;
    }
    return null;
  };
  return { a: at(m.index, false), b: at(m.index + m[0].length - 1, true), text: m[0] };
}"""

JS_SCROLL_THROUGH = r"""async ([maxMs]) => {
  const roots = document.querySelectorAll('.ann-root');
  const root = roots[roots.length - 1];
  root.scrollIntoView({ block: 'start' });
  const sc = root.querySelector('.ann-scroll');
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  sc.scrollTop = 0;
  await frame(); await frame();
  const t0 = performance.now();
  let frames = 0; let last = t0; let worst = 0; let stuck = 0;
  while (performance.now() - t0 < maxMs) {
    const before = sc.scrollTop;
    sc.scrollTop = before + sc.clientHeight;
    await frame();
    const now = performance.now();
    worst = Math.max(worst, now - last); last = now; frames += 1;
    if (sc.scrollTop <= before) { if (++stuck > 5) break; } else stuck = 0;
  }
  await new Promise((r) => setTimeout(r, 300));
  return { t0, ms: performance.now() - t0, frames, worstFrame: worst, top: sc.scrollTop, height: sc.scrollHeight,
           marks: root.querySelectorAll('mark.ann-hl.is-head').length };
}"""


def build_store(path: Path, story, annotations, *, save_text: bool) -> None:
    store = Store(path)
    try:
        if save_text:
            chapters = [(c.title, c.start, c.end) for c in story.sections]
            meta = {k: v for k, v in story.metadata.items() if k != "words"}
            store.save_story_text(story.id, story.version, story.title, story.text, meta, chapters,
                                  source="benchmark")  # fmt: skip
        else:
            store.register_story(story.id, story.version, story.title)
        store.add_many(annotations)
    finally:
        store.close()


def fresh_copy(src: Path, tmp: Path, tag: str) -> Path:
    dest = tmp / f"{tag}-{time.monotonic_ns()}.db"
    shutil.copyfile(src, dest)
    return dest


def save_round_trips(bench: LabBench, paragraphs: list[int], samples: int) -> tuple[list[float], list[float]]:
    """(select -> toolbar ms, Enter -> highlight ms) for ``samples`` drags.

    Waits use cheap ``wait_for_function`` polls of ``window.__save``, never
    Playwright locators: a locator query walks the whole DOM (300,000
    elements for the novel) in the page's main thread and would be timed as
    the Reader's own work.
    """
    page = bench.page
    select_ms: list[float] = []
    save_ms: list[float] = []
    closed = "() => !document.querySelector('.ann-root[data-toolbar]')"
    for k in range(samples):
        pi = paragraphs[k % len(paragraphs)]
        page.evaluate(JS_DRAG_POINTS, [pi, k // len(paragraphs)])
        page.wait_for_timeout(300)  # the lazy painter may repaint what scrolled in; a flash ends
        pts = page.evaluate(JS_DRAG_POINTS, [pi, k // len(paragraphs)])
        if not pts or not pts["a"] or not pts["b"]:
            continue
        bench.wait_idle()
        page.wait_for_timeout(200)
        page.evaluate(JS_ARM_SAVE)
        m = page.mouse
        m.move(pts["a"]["x"], pts["a"]["y"])
        m.down()
        m.move((pts["a"]["x"] + pts["b"]["x"]) / 2, pts["a"]["y"], steps=3)
        m.move(pts["b"]["x"], pts["b"]["y"], steps=3)
        m.up()
        page.wait_for_function("() => window.__save.toolbar !== null", timeout=10_000, polling=20)
        page.wait_for_timeout(100)
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.__save.mark !== null", timeout=20_000, polling=20)
        s = page.evaluate("() => window.__save")
        select_ms.append(s["toolbar"] - s["mouseup"])
        save_ms.append(s["mark"] - s["enter"])
        page.wait_for_function(closed, timeout=10_000, polling=50)
    return select_ms, save_ms


def run(quick: bool = False) -> list[Result]:
    why = chromium_available()
    if why:
        print(f"[reader] skipped: {why}")
        return []
    repeat = 1 if quick else 5
    novel_repeat = 1 if quick else 3
    samples = 3 if quick else 24
    words, n = (30_000, 1_000) if quick else (500_000, 20_000)
    results: list[Result] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-reader-"))
    try:
        od_story, od_anns = one_dance_workload()
        od_db = tmp / "one-dance.db"
        build_store(od_db, od_story, od_anns, save_text=False)
        nv_story, nv_anns = novel_workload(words=words, n=n)
        nv_db = tmp / "novel.db"
        build_store(nv_db, nv_story, nv_anns, save_text=True)
        del nv_anns

        with LabBench() as bench:
            # -- One Dance, 1,000 annotations --------------------------------------------
            cold, warm, internal, controls, listed = [], [], [], [], []
            select_ms: list[float] = []
            save_ms: list[float] = []
            for i in range(repeat):
                db = fresh_copy(od_db, tmp, "od")
                bench.open(SETUP.format(db=str(db), story="one-dance"), RENDER_ONE_DANCE, name="reader-od")
                bench.run_untimed(0)
                res = bench.run_cell(1, "reader", {"expect": len(od_anns)})
                cold.append(res["idle"])
                internal.append(res["info"]["readyMs"])
                controls.append(bench.wait_newest("readerControls", res["t0"])["idle"])
                listed.append(bench.wait_newest("readerList", res["t0"])["idle"])
                res2 = bench.run_cell(1, "reader", {"expect": len(od_anns)})
                warm.append(res2["idle"])
                if i == repeat - 1:
                    body = [k for k, p in enumerate(od_story.paragraphs) if p.kind != "title" and p.end - p.start > 120]
                    picks = body[:: max(1, len(body) // samples)][:samples]
                    select_ms, save_ms = save_round_trips(bench, picks, samples)
            c = statistics.median(cold)
            results += [
                Result(GROUP, "One Dance, 1,000 annotations: cell run → all highlights drawn, interactive",
                       c, "ms", "< 500 ms", c < 500 if not quick else None,
                       f"median of {len(cold)} fresh pages + kernels; runs {', '.join(f'{x:.0f}' for x in cold)}; "
                       f"of which view → ready {statistics.median(internal):.0f} ms"),
                Result(GROUP, "One Dance: cell run → the ipywidgets controls row shown", statistics.median(controls),
                       "ms", "", None, "built once the page has drawn the story, into a row of reserved height"),
                Result(GROUP, "One Dance: cell run → side list shown", statistics.median(listed), "ms", "",
                       None, "its first block of 25 items; the others are built as the list scrolls near them"),
                Result(GROUP, "the same cell re-run in the same page", statistics.median(warm), "ms", "", None,
                       "warm kernel and page"),
            ]
            total = [a + b for a, b in zip(select_ms, save_ms, strict=True)]
            if total:
                results += [
                    Result(GROUP, "One Dance: select → save → highlight, p95", p95(total), "ms", "< 100 ms",
                           p95(total) < 100 if not quick else None,
                           f"{len(total)} mouse drags; median {statistics.median(total):.0f} ms = "
                           f"mouseup → toolbar {statistics.median(select_ms):.0f} + Enter → highlight "
                           f"{statistics.median(save_ms):.0f} (p95 {p95(save_ms):.0f})"),
                ]

            # -- the novel -----------------------------------------------------------------
            label = f"{words:,}-word story, {n:,} annotations"
            first_text, first_marks, ready = [], [], []
            rss = peak = 0.0
            scroll: dict = {}
            load_tasks: list[tuple[float, float]] = []
            scroll_tasks: list[tuple[float, float]] = []
            wheel_tasks: list[tuple[float, float]] = []
            nsel: list[float] = []
            nsave: list[float] = []
            for i in range(novel_repeat):
                db = fresh_copy(nv_db, tmp, "novel")
                bench.open(SETUP.format(db=str(db), story=nv_story.id), RENDER_NOVEL, name="reader-novel")
                bench.run_untimed(0)
                res = bench.run_cell(1, "readerText", {}, timeout=120)
                t0 = res["t0"]
                first_text.append(res["idle"])
                first_marks.append(bench.wait_newest("readerMarks", t0, timeout=120)["idle"])
                done = bench.wait_newest("reader", t0, {"expect": 0}, timeout=600)
                ready.append(done["idle"])
                load_tasks += [(s - t0, d) for s, d in bench.longtasks_since(t0)]
                if i == 0:
                    out = bench.exec(RSS).split()
                    rss, peak = float(out[0]), float(out[1])
                if i == novel_repeat - 1:
                    bench.page.wait_for_timeout(500)
                    scroll = bench.page.evaluate(JS_SCROLL_THROUGH, [30_000 if quick else 240_000])
                    scroll_tasks = bench.longtasks_since(scroll["t0"])
                    # the mouse wheel over the first part of the story
                    box = bench.page.locator(".ann-root").last.locator(".ann-scroll").bounding_box()
                    bench.page.evaluate("() => { const r = [...document.querySelectorAll('.ann-root')].pop(); r.querySelector('.ann-scroll').scrollTop = 0; }")
                    bench.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    tw = bench.now()
                    for _ in range(20 if quick else 200):
                        bench.page.mouse.wheel(0, 600)
                        bench.page.wait_for_timeout(16)
                    bench.page.wait_for_timeout(300)
                    wheel_tasks = bench.longtasks_since(tw)
                    body = [k for k, p in enumerate(nv_story.paragraphs) if p.kind != "title" and p.end - p.start > 120]
                    picks = body[5 : 5 + 7 * samples : 7]
                    nsel, nsave = save_round_trips(bench, picks, samples)
            ft = statistics.median(first_text)
            results += [
                Result(GROUP, f"{label}: cell run → first paint of text", ft, "ms", "< 1,500 ms",
                       ft < 1500 if not quick else None,
                       f"median of {len(first_text)}; runs {', '.join(f'{x:.0f}' for x in first_text)}"),
                Result(GROUP, f"{label}: cell run → first highlights", statistics.median(first_marks), "ms"),
                Result(GROUP, f"{label}: cell run → whole story built", statistics.median(ready), "ms", "", None,
                       "built in 8 ms slices; readable and scrollable meanwhile"),
                Result(GROUP, f"{label}: long tasks > 100 ms while it loads", sum(d > 100 for _, d in load_tasks)
                       / max(1, len(first_text)), "per load", "", None,
                       "longest " + ", ".join(f"{d:.0f}" for d in sorted((d for _, d in load_tasks), reverse=True)[:4])
                       + " ms (all runs)"),
            ]
            if scroll:
                over = [d for _, d in scroll_tasks if d > 100]
                longest = max((d for _, d in scroll_tasks), default=0.0)
                results.append(Result(
                    GROUP, f"{label}: scrolling through it, long tasks > 100 ms", len(over), "tasks", "0",
                    len(over) == 0 if not quick else None,
                    f"{scroll['frames']:,} frames, one pane per frame, {scroll['top'] / 1e6:.2f} M px in "
                    f"{scroll['ms'] / 1000:.1f} s; longest task {longest:.0f} ms, worst frame "
                    f"{scroll['worstFrame']:.0f} ms; {sum(d > 50 for _, d in scroll_tasks)} tasks > 50 ms"))  # fmt: skip
                wl = max((d for _, d in wheel_tasks), default=0.0)
                results.append(Result(
                    GROUP, f"{label}: mouse-wheel scrolling, long tasks > 100 ms", sum(d > 100 for _, d in wheel_tasks),
                    "tasks", "0", all(d <= 100 for _, d in wheel_tasks) if not quick else None,
                    f"{20 if quick else 200} wheel events of 600 px; longest task {wl:.0f} ms"))  # fmt: skip
            ntotal = [a + b for a, b in zip(nsel, nsave, strict=True)]
            if ntotal:
                results.append(Result(
                    GROUP, f"{label}: select → save → highlight, p95", p95(ntotal), "ms", "< 100 ms",
                    p95(ntotal) < 100 if not quick else None,
                    f"{len(ntotal)} mouse drags; median {statistics.median(ntotal):.0f} ms = mouseup → toolbar "
                    f"{statistics.median(nsel):.0f} + Enter → highlight {statistics.median(nsave):.0f} "
                    f"(p95 {p95(nsave):.0f})"))  # fmt: skip
            results += [
                Result(GROUP, f"{label}: kernel RSS with it open in a Reader", rss, "MB", "< 500 MB",
                       rss < 500 if not quick else None, f"peak (VmHWM) {peak:.0f} MB; read in the kernel"),
            ]
            if bench.errors:
                print(f"[reader] page errors: {bench.errors[:3]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


if __name__ == "__main__":
    import sys

    for r in run(quick="--quick" in sys.argv):
        print(r.row())
