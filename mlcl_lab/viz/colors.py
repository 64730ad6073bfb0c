"""Consistent colour-blind-safe colours per loss name, shared by every notebook.

Known losses get a fixed slot in a fixed order; the first ten slots are seaborn's
``colorblind`` palette (Okabe–Ito-like), slots 10–19 a darkened copy and 20–29 a
lightened copy of it (distinct by lightness). Unknown names get a slot chosen from
a stable hash of the name (md5, not Python's salted ``hash``) among the slots not used
by known names, so a name keeps its colour across notebooks; a collision within one
call is resolved by taking the next free slot, names processed in sorted order.
"""

from __future__ import annotations

import hashlib

# seaborn.color_palette("colorblind").as_hex() (checked in tests/viz/test_colors.py)
COLORBLIND = (
    "#0173b2",
    "#de8f05",
    "#029e73",
    "#d55e00",
    "#cc78bc",
    "#ca9161",
    "#fbafe4",
    "#949494",
    "#ece133",
    "#56b4e9",
)

KNOWN_LOSSES = (
    "bce",
    "focal",
    "asl",
    "zlpr",
    "base",
    "proto",
    "mulsupcon",
    "msc",
    "mscwrg",
    "reg",
    "supcon_any",
    "supcon_all",
    "sd",
)


def _scale(hex_color: str, factor: float) -> str:
    """Darken (factor < 1) or blend towards white (factor > 1) an sRGB hex colour."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    if factor <= 1:
        out = [round(c * factor) for c in rgb]
    else:
        w = factor - 1.0
        out = [round(c + (255 - c) * w) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in out)


PALETTE: tuple[str, ...] = (
    COLORBLIND
    + tuple(_scale(c, 0.6) for c in COLORBLIND)
    + tuple(_scale(c, 1.45) for c in COLORBLIND)
)


def _stable_slot(name: str, n_free: int) -> int:
    digest = hashlib.md5(name.encode("utf-8")).hexdigest()
    return int(digest, 16) % n_free


def loss_colors(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Map loss names to hex colours, identical across calls and notebooks.

    Args:
        names: loss names (strings; duplicates allowed, case-sensitive).

    Returns:
        dict name -> "#rrggbb". Known names (``KNOWN_LOSSES``) always get the same
        colour; unknown names get a deterministic colour from the remaining palette
        (cycling when more than 30 distinct names are requested).
    """
    if isinstance(names, str):
        raise TypeError("names must be a list of strings, not a single string")
    names = list(names)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"loss names must be strings, got {bad[:3]!r}")
    out: dict[str, str] = {}
    for n in names:
        if n in KNOWN_LOSSES:
            out[n] = PALETTE[KNOWN_LOSSES.index(n)]
    free = list(range(len(KNOWN_LOSSES), len(PALETTE)))
    used: set[int] = set()
    for n in sorted(set(names) - set(KNOWN_LOSSES)):
        start = _stable_slot(n, len(free))
        slot = start
        for step in range(len(free)):
            cand = (start + step) % len(free)
            if cand not in used:
                slot = cand
                break
        used.add(slot)
        out[n] = PALETTE[free[slot]]
    return {n: out[n] for n in names}
