"""Image decoding and the PIL fallback transforms, against numpy/torch references."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from mlcl_lab.data.errors import DatasetNotFoundError, MalformedFileError
from mlcl_lab.data.images import (
    AUGMENT_SETTINGS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    RANDAUGMENT_OPS,
    ImageTransform,
    apply_op,
    crop_and_flip,
    crop_box,
    load_rgb,
    normalise,
    op_magnitude,
    randaugment_plan,
    torchvision_available,
)


def _noise(h=24, w=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3)).astype(np.uint8)


def _img(a):
    return Image.fromarray(a)


def _sample_affine(a, fx, fy):
    """Nearest sampling of ``a`` at continuous input coords (fx, fy)(x + .5, y + .5), fill 0."""
    h, w = a.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w] + 0.5
    xi, yi = np.floor(fx(xs, ys)).astype(int), np.floor(fy(xs, ys)).astype(int)
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    out = np.zeros_like(a)
    out[ok] = a[yi[ok], xi[ok]]
    return out


@pytest.mark.parametrize("m", [0.27, -0.15])
def test_shear_and_translate_sample_where_they_claim(m):
    a = _noise()
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "ShearX", m)), _sample_affine(a, lambda x, y: x + m * y, lambda x, y: y))
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "ShearY", m)), _sample_affine(a, lambda x, y: x, lambda x, y: y + m * x))
    t = 7.0 * np.sign(m)
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "TranslateX", t)), _sample_affine(a, lambda x, y: x + t, lambda x, y: y))
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "TranslateY", t)), _sample_affine(a, lambda x, y: x, lambda x, y: y + t))


def test_rotate_is_counter_clockwise_about_the_centre():
    a = _noise(20, 20)
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "Rotate", 90.0)), np.rot90(a, 1))
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "Rotate", -90.0)), np.rot90(a, -1))
    small = np.asarray(apply_op(_img(a), "Rotate", 10.0))
    assert (small[0, 0] == 0).all() and small.shape == a.shape  # corners fall outside: filled with 0


def test_colour_ops_match_their_formulas():
    a = _noise()
    af = a.astype(float)
    f = 0.63
    grey = np.asarray(_img(a).convert("L")).astype(float)  # ITU-R 601-2 luma, as PIL's Color/Contrast use
    refs = {
        "Brightness": af * (1 + f),
        "Color": grey[..., None] + (1 + f) * (af - grey[..., None]),
        "Contrast": int(grey.mean() + 0.5) + (1 + f) * (af - int(grey.mean() + 0.5)),
    }
    for name, ref in refs.items():
        got = np.asarray(apply_op(_img(a), name, f)).astype(float)
        np.testing.assert_allclose(got, np.clip(ref, 0, 255), atol=1.01, err_msg=name)
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "Identity", 0.0)), a)
    np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "Sharpness", 0.0)), a)  # factor 1: unchanged


def test_sharpness_blends_with_the_smoothed_image():
    a = _noise(16, 16)
    from PIL import ImageFilter

    smooth = np.asarray(_img(a).filter(ImageFilter.SMOOTH)).astype(float)
    got = np.asarray(apply_op(_img(a), "Sharpness", -0.5)).astype(float)  # factor 0.5: halfway to smooth
    inner = (slice(1, -1), slice(1, -1))  # PIL keeps the border pixels
    np.testing.assert_allclose(got[inner], (0.5 * smooth + 0.5 * a)[inner], atol=1.01)


def test_posterize_solarize_autocontrast_equalize():
    a = _noise()
    for bits in (4, 6, 7):
        np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "Posterize", float(bits))),
                                      a & np.uint8(0xFF ^ (2 ** (8 - bits) - 1)))
    for thr in (178.5, 127.5, 0.0):
        np.testing.assert_array_equal(np.asarray(apply_op(_img(a), "Solarize", thr)), np.where(a >= thr, 255 - a, a))
    low = (100 + a // 16).astype(np.uint8)  # values in [100, 115]
    ac = np.asarray(apply_op(_img(low), "AutoContrast", 0.0)).astype(float)
    lo, hi = low.min((0, 1)), low.max((0, 1))
    np.testing.assert_allclose(ac, (low - lo) * 255.0 / (hi - lo), atol=1.01)
    eq = np.asarray(apply_op(_img(low), "Equalize", 0.0))
    for c in range(3):  # a monotone map of each channel that spreads it over the full range
        order = np.argsort(low[..., c].ravel(), kind="stable")
        assert (np.diff(eq[..., c].ravel()[order].astype(int)) >= 0).all()
        assert eq[..., c].min() == 0 and eq[..., c].max() >= 230


def test_magnitude_table_is_torchvisions():
    size = (224, 160)
    for m in (0, 9, 15, 30):
        assert op_magnitude("ShearX", m, size) == pytest.approx(torch.linspace(0.0, 0.3, 31)[m].item())
        assert op_magnitude("TranslateX", m, size) == pytest.approx(torch.linspace(0.0, 150.0 / 331.0 * 224, 31)[m].item())
        assert op_magnitude("TranslateY", m, size) == pytest.approx(torch.linspace(0.0, 150.0 / 331.0 * 160, 31)[m].item())
        assert op_magnitude("Rotate", m, size) == pytest.approx(torch.linspace(0.0, 30.0, 31)[m].item())
        assert op_magnitude("Contrast", m, size) == pytest.approx(torch.linspace(0.0, 0.9, 31)[m].item())
        assert op_magnitude("Posterize", m, size) == (8 - (torch.arange(31) / ((31 - 1) / 4)).round().int())[m].item()
        assert op_magnitude("Solarize", m, size) == pytest.approx(torch.linspace(255.0, 0.0, 31)[m].item(), abs=1e-4)
        assert op_magnitude("Equalize", m, size) == 0.0
    with pytest.raises(ValueError, match=r"magnitude must be in \[0, 30\]"):
        op_magnitude("Rotate", 31, size)
    with pytest.raises(ValueError, match="valid ops: Identity"):
        op_magnitude("Blur", 3, size)


@pytest.mark.parametrize("augment", ["randaugment", "strong"])
def test_randaugment_plan_draws_the_authors_settings(augment):
    n_ops, magnitude = AUGMENT_SETTINGS[augment]
    rng = np.random.default_rng(0)
    plans = [randaugment_plan(rng, n_ops, magnitude, (64, 64)) for _ in range(1400)]
    assert all(len(p) == n_ops for p in plans)
    names = [name for p in plans for name, _ in p]
    counts = np.array([names.count(op) for op in RANDAUGMENT_OPS])
    expected = len(names) / len(RANDAUGMENT_OPS)
    assert ((counts - expected) ** 2 / expected).sum() < 40  # chi-square, 13 dof: uniform ops
    for name, value in (x for p in plans for x in p):
        assert abs(value) == pytest.approx(op_magnitude(name, magnitude, (64, 64)))
    signs = {np.sign(v) for p in plans for name, v in p if name == "Rotate"}
    assert signs == {-1.0, 1.0}


def test_crop_box_follows_torchvisions_ranges():
    rng = np.random.default_rng(1)
    for _ in range(500):
        top, left, h, w = crop_box(80, 60, rng)
        assert 0 <= top and top + h <= 60 and 0 <= left and left + w <= 80
        assert 0.08 * 4800 * 0.8 <= h * w <= 4800
        assert 3 / 4 * 0.8 <= w / h <= 4 / 3 * 1.25
    # no draw fits a 400 x 10 strip: the central box with the ratio clamped to 4/3
    assert crop_box(400, 10, rng) == (0, (400 - 13) // 2, 10, 13)
    assert crop_box(10, 400, rng) == ((400 - 13) // 2, 0, 13, 10)


def test_crop_and_flip_show_the_cropped_region():
    h, w = 60, 80
    ys, xs = np.mgrid[0:h, 0:w]
    a = np.stack([xs * 3, ys * 4, np.zeros_like(xs)], -1).astype(np.uint8)  # R encodes x, G encodes y
    flips = []
    for seed in range(40):
        out, (top, left, bh, bw), flipped = crop_and_flip(_img(a), 16, np.random.default_rng(seed))
        o = np.asarray(out).astype(float)
        assert o.shape == (16, 16, 3)
        first, last = (o[:, -1, 0], o[:, 0, 0]) if flipped else (o[:, 0, 0], o[:, -1, 0])
        assert abs(first.mean() / 3 - left) <= bw / 16 + 1 and abs(last.mean() / 3 - (left + bw - 1)) <= bw / 16 + 1
        assert abs(o[0, :, 1].mean() / 4 - top) <= bh / 16 + 1
        flips.append(flipped)
    assert 10 < sum(flips) < 30


def test_transform_outputs_and_determinism():
    a = _noise(30, 45)
    eval_t = ImageTransform(16, "randaugment", backend="pil")
    ref = np.asarray(_img(a).resize((16, 16), Image.BILINEAR)).transpose(2, 0, 1)
    np.testing.assert_array_equal(eval_t(_img(a), seed=3, train=False), ref)  # evaluation: resize only
    np.testing.assert_array_equal(ImageTransform(16, "none", backend="pil")(_img(a), 3, train=True), ref)
    for augment in ("randaugment", "strong"):
        t = ImageTransform(16, augment, backend="pil")
        x1, x2, x3 = t(_img(a), 5, True), t(_img(a), 5, True), t(_img(a), 6, True)
        assert x1.shape == (3, 16, 16) and x1.dtype == np.uint8 and x1.flags.c_contiguous
        np.testing.assert_array_equal(x1, x2)
        assert not np.array_equal(x1, x3)
    assert not ImageTransform(16, "none").random and ImageTransform(16, "strong").random


def test_transform_argument_errors():
    with pytest.raises(ValueError, match="valid augmentations: none, randaugment, strong"):
        ImageTransform(16, "autoaugment")
    with pytest.raises(ValueError, match="valid: auto, torchvision, pil"):
        ImageTransform(16, backend="opencv")
    if not torchvision_available():
        assert ImageTransform(16).backend == "pil"
        with pytest.raises(ValueError, match="torchvision does not import"):
            ImageTransform(16, backend="torchvision")


@pytest.mark.skipif(not torchvision_available(), reason="torchvision does not import beside this torch")
def test_torchvision_backend_is_deterministic_per_seed():
    a = _noise(30, 45)
    t = ImageTransform(16, "strong", backend="torchvision")
    state = torch.random.get_rng_state()
    x1, x2 = t(_img(a), 5, True), t(_img(a), 5, True)
    assert x1.shape == (3, 16, 16) and x1.dtype == np.uint8
    np.testing.assert_array_equal(x1, x2)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG is left as it was


def test_normalise_is_imagenet():
    x = torch.tensor([0, 255, 128], dtype=torch.uint8).view(1, 1, 1, 3).expand(2, 3, 2, 3).contiguous()
    out = normalise(x)
    assert out.dtype == torch.float32 and out.shape == (2, 3, 2, 3)
    for c in range(3):
        m, s = IMAGENET_MEAN[c], IMAGENET_STD[c]
        torch.testing.assert_close(out[:, c, :, 0], torch.full((2, 2), -m / s))
        torch.testing.assert_close(out[:, c, :, 1], torch.full((2, 2), (1 - m) / s))
        torch.testing.assert_close(out[:, c, :, 2], torch.full((2, 2), (128 / 255 - m) / s))
    assert math.isclose(float(normalise(torch.zeros(1, 3, 1, 1, dtype=torch.uint8)).min()), -0.485 / 0.229, rel_tol=1e-6)


def test_load_rgb_names_missing_and_corrupt_files(tmp_path):
    good = tmp_path / "good.jpg"
    _img(_noise(40, 40)).save(good, quality=95)
    grey = tmp_path / "grey.png"
    Image.fromarray(np.full((5, 6), 7, np.uint8)).save(grey)
    assert load_rgb(good).mode == "RGB" and load_rgb(grey).size == (6, 5) and load_rgb(grey).mode == "RGB"
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(MalformedFileError, match="truncated.jpg: cannot decode image"):
        load_rgb(truncated)
    (tmp_path / "text.jpg").write_text("not an image")
    with pytest.raises(MalformedFileError, match="text.jpg: cannot decode image"):
        load_rgb(tmp_path / "text.jpg")
    with pytest.raises(DatasetNotFoundError, match="missing.jpg does not exist"):
        load_rgb(tmp_path / "missing.jpg")
