"""`ember demo`: a short end-to-end run and its outputs, and one-line usage errors."""

import gzip
import importlib.util
import os
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.cli import demo

LAST_LINE = re.compile(r"^test accuracy: [01]\.\d{3}$")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")


def run_demo(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "ember", "demo", *args], check=False, capture_output=True,
                          text=True, timeout=timeout, env=ENV)


def check_outputs(done, out_dir):
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    # the checkpoint holds the model and the optimizer and loads into a fresh model
    checkpoint = ember.load(os.path.join(out_dir, "checkpoint.pt"))
    assert {"model", "optimizer", "epoch"} <= set(checkpoint)
    assert checkpoint["optimizer"]["state"], "the optimizer state was not saved"
    fresh = demo.build_model(checkpoint["image_size"])
    fresh.load_state_dict(checkpoint["model"])
    assert "same as before saving" in done.stdout
    # the curves: a PNG with matplotlib, otherwise the one-line note
    png = os.path.join(out_dir, "training_curves.png")
    if importlib.util.find_spec("matplotlib") is not None:
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    else:
        assert not os.path.exists(png)
        assert "matplotlib is missing" in done.stdout and "pip install 'ember[plot]'" in done.stdout
    # the graph picture names the parameters by module
    with open(os.path.join(out_dir, "model_graph.svg")) as f:
        svg = f.read()
    assert svg.lstrip().startswith(("<svg", "<?xml")) and "ConvolutionBackward0" in svg and "conv1.weight" in svg
    # a progress bar per epoch went to stderr, with loss and accuracy
    assert "epoch 1/" in done.stderr and "loss=" in done.stderr and "acc=" in done.stderr
    return float(lines[-1].split(": ")[1])


def test_demo_end_to_end_on_digits(tmp_path):
    out = tmp_path / "out"
    done = run_demo("--epochs", "2", "--seed", "1", "--out", str(out))
    accuracy = check_outputs(done, out)
    # two epochs already learn the digits well (the default epochs reach >= 0.97)
    assert accuracy >= 0.85, done.stdout
    assert "1275 train / 225 validation / 297 test" in done.stdout


def test_demo_with_loader_workers(tmp_path):
    done = run_demo("--epochs", "1", "--limit", "300", "--workers", "2", "--out", str(tmp_path))
    check_outputs(done, tmp_path)
    assert "2 loader workers" in done.stdout


def _write_idx(path, array):
    """An IDX file (gzip) as MNIST ships them: magic, dims, big-endian sizes, uint8 data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_demo_on_idx_files(tmp_path):
    # A tiny Fashion-MNIST-shaped set: 28x28 images whose class is the bright row band.
    rng = np.random.default_rng(0)
    data_dir = tmp_path / "fashion"
    data_dir.mkdir()
    for prefix, n in (("train", 240), ("t10k", 60)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 60, size=(n, 28, 28))
        for i, y in enumerate(labels):
            images[i, 2 * y + 4 : 2 * y + 7] = 250
        _write_idx(data_dir / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(data_dir / f"{prefix}-labels-idx1-ubyte.gz", labels)
    done = run_demo("--data", str(data_dir), "--epochs", "2", "--out", str(tmp_path / "out"))
    check_outputs(done, tmp_path / "out")
    assert "Fashion-MNIST" in done.stdout and "(28x28" in done.stdout
    assert ember.load(str(tmp_path / "out" / "checkpoint.pt"))["image_size"] == 28


@pytest.mark.parametrize("argv, fragment", [
    (["--epochs", "x"], "--epochs"),
    (["--epochs", "0"], "--epochs"),
    (["--workers", "-1"], "--workers"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["extra"], "unrecognized arguments: extra"),
])
def test_bad_options_are_one_line_exit_2(capsys, argv, fragment):
    assert demo.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and err.startswith("ember demo:")


def test_missing_data_folder_is_one_line_exit_1(capsys, tmp_path):
    assert demo.main(["--data", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such directory" in err and "Traceback" not in err


def test_folder_without_idx_files_is_one_line_exit_1(capsys, tmp_path):
    assert demo.main(["--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FashionMNIST not found" in err


def test_errors_through_the_command_line_have_no_traceback(tmp_path):
    done = run_demo("--data", str(tmp_path / "missing"), timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = run_demo("--epochs", "many", timeout=60)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def test_model_shapes():
    for size in (8, 28):
        model = demo.build_model(size)
        assert tuple(model(ember.zeros(2, 1, size, size)).shape) == (2, 10)
