"""Each example in examples/ runs in its --quick mode and learns something.

The examples are run as users run them (`python examples/NAME.py --quick`), each in a
fresh interpreter with a timeout.  They exit non-zero when training did not reduce the
loss; the accuracy checks below are far above chance but far below the full runs'.
"""

import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
# NumPy's BLAS at one thread: these small matrices gain nothing from more, and the test
# processes share the machine with the rest of the suite.
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def run_example(name, *args, timeout=180):
    done = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), "--quick", *args], check=False,
                          capture_output=True, text=True, timeout=timeout, env=ENV, cwd=EXAMPLES)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def final_accuracy(stdout):
    match = re.search(r"^test accuracy: ([01]\.\d{3})$", stdout, re.MULTILINE)
    assert match, stdout[-1000:]
    return float(match.group(1))


def test_seed_examples():
    out = run_example("seed_examples.py")
    assert "x.grad (dy/dx = 2x): tensor([2., 4., 6.])" in out
    assert "Linear(in_features=10, out_features=20, bias=True)" in out
    assert out.rstrip().endswith("done")


def test_image_classifier_on_bundled_digits():
    out = run_example("image_classifier.py", "--data", "/nonexistent-folder")
    assert "bundled 8x8 digits" in out
    assert final_accuracy(out) > 0.3  # chance is 0.1; one short epoch


@pytest.mark.skipif(not os.path.exists("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"),
                    reason="Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
def test_image_classifier_on_fashion_mnist(tmp_path):
    out = run_example("image_classifier.py", "--save", str(tmp_path / "weights.pt"))
    assert "Fashion-MNIST" in out and "Ankle boot" in out
    assert final_accuracy(out) > 0.4
    assert (tmp_path / "weights.pt").exists()


def test_char_transformer_samples_text():
    out = run_example("char_transformer.py")
    assert "vocabulary of 65" in out
    sample = out.split("---- sample ----\n")[1].split("\n----------------")[0]
    assert len(sample) >= 80
    # the loss line is printed and the run exits non-zero unless validation loss fell
    assert re.search(r"final validation \d\.\d{3}", out)


def test_lstm_language_model():
    out = run_example("lstm_language_model.py")
    before = float(re.search(r"validation before training: loss (\d+\.\d+)", out).group(1))
    after = float(re.search(r"end of epoch 1: validation loss (\d+\.\d+)", out).group(1))
    assert after < before - 0.5
    assert "---- sample ----" in out


def test_speech_commands():
    out = run_example("speech_commands.py")
    assert "log-mel features (40, 57)" in out
    assert final_accuracy(out) > 0.5  # chance is 0.1
