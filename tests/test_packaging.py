"""pyproject.toml and environment.yml declare the same dependencies; the README's commands match CI; the
wheel is self-contained (notebooks, grids, built-in data) and runs a study from a fresh venv."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}
NOT_PACKAGES = {"python", "pip", "-e ."}


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_split(s) for s in specs)


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for item in env["dependencies"]:
        entries = item["pip"] if isinstance(item, dict) else [item]
        for spec in entries:
            if spec.strip() in NOT_PACKAGES:
                continue
            name, version = _split(spec)
            if name in NOT_PACKAGES:
                continue
            out[CONDA_TO_PIP.get(name, name)] = version
    return out


def test_environment_yml_matches_pyproject():
    assert _conda() == _pyproject()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text().splitlines()
    commands = [line.strip() for line in readme[:30] if line.strip().startswith("make ")]
    assert commands[:2] == ["make report", "make test"], commands
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_ruff_finds_no_pyflakes_or_syntax_error_in_the_package() -> None:
    """Unused imports, undefined names, syntax errors (the notebooks get the full rule set: tests/notebooks)."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "E4,E7,E9,F", "--ignore",
                           "E741", "mlcl_lab"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the wheel: self-contained (notebooks, grids, built-in data, JupyterLab setting) ------------------

SDIST_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "mlcl_lab", "notebooks", "data",
                "jupyter-config")
LABCONFIG = "etc/jupyter/labconfig/default_setting_overrides.d/mlcl-lab.json"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist of a copy of the sources, then the wheel built from that sdist (as from PyPI; no network)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".tmp-*")
    for name in SDIST_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    sdist = _run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))",
                  str(tmp / "sdist")], cwd=src).strip().splitlines()[-1]
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(tmp / "dist"), str(tmp / "sdist" / sdist)], cwd=tmp)
    (built,) = (tmp / "dist").glob("mlcl_lab-*.whl")
    return built


def test_wheel_carries_notebooks_grids_data_and_the_lab_setting(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        shipped = {
            **{f"mlcl_lab/resources/notebooks/{p.name}": p for p in (ROOT / "notebooks").glob("*.py")},
            **{f"mlcl_lab/resources/data/{n}": ROOT / "data" / n for n in ("yeast.npz", "debtags.json.gz", "README.md")},
            **{f"mlcl_lab/resources/{p.name}": p for p in (ROOT / "mlcl_lab" / "resources").glob("grid_*.yaml")},
        }
        for name, source in shipped.items():
            assert name in names, f"{name} is not in the wheel"
            assert zf.read(name) == source.read_bytes(), f"{name} differs from {source}"
        (setting,) = [n for n in names if n.endswith(".data/data/" + LABCONFIG)]
        assert zf.read(setting) == (ROOT / "jupyter-config" / LABCONFIG.removeprefix("etc/jupyter/")).read_bytes()
    assert not any(n.startswith(("notebooks/", "data/", "tests/")) for n in names), "top-level folders leaked"


def _fresh_venv(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A new venv that sees this interpreter's site-packages (the dependencies) through a .pth file.

    A .pth file only adds the folder to sys.path: the .pth files inside it (among them the dev
    install's ``__editable__`` finder) are not executed, so mlcl_lab can only come from the wheel.
    """
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).strip())
    deps = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (purelib / "_mlcl_lab_test_dependencies.pth").write_text("".join(f"{p}\n" for p in deps))
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "MLCL_LAB_DATA_DIR", "JUPYTER_PATH", "VIRTUAL_ENV")}
    env.update(OMP_NUM_THREADS="1", JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
               JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return venv, env


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_a_study_from_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    venv, env = _fresh_venv(tmp_path)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", str(wheel)],
         cwd=tmp_path, env=env)
    empty = tmp_path / "empty"
    empty.mkdir()
    probe = ("import mlcl_lab; from mlcl_lab.resources import notebooks_dir, builtin_data_dir; "
             "from mlcl_lab.report.execute import default_kernel; "
             "from jupyter_client.kernelspec import KernelSpecManager as K; "
             "print(mlcl_lab.__file__); print(notebooks_dir()); print(builtin_data_dir()); "
             "print(K().get_kernel_spec(default_kernel()).argv[0])")
    module, notebooks, data, kernel_python = _run([str(python), "-c", probe], cwd=empty, env=env).strip().splitlines()
    site = venv / "lib"
    for path in (module, notebooks, data):
        assert Path(path).is_relative_to(site), f"{path} does not lie in the fresh venv {venv}"
    assert Path(kernel_python) == python, f"the study kernel would run {kernel_python}, not the venv's python"
    assert (venv / LABCONFIG).is_file(), "the JupyterLab setting is not installed with the wheel"

    ours = sorted(p.name for p in (ROOT / "notebooks").glob("*.py"))
    copied = _run([str(venv / "bin" / "mlcl-lab"), "notebooks", "my-notebooks"], cwd=empty, env=env)
    assert sorted(p.name for p in (empty / "my-notebooks").iterdir()) == ours
    assert f"{len(ours)} copied" in copied, copied

    # torchdr (test extra) fits the study's UMAP in ~1/3 of umap-learn's time on CPU (no numba compilation)
    _run([str(venv / "bin" / "mlcl-lab"), "study", "--dataset", "yeast", "--losses", "base", "--seeds", "0",
          "--epochs", "1", "--probe-epochs", "1", "--device", "cpu", "--umap-backend", "torchdr", "--out", "runs"],
         cwd=empty, env=env, timeout=600)
    (run,) = (empty / "runs").iterdir()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics, "the study wrote no metrics"
    assert (run / "study.ipynb").is_file()
