"""GPU acceptance check (issue 13 item 6): one command, ≤ 8 minutes on one CUDA GPU, one JSON of results.

Stages, each in its own subprocess with its own time budget (a crash, hang or failure of one
stage is recorded and the others still run):

  cuda_tests      the tests that skip without CUDA (found by scanning tests/ for
                  ``skipif(not torch.cuda.is_available())``), run with pytest
  loss_benchmark  benchmarks/bench_losses.py on CUDA, B = 4096, L ∈ {80, 1000}: ours vs the
                  authors' formulation vs pytorch-metric-learning; criteria: proto ≥ 1×,
                  mulsupcon ≥ 5× at L ≥ 200, no loss slower than the authors' formulation
  uniformity_1m   exact chunked uniformity (float64 accumulation) of 1M points, checked
                  against a dense float64 computation on a subset and the value expected
                  for points uniform on the sphere
  umap_100k       UMAP of 100k clustered points with torchdr (CUDA) and umap-learn,
                  trustworthiness of both on a fixed random subsample
  grid_cuda_amp   a short study grid (yeast, 6 losses, 1 seed, few epochs) through
                  ``mlcl-lab report --device cuda`` (bf16 autocast on: TrainConfig.amp),
                  every run checked done, on CUDA, with AMP recorded

Optional packages (torchdr, faiss, umap-learn, papermill, nbclient, ipykernel,
iterative-stratification, pytorch-metric-learning) are probed first; a stage (or part)
that needs a missing one is recorded as ``skipped`` with the package names, never a crash.
Exit status: 1 if any stage failed or ran past its budget, else 0. On a machine without
CUDA it prints that it needs CUDA and exits 0 without running anything.

    python benchmarks/gpu_check.py --out gpu_check.json        # or: make gpu-check
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from mlcl_lab.files import read_json, write_json, write_text  # noqa: E402

TOTAL_BUDGET_S = 480
BUDGETS_S = {"cuda_tests": 100, "loss_benchmark": 90, "uniformity_1m": 45, "umap_100k": 120, "grid_cuda_amp": 120}
OPTIONAL = {"torchdr": "torchdr", "faiss": "faiss-cpu", "umap": "umap-learn", "papermill": "papermill",
            "nbclient": "nbclient", "ipykernel": "ipykernel", "iterstrat": "iterative-stratification",
            "pytorch_metric_learning": "pytorch-metric-learning", "sklearn": "scikit-learn"}


class Skipped(Exception):
    """A stage that cannot run here (missing optional package); the message names what is missing."""


def missing(*modules: str) -> list[str]:
    """pip names of the modules that are not importable."""
    return [OPTIONAL.get(m, m) for m in modules if importlib.util.find_spec(m) is None]


# ----------------------------------------- stage 1 --------------------------------------
def _is_cuda_skip(node: ast.expr, aliases: set[str]) -> bool:
    """True for ``pytest.mark.skipif(not torch.cuda.is_available(), ...)`` or a name bound to it."""
    if isinstance(node, ast.Name):
        return node.id in aliases
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "skipif" \
            and node.args:
        cond = node.args[0]
        return isinstance(cond, ast.UnaryOp) and isinstance(cond.op, ast.Not) \
            and "cuda.is_available" in ast.unparse(cond.operand)
    return False


def _cuda_gated(node: ast.FunctionDef | ast.ClassDef, aliases: set[str]) -> bool:
    """A CUDA skip anywhere in the decorators (also ``pytest.param(..., marks=...)`` of a
    parametrisation) or an ``if not torch.cuda.is_available(): pytest.skip(...)`` in the body."""
    if any(_is_cuda_skip(n, aliases) for d in node.decorator_list for n in ast.walk(d)):
        return True
    for n in ast.walk(node):
        if isinstance(n, ast.If) and isinstance(n.test, ast.UnaryOp) and isinstance(n.test.op, ast.Not) \
                and "cuda.is_available" in ast.unparse(n.test.operand) \
                and any("skip" in ast.unparse(b) for b in n.body):
            return True
    return False


def find_cuda_tests(tests_dir: Path) -> list[str]:
    """pytest node ids (``path::test`` or ``path::Class::test``, relative to the repository) of the
    tests that are skipped without CUDA (see :func:`_cuda_gated`), or whole modules whose
    ``pytestmark`` holds such a skip."""
    ids: list[str] = []
    for path in sorted(tests_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        rel = path.relative_to(tests_dir.parent).as_posix()
        aliases = {t.id for n in tree.body if isinstance(n, ast.Assign) and _is_cuda_skip(n.value, set())
                   for t in n.targets if isinstance(t, ast.Name)}
        marks = [n.value for n in tree.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets)]
        if any(_is_cuda_skip(v, aliases) for m in marks for v in ast.walk(m)):
            ids.append(rel)
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test") and _cuda_gated(node, aliases):
                ids.append(f"{rel}::{node.name}")
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                if any(_is_cuda_skip(n, aliases) for d in node.decorator_list for n in ast.walk(d)):
                    ids.append(f"{rel}::{node.name}")
                    continue
                ids += [f"{rel}::{node.name}::{f.name}" for f in node.body
                        if isinstance(f, ast.FunctionDef) and f.name.startswith("test") and _cuda_gated(f, aliases)]
    return ids


def parse_pytest_summary(output: str) -> dict[str, int]:
    """Counts from pytest's last summary line ("3 passed, 1 skipped in 2.1s")."""
    counts: dict[str, int] = {}
    for line in reversed(output.strip().splitlines()):
        found = re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)", line)
        if found:
            for n, kind in found:
                counts["errors" if kind.startswith("error") else kind] = int(n)
            break
    return counts


def stage_cuda_tests(size: str, work: Path) -> dict:
    ids = find_cuda_tests(ROOT / "tests")
    if not ids:
        raise RuntimeError("no CUDA-only tests found under tests/")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *ids],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    counts = parse_pytest_summary(proc.stdout)
    skipped_reasons = sorted(set(re.findall(r"SKIPPED \[\d+\] [^:]+:\d+: (.*)", proc.stdout)))
    result = {"tests": ids, "counts": counts, "returncode": proc.returncode, "skip_reasons": skipped_reasons,
              "output_tail": proc.stdout[-3000:] + proc.stderr[-1000:]}
    if proc.returncode != 0 or counts.get("failed", 0) or counts.get("errors", 0):
        raise StageFailed("CUDA tests failed", result)
    if size == "full" and counts.get("skipped", 0):
        raise StageFailed(f"{counts['skipped']} CUDA test(s) skipped on a CUDA machine", result)
    return result


# ----------------------------------------- stage 2 --------------------------------------
def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_losses", ROOT / "benchmarks" / "bench_losses.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def loss_criteria(rows: list[dict]) -> dict[str, Any]:
    """Issue 13 item 5 on the measured rows: proto ≥ 1×, mulsupcon ≥ 5× at L ≥ 200, nothing < 1×."""
    def speedups(pred: Callable[[dict], bool]) -> list[float]:
        return [r["speedup_vs_authors"] for r in rows if "speedup_vs_authors" in r and pred(r)]
    proto = speedups(lambda r: r["loss"] == "proto")
    mul = speedups(lambda r: r["loss"] == "mulsupcon" and r["L"] >= 200)
    slower = [f"{r['loss']} B={r['B']} L={r['L']}: {r['speedup_vs_authors']:.2f}x" for r in rows
              if r.get("speedup_vs_authors", math.inf) < 1.0]
    out = {"proto_min_speedup": min(proto, default=None), "mulsupcon_min_speedup_L200": min(mul, default=None),
           "slower_than_authors": slower,
           "skipped_authors": [f"{r['loss']} B={r['B']} L={r['L']}: {r['authors_skipped']}" for r in rows
                               if "authors_skipped" in r]}
    out["passed"] = (not slower and (not proto or min(proto) >= 1.0) and (not mul or min(mul) >= 5.0))
    return out


def stage_loss_benchmark(size: str, work: Path) -> dict:
    bench = _load_bench()
    cuda = size == "full"
    args = (["--device", "cuda", "--batch-sizes", "4096", "--labels", "80", "1000", "--repeats", "5",
             "--budget-s", "2"] if cuda else
            ["--device", "cpu", "--batch-sizes", "16", "--labels", "4", "--dim", "8", "--repeats", "1",
             "--losses", "proto", "mulsupcon", "supcon_all", "bce"])
    result = bench.main(args + ["--json", str(work / "bench_losses.json")])
    bad_checks = {k: v for k, v in next(iter(result["checks"].values())).items() if v > 1e-6}
    out = {"rows": result["rows"], "checks": result["checks"], "criteria": loss_criteria(result["rows"]),
           "pml": "measured" if any("pml_ms" in r for r in result["rows"])
           else f"skipped: {', '.join(missing('pytorch_metric_learning')) or 'no PML row'}"}
    if bad_checks:
        raise StageFailed(f"ours differs from the references: {bad_checks}", out)
    if cuda and not out["criteria"]["passed"]:
        raise StageFailed("speed criteria of issue 13 item 5 not met", out)
    return out


# ----------------------------------------- stage 3 --------------------------------------
def uniform_sphere_uniformity(d: int, t: float) -> float:
    """log E exp(−t‖z − z'‖²) for z, z' independent uniform on S^{d−1}:
    −2t + log E e^{κ s} with κ = 2t, E e^{κ s} = Γ(d/2) (2/κ)^{d/2−1} I_{d/2−1}(κ)
    (scipy's exponentially scaled Bessel function; the large-d expansion −2t + 2t²/d without scipy)."""
    kappa, nu = 2.0 * t, d / 2.0 - 1.0
    try:
        from scipy.special import ive
    except ImportError:
        return -2.0 * t + 2.0 * t * t / d
    return -2.0 * t + math.lgamma(d / 2.0) + nu * math.log(2.0 / kappa) + math.log(ive(nu, kappa)) + kappa


def dense_uniformity(z: torch.Tensor, t: float) -> float:
    """The definition on an (n, n) float64 matrix: mean over ordered pairs i ≠ j (= over i < j)."""
    x = torch.nn.functional.normalize(z.double(), dim=1)
    v = -t * (2.0 - 2.0 * x @ x.T).clamp_min(0.0)
    v.fill_diagonal_(-math.inf)
    n = x.shape[0]
    return float(torch.logsumexp(v.flatten(), 0) - math.log(n * (n - 1)))


def stage_uniformity(size: str, work: Path) -> dict:
    from mlcl_lab.metrics import uniformity
    full = size == "full"
    device = "cuda" if full else "cpu"
    n, n_sub, d, t, tol = (1_000_000, 10_000, 128, 2.0, 0.005) if full else (3_000, 400, 16, 2.0, 0.05)
    g = torch.Generator(device="cpu").manual_seed(0)
    z = torch.randn(n, d, generator=g).to(device)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    value = uniformity(z, t)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    dense = dense_uniformity(z[:n_sub], t)
    chunked_sub = uniformity(z[:n_sub], t)
    expected = uniform_sphere_uniformity(d, t)
    out = {"n": n, "d": d, "t": t, "device": device, "value": value, "seconds": seconds,
           "subset_n": n_sub, "subset_chunked": chunked_sub, "subset_dense_float64": dense,
           "expected_uniform_sphere": expected, "tolerance": tol}
    if not math.isfinite(value) or abs(chunked_sub - dense) > 1e-6 * abs(dense):
        raise StageFailed("chunked uniformity disagrees with the dense float64 value", out)
    if abs(value - expected) > tol:
        raise StageFailed(f"uniformity {value:.4f} far from the uniform-sphere value {expected:.4f}", out)
    return out


# ----------------------------------------- stage 4 --------------------------------------
def clustered_points(n: int, d: int, k: int, seed: int = 0):
    """n points around k random centres in d dimensions (float32 numpy) and their cluster ids."""
    import numpy as np
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4.0, (k, d)).astype(np.float32)
    ids = rng.integers(0, k, n)
    return (centres[ids] + rng.normal(0, 1.0, (n, d)).astype(np.float32)), ids


def stage_umap(size: str, work: Path) -> dict:
    if missing("sklearn"):
        raise Skipped("scikit-learn not installed (trustworthiness)")
    import numpy as np
    from sklearn.manifold import trustworthiness

    from mlcl_lab.viz.umap import DENSE_KNN_MAX_N, umap_embed
    full = size == "full"
    n, d, k, n_sub = (100_000, 64, 20, 5_000) if full else (300, 8, 4, 150)
    x, _ = clustered_points(n, d, k)
    sub = np.random.default_rng(1).choice(n, n_sub, replace=False)
    out: dict[str, Any] = {"n": n, "d": d, "trustworthiness_subsample": n_sub, "trustworthiness_k": 10}
    backends = {"torchdr": ("cuda" if full else "cpu", ["torchdr"] + (["faiss"] if n > DENSE_KNN_MAX_N else [])),
                "umap-learn": ("cpu", ["umap"])}
    for backend, (device, needs) in backends.items():
        lack = missing(*needs)
        if lack:
            out[backend] = {"status": f"skipped: not installed: {', '.join(lack)}"}
            continue
        kw = {"max_iter": 50} if backend == "torchdr" and not full else {}
        if backend == "umap-learn" and not full:
            kw = {"n_epochs": 30}
        xy, info = umap_embed(x, backend=backend, device=device, seed=0, return_info=True, **kw)
        out[backend] = {"status": "ran", **{k2: v for k2, v in info.items()},
                        "trustworthiness": float(trustworthiness(x[sub], xy[sub], n_neighbors=10))}
    ran = [b for b in backends if out[b]["status"] == "ran"]
    if not ran:
        raise Skipped("; ".join(f"{b} {out[b]['status']}" for b in backends))
    if len(ran) == 2:
        out["trustworthiness_gap"] = out["torchdr"]["trustworthiness"] - out["umap-learn"]["trustworthiness"]
        if full and out["trustworthiness_gap"] < -0.05:
            raise StageFailed("torchdr's trustworthiness is more than 0.05 below umap-learn's", out)
    return out


# ----------------------------------------- stage 5 --------------------------------------
GRID_LOSSES = ["bce", "base", "proto", "mulsupcon", "msc", "reg"]


def write_tiny_grid(path: Path, epochs: int) -> Path:
    """A short study grid (yeast, 6 losses, seed 0, full data) as YAML."""
    text = (f"name: gpu-check\ndescription: short CUDA + AMP acceptance grid\nnotebook: study.py\n"
            f"datasets: [yeast]\nlosses: [{', '.join(GRID_LOSSES)}]\nseeds: [0]\ntrain_fractions: [1.0]\n"
            f"parameters:\n  epochs: {epochs}\n  batch_size: 256\n  probe_epochs: {epochs}\n"
            f"  make_figures: false\n  make_umap: false\n")
    return write_text(path, text, overwrite=True)


def check_grid_runs(out_dir: Path, expected: int, device: str) -> dict:
    """Every run's status.json says done; params.json records the device and AMP."""
    statuses = sorted(out_dir.rglob("status.json"))
    runs = []
    for s in statuses:
        st = read_json(s)
        params_file = s.parent / "params.json"
        params = read_json(params_file) if params_file.exists() else {}
        cfg = params.get("train_config", {})
        runs.append({"run": s.parent.relative_to(out_dir).as_posix(), "state": st.get("state"),
                     "seconds": st.get("seconds"), "error": st.get("error") or None,
                     "device": cfg.get("device") or params.get("environment", {}).get("device"),
                     "amp": cfg.get("amp")})
    problems = [f"{len(runs)} run folders, expected {expected}"] if len(runs) < expected else []
    problems += [f"{r['run']}: state {r['state']} {r['error'] or ''}".strip() for r in runs if r["state"] != "done"]
    problems += [f"{r['run']}: device {r['device']}" for r in runs if not str(r["device"]).startswith(device)]
    problems += [f"{r['run']}: amp {r['amp']}" for r in runs if device == "cuda" and r["amp"] is not True]
    return {"runs": runs, "problems": problems}


def stage_grid(size: str, work: Path) -> dict:
    lack = missing("papermill", "nbclient", "ipykernel", "iterstrat")
    if lack:
        raise Skipped(f"not installed: {', '.join(lack)}")
    full = size == "full"
    grid = write_tiny_grid(work / "grid_gpu_check.yaml", epochs=5 if full else 1)
    from mlcl_lab.report.grid import expand_grid, load_grid
    n_runs = len(expand_grid(load_grid(grid)))
    device = "cuda" if full else "cpu"
    out_dir = work / "grid_runs"
    cmd = [sys.executable, "-m", "mlcl_lab.cli", "report", "--grid", str(grid), "--device", device,
           "--out", str(out_dir), "--figures", str(work / "grid_figures"), "--jobs", "3" if full else "1"]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    checked = check_grid_runs(out_dir, n_runs, device)
    out = {"grid": grid.read_text(), "command": " ".join(cmd), "returncode": proc.returncode, "seconds": seconds,
           "runs_per_minute": len([r for r in checked["runs"] if r["state"] == "done"]) / seconds * 60,
           **checked, "output_tail": proc.stdout[-2000:] + proc.stderr[-2000:]}
    if proc.returncode != 0 or checked["problems"]:
        raise StageFailed("grid run failed: " + "; ".join(checked["problems"][:5] or [f"rc {proc.returncode}"]), out)
    return out


# ----------------------------------------- driver ---------------------------------------
class StageFailed(Exception):
    """A stage ran and did not meet its check; ``result`` keeps what it measured."""

    def __init__(self, message: str, result: dict) -> None:
        super().__init__(message)
        self.result = result


STAGES: dict[str, Callable[[str, Path], dict]] = {
    "cuda_tests": stage_cuda_tests, "loss_benchmark": stage_loss_benchmark, "uniformity_1m": stage_uniformity,
    "umap_100k": stage_umap, "grid_cuda_amp": stage_grid}


def run_stage_inline(name: str, size: str, work: Path) -> dict:
    """Run one stage in this process: {"status": passed|failed|skipped, "seconds", "result"|"error"}."""
    start = time.perf_counter()
    try:
        rec: dict[str, Any] = {"status": "passed", "result": STAGES[name](size, work)}
    except Skipped as exc:
        rec = {"status": "skipped", "reason": str(exc)}
    except StageFailed as exc:
        rec = {"status": "failed", "error": str(exc), "result": exc.result}
    except Exception as exc:                      # noqa: BLE001 — recorded, never hides the other stages
        rec = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    rec["seconds"] = time.perf_counter() - start
    return rec


def run_stage_subprocess(name: str, size: str, work: Path, budget_s: float) -> dict:
    """Run one stage in a child process with a hard time limit; its record comes back as JSON."""
    record = work / f"stage_{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name, "--size", size,
           "--work", str(work), "--record", str(record)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget_s)
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stdout or b"")[-2000:]
        return {"status": "timeout", "error": f"ran past its budget of {budget_s:.0f} s", "budget_s": budget_s,
                "seconds": time.perf_counter() - start,
                "output_tail": tail.decode(errors="replace") if isinstance(tail, bytes) else tail}
    if record.exists():
        rec = read_json(record)
    else:
        rec = {"status": "failed", "error": f"stage process exited with {proc.returncode} without a record"}
    rec.update(budget_s=budget_s, wall_seconds=time.perf_counter() - start,
               output_tail=(proc.stdout[-2000:] + proc.stderr[-2000:]))
    return rec


def run_all(out: Path, size: str, stages: list[str], work: Path) -> dict:
    """All stages, one JSON rewritten after each; returns the summary."""
    env: dict[str, Any] = {"torch": torch.__version__, "cuda": torch.version.cuda, "python": sys.version.split()[0],
                           "missing_optional": missing(*OPTIONAL)}
    if torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
    summary: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "size": size, "environment": env,
                               "budgets_s": {s: BUDGETS_S[s] for s in stages}, "stages": {}}
    start = time.perf_counter()
    for name in stages:
        print(f"[gpu-check] {name} (budget {BUDGETS_S[name]} s) ...", flush=True)
        rec = run_stage_subprocess(name, size, work, BUDGETS_S[name])
        summary["stages"][name] = rec
        print(f"[gpu-check] {name}: {rec['status']} in {rec.get('seconds', 0):.1f} s"
              + (f" — {rec.get('error') or rec.get('reason')}" if rec["status"] != "passed" else ""), flush=True)
        summary["total_seconds"] = time.perf_counter() - start
        summary["ok"] = all(r["status"] in ("passed", "skipped") for r in summary["stages"].values())
        write_json(out, summary, overwrite=True)
    summary["skipped"] = {n: r["reason"] for n, r in summary["stages"].items() if r["status"] == "skipped"}
    summary["within_total_budget"] = summary["total_seconds"] <= TOTAL_BUDGET_S
    write_json(out, summary, overwrite=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("gpu_check.json"), help="the JSON file of results")
    ap.add_argument("--stages", nargs="+", default=list(STAGES), choices=list(STAGES))
    ap.add_argument("--stage", choices=list(STAGES), help=argparse.SUPPRESS)     # child process: one stage
    ap.add_argument("--size", choices=["full", "tiny"], default="full", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stage:
        work = args.work or Path(tempfile.mkdtemp(prefix="gpu_check_"))
        rec = run_stage_inline(args.stage, args.size, work)
        write_json(args.record or work / f"stage_{args.stage}.json", rec, overwrite=True)
        return 0
    if args.size == "full" and not torch.cuda.is_available():
        print("gpu_check needs a CUDA GPU; none is available here, so nothing was run.")
        return 0
    with tempfile.TemporaryDirectory(prefix="gpu_check_") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        summary = run_all(args.out, args.size, args.stages, work)
    print(json.dumps({n: r["status"] for n, r in summary["stages"].items()}))
    print(f"[gpu-check] total {summary['total_seconds']:.0f} s (budget {TOTAL_BUDGET_S} s); results in {args.out}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
