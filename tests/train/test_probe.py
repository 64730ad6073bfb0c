import numpy as np
import pytest
import torch

from mlcl_lab.models import LinearProbe
from mlcl_lab.train import ProbeConfig, fit_linear_probe
from mlcl_lab.train.selection import per_label_f1


def _toy(n=240, f=8, l=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, f, generator=g)
    w = torch.randn(f, l, generator=g)
    y = (x @ w + 0.3 * torch.randn(n, l, generator=g) > 0.5).to(torch.uint8)
    return x, y


def test_probe_learns_a_linear_rule_and_selection_is_per_label_argmax():
    x, y = _toy()
    cfg = ProbeConfig(learning_rates=(0.1, 0.01), weight_decays=(0.01, 1e-4), epochs=20, batch_size=64)
    res = fit_linear_probe(x[:160], y[:160], x[160:], y[160:], cfg, seed=3)
    assert res.val_f1.shape == (4, 4)
    np.testing.assert_array_equal(res.chosen, res.val_f1.argmax(0))
    # the assembled probe reproduces, label by label, the chosen grid point's validation F1
    pred = res.probe.predict(x[160:]).bool()
    assembled = per_label_f1(y[160:].bool(), pred).numpy()
    np.testing.assert_allclose(assembled, res.val_f1.max(0), atol=1e-12)
    assert res.val_f1.max(0).mean() > 0.7
    assert res.probe.weight.shape == (3, 8, 4)


def test_probe_is_deterministic_for_a_seed():
    x, y = _toy(seed=1)
    cfg = ProbeConfig(epochs=3, batch_size=64)
    a = fit_linear_probe(x[:160], y[:160], x[160:], y[160:], cfg, seed=5)
    b = fit_linear_probe(x[:160], y[:160], x[160:], y[160:], cfg, seed=5)
    torch.testing.assert_close(a.probe.weight, b.probe.weight, rtol=0, atol=0)


def test_as_coded_variant_averages_two_untrained_heads():
    x, y = _toy(seed=2)
    cfg = ProbeConfig(epochs=3, batch_size=64, variant="as_coded")
    res = fit_linear_probe(x[:160], y[:160], x[160:], y[160:], cfg, seed=0)
    assert res.probe.weight.shape[0] == 5
    assert torch.all(res.probe.bias[3:] == 0)
    correct = fit_linear_probe(x[:160], y[:160], x[160:], y[160:], ProbeConfig(epochs=3, batch_size=64), seed=0)
    torch.testing.assert_close(res.probe.weight[:3], correct.probe.weight)


def test_linear_probe_predicts_mean_of_head_sigmoids():
    w = torch.randn(2, 3, 4)
    b = torch.randn(2, 4)
    probe = LinearProbe(w, b, threshold=0.5)
    x = torch.randn(5, 3)
    expected = (torch.sigmoid(x @ w[0] + b[0]) + torch.sigmoid(x @ w[1] + b[1])) / 2
    torch.testing.assert_close(probe.predict_proba(x), expected)
    assert torch.equal(probe.predict(x), (expected >= 0.5).to(torch.uint8))


@pytest.mark.parametrize("kwargs", [{"variant": "buggy"}, {"learning_rates": ()}, {"threshold": 1.0}, {"n_heads": 0}])
def test_probe_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        ProbeConfig(**kwargs)


def test_probe_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="probe needs"):
        fit_linear_probe(torch.randn(5, 3), torch.ones(4, 2), torch.randn(2, 3), torch.ones(2, 2))


def _reference_probe_weights(x, y, cfg, seed):
    """The probe written out plainly: one Parameter per (grid point, head), torch.optim.AdamW
    with one group each, torch's LambdaLR linear decay; returns the trained (G*H, F, L), (G*H, L)."""
    import itertools
    import math

    gen = torch.Generator().manual_seed(seed)
    grid = list(itertools.product(cfg.learning_rates, cfg.weight_decays))
    k, (n, f), l = len(grid) * cfg.n_heads, x.shape, y.shape[1]
    bound = math.sqrt(6.0 / (f + l))
    w0 = (torch.rand(k, f, l, generator=gen, dtype=torch.float32) * 2 - 1) * bound
    ws = [torch.nn.Parameter(w) for w in w0]
    bs = [torch.nn.Parameter(torch.zeros(l)) for _ in range(k)]
    opt = torch.optim.AdamW([{"params": [ws[i], bs[i]], "lr": grid[i // cfg.n_heads][0],
                              "weight_decay": grid[i // cfg.n_heads][1]} for i in range(k)])
    batch = min(cfg.batch_size, n)
    steps = n // batch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1.0 - s / (cfg.epochs * steps)))
    for _ in range(cfg.epochs):
        order = torch.randperm(n, generator=gen)
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            logits = torch.einsum("nf,kfl->knl", x[idx], torch.stack(ws)) + torch.stack(bs)[:, None, :]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, y[idx].float().expand_as(logits), reduction="none").mean((1, 2)).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return torch.stack(ws).detach(), torch.stack(bs).detach()


@pytest.mark.parametrize("n, f, l", [(300, 37, 14), (600, 256, 120)])  # incomplete vector lanes; many labels
def test_probe_training_equals_the_plain_per_head_formulation(n, f, l):
    x, y = _toy(n=n, f=f, l=l, seed=4)
    cfg = ProbeConfig(learning_rates=(0.5, 0.05), weight_decays=(0.1, 0.0), epochs=4, batch_size=64, n_heads=3)
    train = n * 2 // 3
    res = fit_linear_probe(x[:train], y[:train], x[train:], y[train:], cfg, seed=9)
    w, b = _reference_probe_weights(x[:train], y[:train], cfg, seed=9)
    g, h = 4, 3
    lab = torch.arange(l)
    chosen = torch.as_tensor(res.chosen)
    expected_w = w.view(g, h, f, l)[chosen, :, :, lab].permute(1, 2, 0)
    expected_b = b.view(g, h, l)[chosen, :, lab].permute(1, 0)
    assert torch.equal(res.probe.weight, expected_w) and torch.equal(res.probe.bias, expected_b)
