"""Public API: names, kinds, hyper-parameter errors."""
from __future__ import annotations

import pytest

from mlcl_lab.losses import available_losses, get_loss, loss_kind


def test_available_losses_have_descriptions():
    names = available_losses()
    assert {"bce", "base"} <= set(names)
    assert all(isinstance(d, str) and d for d in names.values())


@pytest.mark.parametrize("name", sorted(available_losses()))
def test_every_loss_has_kind_and_prototype_flag(name):
    loss = get_loss(name)
    assert loss.kind == loss_kind(name) in ("contrastive", "supervised")
    assert isinstance(loss.uses_prototypes, bool)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="valid names.*base"):
        get_loss("nope")
    with pytest.raises(ValueError, match="valid names"):
        loss_kind("nope")


def test_unknown_hyper_lists_valid_ones():
    with pytest.raises(ValueError, match="valid ones.*temperature"):
        get_loss("base", tau=0.1)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "0.1", True])
def test_out_of_range_temperature(bad):
    with pytest.raises(ValueError, match="temperature"):
        get_loss("base", temperature=bad)


def test_bad_policy_names_choices():
    with pytest.raises(ValueError, match="'skip', 'include'"):
        get_loss("base", empty_anchors="drop")
