"""Hyper-parameter specifications shared by every loss (declarative, errors list the valid values).

Every numeric hyper-parameter is a finite real number (bool, NaN and ±inf are refused) inside a
closed range chosen so that the loss and its gradients stay finite in float32 — the precision
every loss computes in for float16 / bfloat16 / float32 inputs. The ranges and why:

* ``temperature`` τ ∈ [1e-4, 1e4] (:data:`TEMPERATURE_RANGE`). Logits are u = cos/τ with
  |u| ≤ 1/τ; an anchor's loss is at most ≈ |Y_i| (2/τ + log C) and its gradient ≈ 2/τ per
  unit row, so float32 overflows only near τ ≈ 1e-36 (at τ = 1e-38 every loss is inf, measured).
  The range stops at 1e-4 because below it float32 rounding of a cosine (≈ 6e-8) is amplified
  beyond 6e-4 in the logits (the softmax becomes a hard max over rounding noise), and at 1e4
  because above it |u| ≤ 1e-4: the loss is flat at log C and the gradients (∝ 1/τ) fall under
  the float32 resolution of the embeddings.
* ``msc`` α ∈ [0, 1e6]: the per-label normaliser N = 1 + α Σ_j y_j/|Y_i ∪ Y_j| ≤ 1 + α C and
  the prototype weight 1/N stay normal float32 numbers for any batch below 1e25 candidates.
* ``msc`` β ∈ [1e-6, 1e6]: log β is added to the float32 logits of the instances (finite for
  every β > 0); the bounds keep β above float32's relative resolution (eps ≈ 1.2e-7) and
  1/β likewise, so with comparable logits neither the instance nor the prototype terms of
  the denominator vanish from the float32 sum.
* ``mscwrg`` / ``reg`` α ∈ [-1e6, 1e6]: f = x^α with x ∈ (0, 1] is in [0, 1] for every α ≥ 0
  and α < 0 is the hard subset threshold, so the loss is finite for every α; the bound only
  refuses absurd values (x^α is already 0 in float32 for every partial overlap x ≤ 0.99,
  i.e. label sets of up to 100 labels, once α > 1e4).
* focusing exponents (``focal`` γ, ``asl`` γ+ / γ−) ∈ [0, 100]: (1 − p)^γ is computed as
  exp(γ · log-sigmoid) (finite for every γ ≥ 0); above 100 the factor is below float32's
  smallest normal (1e-38) for every p > 0.58, so the loss is 0 in float32 for all but
  already-wrong predictions — a setting that trains nothing.
* probabilities (``focal`` α ∈ [0, 1], ``asl`` clip ∈ [0, 1), eps ∈ [0, 0.5)) by definition.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

TEMPERATURE_RANGE = (1e-4, 1e4)
FOCUSING_RANGE = (0.0, 100.0)


@dataclass(frozen=True)
class Hyper:
    """One hyper-parameter: default value, a predicate and a human description of its range."""

    default: Any
    check: Callable[[Any], bool]
    valid: str
    doc: str = ""


def in_range(low: float, high: float, doc: str = "", *, high_open: bool = False) -> Callable[[Any], Hyper]:
    """A finite real in [low, high] (or [low, high) with ``high_open``)."""
    right = ")" if high_open else "]"

    def ok(v: Any) -> bool:
        return _is_real(v) and low <= v and (v < high if high_open else v <= high)

    return lambda d: Hyper(d, ok, f"a finite float in [{low:g}, {high:g}{right}", doc)


def temperature(doc: str = "softmax temperature τ") -> Callable[[Any], Hyper]:
    """τ in :data:`TEMPERATURE_RANGE` (why: module docstring)."""
    return in_range(*TEMPERATURE_RANGE, doc)


def focusing(doc: str = "") -> Callable[[Any], Hyper]:
    """A focusing exponent γ in :data:`FOCUSING_RANGE` (why: module docstring)."""
    return in_range(*FOCUSING_RANGE, doc)


def choice(*options: Any, doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, lambda v: v in options, "one of " + ", ".join(repr(o) for o in options), doc)


def boolean(doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, lambda v: isinstance(v, bool), "True or False", doc)


def optional(inner: Callable[[Any], Hyper], doc: str = "") -> Callable[[Any], Hyper]:
    """None or a value accepted by ``inner``."""

    def make(d: Any) -> Hyper:
        h = inner(d)
        return Hyper(d, lambda v: v is None or h.check(v), f"None or {h.valid}", doc or h.doc)

    return make


def _is_real(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return v == v and abs(v) != float("inf")


def resolve(loss_name: str, spec: Mapping[str, Hyper], given: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``given`` into the defaults of ``spec``; unknown names or invalid values raise ValueError."""
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValueError(
            f"loss {loss_name!r}: unknown hyper-parameter(s) {unknown}; "
            f"valid ones are {sorted(spec)}"
        )
    out = {}
    for name, h in spec.items():
        value = given.get(name, h.default)
        if not h.check(value):
            raise ValueError(
                f"loss {loss_name!r}: hyper-parameter {name}={value!r} is invalid; expected {h.valid}"
            )
        out[name] = value
    return out
