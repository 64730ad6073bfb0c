"""Dependencies run one way: report uses train, metrics and viz; nothing there imports report,
and the study notebook's imports do not load the execution machinery."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mlcl_lab"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("package", ["train", "viz", "metrics", "losses", "data", "models", "explore"])
def test_lower_layers_never_import_report(package):
    for path in (PACKAGE / package).rglob("*.py"):
        offending = [name for name in _imports(path) if "report" in name.split(".")]
        assert not offending, f"{path.relative_to(PACKAGE.parent)} imports {offending}"


def test_the_notebooks_helpers_do_not_load_the_execution_side():
    code = ("import sys, mlcl_lab.report.runs, mlcl_lab.report.parameters, mlcl_lab.report.tables, "
            "mlcl_lab.viz.embedding_figures, mlcl_lab.viz.study_figures; "
            "print(sorted(m for m in sys.modules if m.startswith(('mlcl_lab.report', 'papermill'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "execute" not in loaded and "executors" not in loaded and "runner" not in loaded
    assert "papermill" not in loaded and "pipeline" not in loaded
