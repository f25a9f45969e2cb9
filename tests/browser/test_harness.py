"""The browser harness itself works: Lab starts, Chromium drives it, cells run.

The fixture notebook is generated here with nbformat (an .ipynb kept in the
repo would be collected by nbval).
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import nbformat
import pytest

from . import harness

pytestmark = pytest.mark.browser


def _notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    return nb


def _foreign(urls: list[str]) -> list[str]:
    """Requests to any host other than 127.0.0.1 (data:/blob: are local)."""
    out = []
    for url in urls:
        u = urlparse(url)
        if u.scheme in ("data", "blob", "about"):
            continue
        if u.hostname != "127.0.0.1":
            out.append(url)
    return out


def test_run_all_shows_output_and_stays_local(lab, page):
    lab.add_notebook(
        _notebook("print(6*7)", "import os\nprint('db:', os.environ.get('ANNOTATOR_DB'))"),
        "harness/answer.ipynb",
    )
    harness.open_notebook(page, lab, "harness/answer.ipynb")
    harness.run_all(page)

    out = harness.wait_for_output(page, text="42")
    assert "42" in out.inner_text()
    # Kernels get the server's temporary store, never the user's.
    harness.wait_for_output(page, text=f"db: {lab.db_path}")

    assert _foreign(page.requests) == [], "the page reached beyond 127.0.0.1"
    assert page.requests, "request recording did not work"
    # Lab's own start-up must be clean too, e.g. GET /api/nbconvert answers 500
    # ("Unhandled error") when an installed nbconvert exporter cannot import.
    assert page.page_errors == [], f"page errors: {page.page_errors}; console: {page.console_errors}"


def test_restart_reload_and_fresh_sessions(lab, page):
    # The previous test's kernel was shut down by the autouse fixture (the
    # server may take a moment to forget the session).
    deadline = time.monotonic() + 15
    while harness.api(lab, "GET", "api/sessions") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert harness.api(lab, "GET", "api/sessions") == []

    lab.add_notebook(_notebook("x = 6*7", "print('x is', x)"), "harness/state.ipynb")
    harness.open_notebook(page, lab, "harness/state.ipynb")
    harness.run_all(page)
    harness.wait_for_output(page, text="x is 42")

    harness.restart_kernel(page)
    assert page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
    ) == "idle"

    harness.reload(page)
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == "harness/state.ipynb"

    shot = harness.save_screenshot(page, "harness-state")
    assert shot.is_file() and shot.stat().st_size > 0
