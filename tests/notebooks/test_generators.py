"""The study and report notebooks are what their generators in tools/ write."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["study", "report"])
def test_stored_notebook_matches_its_generator(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.ipynb"
    subprocess.run([sys.executable, str(REPO / "tools" / f"make_{name}_notebook.py"), str(out)], check=True)
    built, stored = nbformat.read(out, as_version=4), nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    assert [c.source for c in built.cells] == [c.source for c in stored.cells], f"regenerate notebooks/{name}.ipynb"
    assert all(not c.get("outputs") for c in stored.cells if c.cell_type == "code")
