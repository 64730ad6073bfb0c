"""Headless matplotlib for the viz tests."""

import matplotlib

matplotlib.use("Agg")
