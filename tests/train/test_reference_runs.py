"""The refactored training code reproduces the old code's numbers exactly (issue 11: behaviour unchanged).

The reference was computed by the old code (``tests/train/reference_runs.py --old <old main>``),
not by the code under test; every metric, geometry number, probe choice, best epoch,
history loss and test feature/score checked must be bit-identical.
"""

from __future__ import annotations

import math

import pytest

from mlcl_lab.files import read_json

from .reference_runs import KINDS, REFERENCE, compute


def _same(a: object, b: object, where: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{where}: keys {sorted(set(a) ^ set(b))} differ"
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{where}: lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif a is None or (isinstance(a, float) and math.isnan(a)):  # the stored JSON holds NaN as null
        assert b is None or (isinstance(b, float) and math.isnan(b)), f"{where}: {b!r} instead of NaN"
    else:
        assert a == b, f"{where}: {b!r} instead of the old code's {a!r}"


@pytest.fixture(scope="module")
def runs() -> dict:
    return compute()


@pytest.mark.parametrize("key", [f"{k}@{f}" for f in ("1", "0.5") for k in KINDS])
def test_run_is_bit_identical_to_the_old_code(runs, key) -> None:
    reference = read_json(REFERENCE)["runs"]
    _same(reference[key], runs[key], key)
