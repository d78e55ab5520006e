"""Checkpoints without pickle: ``ember.save`` / ``ember.load``, PyTorch and safetensors files.

``ember.save(obj, f)`` writes any nest of dict (OrderedDict too), list, tuple, str, int,
float, bool, None and tensors, e.g. ``{"model": model.state_dict(), "optimizer":
opt.state_dict(), "epoch": 3}``.  ``ember.load(f)`` reads it back, and also reads
files written by PyTorch's ``torch.save`` (without torch installed) and ``.safetensors``
files.  Loading never runs code from the file.

The ember format
----------------
A ZIP archive (entries stored, not compressed) holding:

``manifest.json``
    ``{"format": "ember.checkpoint", "version": 1, "byteorder": "little",
    "storages": [{"file": "data/0", "nbytes": 48, "device": "cpu"}, ...],
    "object": <the saved object>}``.

``data/<n>``
    The raw little-endian bytes of storage ``n``.

The saved object is JSON: strings, integers, booleans, null, lists and finite floats
as themselves; a dict whose keys are all strings not starting with ``$`` as a JSON
object.  Everything else is a JSON object with a ``"$type"`` key:

* ``{"$type": "tuple", "items": [...]}``
* ``{"$type": "dict" | "OrderedDict", "items": [[key, value], ...], "metadata": ...}``
  (``metadata`` is the ``_metadata`` attribute of a module state dict, when present)
* ``{"$type": "float", "value": "nan" | "inf" | "-inf"}``
* ``{"$type": "bytes", "base64": "..."}``, ``{"$type": "dtype", "name": "float32"}``,
  ``{"$type": "device", "name": "cpu"}``, ``{"$type": "size", "items": [2, 3]}``
* ``{"$type": "tensor" | "parameter" | "ndarray", "storage": n, "dtype": "float32",
  "shape": [...], "stride": [...], "offset": k, "requires_grad": false}`` with stride
  and offset counted in elements of ``dtype``.

Tensors that share memory (views of one base, or one tensor saved twice) point at the
same storage and come back sharing memory.

Writing to a path is atomic: the archive goes to a temporary file in the same
directory, is flushed and fsync'ed, renamed over the target with ``os.replace`` and
the directory is fsync'ed, so a crash leaves either the old file or the new one.

Example:
    >>> import ember, io
    >>> buf = io.BytesIO()
    >>> w = ember.arange(6.0)
    >>> ember.save({"w": w, "half": w[:3], "epoch": 2}, buf)
    >>> _ = buf.seek(0); ckpt = ember.load(buf)
    >>> ckpt["epoch"], ckpt["half"]
    (2, tensor([0., 1., 2.]))
    >>> ckpt["half"][0] = 7.0; ckpt["w"][0]   # views still share memory
    tensor(7.)
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import pickle
import secrets
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from . import _dtype
from ._device import device as Device
from ._tensor import Size, Tensor

__all__ = [
    "CheckpointError",
    "UnsafeCheckpointError",
    "load",
    "load_safetensors",
    "save",
    "save_safetensors",
]

FORMAT_NAME = "ember.checkpoint"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class CheckpointError(RuntimeError):
    """A file is not a readable checkpoint: empty, truncated, corrupt or of unknown format."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A PyTorch checkpoint asks to run code (a pickle global ember does not allow)."""


# ================================================================== saving
def save(obj: Any, f, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (tensors in dict/list/tuple nests, numbers, strings) to a path or file.

    The pickle-related arguments are accepted for compatibility with ``torch.save`` and
    ignored: ember's format is a ZIP with a JSON manifest (see the module docstring).
    Saving to a path replaces the file atomically.

    Example:
        >>> import ember, io
        >>> buf = io.BytesIO()
        >>> ember.save({"step": 3, "w": ember.ones(2)}, buf)
        >>> _ = buf.seek(0); ember.load(buf)["w"]
        tensor([1., 1.])
    """
    writer = _ArchiveWriter()
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "byteorder": "little",
        "object": writer.encode(obj),
    }
    manifest["storages"] = writer.storage_entries()
    if _is_path(f):
        _atomic_write(os.fspath(f), lambda out: writer.write_zip(out, manifest))
    elif hasattr(f, "write"):
        writer.write_zip(f, manifest)
    else:
        raise TypeError(f"ember.save: expected a path or a writable binary file object, got {type(f).__name__}")


def _is_path(f) -> bool:
    return isinstance(f, (str, os.PathLike))


def _atomic_write(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write via a temporary file in the same directory, fsync, rename, fsync the directory."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    mode = 0o666
    try:
        mode = os.stat(path).st_mode & 0o777  # keep an existing file's permissions
    except OSError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(dir_fd)


def _dtype_name(np_dtype) -> str:
    return _dtype.from_numpy_dtype(np_dtype)._name


class _ArchiveWriter:
    """Encodes an object to the manifest's JSON and collects the storages it refers to."""

    def __init__(self):
        self._storages: list = []  # (raw uint8 array, device string)
        self._by_root: dict = {}  # id(root array) -> (storage index, root array)

    # -- storages
    def _storage_for(self, arr, device: str):
        """Return (storage index, element offset, element strides) for ``arr``.

        Arrays viewing one contiguous base share that base's storage; anything else
        (a device array, an exotic layout) is copied into a storage of its own.
        """
        if isinstance(arr, np.ndarray) and arr.size:
            root = arr
            while isinstance(root.base, np.ndarray):
                root = root.base
            itemsize = arr.dtype.itemsize
            delta = _address(arr) - _address(root)
            if (
                (root.flags.c_contiguous or root.flags.f_contiguous)
                and delta % itemsize == 0
                and all(s % itemsize == 0 for s in arr.strides)
            ):
                entry = self._by_root.get(id(root))
                if entry is None:
                    entry = (len(self._storages), root)  # keeps root alive while saving
                    self._storages.append((_raw_bytes(root), device))
                    self._by_root[id(root)] = entry
                return entry[0], delta // itemsize, [s // itemsize for s in arr.strides]
        if not isinstance(arr, np.ndarray):  # a device array (CuPy): copied to the host
            arr = arr.get()
        arr = np.ascontiguousarray(arr)
        index = len(self._storages)
        self._storages.append((_raw_bytes(arr), device))
        return index, 0, [s // arr.dtype.itemsize for s in arr.strides]

    def storage_entries(self) -> list:
        return [
            {"file": f"data/{i}", "nbytes": int(raw.nbytes), "device": device}
            for i, (raw, device) in enumerate(self._storages)
        ]

    # -- objects
    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$type": "float", "value": repr(obj)}
        if isinstance(obj, Tensor):
            return self._encode_tensor(obj)
        if isinstance(obj, np.ndarray):
            return self._encode_array(obj, "ndarray", False, "cpu")
        if isinstance(obj, np.generic):
            return self.encode(obj.item())
        if isinstance(obj, Size):
            return {"$type": "size", "items": [int(d) for d in obj]}
        if isinstance(obj, tuple):
            return {"$type": "tuple", "items": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, dict):
            return self._encode_dict(obj)
        if isinstance(obj, (bytes, bytearray)):
            return {"$type": "bytes", "base64": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, _dtype.dtype):
            return {"$type": "dtype", "name": obj._name}
        if isinstance(obj, Device):
            return {"$type": "device", "name": str(obj)}
        hint = " (save module.state_dict() instead of the module)" if hasattr(obj, "state_dict") else ""
        raise TypeError(
            f"ember.save cannot store an object of type {type(obj).__module__}.{type(obj).__qualname__}{hint}: "
            "checkpoints hold tensors, numbers, strings, bools, None and dict/list/tuple nests of them "
            "(ember never pickles)"
        )

    def _encode_dict(self, obj: dict):
        metadata = getattr(obj, "_metadata", None)
        plain = type(obj) is dict and all(isinstance(k, str) and not k.startswith("$") for k in obj)
        if plain and metadata is None:
            return {k: self.encode(v) for k, v in obj.items()}
        out = {
            "$type": "OrderedDict" if isinstance(obj, OrderedDict) else "dict",
            "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()],
        }
        if metadata is not None:
            out["metadata"] = self.encode(metadata)
        return out

    def _encode_tensor(self, t: Tensor):
        kind = "parameter" if type(t).__name__ == "Parameter" else "tensor"
        return self._encode_array(t._array, kind, bool(t._requires_grad), str(t.device))

    def _encode_array(self, arr, kind: str, requires_grad: bool, device: str):
        index, offset, strides = self._storage_for(arr, device)
        out = {
            "$type": kind,
            "storage": index,
            "dtype": _dtype_name(arr.dtype),
            "shape": [int(d) for d in arr.shape],
            "stride": strides,
            "offset": int(offset),
        }
        if kind != "ndarray":
            out["requires_grad"] = requires_grad
        return out

    # -- the archive
    def write_zip(self, out: BinaryIO, manifest: dict) -> None:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, allow_nan=False, separators=(",", ":")))
            for i, (raw, _) in enumerate(self._storages):
                with zf.open(f"data/{i}", "w", force_zip64=raw.nbytes > 0x7FFFFFFF) as entry:
                    entry.write(memoryview(raw))


def _address(arr) -> int:
    return arr.__array_interface__["data"][0]


def _raw_bytes(arr: np.ndarray) -> np.ndarray:
    """The memory of a contiguous array as little-endian uint8 (no copy when possible)."""
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    if not arr.flags.c_contiguous:
        arr = arr.T if arr.flags.f_contiguous else np.ascontiguousarray(arr)
    return arr.reshape(-1).view(np.uint8)


# ================================================================== loading
def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap=None,
         **pickle_load_args):
    """Load a checkpoint written by :func:`save`, by ``torch.save`` (zip format) or as safetensors.

    Nothing in the file is ever executed: ember checkpoints are JSON plus raw bytes, and
    PyTorch files go through a restricted unpickler that only rebuilds tensors and
    plain containers (``weights_only`` is therefore always in effect; the argument is
    accepted for compatibility).  ``map_location`` may be a device (or its name), a dict
    mapping saved locations to new ones, or a callable ``(storage, location) -> storage``.

    Raises:
        CheckpointError: (a ``RuntimeError``) for empty, truncated, corrupt or unknown files.
        UnsafeCheckpointError: for a PyTorch file whose pickle refers to anything other
            than tensors, storages and plain containers.

    Example:
        >>> import ember, io
        >>> buf = io.BytesIO(); ember.save([ember.zeros(2), (1, "a")], buf)
        >>> _ = buf.seek(0); ember.load(buf, map_location="cpu")
        [tensor([0., 0.]), (1, 'a')]
    """
    if _is_path(f):
        path = os.fspath(f)
        if not os.path.exists(path):
            raise FileNotFoundError(f"[Errno 2] No such file or directory: {path!r}")
        with open(path, "rb") as fh:
            return _load_stream(fh, map_location, path)
    if not hasattr(f, "read"):
        raise TypeError(f"ember.load: expected a path or a readable binary file object, got {type(f).__name__}")
    if not (hasattr(f, "seek") and _seekable(f)):
        f = io.BytesIO(f.read())
    return _load_stream(f, map_location, getattr(f, "name", "<file object>"))


def _seekable(f) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _load_stream(fh: BinaryIO, map_location, name: str):
    start = fh.tell()
    head = fh.read(16)
    fh.seek(start)
    if not head:
        raise CheckpointError(f"{name} is empty (0 bytes): not a checkpoint")
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise CheckpointError(f"{name} is a truncated or corrupt zip archive ({exc})") from None
        with zf:
            names = zf.namelist()
            if MANIFEST in names:
                return _load_ember_zip(zf, map_location, name)
            pkl = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
            if pkl:
                return _load_torch_zip(zf, pkl[0], map_location, name)
            raise CheckpointError(
                f"{name} is a zip archive but holds neither an ember manifest.json nor a PyTorch data.pkl"
            )
    if head[:1] == b"\x80" or head[:2] in (b"(d", b"(l", b"}q", b"]q"):
        raise CheckpointError(
            f"{name} is a raw pickle (PyTorch's legacy non-zip format, or a plain pickle): ember never "
            "unpickles such files because unpickling can run arbitrary code. Re-save it with a current "
            "torch.save (zip format) or as safetensors."
        )
    if _looks_like_safetensors(head) or name.endswith(".safetensors"):
        return _convert_loaded(_read_safetensors(fh, name), map_location)
    raise CheckpointError(f"{name} is not a checkpoint: unrecognised leading bytes {head[:8]!r}")


# ------------------------------------------------------------------ device mapping
def _resolve_location(map_location, saved: str, storage: Tensor | None = None) -> str:
    if map_location is None:
        return saved
    if isinstance(map_location, (str, Device)):
        return str(Device(map_location))
    if isinstance(map_location, dict):
        target = map_location.get(saved, saved)
        return str(Device(target)) if isinstance(target, (str, Device)) else saved
    if callable(map_location):
        result = map_location(storage, saved)
        if result is None:
            return saved
        if isinstance(result, Tensor):
            return str(result.device)
        if isinstance(result, (str, Device)):
            return str(Device(result))
        return saved
    raise TypeError(f"map_location should be a str, a device, a dict or a callable, got {type(map_location).__name__}")


def _place(t: Tensor, location: str) -> Tensor:
    if location.startswith("cpu"):
        return t
    if location.startswith("cuda"):
        from ._device import cuda_available

        if not cuda_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but CUDA is not available (ember runs "
                "CUDA through CuPy). If you are running on a CPU-only machine, please use ember.load with "
                "map_location='cpu' to map your storages to the CPU."
            )
        moved = t.to(location)
        moved._requires_grad = t._requires_grad
        return moved
    raise CheckpointError(f"cannot place a tensor on device {location!r}")


def _convert_loaded(tensors: dict, map_location) -> dict:
    """Apply map_location to a flat dict of CPU tensors (safetensors)."""
    if map_location is None:
        return tensors
    return {k: _place(v, _resolve_location(map_location, "cpu", v)) for k, v in tensors.items()}


# ------------------------------------------------------------------ the ember format
def _read_entry(zf: zipfile.ZipFile, entry: str, name: str, expected: int | None = None) -> np.ndarray:
    """A zip entry's bytes in a fresh writable uint8 array (CRC checked)."""
    try:
        info = zf.getinfo(entry)
    except KeyError:
        raise CheckpointError(f"{name}: the archive lacks the record {entry!r}") from None
    if expected is not None and info.file_size != expected:
        raise CheckpointError(
            f"{name}: record {entry!r} holds {info.file_size} bytes but the manifest says {expected}"
        )
    buf = bytearray(info.file_size)
    try:
        with zf.open(info) as src:
            view = memoryview(buf)
            pos = 0
            while pos < len(buf):
                n = src.readinto(view[pos:])
                if not n:
                    raise CheckpointError(f"{name}: record {entry!r} is truncated")
                pos += n
            src.read(1)  # reach EOF so the CRC is verified
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        raise CheckpointError(f"{name}: record {entry!r} is corrupt or truncated ({exc})") from None
    return np.frombuffer(buf, np.uint8)


def _load_ember_zip(zf: zipfile.ZipFile, map_location, name: str):
    try:
        manifest = json.loads(_read_entry(zf, MANIFEST, name).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{name}: manifest.json is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{name}: manifest.json does not describe an ember checkpoint")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"{name}: checkpoint format version {version!r} is newer than this ember reads ({FORMAT_VERSION})"
        )
    if manifest.get("byteorder", "little") != "little":
        raise CheckpointError(f"{name}: only little-endian ember checkpoints exist; this one says otherwise")
    storages = manifest.get("storages")
    if not isinstance(storages, list) or "object" not in manifest:
        raise CheckpointError(f"{name}: manifest.json lacks its storages or object")
    reader = _ArchiveReader(zf, storages, name, map_location)
    return reader.decode(manifest["object"])


class _ArchiveReader:
    def __init__(self, zf, storages: list, name: str, map_location):
        self._zf = zf
        self._entries = storages
        self._name = name
        self._map_location = map_location
        self._loaded: dict = {}

    def _fail(self, message: str):
        raise CheckpointError(f"{self._name}: {message}")

    def _storage(self, index) -> tuple:
        if not isinstance(index, int) or not 0 <= index < len(self._entries):
            self._fail(f"tensor refers to storage {index!r}, which does not exist")
        if index not in self._loaded:
            entry = self._entries[index]
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                self._fail(f"storage {index} has a malformed manifest entry")
            raw = _read_entry(self._zf, entry["file"], self._name, entry.get("nbytes"))
            saved = str(entry.get("device", "cpu"))
            storage_tensor = Tensor._from_array(raw)
            location = _resolve_location(self._map_location, saved, storage_tensor)
            self._loaded[index] = (raw, location)
        return self._loaded[index]

    def decode(self, node):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            self._fail(f"unexpected JSON value of type {type(node).__name__}")
        kind = node.get("$type")
        if kind is None:
            return {k: self.decode(v) for k, v in node.items()}
        if kind == "tuple":
            return tuple(self.decode(v) for v in self._items(node))
        if kind in ("dict", "OrderedDict"):
            out = OrderedDict() if kind == "OrderedDict" else {}
            for pair in self._items(node):
                if not isinstance(pair, list) or len(pair) != 2:
                    self._fail("a dict item is not a [key, value] pair")
                key = self.decode(pair[0])
                try:
                    out[key] = self.decode(pair[1])
                except TypeError:
                    self._fail(f"unhashable dict key of type {type(key).__name__}")
            if "metadata" in node:
                out = OrderedDict(out) if kind == "dict" else out
                out._metadata = self.decode(node["metadata"])
            return out
        if kind == "float":
            value = node.get("value")
            if value not in ("nan", "inf", "-inf"):
                self._fail(f"bad special float {value!r}")
            return float(value)
        if kind == "bytes":
            try:
                return base64.b64decode(node.get("base64", ""), validate=True)
            except (ValueError, TypeError):
                self._fail("bad base64 bytes")
        if kind == "dtype":
            d = _dtype._BY_NAME.get(node.get("name"))
            if d is None:
                self._fail(f"unknown dtype {node.get('name')!r}")
            return d
        if kind == "device":
            try:
                return Device(node.get("name"))
            except (RuntimeError, ValueError, TypeError):
                self._fail(f"bad device {node.get('name')!r}")
        if kind == "size":
            return Size(int(d) for d in self._items(node))
        if kind in ("tensor", "parameter", "ndarray"):
            return self._decode_tensor(node, kind)
        self._fail(f"unknown object type {kind!r}")

    def _items(self, node) -> list:
        items = node.get("items")
        if not isinstance(items, list):
            self._fail(f"{node.get('$type')} entry has no item list")
        return items

    def _decode_tensor(self, node: dict, kind: str):
        raw, location = self._storage(node.get("storage"))
        d = _dtype._BY_NAME.get(node.get("dtype"))
        if d is None:
            self._fail(f"unknown tensor dtype {node.get('dtype')!r}")
        np_dtype = d.numpy_dtype
        arr = _view_of_storage(raw, np_dtype, node.get("shape"), node.get("stride"), node.get("offset"),
                               self._name)
        if kind == "ndarray":
            return arr
        t = Tensor._from_array(arr)
        t = _place(t, location)
        requires_grad = bool(node.get("requires_grad", False))
        if kind == "parameter":
            from .nn.parameter import Parameter

            return Parameter(t, requires_grad)
        if requires_grad:
            t.requires_grad_(True)
        return t


def _view_of_storage(raw: np.ndarray, np_dtype, shape, stride, offset, name: str):
    """An array over ``raw`` (uint8) with element shape/stride/offset, bounds-checked."""
    if (
        not isinstance(shape, list)
        or not isinstance(stride, list)
        or len(shape) != len(stride)
        or not isinstance(offset, int)
        or not all(isinstance(v, int) for v in shape + stride)
        or any(v < 0 for v in shape)
        or offset < 0
    ):
        raise CheckpointError(f"{name}: malformed tensor shape/stride/offset")
    itemsize = np_dtype.itemsize
    count = 1
    for d in shape:
        count *= d
    if count:
        lo = offset + sum((d - 1) * s for d, s in zip(shape, stride) if s < 0)
        hi = offset + sum((d - 1) * s for d, s in zip(shape, stride) if s > 0)
        if lo < 0 or (hi + 1) * itemsize > raw.nbytes:
            raise CheckpointError(
                f"{name}: tensor of shape {tuple(shape)} reaches outside its storage of {raw.nbytes} bytes"
            )
    else:
        return np.empty(shape, np_dtype)
    return np.ndarray(tuple(shape), np_dtype, buffer=raw, offset=offset * itemsize,
                      strides=tuple(s * itemsize for s in stride))


# ------------------------------------------------------------------ PyTorch's zip format
_TORCH_STORAGE_DTYPES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "UntypedStorage": "uint8",
}


class _TorchStorageType:
    """Stands for ``torch.FloatStorage`` etc. inside the pickle: just the element dtype."""

    __slots__ = ("dtype_name", "name")

    def __init__(self, name: str, dtype_name: str):
        self.name = name
        self.dtype_name = dtype_name


class _LoadedStorage:
    """A storage read from the archive: its bytes, element dtype and target device."""

    __slots__ = ("dtype", "location", "raw")

    def __init__(self, raw: np.ndarray, dtype, location: str):
        self.raw = raw
        self.dtype = dtype
        self.location = location


class _TensorTypeMarker:
    """Stands for ``torch.Tensor`` / ``torch.nn.Parameter`` in ``_rebuild_from_type_v2``."""

    __slots__ = ("is_parameter",)

    def __init__(self, is_parameter: bool):
        self.is_parameter = is_parameter


def _safe_codecs_encode(text, encoding="utf-8", errors="strict"):
    """Protocol-2 pickles store bytes as ``_codecs.encode(str, 'latin1')``; nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafeCheckpointError("refusing _codecs.encode call other than str -> latin1 bytes")
    return text.encode("latin1")


def _torch_dtype_global(name: str):
    d = _dtype._BY_NAME.get(name)
    if d is None:
        raise CheckpointError(f"PyTorch dtype torch.{name} is not supported by ember")
    return d


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles torch's ``data.pkl`` allowing only tensors, storages and plain containers."""

    def __init__(self, data: bytes, zf: zipfile.ZipFile, prefix: str, name: str, map_location, big_endian):
        super().__init__(io.BytesIO(data))
        self._zf = zf
        self._prefix = prefix
        self._name = name
        self._map_location = map_location
        self._big_endian = big_endian
        self._storages: dict = {}

    def find_class(self, module: str, name: str):
        if module == "torch._utils":
            if name == "_rebuild_tensor_v2":
                return _rebuild_tensor_v2
            if name == "_rebuild_tensor_v3":
                return _rebuild_tensor_v3
            if name == "_rebuild_parameter":
                return _rebuild_parameter
            if name == "_rebuild_parameter_with_state":
                return _rebuild_parameter_with_state
        if module == "torch._tensor" and name == "_rebuild_from_type_v2":
            return _rebuild_from_type_v2
        if module == "torch" and name == "Tensor":
            return _TensorTypeMarker(False)
        if module in ("torch.nn.parameter", "torch.nn") and name == "Parameter":
            return _TensorTypeMarker(True)
        if module in ("torch", "torch.storage") and name in _TORCH_STORAGE_DTYPES:
            return _TorchStorageType(name, _TORCH_STORAGE_DTYPES[name])
        if module == "torch" and name in _dtype._BY_NAME:
            return _torch_dtype_global(name)
        if module == "torch" and name == "device":
            return Device
        if module == "torch" and name == "Size":
            return Size
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "_codecs" and name == "encode":
            return _safe_codecs_encode
        if module in ("builtins", "__builtin__") and name in ("set", "frozenset"):
            return {"set": set, "frozenset": frozenset}[name]
        raise UnsafeCheckpointError(
            f"{self._name}: refusing to load the global '{module}.{name}' from a PyTorch checkpoint. "
            "ember loads only tensors, storages and plain containers and never runs code from a file."
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"{self._name}: unexpected persistent id {pid!r:.80}")
        storage_type, key, location, numel = pid[1], pid[2], pid[3], pid[4]
        if not isinstance(storage_type, _TorchStorageType) or not isinstance(key, str):
            raise CheckpointError(f"{self._name}: malformed storage reference {pid!r:.80}")
        if key not in self._storages:
            d = _dtype._BY_NAME[storage_type.dtype_name]
            np_dtype = d.numpy_dtype
            raw = _read_entry(self._zf, f"{self._prefix}data/{key}", self._name)
            if isinstance(numel, int) and raw.nbytes < numel * np_dtype.itemsize:
                raise CheckpointError(f"{self._name}: storage {key} is shorter than its {numel} elements")
            if self._big_endian and np_dtype.itemsize > 1:
                usable = raw.nbytes - raw.nbytes % np_dtype.itemsize
                raw[:usable].view(np_dtype).byteswap(inplace=True)
            storage_tensor = Tensor._from_array(raw)
            target = _resolve_location(self._map_location, str(location), storage_tensor)
            self._storages[key] = _LoadedStorage(raw, np_dtype, target)
        return self._storages[key]


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    if not isinstance(storage, _LoadedStorage):
        raise CheckpointError("malformed PyTorch checkpoint: a tensor without a storage")
    arr = _view_of_storage(storage.raw, storage.dtype, list(size), list(stride), storage_offset,
                           "PyTorch checkpoint")
    t = _place(Tensor._from_array(arr), storage.location)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    if not isinstance(storage, _LoadedStorage) or not isinstance(dtype, _dtype.dtype):
        raise CheckpointError("malformed PyTorch checkpoint: bad _rebuild_tensor_v3 arguments")
    retyped = _LoadedStorage(storage.raw, dtype.numpy_dtype, storage.location)
    return _rebuild_tensor_v2(retyped, storage_offset, size, stride, requires_grad, backward_hooks, metadata)


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    from .nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise CheckpointError("malformed PyTorch checkpoint: a parameter without tensor data")
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter):
        raise UnsafeCheckpointError("malformed PyTorch checkpoint: unexpected tensor rebuild function")
    t = func(*args)
    if isinstance(new_type, _TensorTypeMarker) and new_type.is_parameter and type(t).__name__ != "Parameter":
        return _rebuild_parameter(t, t.requires_grad)
    return t


def _load_torch_zip(zf: zipfile.ZipFile, pkl_name: str, map_location, name: str):
    prefix = pkl_name[: -len("data.pkl")]
    byteorder = "little"
    if f"{prefix}byteorder" in zf.namelist():
        byteorder = _read_entry(zf, f"{prefix}byteorder", name).tobytes().decode("ascii", "replace").strip()
    data = _read_entry(zf, pkl_name, name).tobytes()
    unpickler = _RestrictedUnpickler(data, zf, prefix, name, map_location, byteorder == "big")
    try:
        return unpickler.load()
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise CheckpointError(f"{name}: the PyTorch pickle data.pkl is corrupt ({exc})") from None


# ================================================================== safetensors
_SAFETENSORS_DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "BOOL": "bool",
}
_SAFETENSORS_CODES = {v: k for k, v in _SAFETENSORS_DTYPES.items()}
_MAX_HEADER = 100_000_000


def _looks_like_safetensors(head: bytes) -> bool:
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= _MAX_HEADER and head[8:9] == b"{"


def save_safetensors(tensors: dict, path, metadata: dict | None = None) -> None:
    """Write a flat ``{name: tensor}`` dict in the safetensors format (atomically).

    Tensors sharing memory are written as separate copies (safetensors has no sharing).

    Example:
        >>> import ember, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
        >>> ember.serialization.save_safetensors({"w": ember.ones(2, 2)}, path)
        >>> ember.load(path)["w"].shape
        torch.Size([2, 2])
    """
    if not isinstance(tensors, dict):
        raise TypeError(f"save_safetensors expects a dict of tensors, got {type(tensors).__name__}")
    arrays = {}
    for key, t in tensors.items():
        if not isinstance(key, str):
            raise TypeError(f"safetensors keys must be strings, got {key!r}")
        if not isinstance(t, Tensor):
            raise TypeError(f"save_safetensors: value for {key!r} is a {type(t).__name__}, not a tensor")
        arr = t._array if isinstance(t._array, np.ndarray) else t._array.get()
        arrays[key] = np.ascontiguousarray(arr)
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    header: dict = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for key in order:
        arr = arrays[key]
        header[key] = {
            "dtype": _SAFETENSORS_CODES[_dtype_name(arr.dtype)],
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + arr.nbytes],
        }
        offset += arr.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)

    def write(out):
        out.write(struct.pack("<Q", len(blob)))
        out.write(blob)
        for key in order:
            out.write(memoryview(_raw_bytes(arrays[key])))

    _atomic_write(os.fspath(path), write)


def load_safetensors(path, device: str = "cpu") -> dict:
    """Read a safetensors file into ``{name: tensor}`` (each tensor with its own memory).

    Example:
        >>> import ember, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "b.safetensors")
        >>> ember.serialization.save_safetensors({"b": ember.zeros(3)}, path)
        >>> ember.serialization.load_safetensors(path)
        {'b': tensor([0., 0., 0.])}
    """
    with open(os.fspath(path), "rb") as fh:
        tensors = _read_safetensors(fh, os.fspath(path))
    return _convert_loaded(tensors, None if device == "cpu" else device)


def _read_safetensors(fh: BinaryIO, name: str) -> dict:
    start = fh.tell()
    size = fh.seek(0, os.SEEK_END) - start
    fh.seek(start)
    prefix = fh.read(8)
    if len(prefix) < 8:
        raise CheckpointError(f"{name}: safetensors file is truncated (no header length)")
    (header_len,) = struct.unpack("<Q", prefix)
    if header_len > min(_MAX_HEADER, size - 8):
        raise CheckpointError(f"{name}: safetensors header length {header_len} exceeds the file ({size} bytes)")
    try:
        header = json.loads(fh.read(header_len).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{name}: safetensors header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{name}: safetensors header is not a JSON object")
    data_start = start + 8 + header_len
    data_size = size - 8 - header_len
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise CheckpointError(f"{name}: safetensors entry {key!r} is malformed")
        dtype_name = _SAFETENSORS_DTYPES.get(info.get("dtype"))
        if dtype_name is None:
            raise CheckpointError(f"{name}: safetensors dtype {info.get('dtype')!r} of {key!r} is not supported")
        np_dtype = _dtype._BY_NAME[dtype_name].numpy_dtype
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if (
            not isinstance(shape, list)
            or not all(isinstance(d, int) and d >= 0 for d in shape)
            or not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
        ):
            raise CheckpointError(f"{name}: safetensors entry {key!r} has a malformed shape or offsets")
        begin, end = offsets
        nbytes = math.prod(shape) * np_dtype.itemsize
        if not 0 <= begin <= end <= data_size or end - begin != nbytes:
            raise CheckpointError(
                f"{name}: safetensors entry {key!r} has offsets {offsets} that do not match its shape "
                f"{shape} and dtype, or lie outside the {data_size}-byte data section (truncated file?)"
            )
        buf = bytearray(nbytes)
        fh.seek(data_start + begin)
        if fh.readinto(buf) != nbytes:
            raise CheckpointError(f"{name}: safetensors data of {key!r} is truncated")
        out[key] = Tensor._from_array(np.frombuffer(buf, np_dtype).reshape(shape))
    return out
