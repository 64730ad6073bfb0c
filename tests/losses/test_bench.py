"""The loss benchmark: its authors' formulations and PML references agree with our losses (values
and gradients), a tiny run prints the ratio table, skips oversized authors' configurations and
writes its JSON. No timing is asserted."""
from __future__ import annotations

import json

import pytest
import torch

from mlcl_lab.losses import get_loss
from tests.scripts import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("benchmarks/bench_losses.py")


def test_authors_formulations_and_pml_match_our_losses(bench):
    checks = bench.check_references(torch.device("cpu"))
    expected = {f"authors:{n}" for n in bench.AUTHORS} | {f"pml:{n}" for n in bench.PML_LOSSES}
    assert set(checks) == expected
    for key, worst in checks.items():
        tol = 1e-7 if key in ("authors:base", "pml:base") else 1e-9   # base: EPS placement (paper.md §3.4)
        assert worst < tol, (key, worst)


def test_authors_mulsupcon_is_the_sub_anchor_expansion(bench):
    """Independent of our implementation: the authors' MulSupCon formulation equals the loops."""
    from . import naive as N
    from .conftest import make_batch
    z, y, _ = make_batch(7, 5, seed=3)
    p = torch.zeros(5, 4, dtype=torch.float64)
    z.requires_grad_(True)
    a = bench.authors_mulsupcon(z, y, p, 0.2)
    b = N.naive_mulsupcon_port(z, y, 0.2)
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-12)
    ga, = torch.autograd.grad(a, z)
    gb, = torch.autograd.grad(b, z)
    torch.testing.assert_close(ga, gb, rtol=1e-6, atol=1e-10)


def test_reference_check_detects_a_wrong_loss(bench, monkeypatch):
    real = bench.AUTHORS["proto"]
    monkeypatch.setitem(bench.AUTHORS, "proto", lambda z, y, p: 1.01 * real(z, y, p))
    assert bench.check_references(torch.device("cpu"))["authors:proto"] > 1e-3


def test_single_label_inputs_are_one_hot(bench):
    _, y, _ = bench.make_inputs(50, 6, 4, torch.device("cpu"), single_label=True)
    assert bool((y.sum(1) == 1).all())
    _, y, _ = bench.make_inputs(50, 6, 4, torch.device("cpu"))
    assert bool((y.sum(1) >= 1).all()) and float(y.sum(1).mean()) > 1


def test_tiny_run_prints_ratios_skips_and_writes_json(bench, capsys, tmp_path):
    threads = torch.get_num_threads()
    out_json = tmp_path / "bench.json"
    result = bench.main(["--batch-sizes", "12", "--labels", "4", "30", "--dim", "8", "--repeats", "2",
                         "--losses", "base", "proto", "mulsupcon", "supcon_all", "bce",
                         "--mem-cap-gb", "1e-5", "--json", str(out_json)])
    assert torch.get_num_threads() == threads                    # restored
    out = capsys.readouterr().out
    assert "speed-up" in out and "skipped" in out and "slower than the authors" in out
    rows = {(r["loss"], r["L"]): r for r in result["rows"]}
    assert len(rows) == 10
    assert "authors_skipped" in rows[("base", 30)]                 # 12·12·30·4 B > 1e-5 GB
    assert "speedup_vs_authors" in rows[("proto", 4)] and "speedup_vs_pml" in rows[("supcon_all", 4)]
    assert "checked_speedup_vs_authors" in rows[("bce", 4)] and rows[("bce", 4)]["ours_checked_ms"] > 0
    assert "slower with the per-call input checks" in out
    assert "authors_ms" not in rows[("supcon_all", 4)]
    assert rows[("proto", 4)]["ours_mib"] is None                 # CPU memory only with --cpu-memory
    saved = json.loads(out_json.read_text())
    assert saved["rows"] == json.loads(json.dumps(result["rows"]))
    assert "cpu:proto" in saved["summary"]


def test_bad_arguments(bench):
    with pytest.raises(SystemExit):
        bench.main(["--losses", "nope"])


def test_ours_fn_calls_each_loss_like_training(bench):
    z, y, p = bench.make_inputs(16, 5, 8, torch.device("cpu"))
    for name in bench.CONTRASTIVE + bench.SUPERVISED:
        value = bench.ours_fn(name)(z, y, p)
        loss = get_loss(name)
        assert value.shape == () and bool(torch.isfinite(value)), name
        assert loss.kind in ("contrastive", "supervised")


def test_measure_rotates_the_call_order_so_no_function_always_follows_the_same_one(bench):
    """After the first calls, every round starts with another function: each competitor
    sits right after each other one (a call after a large allocation finds cold caches)."""
    order = []

    def recorder(name):
        def fn(z, y, p):
            order.append(name)
            return (z * p.sum()).sum()
        return fn

    z, y, p = bench.make_inputs(4, 3, 2, torch.device("cpu"))
    fns = {name: recorder(name) for name in ("ours", "ours_checked", "authors")}
    result = bench.measure(fns, z, y, p, torch.device("cpu"), repeats=4, budget_s=60.0,
                           mem=bench.PeakMemory(torch.device("cpu")))
    assert {k: v[2] for k, v in result.items()} == {"ours": 4, "ours_checked": 4, "authors": 4}
    rounds = [order[i:i + 3] for i in range(3, len(order), 3)]
    assert all(sorted(r) == ["authors", "ours", "ours_checked"] for r in rounds)
    predecessors = {(order[i - 1], order[i]) for i in range(1, len(order))}
    assert {("authors", "ours"), ("ours_checked", "ours"), ("ours", "authors"), ("ours_checked", "authors")} <= predecessors
