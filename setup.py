"""Build step of mlcl-lab (metadata lives in pyproject.toml).

The repository's top-level ``notebooks/*.py`` and ``data/`` are the one source of the
notebooks and the built-in data. A wheel must carry them, so ``build_py`` copies them into
the built package as ``mlcl_lab/resources/notebooks/`` and ``mlcl_lab/resources/data/``
(read back by ``mlcl_lab.resources``). An editable install copies nothing: it reads the
clone's folders, so an edit there is what runs.

The JupyterLab setting that opens ``.py`` notebooks with jupytext's notebook viewer is
installed into the environment (``<prefix>/etc/jupyter/labconfig/default_setting_overrides.d/``),
next to the server extension that jupytext installs itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LABCONFIG = "jupyter-config/labconfig/default_setting_overrides.d/mlcl-lab.json"


def shipped_files() -> dict[str, list[Path]]:
    """Sub-folder of ``mlcl_lab/resources`` -> the repository files copied there."""
    notebooks = sorted((ROOT / "notebooks").glob("*.py"))
    data = sorted(p for p in (ROOT / "data").iterdir() if p.is_file() and not p.name.startswith("."))
    if not notebooks or not any(p.name == "yeast.npz" for p in data):
        raise FileNotFoundError(f"notebooks/*.py or data/yeast.npz missing under {ROOT}; build from a full clone or sdist")
    return {"notebooks": notebooks, "data": data}


class BuildPyWithResources(build_py):
    """``build_py`` that also copies the repository's notebooks and built-in data into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, sources in shipped_files().items():
            target = Path(self.build_lib) / "mlcl_lab" / "resources" / folder
            shutil.rmtree(target, ignore_errors=True)  # a reused build/ folder must not ship stale copies
            self.mkpath(str(target))
            for source in sources:
                self.copy_file(str(source), str(target / source.name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            for folder, sources in shipped_files().items():
                base = Path(self.build_lib) / "mlcl_lab" / "resources" / folder
                outputs += [str(base / source.name) for source in sources]
        return outputs


setup(
    cmdclass={"build_py": BuildPyWithResources},
    data_files=[("etc/jupyter/labconfig/default_setting_overrides.d", [LABCONFIG])],
)
