"""The lecture notebooks as a student uses them: JupyterLab in headless Chromium, driven by Playwright.

One JupyterLab server (127.0.0.1, a free port, a random token, a temporary copy of ``notebooks/colleges``) and one
headless Chromium (Debian's ``/usr/bin/chromium``; Playwright's own browser download cannot work here) serve all
four notebooks. For each notebook the test opens it, runs all cells from the *Run* menu, waits for the widget to
render, moves the first slider with the keyboard arrows, and checks that the figure changed and that no error
(traceback, error output, widget error message, "Error displaying widget") is shown. Screenshots go to
``test-output/screenshots/``. The server is stopped in teardown, whatever happens.

``make test`` installs Chromium (``make browser-deps``); without it the tests are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from relatie_lab.paths import NOTEBOOKS, PROJECT_DIR

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_DIR / "test-output" / "screenshots"
LECTURES = sorted(p.name for p in (NOTEBOOKS / "colleges").glob("*.ipynb"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Seconds to wait for JupyterLab, a kernel, or a widget update (generous: the CI machine has 2 shared cores).
STARTUP_TIMEOUT = 90
UPDATE_TIMEOUT_MS = 60_000
#: The kernel of the visible notebook is idle.
IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle'] >> visible=true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # Skipped only on a developer's machine without chromium; in CI (CI=true) a missing browser is a failure.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium (/usr/bin/chromium): make browser-deps",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A JupyterLab server on a tmp copy of the lecture notebooks; yields ``url``, ``token``, ``root``."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "colleges"
    shutil.copytree(NOTEBOOKS / "colleges", root)
    # no "Jupyter news?" pop-up over the notebook
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    token = secrets.token_hex(24)
    port = _free_port()
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        MPLBACKEND="agg",
    )
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [
        str(jupyter),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    log = (base / "jupyterlab.log").open("wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                output = (base / "jupyterlab.log").read_text()
                pytest.fail(f"JupyterLab stopped at start (exit {proc.returncode}):\n{output}")
            try:
                json.loads(_get(f"{url}/api/status?token={token}"))
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer /api/status within {STARTUP_TIMEOUT} s")
                time.sleep(0.3)
        yield {"url": url, "token": token, "root": str(root)}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Debian Chromium with a fresh profile, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(f"CI=true but {CHROMIUM} is missing: `make browser-deps` could not install Debian's chromium.")
    from playwright import sync_api
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1600},
        )
        try:
            yield context
        finally:
            context.close()


def _shutdown_kernels(lab: dict[str, str]) -> None:
    """Stop every kernel of the server, so that the next notebook starts on a quiet machine."""
    sessions = json.loads(_get(f"{lab['url']}/api/sessions?token={lab['token']}"))
    for session in sessions:
        request = urllib.request.Request(
            f"{lab['url']}/api/sessions/{session['id']}?token={lab['token']}", method="DELETE"
        )
        urllib.request.urlopen(request, timeout=10).close()


def _accept_dialog(page, wait_ms: int = 0) -> None:
    """Accept a JupyterLab dialog (e.g. "Select Kernel" with the notebook's own kernel preselected) if one shows."""
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        dialog.first.wait_for(state="visible", timeout=max(wait_ms, 1))
    except Exception:  # no dialog: nothing to do
        return
    dialog.first.click()


def _errors_shown(page) -> list[str]:
    """Texts of everything that looks like an error in the notebook."""
    found = []
    for selector in (
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        ".rl-widget-error",
    ):
        found += [t for t in page.locator(selector).all_inner_texts() if t.strip()]
    body = page.locator(".jp-NotebookPanel").inner_text()
    found += [line for line in body.splitlines() if "Traceback" in line or "Error displaying widget" in line]
    return found


def _figure_src(page) -> str:
    return page.locator(".rl-lecture-widget .rl-figure").first.get_attribute("src") or ""


def _wait_until_settled(page, quiet_s: float = 1.5) -> None:
    """Wait until the kernel is idle and the figure has not changed for ``quiet_s`` seconds (all updates done)."""
    deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
    src = _figure_src(page)
    while time.monotonic() < deadline:
        page.wait_for_selector(IDLE)
        time.sleep(quiet_s)
        now = _figure_src(page)
        if now == src and page.locator(IDLE).count() > 0:
            return
        src = now
    pytest.fail("The widget kept updating (or the kernel stayed busy) for a minute.")


@pytest.mark.parametrize("notebook", LECTURES)
def test_lecture_notebook_in_the_browser(lab, browser, notebook):
    stem = Path(notebook).stem
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{stem}_*.png"):
        old.unlink()
    page = browser.new_page()
    try:
        page.set_default_timeout(UPDATE_TIMEOUT_MS)
        # a workspace of its own: no tabs of the notebook before
        page.goto(f"{lab['url']}/lab/workspaces/{stem}/tree/{notebook}?token={lab['token']}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=STARTUP_TIMEOUT * 1000)
        _accept_dialog(page, wait_ms=3000)
        page.wait_for_selector(IDLE, timeout=STARTUP_TIMEOUT * 1000)

        # Run > Run All Cells, as a student does
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        _accept_dialog(page, wait_ms=2000)
        figure = page.locator(".rl-lecture-widget .rl-figure").first
        figure.wait_for(state="visible", timeout=STARTUP_TIMEOUT * 1000)
        page.wait_for_selector(IDLE)
        page.wait_for_function(
            "() => { const i = document.querySelector('.rl-lecture-widget .rl-figure');"
            " return i && i.complete && i.naturalWidth > 100; }"
        )
        figure.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{stem}_1_run.png"))
        assert _errors_shown(page) == []
        text_before = page.locator(".rl-lecture-widget .rl-text").first.inner_text()
        assert text_before.strip()
        src_before = _figure_src(page)

        # move the first slider two steps with the keyboard
        handle = page.locator(".rl-lecture-widget .widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(before) => { const i = document.querySelector('.rl-lecture-widget .rl-figure');"
            " return i && i.getAttribute('src') !== before && i.complete && i.naturalWidth > 100; }",
            arg=src_before,
        )
        _wait_until_settled(page)
        figure.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{stem}_2_slider.png"))
        page.locator(".rl-lecture-widget").first.screenshot(path=str(SCREENSHOTS / f"{stem}_3_widget.png"))
        assert _figure_src(page) != src_before
        assert page.locator(".rl-lecture-widget .rl-text").first.inner_text() != text_before
        assert _errors_shown(page) == []
    except BaseException:
        page.screenshot(path=str(SCREENSHOTS / f"{stem}_failure.png"))
        raise
    finally:
        page.close()
        _shutdown_kernels(lab)
