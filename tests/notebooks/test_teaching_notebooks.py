"""Every exploration/teaching notebook, executed top to bottom by papermill with tiny parameters on CPU.

The kernel ("python3") imports mlcl_lab from this checkout (PYTHONPATH of the test process);
executed copies and the notebooks' run folders go to a pytest tmp dir. Only quick_start and
geometry_explorer pay for a UMAP fit; the others skip it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
import pytest

from mlcl_lab.report.notebooks import materialise_notebook

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
TINY_DATA = {"dataset": "synthetic", "dataset_kwargs": {"n_samples": 240, "n_features": 12, "n_labels": 5, "seed": 0}}
TINY_TRAIN = {"epochs": 2, "batch_size": 32, "probe_epochs": 2, "device": "cpu", "seed": 0}

CASES = {
    "quick_start": {**TINY_DATA, **TINY_TRAIN, "contrastive_loss": "base", "run_umap": True},
    "loss_playground": {"n_points": 8, "train_steps_count": 4, "compare_losses": ["base", "reg"],
                        "interactive": False},  # widgets need a front-end: tests/explore and tests/browser cover them
    "gradient_analysis": {**TINY_DATA, **TINY_TRAIN, "losses": ["base", "reg"], "max_eval": 64},
    "geometry_explorer": {**TINY_DATA, **TINY_TRAIN, "losses": ["base", "reg"], "focus_loss": "reg", "every": 1,
                          "max_eval": 64, "run_umap": True, "sample_index": 3, "n_neighbours": 4},
    "low_data": {**TINY_DATA, **TINY_TRAIN, "losses": ["bce", "base"], "fractions": [0.5, 1.0], "seeds": [0]},
    "bring_your_own_data": {"losses": ["bce", "base"], "epochs": 2, "batch_size": 32, "probe_epochs": 2,
                            "device": "cpu", "demo_samples": 200},
}
EXPECTED_FIGURES = {
    "quick_start": ["metric_bars", "umap_test"],
    "loss_playground": [],
    "gradient_analysis": ["gradient_shares"],
    "geometry_explorer": ["geometry_over_epochs", "umap_focus", "prototypes_vs_cooccurrence"],
    "low_data": ["low_data_curves"],
    "bring_your_own_data": ["metric_bars"],
}


def test_every_notebook_has_a_case_and_is_stored_without_outputs() -> None:
    mine = {p.stem for p in NOTEBOOKS.glob("*.py")} - {"study", "report"}
    assert mine == set(CASES)
    for name in CASES:
        nb = jupytext.read(NOTEBOOKS / f"{name}.py")
        tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{name}: exactly one parameters cell"
        assert nb.cells[0].cell_type == "markdown" and nb.cells[-1].cell_type == "markdown"
        assert "What to look at" in nb.cells[-1].source
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{name}: stored with outputs"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.py")), ids=lambda p: p.stem)
def test_notebook_file_is_in_jupytexts_canonical_form(path: Path) -> None:
    """Read and written back by jupytext (what JupyterLab's save does), the file is unchanged: no header,
    no outputs, no cell metadata but the parameters tag, so running and saving a notebook leaves no diff."""
    nb = jupytext.read(path)
    assert jupytext.writes(nb, fmt="py:percent") == path.read_text()
    assert not path.read_text().startswith("# ---"), f"{path.name}: no jupytext/kernel header in the source"


def test_ruff_finds_nothing_in_the_notebooks() -> None:
    """The notebooks are linted like code ([tool.ruff] in pyproject.toml; notebook-specific ignores there)."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "notebooks"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", list(CASES))
def test_notebook_runs_with_tiny_parameters(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    run = tmp_path / name
    params = {**CASES[name]}
    if name != "loss_playground":
        params["out_dir"] = str(run)
    executed = tmp_path / f"{name}.executed.ipynb"
    source = materialise_notebook(NOTEBOOKS / f"{name}.py", tmp_path / f"{name}.ipynb")
    pm.execute_notebook(str(source), str(executed), parameters=params, kernel_name="python3",
                        cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(executed, as_version=4)
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 1, f"{name}: no figure rendered"
    for fig in EXPECTED_FIGURES[name]:
        assert (run / f"{fig}.png").stat().st_size > 5000, fig
    if name != "loss_playground":
        assert json.loads((run / "metrics.json").read_text())
