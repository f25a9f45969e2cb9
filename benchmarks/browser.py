"""A real JupyterLab and Chromium for the reader and peers benchmarks.

One :class:`LabBench` = one isolated JupyterLab server (started the way the
browser tests start theirs, see ``tests/browser/harness.py``) and one headless
Chromium page. Everything timed is timed *in the page* with
``performance.now()`` and event time stamps, so Playwright's own round trips
never enter a figure:

* :meth:`LabBench.run_cell` fires ``notebook:run-cell`` (never awaited) at
  ``t0`` and resolves when a named condition holds on a *new* widget root
  (a ``MutationObserver`` plus a 25 ms poll), then waits one animation frame
  and one task: ``shown`` is when the condition held, ``idle`` when the page
  had painted and could run the next input handler.
* :meth:`LabBench.timed_exec` sends code straight to the kernel
  (``kernel.requestExecute``) and resolves when the widget shows one more
  highlight than before: the Python-side add latency, the same path for
  every widget.
* A ``longtask`` PerformanceObserver (buffered) runs from page start.

The Lab server runs on ``.venv-bench``'s Python when that exists (it has the
peer widgets installed), else on this interpreter; ``BENCH_PYTHON`` overrides.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser import harness  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"

# Installed in every page before Lab's own scripts run.
INIT_JS = r"""
(() => {
  window.__longtasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { window.__longtaskError = String(e); }
  const count = (root, sel) => (root ? root.querySelectorAll(sel).length : 0);
  const newest = (sel, old) => {
    const all = [...document.querySelectorAll(sel)].filter((r) => !old || !old.has(r));
    return all.length ? all[all.length - 1] : null;
  };
  // Condition name -> {root: selector of the widget root, test(root, arg) -> falsy | info}
  const CONDS = {
    reader: { root: ".ann-root", test: (r, a) => {
      if (r.dataset.state !== "ready") return null;
      const heads = count(r, "mark.ann-hl.is-head");
      return heads >= (a.expect || 0) ? { heads, readyMs: +r.dataset.readyMs, firstPaintMs: +r.dataset.firstPaintMs, loadMs: +r.dataset.loadMs } : null;
    } },
    readerText: { root: ".ann-root", test: (r) => (r.querySelector(".ann-page .ann-p .ann-text") ? { paras: count(r, ".ann-p") } : null) },
    readerMarks: { root: ".ann-root", test: (r) => (r.querySelector(".ann-page mark.ann-hl") ? { marks: count(r, "mark.ann-hl.is-head") } : null) },
    readerControls: { root: ".ann-root", test: (r) => { const box = r.closest(".annotator-reader"); return box && box.querySelector(".annotator-controls .annotator-trope-filter select") ? { ok: 1 } : null; } },
    readerList: { root: ".ann-root", test: (r) => (r.dataset.list === "built" ? { items: count(r, ".ann-list .ann-li") } : null) },
    readerHeads: { root: ".ann-root", test: (r, a) => { const n = count(r, "mark.ann-hl.is-head"); return n >= a.expect ? { n } : null; } },
    jupyterannotate: { root: ".jp-OutputArea-output .app", test: (r, a) => { const n = count(r, ".content .span"); return n >= a.expect ? { n } : null; } },
    spanmark: { root: ".so-root", test: (r, a) => { const n = count(r, a.overlaps ? ".so-rail-badge" : "mark.so-inline-span"); return n >= a.expect ? { n } : null; } },
  };
  const counter = {
    reader: (r) => count(r, "mark.ann-hl.is-head"),
    jupyterannotate: (r) => count(r, ".content .span"),
    spanmark: (r, a) => count(r, a.overlaps ? ".so-rail-badge" : "mark.so-inline-span"),
  };

  function waitFor(name, arg, old, timeoutMs, t0) {
    const cond = CONDS[name];
    return new Promise((resolve) => {
      let done = false;
      let obs = null;
      let iv = null;
      let to = null;
      const stop = () => { done = true; if (obs) obs.disconnect(); clearInterval(iv); clearTimeout(to); };
      const check = () => {
        if (done) return;
        const r = newest(cond.root, old);
        let info = null;
        try { info = r && cond.test(r, arg); } catch (e) { info = null; }
        if (!info) return;
        const shown = performance.now();
        stop();
        requestAnimationFrame(() => setTimeout(() => resolve({ ok: true, shown: shown - t0, idle: performance.now() - t0, info }), 0));
      };
      obs = new MutationObserver(check);
      obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
      iv = setInterval(check, 25);
      to = setTimeout(() => { if (!done) { stop(); resolve({ ok: false, timeout: true }); } }, timeoutMs);
      check();
    });
  }

  window.__bench = {
    panel: () => window.jupyterapp.shell.currentWidget,
    kernel: () => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel,
    /** Run cell `index` (fired, not awaited); resolve when CONDS[name] holds on a new root. */
    runCell(index, name, arg, timeoutMs) {
      const old = new Set(document.querySelectorAll(CONDS[name].root));
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.activeCellIndex = index;
      nb.deselectAll();
      const t0 = performance.now();
      const p = waitFor(name, arg, old, timeoutMs, t0);
      void window.jupyterapp.commands.execute("notebook:run-cell");
      return p.then((res) => ({ ...res, t0 }));
    },
    /** Resolve when CONDS[name] holds on the newest root (no timing origin of its own). */
    waitNewest(name, arg, t0, timeoutMs) {
      return waitFor(name, arg, null, timeoutMs, t0);
    },
    /** Execute `code` in the kernel; resolve when the widget shows one more span than before. */
    timedExec(code, name, arg, timeoutMs) {
      const root = newest(CONDS[name].root, null);
      const before = counter[name](root, arg);
      return new Promise((resolve) => {
        let done = false;
        let error = null;
        const finish = (res) => { if (done) return; done = true; obs.disconnect(); clearTimeout(to); resolve(res); };
        const check = () => {
          if (done) return;
          if (counter[name](root, arg) > before) finish({ ok: true, ms: performance.now() - t0 });
        };
        const obs = new MutationObserver(check);
        obs.observe(root, { subtree: true, childList: true });
        const to = setTimeout(() => finish({ ok: false, timeout: true, error, before, after: counter[name](root, arg) }), timeoutMs);
        const t0 = performance.now();
        const future = window.__bench.kernel().requestExecute({ code, silent: false, store_history: false });
        future.onIOPub = (msg) => {
          if (msg.header.msg_type === "error") { error = msg.content.ename + ": " + msg.content.evalue; finish({ ok: false, error }); }
        };
      });
    },
    /** Execute `code`, resolve with its stdout (and error), never hanging past timeoutMs. */
    exec(code, timeoutMs) {
      return new Promise((resolve) => {
        let out = "";
        let error = null;
        const to = setTimeout(() => resolve({ out, error: error || "timeout" }), timeoutMs);
        const future = window.__bench.kernel().requestExecute({ code, silent: false, store_history: false });
        future.onIOPub = (msg) => {
          const t = msg.header.msg_type;
          if (t === "stream") out += msg.content.text;
          else if (t === "error") error = msg.content.ename + ": " + msg.content.evalue;
          else if (t === "execute_result") out += (msg.content.data || {})["text/plain"] || "";
        };
        future.done.then(() => { clearTimeout(to); resolve({ out, error }); }, (e) => { clearTimeout(to); resolve({ out, error: String(e) }); });
      });
    },
    /** Ms from sending a no-op to the kernel to its reply: the floor under any Python-side add. */
    roundTrip(timeoutMs) {
      const t0 = performance.now();
      const future = window.__bench.kernel().requestExecute({ code: "pass", silent: false, store_history: false });
      const to = new Promise((r) => setTimeout(() => r(null), timeoutMs));
      return Promise.race([future.done.then(() => performance.now() - t0), to]);
    },
    longtasksSince(t) {
      return window.__longtasks.filter(([s]) => s >= t);
    },
  };
})();
"""

JS_KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  return !w.content.widgets.some(c => c.model.type === 'code' && c.model.executionState === 'running');
}"""


def lab_python() -> str:
    """The interpreter the Lab server (and so every kernel) runs on."""
    env = os.environ.get("BENCH_PYTHON")
    if env:
        return env
    bench = ROOT / ".venv-bench" / "bin" / "python"
    return str(bench) if bench.exists() else sys.executable


def chromium_available() -> str | None:
    """``None`` when a browser bench can run here, else why not."""
    if not os.access(harness.CHROMIUM, os.X_OK):
        return f"{harness.CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as e:
        return f"playwright is not importable: {e}"
    return None


def notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    return nb


class LabBench:
    """One JupyterLab server + one Chromium page; use as a context manager."""

    def __init__(self, python: str | None = None, viewport: dict[str, int] | None = None) -> None:
        self.python = python or lab_python()
        self.viewport = viewport or harness.VIEWPORT
        self.lab: harness.Lab | None = None
        self._pw = None
        self.browser = None
        self.context = None
        self.page = None
        self.errors: list[str] = []
        self._n = 0

    def __enter__(self) -> LabBench:
        from playwright.sync_api import sync_playwright

        empty = Path(tempfile.mkdtemp(prefix="annotator-bench-nb-")) / "notebooks"
        self.lab = harness.start_lab(python=self.python, notebooks_dir=empty, extra_dirs=())
        try:
            self._pw = sync_playwright().start()
            self.browser = self._pw.chromium.launch(
                executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS
            )
            self.new_page()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        for closer in (
            lambda: self.context and self.context.close(),
            lambda: self.browser and self.browser.close(),
            lambda: self._pw and self._pw.stop(),
            lambda: self.lab and harness.stop_lab(self.lab),
        ):
            try:
                closer()
            except Exception:
                pass

    def new_page(self) -> None:
        """A fresh browser context (no module cache, no widget state)."""
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(viewport=self.viewport)
        self.context.set_default_timeout(60_000)
        self.context.add_init_script(script=INIT_JS)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    # -- notebooks ------------------------------------------------------------------
    def open(self, *cells: str, name: str = "bench", fresh_page: bool = True, timeout: float = 90) -> None:
        """Write a notebook of these cells, open it on a fresh kernel (and page)."""
        assert self.lab is not None
        harness.shutdown_all_sessions(self.lab)
        self._n += 1
        rel = f"notebooks/{name}-{self._n}.ipynb"
        self.lab.add_notebook(notebook(*cells), rel)
        if fresh_page:
            self.new_page()
        harness.open_notebook(self.page, self.lab, rel, timeout=timeout)

    def wait_idle(self, timeout: float = 120) -> None:
        self.page.wait_for_function(JS_KERNEL_IDLE, timeout=timeout * 1000, polling=50)

    def run_untimed(self, index: int, timeout: float = 300) -> None:
        """Run one cell and wait until the kernel is idle again; raise on a Python error."""
        self.wait_idle(timeout)
        self.page.evaluate(
            """(i) => { const nb = window.jupyterapp.shell.currentWidget.content;
                      nb.activeCellIndex = i; nb.deselectAll();
                      void window.jupyterapp.commands.execute('notebook:run-cell'); }""",
            index,
        )
        time.sleep(0.2)
        self.wait_idle(timeout)
        err = self.page.evaluate(
            """(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
                      const outs = c.model.outputs.toJSON();
                      const e = outs.find(o => o.output_type === 'error');
                      return e ? e.ename + ': ' + e.evalue : null; }""",
            index,
        )
        if err:
            raise RuntimeError(f"cell {index} failed: {err}")

    def run_cell(self, index: int, cond: str, arg: dict | None = None, timeout: float = 120) -> dict:
        """Run cell ``index``; timings (ms from the run request) once ``cond`` holds."""
        self.wait_idle(timeout)
        res = self.page.evaluate(
            "([i, c, a, t]) => window.__bench.runCell(i, c, a, t)", [index, cond, arg or {}, timeout * 1000]
        )
        if not res.get("ok"):
            raise TimeoutError(
                f"{cond} not reached within {timeout}s after running cell {index}: "
                f"error={self.cell_error(index)!r} page={self.describe()!r} page errors={self.errors[-3:]!r}"
            )
        return res

    def wait_newest(self, cond: str, t0: float, arg: dict | None = None, timeout: float = 120) -> dict:
        res = self.page.evaluate(
            "([c, a, t0, t]) => window.__bench.waitNewest(c, a, t0, t)", [cond, arg or {}, t0, timeout * 1000]
        )
        if not res.get("ok"):
            raise TimeoutError(f"{cond} not reached within {timeout}s")
        return res

    def describe(self) -> dict:
        """What the page shows now (for error messages)."""
        return self.page.evaluate(
            """() => ({
              readers: [...document.querySelectorAll('.ann-root')].map(r => [r.dataset.state,
                r.querySelectorAll('mark.ann-hl.is-head').length, (r.querySelector('.ann-loading') || {}).textContent]),
              outputs: [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText.slice(0, 160)),
            })"""
        )

    def cell_error(self, index: int) -> str | None:
        return self.page.evaluate(
            """(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
                      const e = c.model.outputs.toJSON().find(o => o.output_type === 'error');
                      return e ? e.ename + ': ' + e.evalue : null; }""",
            index,
        )

    def timed_exec(self, code: str, counter: str, arg: dict | None = None, timeout: float = 60) -> float:
        """Ms from sending ``code`` to the kernel to one more span in the widget's DOM."""
        self.wait_idle(timeout)
        res = self.page.evaluate(
            "([c, n, a, t]) => window.__bench.timedExec(c, n, a, t)", [code, counter, arg or {}, timeout * 1000]
        )
        if not res.get("ok"):
            raise RuntimeError(f"add did not show up: {res}")
        return float(res["ms"])

    def exec(self, code: str, timeout: float = 120) -> str:
        """Run ``code`` in the kernel; its stdout. Raises on a Python error."""
        self.wait_idle(timeout)
        res = self.page.evaluate("([c, t]) => window.__bench.exec(c, t)", [code, timeout * 1000])
        if res.get("error"):
            raise RuntimeError(f"kernel: {res['error']}\n{res.get('out', '')}")
        return res.get("out", "")

    def round_trip(self, timeout: float = 30) -> float:
        """Ms for a no-op execute request -> reply through Lab (the messaging floor)."""
        self.wait_idle(timeout)
        ms = self.page.evaluate("(t) => window.__bench.roundTrip(t)", timeout * 1000)
        if ms is None:
            raise TimeoutError("no execute_reply")
        return float(ms)

    def kernel_pid(self) -> int:
        return int(self.exec("import os; print(os.getpid())").strip())

    def longtasks_since(self, t: float) -> list[tuple[float, float]]:
        return [tuple(x) for x in self.page.evaluate("(t) => window.__bench.longtasksSince(t)", t)]

    def now(self) -> float:
        return float(self.page.evaluate("() => performance.now()"))

    # -- profiling (used for NOTES.md; not part of the figures) ----------------------
    def cpu_profile_start(self):
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        return cdp

    @staticmethod
    def cpu_profile_stop(cdp, top: int = 25) -> list[tuple[str, float]]:
        """Stop, and return the ``top`` functions by self time (ms)."""
        prof = cdp.send("Profiler.stop")["profile"]
        nodes = {n["id"]: n for n in prof["nodes"]}
        deltas = prof.get("timeDeltas", [])
        self_us: dict[int, float] = {}
        for sid, d in zip(prof.get("samples", []), deltas, strict=False):
            self_us[sid] = self_us.get(sid, 0.0) + d
        by_fn: dict[str, float] = {}
        for nid, us in self_us.items():
            cf = nodes[nid]["callFrame"]
            url = cf.get("url", "").rsplit("/", 1)[-1][:40]
            key = f"{cf.get('functionName') or '(anonymous)'} {url}:{cf.get('lineNumber', 0) + 1}"
            by_fn[key] = by_fn.get(key, 0.0) + us / 1000
        return sorted(by_fn.items(), key=lambda kv: -kv[1])[:top]


def write_json(data: Any, name: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="bench-", dir=CACHE)) / name
    path.write_text(json.dumps(data))
    return path


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, int(round(0.95 * len(s) + 0.5)) - 1))
    return s[k]


def summarize_trace(raw: bytes, since_us: float | None = None, top: int = 20) -> dict[str, Any]:
    """Main-thread time by trace event name (complete events, self time approximated by nesting)."""
    data = json.loads(raw)
    events = data["traceEvents"] if isinstance(data, dict) else data
    # The renderer main thread: the thread named CrRendererMain with the most events.
    names = {(e["pid"], e["tid"]): e["args"].get("name") for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    mains = [k for k, v in names.items() if v == "CrRendererMain"]
    counts = {k: 0 for k in mains}
    for e in events:
        k = (e.get("pid"), e.get("tid"))
        if k in counts:
            counts[k] += 1
    if not counts:
        return {}
    main = max(counts, key=counts.get)
    spans = sorted(
        (e for e in events if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X" and "dur" in e
         and (since_us is None or e["ts"] >= since_us)),
        key=lambda e: (e["ts"], -e["dur"]),
    )
    self_ms: dict[str, float] = {}
    stack: list[list[Any]] = []  # [end_ts, name, child_time]
    def close_until(ts: float) -> None:
        while stack and stack[-1][0] <= ts:
            end, name, child, dur = stack.pop()
            self_ms[name] = self_ms.get(name, 0.0) + (dur - child) / 1000
            if stack:
                stack[-1][2] += dur
    for e in spans:
        close_until(e["ts"])
        stack.append([e["ts"] + e["dur"], e["name"], 0.0, e["dur"]])
    close_until(float("inf"))
    tasks = [e["dur"] / 1000 for e in spans if e["name"] == "RunTask"]
    return {
        "self_ms": sorted(self_ms.items(), key=lambda kv: -kv[1])[:top],
        "tasks_over_50ms": sorted((round(t) for t in tasks if t > 50), reverse=True),
    }
