"""Helpers for the browser tests: one JupyterLab server, Chromium, and timed waits.

The fixtures that use these live in ``conftest.py``.  Facts behind the choices
are in /work/shared/BROWSER-TESTING.md; the short version:

* Lab runs with its own temporary config, runtime, data, settings and
  workspace directories, so it never reopens old tabs, and with a temporary
  root dir holding a *copy* of ``notebooks/`` (tests never touch the real ones).
* Nothing here ever ``await``s a Lab command inside ``page.evaluate``: a dialog
  could block it forever.  Commands are fired with ``void`` and then we poll
  with timed waits.
* All timeouts of these helpers are in **seconds**.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Turns off the news / update toast that would cover the bottom-right corner.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}

SERVER_START_TIMEOUT = 60.0


# --------------------------------------------------------------------------
# The JupyterLab server
# --------------------------------------------------------------------------


@dataclass
class Lab:
    """A running JupyterLab server (see :func:`start_lab`)."""

    base_url: str  # e.g. "http://127.0.0.1:43121" (no trailing slash)
    port: int
    root_dir: Path  # Lab's root: holds a copy of notebooks/ (and story/)
    db_path: Path  # ANNOTATOR_DB of the server and its kernels
    tmp_dir: Path  # everything of this server lives below here
    log_path: Path  # the server's stdout+stderr
    proc: subprocess.Popen
    start_seconds: float = 0.0  # how long start-up took until /api/status answered
    _log_file: Any = field(default=None, repr=False)
    _opener: Any = field(default=None, repr=False)
    _xsrf: str = field(default="", repr=False)

    def url(self, path: str = "") -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def add_notebook(self, source: str | os.PathLike | Any, relpath: str) -> Path:
        """Put a notebook into the Lab root at ``relpath``; returns its path.

        ``source`` is a path to an ``.ipynb`` file or an ``nbformat``
        NotebookNode / plain dict (written with nbformat).
        """
        dest = self.root_dir / relpath
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, (str, os.PathLike)):
            shutil.copyfile(source, dest)
        else:
            import nbformat

            nb = source if isinstance(source, nbformat.NotebookNode) else nbformat.from_dict(source)
            nbformat.write(nb, str(dest))
        return dest

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_overrides(settings_dir: Path) -> None:
    """overrides.json in ``settings_dir``, merged over anything already there."""
    settings_dir.mkdir(parents=True, exist_ok=True)
    path = settings_dir / "overrides.json"
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except ValueError:
            data = {}
    for plugin, values in LAB_OVERRIDES.items():
        data.setdefault(plugin, {}).update(values)
    path.write_text(json.dumps(data, indent=2))


def start_lab(
    *,
    notebooks_dir: Path = REPO_ROOT / "notebooks",
    extra_dirs: Iterable[Path] = (REPO_ROOT / "story",),
    timeout: float = SERVER_START_TIMEOUT,
    python: str = sys.executable,
) -> Lab:
    """Start one JupyterLab server, isolated in a temp dir, and wait for it."""
    tmp = Path(tempfile.mkdtemp(prefix="annotator-lab-"))
    root = tmp / "root"
    root.mkdir()
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    if notebooks_dir.is_dir():
        shutil.copytree(notebooks_dir, root / notebooks_dir.name, ignore=ignore)
    else:
        (root / "notebooks").mkdir()
    for extra in extra_dirs:
        if extra.is_dir():
            shutil.copytree(extra, root / extra.name, ignore=ignore)

    dirs = {name: tmp / name for name in ("config", "runtime", "data", "settings", "workspaces")}
    for d in dirs.values():
        d.mkdir()

    # Lab reads overrides.json only from its app settings dir, which defaults
    # to <sys.prefix>/share/jupyter/lab/settings (./dev writes it there).  To
    # be independent of that, give this server its own app settings dir: a
    # copy of the installed one (page_config.json etc.) plus our overrides.
    prefix_settings = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings"
    app_settings = tmp / "app-settings"
    if prefix_settings.is_dir():
        shutil.copytree(prefix_settings, app_settings)
    _write_overrides(app_settings)

    db_path = tmp / "annotations.sqlite"
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        JUPYTER_PLATFORM_DIRS="1",
        ANNOTATOR_DB=str(db_path),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_TOKEN", None)
    env.pop("JUPYTER_TOKEN_FILE", None)

    log_path = tmp / "lab.log"
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between pick and bind
        port = free_port()
        cmd = [
            python, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.app_settings_dir={app_settings}",
            # Nothing from the internet: no news, no update check, no PyPI.
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log_file = open(log_path, "ab")
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our Ctrl-C does not hit it; we stop it ourselves
        )
        lab = Lab(
            base_url=f"http://127.0.0.1:{port}",
            port=port,
            root_dir=root,
            db_path=db_path,
            tmp_dir=tmp,
            log_path=log_path,
            proc=proc,
            _log_file=log_file,
        )
        deadline = t0 + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(lab.url("api/status"), timeout=2) as r:
                    if r.status == 200:
                        lab.start_seconds = time.monotonic() - t0
                        return lab
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        last_error = lab.log_tail()
        stop_lab(lab, cleanup=False)
        if "already in use" not in last_error and "Address already" not in last_error:
            break
    shutil.rmtree(tmp, ignore_errors=True)
    raise RuntimeError(
        f"JupyterLab did not answer /api/status within {timeout:.0f}s. Log tail:\n{last_error}"
    )


def stop_lab(lab: Lab, *, cleanup: bool = True, grace: float = 10.0) -> None:
    """Terminate the server (and its kernels), kill it if it does not go."""
    proc = lab.proc
    if proc.poll() is None:
        try:
            shutdown_all_sessions(lab, timeout=5)
        except Exception:
            pass
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # Kernels run in the server's process group (start_new_session above).
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=grace)
    if lab._log_file is not None:
        lab._log_file.close()
        lab._log_file = None
    if cleanup:
        shutil.rmtree(lab.tmp_dir, ignore_errors=True)


def api(lab: Lab, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
    """Call the server's REST API (JSON in, JSON out).

    Without a token the server still checks XSRF on POST/PATCH/DELETE: fetch
    its ``_xsrf`` cookie once and send it back as ``X-XSRFToken``.
    """
    if lab._opener is None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(lab.url("lab"), timeout=timeout).read()
        xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
        lab._opener, lab._xsrf = opener, xsrf
    headers = {"X-XSRFToken": lab._xsrf}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(lab.url(path), data=data, method=method, headers=headers)
    with lab._opener.open(req, timeout=timeout) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def shutdown_all_sessions(lab: Lab, timeout: float = 10.0) -> int:
    """DELETE every /api/sessions/<id> (and so its kernel); returns how many."""
    sessions = api(lab, "GET", "api/sessions", timeout=timeout) or []
    for s in sessions:
        try:
            api(lab, "DELETE", f"api/sessions/{s['id']}", timeout=timeout)
        except urllib.error.HTTPError as e:
            if e.code != 404:  # already gone
                raise
    return len(sessions)


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------

_CURRENT = "window.jupyterapp && window.jupyterapp.shell && window.jupyterapp.shell.currentWidget"

_JS_NOTEBOOK_READY = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  return !!(w && w.context && w.context.path === path && w.context.isReady
            && w.content && w.sessionContext && w.node.isConnected);
}"""

_JS_KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""

# Arms a flag that turns true once the kernel reports one of `states`.
_JS_ARM_FLAG = """([name, states]) => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  window[name] = false;
  const on = (_, status) => {
    if (states.includes(status)) { window[name] = true; k.statusChanged.disconnect(on); }
  };
  k.statusChanged.connect(on);
}"""

_JS_RUN_ALL = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  window.__annotatorCodeCells = w.content.widgets.filter(c => c.model.type === 'code').length;
  void window.jupyterapp.commands.execute('notebook:run-all-cells');
}"""

_JS_RUN_DONE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  if (window.__annotatorCodeCells > 0 && !window.__annotatorBusy) return false;
  return !w.content.widgets.some(c => c.model.type === 'code' && c.model.executionState === 'running');
}"""


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def wait_for_app(page, timeout: float = 60.0) -> None:
    page.wait_for_function(f"() => !!({_CURRENT})", timeout=_ms(timeout))


def wait_for_notebook(page, relpath: str, timeout: float = 60.0) -> None:
    page.wait_for_function(_JS_NOTEBOOK_READY, arg=relpath, timeout=_ms(timeout))
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible", timeout=_ms(timeout))


def wait_kernel_idle(page, timeout: float = 60.0) -> None:
    """Wait until the current notebook's kernel exists and is idle."""
    page.wait_for_function(_JS_KERNEL_IDLE, timeout=_ms(timeout))


def open_notebook(page, lab: Lab, relpath: str, timeout: float = 60.0, *, wait_kernel: bool = True) -> None:
    """Open ``relpath`` (relative to the Lab root) in a fresh layout (``?reset``)."""
    page.goto(f"{lab.base_url}/lab/tree/{relpath}?reset", timeout=_ms(timeout))
    wait_for_app(page, timeout)
    wait_for_notebook(page, relpath, timeout)
    if wait_kernel:
        wait_kernel_idle(page, timeout)


def run_all(page, timeout: float = 120.0, *, wait: bool = True) -> None:
    """Run all cells (fired, never awaited) and, by default, wait until done.

    Done = the kernel went busy at least once (if there are code cells), is
    idle again and no cell is still running.  A failing cell stops Lab's
    run-all; the wait still ends, so assert on the outputs afterwards.
    """
    wait_kernel_idle(page, timeout)
    page.evaluate(_JS_ARM_FLAG, ["__annotatorBusy", ["busy"]])
    page.evaluate(_JS_RUN_ALL)
    if wait:
        page.wait_for_function(_JS_RUN_DONE, timeout=_ms(timeout))


def restart_kernel(page, timeout: float = 60.0) -> None:
    """Restart the kernel through the kernel API (no dialog), wait until idle."""
    wait_kernel_idle(page, timeout)
    page.evaluate(_JS_ARM_FLAG, ["__annotatorRestarted", ["restarting", "autorestarting", "starting"]])
    page.evaluate(
        "() => { void window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart(); }"
    )
    page.wait_for_function("() => window.__annotatorRestarted === true", timeout=_ms(timeout))
    wait_kernel_idle(page, timeout)


def reload(page, timeout: float = 60.0, *, wait_kernel: bool = True) -> None:
    """Reload the page and wait until Lab shows the same notebook again."""
    relpath = page.evaluate(f"() => {{ const w = {_CURRENT}; return w && w.context ? w.context.path : null; }}")
    page.reload(timeout=_ms(timeout))
    wait_for_app(page, timeout)
    if relpath:
        wait_for_notebook(page, relpath, timeout)
        if wait_kernel:
            wait_kernel_idle(page, timeout)


def wait_for_output(page, selector: str = ".jp-OutputArea-output", timeout: float = 30.0, *, text: str | None = None):
    """Wait for an element matching ``selector`` inside a notebook output area.

    ``selector`` is relative to ``.jp-OutputArea`` (e.g. ``.annotator-reader``
    or the default ``.jp-OutputArea-output``); with ``text`` it must also
    contain that text.  Returns the Playwright locator of the first match,
    scrolled into view (Lab windows long notebooks).
    """
    loc = page.locator(".jp-OutputArea").locator(selector)
    if text is not None:
        loc = loc.filter(has_text=text)
    first = loc.first
    first.wait_for(state="attached", timeout=_ms(timeout))
    first.scroll_into_view_if_needed(timeout=_ms(timeout))
    return first


def save_screenshot(page, name: str) -> Path:
    """Full-page PNG in build/screenshots/<name>.png; returns the path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = SCREENSHOT_DIR / (safe if safe.endswith(".png") else safe + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def poll(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1, message: str = "") -> Any:
    """Call ``condition`` until it returns something truthy; raise on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(message or f"condition not met within {timeout}s")
        time.sleep(interval)


@contextmanager
def generated_notebook(lab: Lab, browser, source: str, relpath: str, ready_js: str, timeout: float = 120.0):
    """A page of its own with a one-cell notebook made here, run until ``ready_js`` holds.

    The first Reader in it is scrolled to the top of the view; page errors
    are collected in ``page.page_errors``. Closes the page and shuts the
    kernel down after.
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    lab.add_notebook(nb, relpath)
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    try:
        open_notebook(page, lab, relpath)
        run_all(page)
        page.wait_for_function(ready_js, timeout=timeout * 1000)
        page.evaluate("() => document.querySelector('.ann-root').scrollIntoView({ block: 'start' })")
        yield page
    finally:
        context.close()
        shutdown_all_sessions(lab)


def run_in_kernel(page, code: str, timeout: float = 30.0) -> None:
    """Run ``code`` in the open notebook's kernel (no cell), and wait until it has run."""
    page.evaluate(
        """(code) => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                       window.__done = false;
                       k.requestExecute({ code }).done.then(() => { window.__done = true; }); }""",
        code,
    )
    page.wait_for_function("() => window.__done === true", timeout=timeout * 1000)
