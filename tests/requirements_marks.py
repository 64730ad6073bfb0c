"""Marks for tests that need an optional system package or install.

``needs(ok, reason)`` skips the test when ``ok`` is false, except under CI=true, where a
missing requirement fails the test: CI installs everything (make test), so a skip
there would hide a broken install.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["needs", "IN_CI"]

IN_CI = os.environ.get("CI", "").lower() == "true"


def needs(ok: bool, reason: str) -> pytest.MarkDecorator:
    if ok:
        return pytest.mark.requirement_met
    if IN_CI:
        return pytest.mark.requirement_missing_in_ci(reason=reason)
    return pytest.mark.skip(reason=reason)
