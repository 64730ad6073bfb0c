"""AdamW's single-buffer groups (``train/flat_params.py``): torch.optim.AdamW's numbers bit for bit.

The oracle is torch's own optimiser, stepping per tensor, on the same parameters and
gradients: parameters of many odd sizes (so the vectorised kernels' scalar tails fall in
other places of the buffer), gradients over eight orders of magnitude, a changing
learning rate, parameters that miss a gradient for some steps, ``.data`` replaced
mid-training, and groups that cannot share a buffer.
"""

from __future__ import annotations

import pytest
import torch

from mlcl_lab.train.adamw import AdamW
from mlcl_lab.train.flat_params import FlatParameters


def _params(sizes, seed, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(n, generator=g, dtype=dtype)) for n in sizes]


def _steps(params, optimizer, steps, seed, skip=lambda step, k: False, hook=None):
    g = torch.Generator().manual_seed(seed + 1)
    for step in range(steps):
        for k, p in enumerate(params):
            scale = 10.0 ** float(torch.randint(-6, 2, (1,), generator=g))
            grad = torch.randn(p.shape, generator=g, dtype=p.dtype) * scale
            p.grad = None if skip(step, k) else grad
        for group in optimizer.param_groups:
            group["lr"] = 1e-3 * (1 + step % 7) / 7
        optimizer.step()
        if hook is not None:
            hook(step, params)
    return [p.detach().clone() for p in params]


def _both(sizes, seed, dtype=torch.float32, steps=60, **kw):
    ours_p, ref_p = _params(sizes, seed, dtype), _params(sizes, seed, dtype)
    half = len(sizes) // 2
    groups = lambda ps: [{"params": ps[:half], "weight_decay": 0.1}, {"params": ps[half:], "weight_decay": 0.0}]  # noqa: E731
    ours = _steps(ours_p, AdamW(groups(ours_p), lr=1e-3), steps, seed, **kw)
    ref = _steps(ref_p, torch.optim.AdamW(groups(ref_p), lr=1e-3), steps, seed, **kw)
    return ours, ref, ours_p


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", range(6))
def test_odd_sizes_give_torchs_numbers_bit_for_bit(seed, dtype):
    g = torch.Generator().manual_seed(100 + seed)
    sizes = torch.randint(1, 70, (int(torch.randint(4, 14, (1,), generator=g)),), generator=g).tolist()
    ours, ref, _ = _both(sizes, seed, dtype)
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)


def test_a_group_shares_one_buffer_and_the_parameters_keep_their_values_and_identity():
    params = _params([3, 5, 7], seed=0)
    before = [p.detach().clone() for p in params]
    ids = [id(p) for p in params]
    AdamW([{"params": params}], lr=0.1)
    assert [id(p) for p in params] == ids and all(p.requires_grad for p in params)
    assert all(torch.equal(p.detach(), b) for p, b in zip(params, before, strict=True))
    base = params[0].data_ptr()
    assert [p.data_ptr() - base for p in params] == [0, 3 * 4, 8 * 4]
    assert params[0].untyped_storage().data_ptr() == params[2].untyped_storage().data_ptr()


def test_a_parameter_missing_its_gradient_mid_training_is_skipped_as_torch_does():
    # parameter 1 has no gradient at steps 10-19 (torch skips it: its step count falls
    # behind); parameter 4 never has one
    skip = lambda step, k: (k == 1 and 10 <= step < 20) or k == 4  # noqa: E731
    ours, ref, _ = _both([4, 9, 2, 17, 6, 5], seed=3, skip=skip)
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)


def test_data_replaced_mid_training_is_updated_from_its_new_values():
    def replace(step, params):
        if step == 7:
            params[2].data = params[2].data * 0.5 + 1.0  # a new tensor, elsewhere in memory
    ours, ref, ours_p = _both([4, 9, 2, 17, 6], seed=5, hook=replace)
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)
    assert ours_p[3].data_ptr() == ours_p[2].data_ptr() + 2 * 4  # moved back into its group's buffer


def test_a_model_converted_after_the_optimiser_is_an_error_naming_the_fix():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    optimizer = AdamW([{"params": list(model.parameters())}], lr=0.1)
    model.double()
    model(torch.randn(5, 3, dtype=torch.float64)).sum().backward()
    with pytest.raises(RuntimeError, match="make the optimiser after moving or converting the model"):
        optimizer.step()


def test_groups_that_cannot_share_a_buffer_keep_per_tensor_updates():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3).to(memory_format=torch.channels_last)
    mixed = [torch.nn.Parameter(torch.randn(5)), torch.nn.Parameter(torch.randn(3, dtype=torch.float64))]
    assert not FlatParameters.eligible([conv.weight, conv.bias])
    assert not FlatParameters.eligible(mixed)
    assert not FlatParameters.eligible([conv.bias])  # one parameter: nothing to merge
    assert not FlatParameters.eligible([conv.bias, conv.bias])
    ref_conv = torch.nn.Conv2d(3, 4, 3).to(memory_format=torch.channels_last)
    ref_conv.load_state_dict(conv.state_dict())
    ours = AdamW([{"params": list(conv.parameters())}], lr=1e-2)
    ref = torch.optim.AdamW([{"params": list(ref_conv.parameters())}], lr=1e-2)
    x = torch.randn(2, 3, 6, 6).to(memory_format=torch.channels_last)
    for module, optimizer in ((conv, ours), (ref_conv, ref)):
        for _ in range(5):
            optimizer.zero_grad(set_to_none=True)
            module(x).square().mean().backward()
            optimizer.step()
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(conv.parameters(), ref_conv.parameters(), strict=True):
        assert torch.equal(a, b)


def test_single_buffer_is_refused_with_the_fused_kernel():
    with pytest.raises(ValueError, match="single_buffer needs the unfused path"):
        AdamW([{"params": _params([2, 3], seed=0)}], lr=0.1, fused=True, single_buffer=True)


def test_flat_parameters_refuses_what_it_cannot_hold():
    with pytest.raises(ValueError, match="dense, contiguous"):
        FlatParameters([torch.nn.Parameter(torch.randn(4, 4).t())])
