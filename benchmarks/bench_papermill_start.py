"""A papermill process's start with and without the IRI grammar deferred (mlcl_lab.report.lazy_iri).

Each round executes the same one-cell notebook twice through the launcher every executor
uses (``python -m mlcl_lab.report.papermill_main``), alternating ``off``
(``MLCL_LAB_DEFER_IRI=0``: jsonschema imports rfc3987-syntax, which compiles its grammar)
and ``on`` (the default). It records the seconds from the launch to the first cell (the
cell prints them: what every run of a grid pays per kernel before its imports) and of the
whole process. The executed notebooks' outputs, apart from those seconds, must be equal
(exit 1 otherwise). The ratio is off / on of the median time to the first cell.

Usage::

    python benchmarks/bench_papermill_start.py                 # 5 rounds
    python benchmarks/bench_papermill_start.py --rounds 1 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("off", "on")
CELL = ("import os, sys, time\n"
        "print('first cell after', time.time() - float(os.environ['BENCH_LAUNCHED_AT']), 's')\n"
        "print('answer', sum(range(10)), sys.version_info[:2])")


def write_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _outputs(path: Path) -> tuple[float, list[str]]:
    """(seconds to the first cell, the other output lines) of an executed notebook."""
    cell = json.loads(path.read_text())["cells"][0]
    lines = "".join("".join(out.get("text", "")) for out in cell["outputs"]).splitlines()
    first = [line for line in lines if line.startswith("first cell after")]
    if not first:
        raise SystemExit(f"{path}: the cell did not print its start time: {lines}")
    return float(first[0].split()[3]), [line for line in lines if not line.startswith("first cell after")]


def execute(notebook: Path, target: Path, mode: str, kernel: str) -> dict:
    env = {**os.environ, "MLCL_LAB_DEFER_IRI": "0" if mode == "off" else "1", "BENCH_LAUNCHED_AT": repr(time.time())}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mlcl_lab.report.papermill_main", str(notebook), str(target), "-k", kernel,
                    "--no-progress-bar"], env=env, check=True, capture_output=True, text=True)
    total = time.perf_counter() - start
    first_cell, rest = _outputs(target)
    return {"first_cell_s": first_cell, "process_s": total, "outputs": rest}


def measure(rounds: int, kernel: str, folder: Path) -> dict:
    notebook = write_notebook(folder / "one_cell.ipynb")
    rows: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for r in range(rounds):
        for mode in MODES:
            rows[mode].append(execute(notebook, folder / f"executed_{mode}_{r}.ipynb", mode, kernel))
    outputs = {json.dumps(row["outputs"]) for mode in MODES for row in rows[mode]}
    median = {mode: {key: statistics.median(row[key] for row in rows[mode]) for key in ("first_cell_s", "process_s")}
              for mode in MODES}
    return {"rounds": rounds, "kernel": kernel, "median": median, "runs": rows,
            "same_outputs": len(outputs) == 1,
            "ratio_first_cell": median["off"]["first_cell_s"] / median["on"]["first_cell_s"],
            "saved_s_per_process": median["off"]["process_s"] - median["on"]["process_s"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kernel", default=None, help="Jupyter kernel (default: the executors' default)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mlcl_lab.report.execute import default_kernel

    with tempfile.TemporaryDirectory() as tmp:
        result = measure(args.rounds, args.kernel or default_kernel(), Path(tmp))
    for mode in MODES:
        m = result["median"][mode]
        print(f"{mode:>4}: first cell after {m['first_cell_s']:.2f} s, process {m['process_s']:.2f} s "
              f"(median of {args.rounds})")
    print(f"off / on, time to the first cell: {result['ratio_first_cell']:.2f}x; "
          f"{result['saved_s_per_process']:.2f} s saved per papermill process")
    if args.json:
        from mlcl_lab.files import write_text

        write_text(args.json, json.dumps(result, indent=2))
    if not result["same_outputs"]:
        print("FAIL: the executed notebooks' outputs differ between the modes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
