"""Write the exploration/teaching notebooks (without outputs) from the cell sources below.

Usage: python tools/make_notebooks.py   (rewrites notebooks/<name>.ipynb for every notebook here)
The notebooks are glue and plotting; the logic lives in mlcl_lab.explore.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from notebook_cells import NOTEBOOKS  # noqa: E402


def build(cells: list[tuple[str, str]]) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    for kind, source in cells:
        source = source.strip("\n")
        if kind == "md":
            cell = nbf.v4.new_markdown_cell(source)
        else:
            cell = nbf.v4.new_code_cell(source)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):  # stable ids keep diffs small
        cell["id"] = f"cell-{i:02d}"
    return nb


def main() -> None:
    out = ROOT / "notebooks"
    for name, cells in NOTEBOOKS.items():
        nbf.write(build(cells), out / f"{name}.ipynb")
        print("wrote", out / f"{name}.ipynb")


if __name__ == "__main__":
    main()
