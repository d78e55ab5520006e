"""CharDataset: next-character windows for language modelling."""

import numpy as np
import pytest

import ember
from ember.text import CharDataset, load_tinyshakespeare
from ember.utils.data import DataLoader


def test_windows_are_shifted_by_one():
    ds = CharDataset("abcabcd", block_size=3)
    assert ds.chars == ["a", "b", "c", "d"] and ds.vocab_size == 4
    assert len(ds) == 4
    x, y = ds[1]
    assert ds.decode(x) == "bca" and ds.decode(y) == "cab"
    assert x.dtype == ember.int64
    assert ds.decode(ds[-1][1]) == "bcd"
    with pytest.raises(IndexError):
        ds[4]


def test_encode_decode_and_vocab():
    ds = CharDataset("hello world", block_size=2)
    assert ds.decode(ds.encode("hold")) == "hold"
    assert ds.stoi["h"] == ds.chars.index("h") and ds.itos[0] == " "
    fixed = CharDataset("aab", block_size=1, vocab=["b", "a", "z"])
    assert fixed.encode("ab").tolist() == [1, 0]
    with pytest.raises(ValueError, match="outside vocab"):
        CharDataset("abc", block_size=1, vocab=["a", "b"])
    with pytest.raises(ValueError, match="longer than block_size"):
        CharDataset("ab", block_size=2)


def test_bundled_shakespeare_and_batches():
    text = load_tinyshakespeare()
    assert len(text) > 1_000_000 and text.startswith("First Citizen")
    ds = CharDataset(block_size=16)
    assert ds.vocab_size == 65 and len(ds) == len(text) - 16
    sampler = [0, 7, len(ds) - 1, 12345]
    x, y = next(iter(DataLoader(ds, batch_size=4, sampler=sampler)))
    assert x.shape == (4, 16) and y.shape == (4, 16)
    for row, start in enumerate(sampler):
        assert ds.decode(x[row]) == text[start : start + 16]
        assert ds.decode(y[row]) == text[start + 1 : start + 17]
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])


def test_whole_batch_path_equals_per_sample_collate():
    from ember.utils.data import default_collate

    ds = CharDataset("the quick brown fox jumps over the lazy dog", block_size=5)
    indices = [3, 0, -2, 10]
    fast = ds._ember_collated_batch(indices)
    slow = default_collate([ds[i] for i in indices])
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == b.dtype
