"""ember.vision.transforms: torchvision's semantics, checked against hand-computed results,
torch's own interpolation / grid sampling (what torchvision calls for tensors), and
properties of the random transforms."""

import colorsys
import math

import numpy as np
import pytest
import torch

import ember
from ember.vision import transforms as T
from ember.vision.transforms import _resample
from ember.vision.transforms import functional as F

try:
    from PIL import Image
except ImportError:  # pragma: no cover
    Image = None

needs_pil = pytest.mark.skipif(Image is None, reason="Pillow is not installed")


def image(c=3, h=6, w=8, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype) == np.uint8:
        return rng.integers(0, 256, (c, h, w)).astype(np.uint8)
    return rng.random((c, h, w)).astype(dtype)


def t(array):
    return ember.from_numpy(np.ascontiguousarray(array))


# ------------------------------------------------------------------ conversions
def test_to_tensor_scales_uint8_and_moves_channels_first():
    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3) * 10
    out = T.ToTensor()(hwc)
    assert out.shape == (3, 2, 4) and out.dtype == ember.float32
    np.testing.assert_allclose(out.numpy(), hwc.transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    gray = T.ToTensor()(np.zeros((5, 7), np.uint8))
    assert gray.shape == (1, 5, 7)
    floats = np.full((2, 2, 1), 3.5, np.float64)  # non-uint8 arrays keep their values and dtype
    out = T.ToTensor()(floats)
    assert out.dtype == ember.float64 and out.numpy().max() == 3.5


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(ember.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        T.ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))


@needs_pil
def test_pil_conversions():
    hwc = np.random.default_rng(0).integers(0, 256, (3, 5, 3)).astype(np.uint8)
    pil = Image.fromarray(hwc)
    np.testing.assert_allclose(T.ToTensor()(pil).numpy(), T.ToTensor()(hwc).numpy())
    as_int = T.PILToTensor()(pil)
    assert as_int.dtype == ember.uint8 and np.array_equal(as_int.numpy(), hwc.transpose(2, 0, 1))
    binary = Image.fromarray(np.array([[True, False]]))
    assert T.ToTensor()(binary).tolist() == [[[1.0, 0.0]]]
    back = T.ToPILImage()(T.ToTensor()(hwc))
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), hwc)
    with pytest.raises(TypeError, match="pic should be PIL Image"):
        T.PILToTensor()(hwc)


def test_convert_image_dtype():
    u8 = t(np.array([[[0, 128, 255]]], np.uint8))
    f = T.ConvertImageDtype(ember.float32)(u8)
    np.testing.assert_allclose(f.numpy(), [[[0, 128 / 255, 1.0]]], rtol=1e-6)
    back = T.ConvertImageDtype(ember.uint8)(t(np.array([[[0.0, 0.5, 1.0]]], np.float32)))
    assert back.tolist() == [[[0, 127, 255]]]  # x * (255 + 1 - 1e-3), truncated
    assert T.ConvertImageDtype(ember.int16)(u8).tolist() == [[[0, 128 * 128, 255 * 128]]]
    assert T.ConvertImageDtype(ember.uint8)(t(np.array([[[0, 256, 32767]]], np.int16))).tolist() == [[[0, 2, 255]]]
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(ember.zeros(1, 1, 1), ember.int32)


# -------------------------------------------------------------------- normalize
def test_normalize_matches_formula_per_channel():
    x = image()
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    out = T.Normalize(mean, std)(t(x))
    expected = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert out.dtype == ember.float32
    hwc = np.ascontiguousarray(x.transpose(1, 2, 0))
    np.testing.assert_allclose(T.Normalize(mean, std)(hwc), expected.transpose(1, 2, 0), rtol=1e-6)
    inplace = t(x.copy())
    assert T.Normalize(mean, std, inplace=True)(inplace) is inplace
    np.testing.assert_allclose(inplace.numpy(), expected, rtol=1e-6)
    batched = T.Normalize(mean, std)(t(np.stack([x, x])))
    np.testing.assert_allclose(batched.numpy()[1], expected, rtol=1e-6)


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8."):
        T.Normalize([0], [1])(t(np.zeros((1, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        T.Normalize([0], [0])(ember.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size \(..., C, H, W\)"):
        T.Normalize([0], [1])(ember.zeros(2, 2))


# ----------------------------------------------------------------------- resize
def torch_resize(x, size, mode, antialias):
    kwargs = {} if mode.startswith("nearest") else {"align_corners": False, "antialias": antialias}
    out = torch.nn.functional.interpolate(torch.from_numpy(x)[None].float(), size=size, mode=mode, **kwargs)[0]
    return out.numpy()


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [(3, 5), (12, 17), (6, 8), (4, 20), (1, 1)])
def test_resize_matches_torch_interpolate(mode, antialias, size):
    x = image(h=6, w=8)
    out = T.Resize(size, interpolation=T.InterpolationMode(mode), antialias=antialias)(t(x))
    np.testing.assert_allclose(out.numpy(), torch_resize(x, size, mode, antialias), atol=2e-5)


def test_resize_uint8_rounds_like_float_math():
    x = image(dtype=np.uint8, h=9, w=9)
    out = T.Resize((5, 4))(t(x))
    assert out.dtype == ember.uint8
    expected = np.clip(np.round(torch_resize(x.astype(np.float32), (5, 4), "bilinear", True)), 0, 255)
    assert np.abs(out.numpy().astype(int) - expected).max() <= 1


def test_resize_shorter_edge_and_max_size():
    assert T.Resize(4)(ember.zeros(3, 8, 16)).shape == (3, 4, 8)
    assert T.Resize(5)(ember.zeros(1, 10, 7)).shape == (1, 7, 5)  # int(5 * 10 / 7) = 7
    assert T.Resize([5])(ember.zeros(1, 7, 10)).shape == (1, 5, 7)
    assert T.Resize(4, max_size=6)(ember.zeros(1, 8, 16)).shape == (1, 3, 6)
    with pytest.raises(ValueError, match="max_size = 4 must be strictly greater"):
        T.Resize(4, max_size=4)(ember.zeros(1, 8, 16))
    x = ember.zeros(1, 4, 4)
    assert T.Resize(4)(x) is x


def test_resize_numpy_array_equals_tensor_path():
    x = image(h=7, w=9)
    hwc = np.ascontiguousarray(x.transpose(1, 2, 0))
    out = T.Resize((4, 5))(hwc)
    assert isinstance(out, np.ndarray) and out.shape == (4, 5, 3)
    np.testing.assert_allclose(out, T.Resize((4, 5))(t(x)).numpy().transpose(1, 2, 0))


@needs_pil
def test_resize_pil_image():
    pil = Image.fromarray(image(dtype=np.uint8).transpose(1, 2, 0))
    out = T.Resize((3, 4))(pil)
    assert isinstance(out, Image.Image) and out.size == (4, 3)


# ------------------------------------------------------------------------- crops
def test_center_crop_offsets_round_half_to_even():
    x = np.arange(7 * 7, dtype=np.float32).reshape(1, 7, 7)
    out = T.CenterCrop(2)(t(x)).numpy()
    top = round((7 - 2) / 2.0)  # 2.5 -> 2
    np.testing.assert_array_equal(out, x[:, top : top + 2, top : top + 2])
    y = np.arange(5 * 6, dtype=np.float32).reshape(1, 5, 6)
    out = T.CenterCrop((2, 3)).forward(t(y)).numpy()
    np.testing.assert_array_equal(out, y[:, 2:4, 2:5])  # round(1.5) = 2, round(1.5) = 2


def test_center_crop_larger_than_image_pads_with_zeros():
    x = np.ones((1, 2, 2), np.float32)
    out = T.CenterCrop(4)(t(x)).numpy()
    expected = np.zeros((1, 4, 4), np.float32)
    expected[:, 1:3, 1:3] = 1
    np.testing.assert_array_equal(out, expected)
    odd = T.CenterCrop((3, 5))(t(x)).numpy()
    assert odd.shape == (1, 3, 5) and odd.sum() == 4


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes_match_numpy(mode):
    x = image(h=4, w=5)
    out = T.Pad((1, 2, 3, 0), fill=0.5, padding_mode=mode)(t(x)).numpy()
    kwargs = {"constant_values": 0.5} if mode == "constant" else {}
    np.testing.assert_array_equal(out, np.pad(x, [(0, 0), (2, 0), (1, 3)], mode=mode, **kwargs))
    two = F.pad(t(x), [2, 1], padding_mode=mode).numpy()  # (left/right, top/bottom)
    np.testing.assert_array_equal(two, np.pad(x, [(0, 0), (1, 1), (2, 2)], mode=mode))


def test_pad_fill_per_channel():
    out = F.pad(ember.zeros(2, 1, 1), 1, fill=(3.0, 4.0)).numpy()
    assert out[0, 0, 0] == 3.0 and out[1, 2, 2] == 4.0 and out[0, 1, 1] == 0.0


def locate(window, padded):
    """All (i, j) where ``window`` sits inside ``padded``."""
    h, w = window.shape[-2:]
    return [
        (i, j)
        for i in range(padded.shape[-2] - h + 1)
        for j in range(padded.shape[-1] - w + 1)
        if np.array_equal(padded[..., i : i + h, j : j + w], window)
    ]


def test_random_crop_is_a_window_of_the_padded_image_and_covers_all_offsets():
    x = np.arange(1 * 5 * 5, dtype=np.float32).reshape(1, 5, 5) + 1
    padded = np.pad(x, [(0, 0), (1, 1), (1, 1)])
    crop = T.RandomCrop(5, padding=1)
    ember.manual_seed(0)
    seen = set()
    for _ in range(200):
        out = crop(t(x)).numpy()
        where = locate(out, padded)
        assert len(where) == 1
        seen.add(where[0])
    assert seen == {(i, j) for i in range(3) for j in range(3)}


def test_random_crop_pad_if_needed_and_errors():
    out = T.RandomCrop((4, 6), pad_if_needed=True)(ember.ones(1, 2, 3))
    assert out.shape == (1, 4, 6)
    with pytest.raises(ValueError, match=r"Required crop size \(5, 5\) is larger than input image size \(2, 3\)"):
        T.RandomCrop(5)(ember.ones(1, 2, 3))
    whole = ember.ones(1, 3, 3)
    assert T.RandomCrop(3)(whole).shape == (1, 3, 3)


def test_random_resized_crop_shape_and_bounds():
    ember.manual_seed(1)
    rrc = T.RandomResizedCrop(8, scale=(0.2, 1.0))
    for _ in range(20):
        i, j, h, w = rrc.get_params(ember.zeros(3, 20, 30), (0.2, 1.0), (3 / 4, 4 / 3))
        assert 0 <= i <= 20 - h and 0 <= j <= 30 - w and h > 0 and w > 0
        assert rrc(ember.zeros(3, 20, 30)).shape == (3, 8, 8)


# ------------------------------------------------------------------------- flips
@pytest.mark.parametrize("cls,axis", [(T.RandomHorizontalFlip, -1), (T.RandomVerticalFlip, -2)])
def test_flips(cls, axis):
    x = image()
    np.testing.assert_array_equal(cls(p=1.0)(t(x)).numpy(), np.flip(x, axis))
    np.testing.assert_array_equal(cls(p=0.0)(t(x)).numpy(), x)
    ember.manual_seed(0)
    flipped = sum(not np.array_equal(cls()(t(x)).numpy(), x) for _ in range(400))
    assert 150 < flipped < 250
    hwc = np.ascontiguousarray(x.transpose(1, 2, 0))
    np.testing.assert_array_equal(cls(p=1.0)(hwc), np.flip(hwc, axis - 1 if axis == -1 else -3))


# ------------------------------------------------------------- rotation / affine
def grid_sample_oracle(x, matrix, out_w, out_h, mode, fill):
    """torchvision's tensor warp, rebuilt from torch ops: a pixel-centre grid relative to
    the image centre, mapped by the 2x3 output->input matrix, normalised for
    grid_sample(align_corners=False); ``fill`` via a coverage mask channel."""
    _, h, w = x.shape
    theta = torch.tensor(matrix, dtype=torch.float64).reshape(1, 2, 3)
    base = torch.empty(1, out_h, out_w, 3, dtype=torch.float64)
    base[..., 0] = torch.linspace(-out_w * 0.5 + 0.5, out_w * 0.5 - 0.5, steps=out_w)
    base[..., 1] = torch.linspace(-out_h * 0.5 + 0.5, out_h * 0.5 - 0.5, steps=out_h).unsqueeze(-1)
    base[..., 2] = 1
    rescaled = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=torch.float64)
    grid = base.view(1, out_h * out_w, 3).bmm(rescaled).view(1, out_h, out_w, 2)
    img = torch.from_numpy(x.astype(np.float64))[None]
    if fill is not None:
        img = torch.cat([img, torch.ones(1, 1, h, w, dtype=torch.float64)], dim=1)
    out = torch.nn.functional.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask, out = out[:, -1:], out[:, :-1]
        fill_img = torch.tensor(fill, dtype=torch.float64).view(1, -1, 1, 1).expand_as(out)
        if mode == "nearest":
            mask = (mask < 0.5).expand_as(out)
            out = torch.where(mask, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return out[0].numpy()


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.25, 0.5, 0.75]])
@pytest.mark.parametrize(
    "params",
    [
        (31.0, (0, 0), 1.0, (0.0, 0.0), None),
        (-17.0, (2, -1), 1.3, (10.0, 0.0), None),
        (45.0, (1, 1), 0.8, (-5.0, 12.0), (2.0, 3.5)),
        (0.0, (3, 0), 1.0, (0.0, 0.0), None),
    ],
)
def test_affine_matches_grid_sample_oracle(mode, fill, params):
    angle, translate, scale, shear, center = params
    x = image(h=9, w=11)
    out = F.affine(t(x), angle, list(translate), scale, list(shear), T.InterpolationMode(mode), fill, center)
    c_off = [0.0, 0.0] if center is None else [center[0] - 11 * 0.5, center[1] - 9 * 0.5]
    matrix = _resample.inverse_affine_matrix(c_off, angle, translate, scale, shear)
    expected = grid_sample_oracle(x, matrix, 11, 9, mode, fill)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)


def test_inverse_affine_matrix_inverts_the_documented_forward_map():
    # forward: p_out = T + C + s * R(a) ShY(sy) ShX(sx) (p_in - C), y axis pointing down
    angle, (tx, ty), scale, (sx, sy), (cx, cy) = 23.0, (1.5, -2.0), 1.7, (14.0, -8.0), (0.5, -1.0)
    a, rx, ry = math.radians(angle), math.radians(sx), math.radians(sy)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    shx = np.array([[1, -math.tan(rx)], [0, 1]])
    shy = np.array([[1, 0], [-math.tan(ry), 1]])
    linear = scale * rot @ shy @ shx
    offset = np.array([tx + cx, ty + cy]) - linear @ np.array([cx, cy])
    forward = np.vstack([np.hstack([linear, offset[:, None]]), [0, 0, 1]])
    inverse = np.array(_resample.inverse_affine_matrix([cx, cy], angle, [tx, ty], scale, [sx, sy]) + [0, 0, 1]).reshape(3, 3)
    np.testing.assert_allclose(inverse @ forward, np.eye(3), atol=1e-12)


def test_rotate_quarter_turns_are_exact():
    for h, w in [(5, 5), (4, 4)]:
        x = np.arange(h * w, dtype=np.float32).reshape(1, h, w)
        np.testing.assert_array_equal(F.rotate(t(x), 90).numpy()[0], np.rot90(x[0]))  # counter-clockwise
        np.testing.assert_array_equal(F.rotate(t(x), -90).numpy()[0], np.rot90(x[0], -1))
        np.testing.assert_array_equal(F.rotate(t(x), 180).numpy()[0], x[0, ::-1, ::-1])
    tall = np.arange(8, dtype=np.float32).reshape(1, 2, 4)
    out = F.rotate(t(tall), 90, expand=True)
    assert out.shape == (1, 4, 2)
    np.testing.assert_array_equal(out.numpy()[0], np.rot90(tall[0]))
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(t(tall[:, :, :2])).numpy()[0], np.rot90(tall[0, :, :2]))


def test_affine_translation_and_clockwise_angle():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5) + 1
    out = F.affine(t(x), 0.0, [2, 1], 1.0, [0.0, 0.0], fill=[-1.0]).numpy()[0]
    expected = np.full((5, 5), -1.0, np.float32)
    expected[1:, 2:] = x[0, :4, :3]  # moved right by 2 and down by 1
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(F.affine(t(x), 90.0, [0, 0], 1.0, [0.0, 0.0]).numpy()[0], np.rot90(x[0], -1))


def test_rotation_fill_and_uint8():
    x = np.full((3, 7, 7), 200, np.uint8)
    out = T.RandomRotation((45, 45), fill=(10, 20, 30))(t(x)).numpy()
    assert out.dtype == np.uint8
    assert tuple(out[:, 0, 0]) == (10, 20, 30) and tuple(out[:, 3, 3]) == (200, 200, 200)


def test_random_affine_params_follow_torchvision_ranges():
    ember.manual_seed(3)
    for _ in range(50):
        angle, (tx, ty), scale, (shx, shy) = T.RandomAffine.get_params([-10, 10], [0.1, 0.2], [0.9, 1.1], [-5, 5, -3, 3], [40, 30])
        assert -10 <= angle <= 10 and abs(tx) <= 4 and abs(ty) <= 6
        assert isinstance(tx, int) and isinstance(ty, int)
        assert 0.9 <= scale <= 1.1 and -5 <= shx <= 5 and -3 <= shy <= 3
    out = T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)(ember.rand(3, 12, 12))
    assert out.shape == (3, 12, 12)
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomAffine(-1)
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(2, 0))


# ------------------------------------------------------------------------ colour
def test_brightness_contrast_saturation_formulas():
    x = image()
    np.testing.assert_allclose(F.adjust_brightness(t(x), 1.5).numpy(), np.clip(1.5 * x, 0, 1), rtol=1e-6)
    gray = 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    mean = gray.mean()
    np.testing.assert_allclose(F.adjust_contrast(t(x), 0.3).numpy(), np.clip(0.3 * x + 0.7 * mean, 0, 1), rtol=1e-5)
    np.testing.assert_allclose(F.adjust_saturation(t(x), 2.0).numpy(), np.clip(2 * x - gray, 0, 1), rtol=1e-5, atol=1e-6)
    u8 = image(dtype=np.uint8)
    np.testing.assert_array_equal(F.adjust_brightness(t(u8), 0.7).numpy(), (0.7 * u8.astype(np.float32)).astype(np.uint8))


def test_adjust_hue_matches_colorsys():
    x = image(h=3, w=4)
    out = F.adjust_hue(t(x), 0.2).numpy()
    for i in range(3):
        for j in range(4):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j].astype(float))
            expected = colorsys.hsv_to_rgb((h + 0.2) % 1.0, s, v)
            np.testing.assert_allclose(out[:, i, j], expected, atol=1e-5)
    np.testing.assert_allclose(F.adjust_hue(t(x), 0.0).numpy(), x, atol=1e-6)
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]."):
        F.adjust_hue(t(x), 0.7)


def test_color_jitter_draws_within_ranges():
    x = np.full((3, 4, 4), 0.4, np.float32)
    fixed = T.ColorJitter(brightness=(1.25, 1.25))
    np.testing.assert_allclose(fixed(t(x)).numpy(), np.full_like(x, 0.5), rtol=1e-6)
    jitter = T.ColorJitter(brightness=0.5)
    ember.manual_seed(0)
    factors = [float(jitter(t(x)).numpy()[0, 0, 0]) / 0.4 for _ in range(200)]
    assert min(factors) >= 0.5 - 1e-6 and max(factors) <= 1.5 + 1e-6 and max(factors) - min(factors) > 0.8
    assert T.ColorJitter().brightness is None and T.ColorJitter(0.2).brightness == [0.8, 1.2]
    both = T.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1)
    assert both(t(image())).shape == (3, 6, 8)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.6)


# ------------------------------------------------------------------------ erasing
def test_random_erasing_erases_one_rectangle_within_bounds():
    ember.manual_seed(0)
    erase = T.RandomErasing(p=1.0, scale=(0.05, 0.2), ratio=(0.5, 2.0), value=0)
    x = ember.ones(3, 40, 40)
    for _ in range(20):
        out = erase(x).numpy()
        zero = out[0] == 0
        rows, cols = np.nonzero(zero)
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert zero.sum() == h * w  # one solid rectangle
        assert (out == 0).all(axis=0)[zero].all()
        assert 0.05 * 1600 * 0.8 <= h * w <= 0.2 * 1600 * 1.2
        assert 0.5 / 1.5 <= h / w <= 2.0 * 1.5
    assert x.numpy().min() == 1.0  # not in place by default


def test_random_erasing_values_and_errors():
    x = ember.ones(3, 20, 20)
    ember.manual_seed(1)
    out = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))(x).numpy()
    assert {round(float(v), 4) for v in np.unique(out[1])} == {0.2, 1.0}
    noisy = T.RandomErasing(p=1.0, value="random")(x).numpy()
    assert len(np.unique(noisy)) > 10
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=2)
    with pytest.raises(ValueError, match="Scale should be between 0 and 1"):
        T.RandomErasing(scale=(0.5, 2))
    with pytest.raises(ValueError, match="it should have either a single value or 3"):
        T.RandomErasing(p=1.0, value=(1, 2))(x)


# ------------------------------------------------------------------ composition
def test_compose_lambda_and_repr():
    pipeline = T.Compose([T.Lambda(lambda v: v + 1), T.Lambda(lambda v: v * 10)])
    assert pipeline(1) == 20
    assert "Lambda" in repr(pipeline) and repr(T.Normalize([0.5], [0.5])) == "Normalize(mean=[0.5], std=[0.5])"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    assert T.RandomApply([T.Lambda(lambda v: v * 2)], p=1.0)(3) == 6


def test_random_pipelines_repeat_under_manual_seed():
    pipeline = T.Compose(
        [T.RandomCrop(6, padding=2), T.RandomHorizontalFlip(), T.RandomRotation(20), T.ColorJitter(0.3, 0.3), T.RandomErasing()]
    )
    x = t(image(h=6, w=6))

    def run(seed):
        ember.manual_seed(seed)
        return [pipeline(x).numpy() for _ in range(5)]

    a, b, c = run(0), run(0), run(1)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))


@needs_pil
def test_geometric_transforms_on_pil_images_match_arrays():
    hwc = np.random.default_rng(0).integers(0, 256, (6, 8, 3)).astype(np.uint8)
    pil = Image.fromarray(hwc)
    for transform in (T.CenterCrop(4), T.Pad(2), T.RandomHorizontalFlip(1.0), T.RandomVerticalFlip(1.0)):
        out = transform(pil)
        assert isinstance(out, Image.Image) and out.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(out), transform(hwc))
    ember.manual_seed(0)
    a = T.RandomRotation(30)(pil)
    ember.manual_seed(0)
    b = T.RandomRotation(30)(hwc)
    np.testing.assert_array_equal(np.asarray(a), b)
