"""plot_umap colourings, save_figure (PNG + SVG) and saved_png (shown once, from the file)."""

from __future__ import annotations

import struct

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from mlcl_lab.viz import (
    UmapColoring,
    head_labels_mask,
    head_tail_category,
    plot_umap,
    save_figure,
    saved_png,
)


@pytest.fixture()
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(80, 2)), (
        rng.random((80, 5)) < np.array([0.6, 0.4, 0.1, 0.05, 0.3])
    ).astype(int)


@pytest.mark.parametrize("color_by", ["label", "cardinality", "head_tail"])
def test_plot_and_save(tmp_path, data, color_by):
    xy, y = data
    ax = plot_umap(torch.tensor(xy), y, UmapColoring(by=color_by, label="b", label_names=list("abcde")), title="t")
    assert ax.get_title() == "t" and len(ax.collections) >= 2
    png, svg = save_figure(ax.figure, tmp_path / "sub" / f"umap_{color_by}")
    assert png.read_bytes()[:4] == b"\x89PNG" and b"<svg" in svg.read_bytes()[:500]
    plt.close(ax.figure)


def test_head_tail_definitions():
    y = np.array([[1, 0, 0], [1, 0, 1], [0, 0, 1], [0, 0, 0], [1, 1, 0]], dtype=bool)
    mask = head_labels_mask(y, head_fraction=0.3)  # ceil(0.9) = 1 head label: label 0
    assert mask.tolist() == [True, False, False]
    assert head_tail_category(y, mask).tolist() == [1, 2, 3, 0, 2]


def test_bad_input(data, tmp_path):
    xy, y = data
    with pytest.raises(ValueError, match="color_by"):
        UmapColoring(by="size")
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_umap(np.ones((80, 3)), y)
    with pytest.raises(ValueError, match="multi-hot"):
        plot_umap(xy, y * 2)
    with pytest.raises(ValueError, match="label"):
        plot_umap(xy, y, UmapColoring(label=9))
    with pytest.raises(ValueError, match="not found"):
        plot_umap(xy, y, UmapColoring(label="zz", label_names=list("abcde")))
    with pytest.raises(ValueError, match="head_mask must have shape"):
        plot_umap(xy, y, UmapColoring(by="head_tail", head_mask=np.ones(3, dtype=bool)))
    fig = plt.figure()
    with pytest.raises(ValueError, match="without extension"):
        save_figure(fig, tmp_path / "x.png")
    plt.close(fig)


def test_save_figure_is_atomic_and_never_overwrites(tmp_path):
    fig = plt.figure()
    png, svg = save_figure(fig, tmp_path / "f")
    first = png.read_bytes()
    with pytest.raises(FileExistsError, match="never overwritten"):
        save_figure(fig, tmp_path / "f")
    assert png.read_bytes() == first and not list(tmp_path.glob(".tmp-*"))
    fig.suptitle("changed")
    save_figure(fig, tmp_path / "f", overwrite=True)
    assert png.read_bytes() != first
    plt.close(fig)


def test_saved_png_shows_the_written_file_at_half_size_and_closes_the_figure(tmp_path):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    png, _ = save_figure(fig, tmp_path / "line")
    image = saved_png(fig, tmp_path / "line")
    assert image.data == png.read_bytes()
    width, height = struct.unpack(">II", png.read_bytes()[16:24])  # the PNG header's pixel size
    assert image.retina and (image.width, image.height) == (width // 2, height // 2)
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend cannot show it again


def test_saved_png_refuses_a_figure_that_was_not_saved(tmp_path):
    fig, _ = plt.subplots()
    with pytest.raises(FileNotFoundError, match="save the figure first"):
        saved_png(fig, tmp_path / "never_saved")
    assert plt.fignum_exists(fig.number)  # left open for the caller
    plt.close(fig)
