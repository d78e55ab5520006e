"""ember.vision.datasets: bundled digits, MNIST-format IDX files, ImageFolder."""

import gzip
import os

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets
from ember.vision import transforms as T
from ember.vision.datasets import _common

try:
    from PIL import Image
except ImportError:  # pragma: no cover
    Image = None

needs_pil = pytest.mark.skipif(Image is None, reason="Pillow is not installed")
FASHION_ROOT = "/usr/share/datasets/fashion-mnist"
has_fashion = pytest.mark.skipif(
    not os.path.exists(os.path.join(FASHION_ROOT, "t10k-images-idx3-ubyte.gz")),
    reason="Debian's dataset-fashion-mnist is not installed",
)


def as_array(img):
    return np.asarray(img)


# ------------------------------------------------------------------------ digits
def test_digits_split_sizes_and_fixed_order():
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(train) == 1500 and len(test) == 297
    assert train.data.shape == (1500, 8, 8) and train.data.dtype == ember.uint8
    assert train.targets.dtype == ember.int64
    # the documented split: RandomState(0).permutation(1797), first 1500 for training
    order = np.random.RandomState(0).permutation(1797)
    pixels, labels = datasets.digits.load_digits_arrays()
    assert pixels.shape == (1797, 8, 8) and pixels.max() == 16
    np.testing.assert_array_equal(train.targets.numpy(), labels[order[:1500]])
    np.testing.assert_array_equal(test.targets.numpy(), labels[order[1500:]])
    np.testing.assert_array_equal(train.data.numpy(), np.rint(pixels[order[:1500]] * 255 / 16))
    assert not set(order[:1500]) & set(order[1500:])
    # stable across NumPy versions (legacy RandomState): pin the first indices
    assert order[:5].tolist() == [1081, 1707, 927, 713, 262]
    assert np.bincount(train.targets.numpy()).min() > 130  # every class well represented


def test_digits_samples_and_transforms():
    ds = datasets.Digits(transform=T.ToTensor(), target_transform=lambda y: y + 100)
    image, label = ds[3]
    assert image.shape == (1, 8, 8) and image.dtype == ember.float32
    assert 0.0 <= image.numpy().min() and image.numpy().max() <= 1.0
    assert label == int(ds.targets[3]) + 100
    raw, _ = datasets.Digits()[3]
    assert as_array(raw).dtype == np.uint8 and as_array(raw).shape == (8, 8)
    assert "Split: Train" in repr(ds) and ds.classes[7] == "7"


@pytest.mark.timeout(60)
def test_digits_work_in_a_dataloader_with_workers():
    ds = datasets.Digits(train=False, transform=T.ToTensor())
    batches = list(DataLoader(ds, batch_size=100, num_workers=2))
    assert [len(b[1]) for b in batches] == [100, 100, 97]
    assert batches[0][0].shape == (100, 1, 8, 8) and batches[0][1].dtype == ember.int64


def test_digits_without_pillow_give_arrays(monkeypatch):
    monkeypatch.setattr(_common, "PIL_AVAILABLE", False)
    img, _ = datasets.Digits()[0]
    assert isinstance(img, np.ndarray) and img.shape == (8, 8)
    assert T.ToTensor()(img).shape == (1, 8, 8)


# ----------------------------------------------------------------------- MNIST
def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if path.endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)


def fake_mnist(folder, n=12, gz=True, prefix="train"):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    labels = np.arange(n) % 10
    ext = ".gz" if gz else ""
    write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{ext}"), images)
    write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{ext}"), labels)
    return images, labels


@pytest.mark.parametrize("layout", ["torchvision", "flat", "plain-files"])
def test_mnist_reads_torchvision_and_flat_layouts(tmp_path, layout):
    root = str(tmp_path)
    folder = os.path.join(root, "MNIST", "raw") if layout == "torchvision" else root
    images, labels = fake_mnist(folder, gz=layout != "plain-files")
    ds = datasets.MNIST(root, train=True)
    assert len(ds) == 12
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[5]
    assert target == 5 and isinstance(target, int)
    np.testing.assert_array_equal(as_array(img), images[5])
    assert ds.classes[3] == "3 - three" and ds.class_to_idx["3 - three"] == 3


def test_mnist_missing_files_and_download_give_clear_errors(tmp_path):
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path), train=False)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte(.gz)" in message and os.path.join(str(tmp_path), "MNIST", "raw") in message
    with pytest.raises(RuntimeError, match="does not download"):
        datasets.FashionMNIST(str(tmp_path), download=True)
    with pytest.raises(RuntimeError, match="apt-get install dataset-fashion-mnist"):
        datasets.FashionMNIST(str(tmp_path))
    fake_mnist(str(tmp_path))
    assert len(datasets.MNIST(str(tmp_path), download=True)) == 12  # files present: nothing to fetch


def test_idx_reader_validates(tmp_path):
    bad = tmp_path / "bad-idx1-ubyte"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(RuntimeError, match="not an IDX file"):
        datasets.read_idx(str(bad))
    short = tmp_path / "short-idx1-ubyte"
    short.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(RuntimeError, match="header says shape"):
        datasets.read_idx(str(short))


@has_fashion
def test_real_fashion_mnist_from_debian_package():
    test = datasets.FashionMNIST(FASHION_ROOT, train=False, transform=T.ToTensor())
    assert len(test) == 10000 and test.data.shape == (10000, 28, 28)
    assert test.targets[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert np.bincount(test.targets.numpy()).tolist() == [1000] * 10
    image, label = test[0]
    assert image.shape == (1, 28, 28) and label == 9 and test.classes[label] == "Ankle boot"
    x, y = next(iter(DataLoader(test, batch_size=64, shuffle=True)))
    assert x.shape == (64, 1, 28, 28) and y.shape == (64,)


@has_fashion
def test_real_fashion_mnist_train_split():
    train = datasets.FashionMNIST(FASHION_ROOT, train=True)
    assert len(train) == 60000 and np.bincount(train.targets.numpy()).tolist() == [6000] * 10


# ------------------------------------------------------------------ ImageFolder
def make_folder(root, fmt):
    rng = np.random.default_rng(0)
    expected = []
    for ci, cls in enumerate(["cat", "dog"]):
        os.makedirs(os.path.join(root, cls, "nested"))
        for k in range(2):
            pixels = rng.integers(0, 256, (5, 6, 3)).astype(np.uint8)
            sub = "nested" if k else ""
            path = os.path.join(root, cls, sub, f"img{k}.{fmt}")
            Image.fromarray(pixels).save(path)
            expected.append((path, ci, pixels))
    with open(os.path.join(root, "cat", "notes.txt"), "w") as f:
        f.write("not an image")
    return sorted(expected, key=lambda e: (e[1], e[0]))


@needs_pil
@pytest.mark.parametrize("fmt", ["png", "jpg"])
def test_image_folder(tmp_path, fmt):
    expected = make_folder(str(tmp_path), fmt)
    ds = datasets.ImageFolder(str(tmp_path), transform=T.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 4 and ds.targets == [0, 0, 1, 1]
    assert [p for p, _ in ds.samples] == [p for p, _, _ in expected]
    for i, (_, label, pixels) in enumerate(expected):
        image, target = ds[i]
        assert target == label and image.shape == (3, 5, 6)
        if fmt == "png":  # lossless
            np.testing.assert_allclose(image.numpy(), pixels.transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    batch = next(iter(DataLoader(ds, batch_size=4)))
    assert batch[0].shape == (4, 3, 5, 6)


@needs_pil
def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(tmp_path))
    os.makedirs(tmp_path / "empty_class")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty_class"):
        datasets.ImageFolder(str(tmp_path))
    assert len(datasets.ImageFolder(str(tmp_path), allow_empty=True)) == 0


def test_dataset_folder_with_custom_loader(tmp_path):
    for cls in ("b", "a"):
        os.makedirs(tmp_path / cls)
        (tmp_path / cls / "x.txt").write_text(cls * 3)
    def read(path):
        with open(path) as f:
            return f.read()

    ds = datasets.DatasetFolder(str(tmp_path), loader=read, extensions=(".txt",))
    assert [ds[i] for i in range(2)] == [("aaa", 0), ("bbb", 1)]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        datasets.DatasetFolder(str(tmp_path), loader=open)


def test_image_folder_without_pillow_says_how_to_install(tmp_path, monkeypatch):
    from ember.vision.transforms import _image

    monkeypatch.setattr(_image, "_PILImage", None)
    os.makedirs(tmp_path / "c")
    with pytest.raises(ImportError, match=r"pip install 'ember\[vision\]'"):
        datasets.ImageFolder(str(tmp_path))
