"""Playwright steps on a JupyterLab page: open a notebook, run all cells, read an output image."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout


def open_from_file_browser(page: Page, lab_url: str, name: str, timeout_ms: int = 120_000) -> None:
    """Open JupyterLab, double-click ``name`` in the file browser, wait for a notebook with an idle kernel.

    Whatever opens is JupyterLab's default viewer for the file: a text editor, unless the
    setting that makes jupytext's notebook viewer the default for the file type is installed.
    """
    page.goto(lab_url, wait_until="domcontentloaded", timeout=timeout_ms)
    item = page.locator(".jp-DirListing-item", has_text=name).first
    item.wait_for(state="visible", timeout=timeout_ms)
    item.dblclick()
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    wait_kernel_idle(page, timeout_ms)


def wait_kernel_idle(page: Page, timeout_ms: int = 120_000) -> None:
    """Wait for the notebook toolbar's execution indicator to report an idle kernel."""
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)


_ALL_EXECUTED = ("() => { const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
                 " return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)); }")
_ANY_STARTED = ("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                ".some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))")


def _click_run_all(page: Page) -> None:
    page.locator(".jp-Notebook .jp-Cell").first.click()  # focus the notebook so the Run menu targets it
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    item = page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).first
    item.wait_for(state="visible", timeout=30_000)
    item.click()


def run_all_cells(page: Page, timeout_ms: int = 180_000, attempts: int = 3) -> None:
    """Run > Run All Cells, then wait until every code cell shows an execution count and the kernel is idle.

    An executed code cell's prompt reads "[12]:", queued/running ones "[*]:", never-run ones "[ ]:".
    The menu click is retried when no cell starts within 20 s (a kernel still connecting drops it).
    """
    for attempt in range(attempts):
        _click_run_all(page)
        try:
            page.wait_for_function(_ANY_STARTED, timeout=20_000, polling=250)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
    page.wait_for_function(_ALL_EXECUTED, timeout=timeout_ms, polling=250)
    wait_kernel_idle(page, timeout_ms)


def save_notebook(page: Page) -> None:
    """File > Save (Ctrl+S) on the current notebook, in command mode."""
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")


def image_src(page: Page, container_selector: str) -> str:
    """``src`` of the (last) image inside ``container_selector`` (a data: URL for inline PNGs)."""
    loc = page.locator(f"{container_selector} img").last
    loc.wait_for(state="visible", timeout=120_000)
    return loc.get_attribute("src") or ""


def wait_image_change(page: Page, container_selector: str, before: str, timeout_ms: int = 120_000) -> str:
    """Wait until the image in ``container_selector`` differs from ``before``; return the new src."""
    page.wait_for_function(
        "([sel, old]) => { const imgs = document.querySelectorAll(sel + ' img');"
        " return imgs.length > 0 && imgs[imgs.length - 1].getAttribute('src') !== old; }",
        arg=[container_selector, before], timeout=timeout_ms, polling=250,
    )
    return image_src(page, container_selector)


def drag_slider(page: Page, slider_selector: str, fraction: float) -> None:
    """Drag an ipywidgets slider handle to ``fraction`` (0..1) of the track with the mouse."""
    slider = page.locator(slider_selector).first
    slider.scroll_into_view_if_needed()
    track = slider.locator(".noUi-target, .slider").first
    handle = slider.locator(".noUi-handle").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    assert hb is not None and tb is not None, "slider is not visible"
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + fraction * tb["width"], hb["y"] + hb["height"] / 2, steps=8)
    page.mouse.up()


def screenshot(page: Page, selector: str, path: Path) -> bytes:
    """PNG screenshot of one element (also written to ``path``)."""
    loc = page.locator(selector).last
    loc.scroll_into_view_if_needed()
    return loc.screenshot(path=str(path))
