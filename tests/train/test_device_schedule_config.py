import pytest
import torch

from mlcl_lab.train import TrainConfig, resolve_device
from mlcl_lab.train.schedule import cosine_with_warmup, linear_decay


def test_resolve_device_auto_and_cpu():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected


def test_resolve_device_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="valid devices: auto, cpu, cuda"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_resolve_device_cuda_without_cuda_is_an_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")


def test_cosine_with_warmup_shape():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = cosine_with_warmup(opt, total_steps=100, warmup_fraction=0.05)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.2)          # 1/5 of the warm-up
    assert lrs[4] == pytest.approx(1.0)          # end of warm-up
    assert lrs[52] == pytest.approx(0.5, abs=0.02)  # half-way through the cosine
    assert lrs[-1] < 0.01
    assert all(b <= a + 1e-12 for a, b in zip(lrs[4:], lrs[5:], strict=False))


def test_linear_decay_reaches_zero():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2.0)
    sched = linear_decay(opt, total_steps=10)
    for _ in range(10):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0)


def test_train_config_round_trip_and_validation():
    cfg = TrainConfig(epochs=2, loss_options={"reg": {"alpha": 0.5}})
    again = TrainConfig.from_dict(cfg.to_dict())
    assert again == cfg
    with pytest.raises(ValueError, match="unknown TrainConfig field"):
        TrainConfig.from_dict({"epochz": 3})
    with pytest.raises(ValueError, match="loss_options must map a loss name"):
        TrainConfig(loss_options={"alpha": 0.5})
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=1)
