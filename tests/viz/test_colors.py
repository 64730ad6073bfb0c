"""loss_colors: fixed colour-blind-safe colours per loss name."""

from __future__ import annotations

import pytest

from mlcl_lab.viz import KNOWN_LOSSES, loss_colors
from mlcl_lab.viz.colors import COLORBLIND, PALETTE


def test_palette_is_seaborn_colorblind():
    sns = pytest.importorskip("seaborn")
    assert list(COLORBLIND) == sns.color_palette("colorblind").as_hex()


def test_known_names_fixed_order_and_distinct():
    cols = loss_colors(list(KNOWN_LOSSES))
    assert cols["bce"] == COLORBLIND[0] and cols["focal"] == COLORBLIND[1]
    assert [cols[n] for n in KNOWN_LOSSES] == list(PALETTE[: len(KNOWN_LOSSES)])
    assert len(set(cols.values())) == len(KNOWN_LOSSES)


def test_consistent_across_calls_and_subsets():
    full = loss_colors(list(KNOWN_LOSSES) + ["mine"])
    sub = loss_colors(["sd", "mine", "msc"])
    assert sub == {"sd": full["sd"], "mine": full["mine"], "msc": full["msc"]}
    assert list(sub) == ["sd", "mine", "msc"]


def test_unknown_names_distinct_and_not_known_colours():
    names = [f"loss{i}" for i in range(17)]
    cols = loss_colors(names)
    assert len(set(cols.values())) == 17
    assert not set(cols.values()) & set(loss_colors(list(KNOWN_LOSSES)).values())
    assert all(c.startswith("#") and len(c) == 7 for c in cols.values())


def test_bad_input():
    with pytest.raises(TypeError):
        loss_colors("bce")
    with pytest.raises(TypeError):
        loss_colors(["bce", 3])
