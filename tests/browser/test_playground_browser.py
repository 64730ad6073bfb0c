"""The loss playground in a real JupyterLab (headless Chromium driven by Playwright).

Opens the jupytext file ``notebooks/loss_playground.py`` by double-clicking it in the file
browser (it must open as a notebook: the environment's JupyterLab setting installed by
``make setup`` / the wheel makes jupytext's notebook viewer the default for Python files),
runs all cells, drags the temperature slider and checks that the rendered figure
changed (image bytes and element screenshot), then saves it and checks that the saved ``.py``
is byte-identical to the source (outputs and widget state never enter the jupytext file). Screenshots go to a new run folder
``runs/browser/<timestamp-id>/`` of the checkout (or ``$MLCL_BROWSER_RUNS``), printed.
CI=true: a missing Chromium/playwright is a failure, elsewhere a skip.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import jupytext
import pytest

from mlcl_lab.report.runs import new_run_folder

from .lab_harness import CHROMIUM_ARGS, REPO_ROOT, JupyterLabServer, browser_tools_or_skip

pytestmark = pytest.mark.browser

NOTEBOOK = REPO_ROOT / "notebooks" / "loss_playground.py"
LABCONFIG = REPO_ROOT / "jupyter-config" / "labconfig" / "default_setting_overrides.d" / "mlcl-lab.json"
JUPYTEXT_VIEWER = "Jupytext Notebook"
FIGURE = ".mlcl-playground-figure"


def test_playground_slider_changes_the_figure(tmp_path: Path) -> None:
    chromium = browser_tools_or_skip()
    from playwright.sync_api import sync_playwright

    from .lab_page import (
        drag_slider,
        image_src,
        open_from_file_browser,
        run_all_cells,
        save_notebook,
        screenshot,
        wait_image_change,
    )

    root, work = tmp_path / "root", tmp_path / "work"
    for d in (root, work):
        d.mkdir()
    shots = new_run_folder(os.environ.get("MLCL_BROWSER_RUNS", REPO_ROOT / "runs" / "browser"))
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    print(f"\nbrowser screenshots: {shots}")
    with JupyterLabServer(root, work) as lab, sync_playwright() as p:
        viewer = lab.default_viewers().get("python")
        assert viewer == JUPYTEXT_VIEWER, (
            f"JupyterLab's default viewer for .py files is {viewer!r}, not {JUPYTEXT_VIEWER!r}: the setting "
            f"{LABCONFIG.relative_to(REPO_ROOT)} is not installed in {sys.prefix}/etc/jupyter/labconfig/ (run make setup)")
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1100})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            open_from_file_browser(page, lab.url("lab"), NOTEBOOK.name)
            # every cell of the jupytext file is a notebook cell (rendering is progressive: wait for them)
            page.wait_for_function("n => document.querySelectorAll('.jp-Notebook .jp-Cell').length === n",
                                   arg=len(jupytext.read(NOTEBOOK).cells), timeout=60_000)
            try:
                run_all_cells(page)
            finally:
                page.screenshot(path=str(shots / "0_run_all.png"), full_page=True)
            tracebacks = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
            assert tracebacks.count() == 0, tracebacks.all_inner_texts()
            before_src = image_src(page, FIGURE)
            before_png = screenshot(page, FIGURE, shots / "1_figure_before.png")
            drag_slider(page, ".mlcl-control-temperature", 0.1)  # τ from 0.5 down to ~0.06
            after_src = wait_image_change(page, FIGURE, before_src)
            page.wait_for_timeout(500)
            after_png = screenshot(page, FIGURE, shots / "2_figure_after_slider.png")
            page.screenshot(path=str(shots / "3_page_after_slider.png"), full_page=True)
            assert after_src != before_src and after_src.startswith("data:image/png")
            assert after_png != before_png
            # saved from JupyterLab after running, the jupytext file is unchanged (no outputs, no header)
            opened = root / NOTEBOOK.name
            mtime = opened.stat().st_mtime_ns
            save_notebook(page)
            page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                                   timeout=30_000, polling=250)
            assert opened.stat().st_mtime_ns != mtime, "the notebook was not saved"
            assert opened.read_bytes() == NOTEBOOK.read_bytes(), "saving in JupyterLab changed the jupytext source"
            assert not errors, errors
        finally:
            browser.close()
