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
