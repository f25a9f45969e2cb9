"""Fixtures for the browser tests: ``lab`` (one JupyterLab per session),
``browser`` (Chromium, one per session) and ``page`` (fresh context per test).

Without /usr/bin/chromium the browser tests are skipped, unless the
environment variable CI is set (CI=true): then they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import harness

HERE = Path(__file__).resolve().parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config, items):
    # Everything below tests/browser/ is a browser test.
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab():
    """One isolated JupyterLab server for the whole session (see harness.start_lab).

    Attributes: ``base_url``, ``root_dir`` (a copy of notebooks/ is at
    ``root_dir / "notebooks"``), ``db_path`` (ANNOTATOR_DB of server and
    kernels), ``add_notebook(source, relpath)``, ``url(path)``,
    ``start_seconds``.
    """
    server = harness.start_lab()
    try:
        yield server
    finally:
        harness.stop_lab(server)


@pytest.fixture(scope="session")
def browser():
    reason = None
    if not os.access(harness.CHROMIUM, os.X_OK):
        reason = f"{harness.CHROMIUM} is missing (./dev test installs Debian's chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as e:  # pragma: no cover - requirements.txt has it
            reason = f"playwright is not importable: {e}"
    if reason:
        if _in_ci():
            pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
        pytest.skip(reason)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=harness.CHROMIUM,
            headless=True,
            args=harness.CHROMIUM_ARGS,
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context (viewport 1400x1000).

    Attached lists, filled while the test runs:
      ``page.console_errors``  text of console messages of type "error"
      ``page.page_errors``     uncaught exceptions in the page (str)
      ``page.requests``        URL of every request the page made
    """
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg.console_errors = []
    pg.page_errors = []
    pg.requests = []
    pg.on("console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: pg.page_errors.append(str(exc)))
    pg.on("request", lambda req: pg.requests.append(req.url))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _fresh_kernels(request):
    """After each test that used ``lab``: delete every session (and kernel),
    so no test sees code imported by an earlier one.  Runs after ``page`` is
    closed (autouse fixtures are set up first, torn down last)."""
    yield
    server = (getattr(request.node, "funcargs", None) or {}).get("lab")
    if server is not None and server.proc.poll() is None:
        harness.shutdown_all_sessions(server)
