"""ember.save / ember.load: round trips, shared storage, atomic writes, hostile files, torch and
safetensors interoperability."""

import io
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
from ember.serialization import CheckpointError, UnsafeCheckpointError, load_safetensors, save_safetensors

REPO = Path(__file__).resolve().parents[1]


def _round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **load_kwargs)


def _manifest(obj) -> dict:
    buf = io.BytesIO()
    ember.save(obj, buf)
    with zipfile.ZipFile(buf) as zf:
        return json.loads(zf.read("manifest.json"))


# ------------------------------------------------------------------ round trips
def test_nested_python_values_round_trip_exactly():
    meta = OrderedDict(a=1)
    meta._metadata = {"": {"version": 1}}
    obj = {
        "ints": [0, -3, 2**70],
        "floats": (1.5, -0.0, float("inf"), float("-inf"), 1e-300),
        "flags": [True, False, None],
        "text": "héllo $type",
        "int_keys": {0: "a", 1: (2, [3, {"x": None}])},
        "$weird": {"$type": "not a tag"},
        "ordered": meta,
        "bytes": b"\x00\xffraw",
        "dtype": ember.bfloat16,
        "device": ember.device("cpu"),
        "size": ember.Size([2, 3]),
        "empty": ({}, [], ()),
    }
    back = _round_trip(obj)
    nan = _round_trip(float("nan"))
    assert math.isnan(nan)
    assert back == obj
    assert type(back["floats"]) is tuple and type(back["ordered"]) is OrderedDict
    assert back["ordered"]._metadata == {"": {"version": 1}}
    assert math.copysign(1.0, back["floats"][1]) == -1.0
    assert type(back["size"]) is ember.Size
    assert list(back["int_keys"]) == [0, 1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_tensors_of_every_dtype_round_trip(dtype):
    t = (ember.arange(12) % 5).reshape(3, 4).to(getattr(ember, dtype))
    back = _round_trip({"t": t, "scalar": t[1, 2], "empty": t[:0]})
    for key in ("t", "scalar", "empty"):
        original = {"t": t, "scalar": t[1, 2], "empty": t[:0]}[key]
        assert back[key].dtype == original.dtype
        assert back[key].shape == original.shape
        np.testing.assert_array_equal(back[key].float().numpy(), original.float().numpy())


def test_requires_grad_parameters_and_layouts_survive():
    w = ember.nn.Parameter(ember.randn(3, 4))
    leaf = ember.randn(2, requires_grad=True)
    transposed = ember.randn(4, 5).t()
    back = _round_trip([w, leaf, transposed, ember.tensor(3.5)])
    assert isinstance(back[0], ember.nn.Parameter) and back[0].requires_grad
    assert back[1].requires_grad and back[1].is_leaf
    assert back[2].stride() == transposed.stride()
    np.testing.assert_array_equal(back[2].numpy(), transposed.numpy())
    assert back[3].item() == 3.5 and back[3].dim() == 0


def test_shared_storage_is_stored_once_and_comes_back_shared():
    base = ember.arange(100.0)
    obj = {"base": base, "head": base[:10], "strided": base[1::7], "again": base, "matrix": base.reshape(10, 10).t()}
    manifest = _manifest(obj)
    assert len(manifest["storages"]) == 1 and manifest["storages"][0]["nbytes"] == 400
    back = _round_trip(obj)
    assert back["again"] is not None
    back["base"][0] = -1.0
    back["base"][8] = -8.0
    assert back["head"][0].item() == -1.0
    assert back["strided"][1].item() == -8.0
    assert back["matrix"][0, 0].item() == -1.0 and back["matrix"][8, 0].item() == -8.0
    assert back["again"].data_ptr() == back["base"].data_ptr()
    np.testing.assert_array_equal(back["strided"].numpy(), base[1::7].numpy() * np.where(np.arange(15) == 1, -1, 1))


def test_separate_tensors_do_not_share():
    a, b = ember.zeros(3), ember.zeros(3)
    back = _round_trip([a, b])
    back[0][0] = 1.0
    assert back[1][0].item() == 0.0


def test_file_paths_pathlike_and_unseekable_streams(tmp_path):
    obj = {"w": ember.ones(4)}
    ember.save(obj, str(tmp_path / "a.pt"))
    ember.save(obj, tmp_path / "b.pt")
    assert ember.load(tmp_path / "a.pt")["w"].sum().item() == 4
    assert ember.load(str(tmp_path / "b.pt"))["w"].sum().item() == 4

    class OneWay(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._data.readinto(b)

    data = (tmp_path / "a.pt").read_bytes()
    assert ember.load(OneWay(data))["w"].shape == (4,)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_unsupported_objects_are_refused_clearly():
    with pytest.raises(TypeError, match="cannot store an object of type .*Linear.*state_dict"):
        ember.save(ember.nn.Linear(2, 2), io.BytesIO())
    with pytest.raises(TypeError, match="never pickles"):
        ember.save({"f": lambda: 0}, io.BytesIO())


def test_model_and_optimizer_checkpoint_resumes_identically(tmp_path):
    def make():
        ember.manual_seed(0)
        model = ember.nn.Linear(4, 3)
        return model, ember.optim.Adam(model.parameters(), lr=0.05)

    x = ember.randn(8, 4)
    y = ember.randn(8, 3)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
        return loss.item()

    model, opt = make()
    train(model, opt, 5)
    ember.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 5, "loss": 0.25},
               tmp_path / "ckpt.pt")
    final_uninterrupted = train(model, opt, 5)
    weight_uninterrupted = model.weight.detach().numpy().copy()

    ckpt = ember.load(tmp_path / "ckpt.pt")
    model2, opt2 = make()
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    assert ckpt["epoch"] == 5 and ckpt["loss"] == 0.25
    assert list(ckpt["optimizer"]["state"]) == [0, 1]
    assert ckpt["optimizer"]["state"][0]["step"].dtype == ember.float32
    assert train(model2, opt2, 5) == final_uninterrupted
    np.testing.assert_array_equal(model2.weight.detach().numpy(), weight_uninterrupted)


def test_map_location_forms():
    obj = {"w": ember.ones(2)}
    seen = []

    def hook(storage, location):
        seen.append(location)
        return storage

    for loc in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, hook, lambda s, loc: None):
        back = _round_trip(obj, map_location=loc)
        assert back["w"].device == ember.device("cpu")
    assert seen == ["cpu"]
    with pytest.raises(TypeError, match="map_location"):
        _round_trip(obj, map_location=3.5)


def test_cuda_locations_need_a_map_location_without_cupy():
    from ember._device import cuda_available

    if cuda_available():
        pytest.skip("a GPU is available")
    buf = io.BytesIO()
    ember.save({"w": ember.ones(2)}, buf)
    patched = _rewrite_manifest(buf.getvalue(), lambda m: m["storages"][0].update(device="cuda:0"))
    with pytest.raises(RuntimeError, match="map_location"):
        ember.load(io.BytesIO(patched))
    back = ember.load(io.BytesIO(patched), map_location="cpu")
    assert back["w"].device == ember.device("cpu")


def _rewrite_manifest(data: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "manifest.json":
                manifest = json.loads(payload)
                edit(manifest)
                payload = json.dumps(manifest).encode()
            dst.writestr(info.filename, payload)
    return out.getvalue()


# ------------------------------------------------------------------ hostile and broken files
class _RunsCommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _WritesFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (eval, (f"open({self.path!r}, 'w').write('pwned')",))


def _torch_like_zip(payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/version", "3\n")
    return out.getvalue()


@pytest.mark.parametrize("make_payload", [lambda p: _RunsCommand(f"touch {p}"), lambda p: _WritesFile(str(p))])
@pytest.mark.parametrize("container", ["torch_zip", "raw_pickle"])
def test_malicious_pickles_never_run(tmp_path, make_payload, container):
    marker = tmp_path / "marker"
    payload = pickle.dumps({"state": make_payload(marker)}, protocol=2)
    data = _torch_like_zip(payload) if container == "torch_zip" else payload
    path = tmp_path / "evil.pt"
    path.write_bytes(data)
    expected = UnsafeCheckpointError if container == "torch_zip" else CheckpointError
    with pytest.raises(expected) as info:
        ember.load(path)
    assert not marker.exists()
    message = str(info.value)
    if container == "torch_zip":
        assert "refusing to load the global" in message and ("system'" in message or "eval'" in message)
        assert isinstance(info.value, pickle.UnpicklingError) and isinstance(info.value, RuntimeError)
    else:
        assert "never unpickles" in message


def test_pickle_hidden_inside_a_tensor_rebuild_is_refused(tmp_path):
    marker = tmp_path / "marker"
    payload = pickle.dumps(OrderedDict(w=_RunsCommand(f"touch {marker}")), protocol=2)
    with pytest.raises(UnsafeCheckpointError):
        ember.load(io.BytesIO(_torch_like_zip(payload)))
    assert not marker.exists()


@pytest.mark.parametrize(
    "data,match",
    [
        (b"", "empty"),
        (b"\x00" * 64, "not a checkpoint"),
        (b"hello world, this is not a checkpoint", "not a checkpoint"),
        (b"PK\x03\x04garbage", "truncated or corrupt zip"),
    ],
)
def test_garbage_and_empty_files_raise_clear_errors(tmp_path, data, match):
    path = tmp_path / "bad.pt"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=match):
        ember.load(path)


def test_truncated_checkpoints_raise_at_every_cut(tmp_path):
    buf = io.BytesIO()
    ember.save({"w": ember.arange(1000.0), "meta": {"epoch": 1}}, buf)
    data = buf.getvalue()
    for cut in [1, 10, 40, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1]:
        with pytest.raises(CheckpointError):
            ember.load(io.BytesIO(data[:cut]))


def test_corrupted_bytes_fail_the_crc_check():
    buf = io.BytesIO()
    ember.save({"w": ember.arange(1000.0)}, buf)
    data = bytearray(buf.getvalue())
    start = data.index(b"data/0") + 100  # inside the tensor bytes
    data[start] ^= 0xFF
    with pytest.raises(CheckpointError, match="corrupt"):
        ember.load(io.BytesIO(bytes(data)))


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda m: m["object"]["w"].update(shape=[10000]), "outside its storage"),
        (lambda m: m["object"]["w"].update(storage=5), "does not exist"),
        (lambda m: m["object"]["w"].update(dtype="complex128"), "unknown tensor dtype"),
        (lambda m: m["object"]["w"].update({"$type": "module"}), "unknown object type"),
        (lambda m: m.update(version=99), "newer"),
        (lambda m: m.update(format="something else"), "does not describe"),
        (lambda m: m["storages"][0].update(nbytes=3), "manifest says"),
    ],
)
def test_inconsistent_manifests_are_rejected(edit, match):
    buf = io.BytesIO()
    ember.save({"w": ember.arange(10.0)}, buf)
    with pytest.raises(CheckpointError, match=match):
        ember.load(io.BytesIO(_rewrite_manifest(buf.getvalue(), edit)))


def test_zip_without_known_contents_is_rejected():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(CheckpointError, match="neither an ember manifest"):
        ember.load(io.BytesIO(out.getvalue()))


# ------------------------------------------------------------------ atomic writes
_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r})
    import ember
    path = sys.argv[1]
    i = 1
    while True:
        ember.save({{"i": i, "w": ember.full((3_000_000,), float(i))}}, path)
        print(i, flush=True)
        i += 1
    """
)


def test_killed_writer_leaves_previous_checkpoint_intact(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"i": 0, "w": ember.full((3_000_000,), 0.0)}, path)
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(repo=str(REPO)))
    for delay in (0.0, 0.013, 0.031):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        try:
            last = int(proc.stdout.readline())  # one save has completed
            time.sleep(delay)  # the next save is under way
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        ckpt = ember.load(path)
        assert ckpt["i"] >= last
        w = ckpt["w"].numpy()
        assert w.shape == (3_000_000,) and w[0] == ckpt["i"] and w[-1] == ckpt["i"]
    leftovers = [p for p in os.listdir(tmp_path) if p not in ("ckpt.pt", "writer.py")]
    assert all(p.startswith(".ckpt.pt.") and p.endswith(".tmp") for p in leftovers)


def test_failed_save_keeps_old_file_and_removes_temp(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"i": 1}, path)
    with pytest.raises(TypeError):
        ember.save({"i": 2, "bad": object()}, path)
    assert ember.load(path) == {"i": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]


# ------------------------------------------------------------------ files written by torch
def _torch_checkpoint():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x = torch.randn(5, 4)
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    base = torch.arange(20.0)
    extras = {
        "view": base[3:9],
        "base": base,
        "transposed": torch.randn(3, 5).t(),
        "bf16": torch.randn(4).to(torch.bfloat16),
        "half": torch.randn(3).half(),
        "long": torch.tensor([1, -2, 3**30]),
        "flags": torch.tensor([True, False]),
        "param": torch.nn.Parameter(torch.randn(2)),
        "dtype": torch.float64,
        "device": torch.device("cpu"),
        "blob": b"\x00\x01",
        "tuple": (1, 2.5, "a", None),
        "scalar": torch.tensor(7.0),
    }
    return model, opt, extras


def _compare(ours, theirs, path="obj"):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), path
        assert str(ours.dtype) == str(theirs.dtype), path
        assert tuple(ours.shape) == tuple(theirs.shape), path
        assert ours.requires_grad == theirs.requires_grad, path
        np.testing.assert_array_equal(ours.detach().float().numpy(), theirs.detach().float().numpy(), err_msg=path)
    elif isinstance(theirs, dict):
        assert type(ours).__name__ == type(theirs).__name__ and list(ours) == list(theirs), path
        for k in theirs:
            _compare(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{path}[{i}]")
    elif isinstance(theirs, (torch.dtype, torch.device)):
        assert str(ours) == str(theirs), path
    else:
        assert ours == theirs, path


def test_loads_torch_state_dict_and_checkpoint(tmp_path):
    model, opt, extras = _torch_checkpoint()
    torch.save(model.state_dict(), tmp_path / "model.pt")
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "loss": 0.125, **extras}
    torch.save(ckpt, tmp_path / "ckpt.pt")

    state = ember.load(tmp_path / "model.pt")
    _compare(state, model.state_dict())
    assert state._metadata == model.state_dict()._metadata

    back = ember.load(tmp_path / "ckpt.pt", weights_only=True)
    _compare(back, ckpt)
    assert isinstance(back["param"], ember.nn.Parameter)
    back["base"][4] = -1.0  # torch's shared storage stays shared
    assert back["view"][1].item() == -1.0


def test_torch_optimizer_state_drives_ember_like_torch(tmp_path):
    model, opt, _ = _torch_checkpoint()
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.pt")
    ckpt = ember.load(tmp_path / "ckpt.pt")
    ember_model = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    ember_model.load_state_dict(ckpt["model"])
    ember_opt = ember.optim.Adam(ember_model.parameters(), lr=0.5)
    ember_opt.load_state_dict(ckpt["optimizer"])
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    for m, net, o in ((ember, ember_model, ember_opt), (torch, model, opt)):
        for _ in range(3):
            o.zero_grad()
            net(m.tensor(x)).pow(2).mean().backward()
            o.step()
    for a, b in zip(ember_model.parameters(), model.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_legacy_format_is_rejected_clearly(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy non-zip"):
        ember.load(tmp_path / "legacy.pt")


def test_torch_zip_with_missing_storage_record_is_rejected(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "t.pt")
    src = zipfile.ZipFile(tmp_path / "t.pt")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if "/data/" not in info.filename:
                dst.writestr(info.filename, src.read(info.filename))
    with pytest.raises(CheckpointError, match="lacks the record"):
        ember.load(io.BytesIO(out.getvalue()))


# ------------------------------------------------------------------ safetensors
def test_safetensors_round_trip_and_layout(tmp_path):
    tensors = {"w": ember.randn(3, 4), "b": ember.arange(5).to(ember.int16), "h": ember.ones(2).half(),
               "t": ember.randn(4, 3).t(), "bf": ember.ones(3).to(ember.bfloat16), "m": ember.tensor([True])}
    path = tmp_path / "model.safetensors"
    save_safetensors(tensors, path, metadata={"format": "pt"})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert (8 + n) % 8 == 0
    assert header["__metadata__"] == {"format": "pt"}
    assert header["w"]["dtype"] == "F32" and header["w"]["shape"] == [3, 4]
    assert header["b"]["dtype"] == "I16" and header["bf"]["dtype"] == "BF16" and header["m"]["dtype"] == "BOOL"
    for back in (load_safetensors(path), ember.load(path)):
        assert sorted(back) == sorted(tensors)
        for k, t in tensors.items():
            assert back[k].dtype == t.dtype
            np.testing.assert_array_equal(back[k].float().numpy(), t.float().numpy())
    copy = tmp_path / "no_extension"
    copy.write_bytes(raw)
    assert set(ember.load(copy)) == set(tensors)


@pytest.mark.parametrize(
    "mangle,match",
    [
        (lambda raw: raw[:30], "truncated|exceeds"),
        (lambda raw: struct.pack("<Q", 10**12) + raw[8:], "exceeds"),
        (lambda raw: raw[:-4], "truncated"),
        (lambda raw: raw[:8] + b"{not json" + raw[8 + 9:], "not valid JSON"),
    ],
)
def test_broken_safetensors_raise(tmp_path, mangle, match):
    path = tmp_path / "x.safetensors"
    save_safetensors({"w": ember.ones(4)}, path)
    path.write_bytes(mangle(path.read_bytes()))
    with pytest.raises(CheckpointError, match=match):
        ember.load(path)


def test_safetensors_package_interoperates(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    ours = tmp_path / "ours.safetensors"
    save_safetensors({"a": ember.arange(6.0).reshape(2, 3), "i": ember.tensor([1, 2], dtype=ember.int64)}, ours)
    read = st.load_file(str(ours))
    np.testing.assert_array_equal(read["a"], np.arange(6.0, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(read["i"], [1, 2])
    theirs = tmp_path / "theirs.safetensors"
    st.save_file({"x": np.full((2, 2), 3.0, np.float64), "y": np.arange(3, dtype=np.int32)}, str(theirs))
    back = load_safetensors(theirs)
    assert back["x"].dtype == ember.float64 and back["x"].sum().item() == 12.0
    np.testing.assert_array_equal(back["y"].numpy(), [0, 1, 2])
