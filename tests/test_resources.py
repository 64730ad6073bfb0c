"""mlcl_lab.resources: where notebooks, grids and built-in data are read from; ``mlcl-lab notebooks``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcl_lab import resources
from mlcl_lab.cli import main
from mlcl_lab.data.storage import data_dir

ROOT = Path(__file__).resolve().parents[1]
OURS = sorted(p.name for p in (ROOT / "notebooks").glob("*.py"))


def test_a_clone_reads_its_own_notebooks_and_data() -> None:
    # nothing is copied into the package in a clone: the repository folders are the one source
    assert not (ROOT / "mlcl_lab" / "resources" / "notebooks").exists()
    assert resources.notebooks_dir() == ROOT / "notebooks"
    assert resources.builtin_data_dir() == ROOT / "data"
    assert [p.name for p in resources.notebook_files()] == OURS and "study.py" in OURS


def test_an_installed_copy_wins_over_the_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("notebooks", "data"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(resources, "_package_dir", lambda: tmp_path)
    assert resources.notebooks_dir() == tmp_path / "notebooks"
    assert data_dir() == tmp_path / "data"
    monkeypatch.setenv("MLCL_LAB_DATA_DIR", str(tmp_path / "elsewhere"))
    assert data_dir() == tmp_path / "elsewhere"


def test_neither_copy_nor_clone_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_package_dir", lambda: tmp_path / "pkg")
    monkeypatch.setattr(resources, "_REPO", tmp_path / "repo")
    with pytest.raises(FileNotFoundError, match=r"notebooks/ folder is missing.*reinstall mlcl-lab"):
        resources.notebooks_dir()


def test_grid_file_names_the_shipped_grids() -> None:
    assert resources.grid_file("cpu") == ROOT / "mlcl_lab" / "resources" / "grid_cpu.yaml"
    with pytest.raises(ValueError, match=r"unknown shipped grid 'nope'; available: cpu, default, full"):
        resources.grid_file("nope")


def test_copy_notebooks_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    first = resources.copy_notebooks(target)
    assert [p.name for p in first.copied] == OURS and first.skipped == []
    assert (target / "study.py").read_bytes() == (ROOT / "notebooks" / "study.py").read_bytes()
    (target / "study.py").write_text("# my edits\n")
    (target / "report.py").unlink()
    second = resources.copy_notebooks(target)
    assert [p.name for p in second.copied] == ["report.py"]
    assert sorted(p.name for p in second.skipped) == sorted(set(OURS) - {"report.py"})
    assert (target / "study.py").read_text() == "# my edits\n"
    assert not [p for p in target.iterdir() if p.name.startswith(".tmp-")]


def test_copy_notebooks_refuses_a_file_as_target(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        resources.copy_notebooks(tmp_path / "f")
    with pytest.raises(SystemExit, match="is not a folder"):
        main(["notebooks", str(tmp_path / "f")])


def test_cli_notebooks_says_what_it_copied_and_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notebooks", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(OURS)} copied to {tmp_path}, 0 skipped" in out and "copied   loss_playground.py" in out
    assert main(["notebooks", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"0 copied to {tmp_path}, {len(OURS)} skipped" in out and "skipped  study.py (exists)" in out


def test_the_lab_setting_names_jupytexts_notebook_viewer() -> None:
    """The shipped setting makes JupyterLab open .py files with the viewer jupytext's lab extension registers."""
    import sys

    setting = json.loads((ROOT / "jupyter-config/labconfig/default_setting_overrides.d/mlcl-lab.json").read_text())
    viewer = setting["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["python"]
    extension = Path(sys.prefix) / "share/jupyter/labextensions/jupyterlab-jupytext/static"
    assert any(f'"{viewer}"' in p.read_text(errors="replace") for p in extension.glob("*.js")), viewer


def test_the_lab_setting_is_installed_in_this_environment() -> None:
    """What JupyterLab reads from ``<config path>/labconfig`` (make setup copies the file; a wheel installs it)."""
    from jupyter_server.services.config.manager import ConfigManager

    overrides = ConfigManager(config_dir_name="labconfig").get("default_setting_overrides")
    viewers = overrides.get("@jupyterlab/docmanager-extension:plugin", {}).get("defaultViewers", {})
    assert viewers.get("python") == "Jupytext Notebook", f"run make setup: {overrides}"


def test_jupytext_server_extension_is_enabled() -> None:
    """jupytext's contents manager (server extension ``jupyterlab_jupytext``) is on in this environment."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    enabled = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    assert enabled.get("jupyterlab_jupytext") is True, enabled
