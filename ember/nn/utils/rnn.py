"""Packed and padded batches of variable-length sequences, as ``torch.nn.utils.rnn``.

A :class:`PackedSequence` stores a batch of sequences time step by time step: the
``data`` rows of step 0 (one per sequence that has a step 0), then those of step 1, ...
with sequences sorted by decreasing length, and ``batch_sizes[t]`` = how many sequences
are still running at step ``t``.  Recurrent layers take it directly and skip the padding.

Every conversion here is one gather (an index into a flattened tensor), so gradients
flow back through packing and padding.

Example:
    >>> import ember
    >>> from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    >>> x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])  # batch_first, lengths 3 and 2
    >>> packed = pack_padded_sequence(x, [3, 2], batch_first=True)
    >>> packed.data.tolist(), packed.batch_sizes.tolist()
    ([1.0, 4.0, 2.0, 5.0, 3.0], [2, 2, 1])
    >>> pad_packed_sequence(packed, batch_first=True)[0].tolist()
    [[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._tensor import Tensor
from ...ops.creation import full, tensor
from ...ops.joining import cat
from ...ops.scatter_gather import index_select

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def _long(values) -> Tensor:
    return tensor(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None).

    Example:
        >>> import ember
        >>> invert_permutation(ember.tensor([2, 0, 1])).tolist()
        [1, 2, 0]
    """
    if permutation is None:
        return None
    perm = np.asarray(permutation._array)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=perm.dtype)
    return tensor(inverse)


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A batch of variable-length sequences packed time step by time step.

    Fields: ``data`` (``(sum of lengths, *)``), ``batch_sizes`` (int64, sequences running
    at each step), ``sorted_indices`` (the batch order used for packing, or None when the
    input was already sorted) and ``unsorted_indices`` (its inverse).  Build one with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not directly.

    Example:
        >>> import ember
        >>> p = pack_sequence([ember.tensor([1.0, 2.0]), ember.tensor([3.0])])
        >>> p.batch_sizes.tolist()
        [2, 1]
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # torch's legacy form: PackedSequence((data, batch_sizes))
            data, batch_sizes = data[0], data[1]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> PackedSequence:
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Convert ``data`` (dtype and/or device); the index tensors stay int64."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self._with_data(self.data.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self._with_data(self.data.cpu())

    def double(self) -> PackedSequence:
        return self._with_data(self.data.double())

    def float(self) -> PackedSequence:
        return self._with_data(self.data.float())

    def half(self) -> PackedSequence:
        return self._with_data(self.data.half())

    def long(self) -> PackedSequence:
        return self._with_data(self.data.long())

    def int(self) -> PackedSequence:
        return self._with_data(self.data.int())

    def short(self) -> PackedSequence:
        return self._with_data(self.data.short())

    def char(self) -> PackedSequence:
        return self._with_data(self.data.char())

    def byte(self) -> PackedSequence:
        return self._with_data(self.data.byte())

    def pin_memory(self) -> PackedSequence:
        return self

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return np.asarray(lengths._array).astype(np.int64).reshape(-1)
    return np.asarray([int(v) for v in lengths], dtype=np.int64)


def _batch_sizes(sorted_lengths: np.ndarray) -> np.ndarray:
    """Sequences still running at each step, for lengths sorted in decreasing order."""
    steps = np.arange(int(sorted_lengths[0]))
    return (sorted_lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def _packed_steps_and_batch(batch_sizes: np.ndarray) -> tuple:
    """For each packed row, its time step and its (sorted) batch index."""
    t = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    b = np.arange(t.size) - np.repeat(np.cumsum(batch_sizes) - batch_sizes, batch_sizes)
    return t, b


def _flat_rows(t, b, steps: int, batch: int, batch_first: bool) -> np.ndarray:
    """Rows of the flattened ``(T, B)`` (or ``(B, T)``) layout at steps ``t``, batch entries ``b``."""
    return b * steps + t if batch_first else t * batch + b


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with batch_first) of the given lengths.

    With ``enforce_sorted=True`` the lengths must decrease along the batch; otherwise the
    batch is sorted here and the permutation kept in the result.

    Example:
        >>> import ember
        >>> x = ember.tensor([[1.0, 4.0], [2.0, 0.0]])  # (T=2, B=2), lengths 2 and 1
        >>> pack_padded_sequence(x, [2, 1]).data.tolist()
        [1.0, 4.0, 2.0]
    """
    lengths_np = _lengths_array(lengths)
    batch_dim = 0 if batch_first else 1
    if input.dim() < 2:
        raise RuntimeError(f"pack_padded_sequence: expected a padded batch of at least 2 dims, got {input.dim()}-D")
    batch = input.shape[batch_dim]
    steps = input.shape[1 - batch_dim]
    if lengths_np.size != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lengths_np.size} (batch_size={batch})"
        )
    if enforce_sorted:
        if np.any(lengths_np[1:] > lengths_np[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
                "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                "requirement if you do not need ONNX exportability."
            )
        order = None
        sorted_lengths = lengths_np
    else:
        order = np.argsort(-lengths_np, kind="stable")
        sorted_lengths = lengths_np[order]
    if batch and sorted_lengths[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if batch and sorted_lengths[0] > steps:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {int(sorted_lengths[0])} is longer than the padded "
            f"sequence dimension ({steps})"
        )
    batch_sizes = _batch_sizes(sorted_lengths)
    t, b = _packed_steps_and_batch(batch_sizes)
    if order is not None:
        b = order[b]  # the packed row of sorted entry b reads the original entry order[b]
    rows = _flat_rows(t, b, steps, batch, batch_first)
    flat = input.reshape(batch * steps, *input.shape[2:])
    data = index_select(flat, 0, _long(rows))
    sorted_indices = None if order is None else _long(order)
    return PackedSequence(data, _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: int | None = None
) -> tuple:
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)``, in the original batch order.

    ``total_length`` pads the time dim to that length (at least the longest sequence).

    Example:
        >>> import ember
        >>> p = pack_sequence([ember.tensor([1.0, 2.0]), ember.tensor([3.0])])
        >>> padded, lengths = pad_packed_sequence(p, padding_value=-1.0)
        >>> padded.tolist(), lengths.tolist()
        ([[1.0, 3.0], [2.0, -1.0]], [2, 1])
    """
    data, batch_sizes_t, _, unsorted = sequence
    batch_sizes = np.asarray(batch_sizes_t._array, dtype=np.int64)
    max_len = len(batch_sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {max_len}"
            )
        steps = total_length
    else:
        steps = max_len
    batch = int(batch_sizes[0]) if max_len else 0
    t, b = _packed_steps_and_batch(batch_sizes)
    if unsorted is not None:
        b = np.argsort(np.asarray(unsorted._array), kind="stable")[b]  # sorted entry b -> original entry
    rows = _flat_rows(t, b, steps, batch, batch_first)
    n = data.shape[0]
    # every padded position reads a packed row, or the extra padding row n
    source = np.full(steps * batch, n, dtype=np.int64)
    source[rows] = np.arange(n)
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    if unsorted is not None:
        lengths = lengths[np.asarray(unsorted._array)]
    pad_row = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = index_select(cat([data, pad_row]), 0, _long(source))
    shape = (batch, steps) if batch_first else (steps, batch)
    return padded.reshape(*shape, *data.shape[1:]), _long(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)``), padding the ends.

    ``padding_side="left"`` puts the padding before each sequence instead.

    Example:
        >>> import ember
        >>> pad_sequence([ember.ones(2), ember.ones(1)], batch_first=True).tolist()
        [[1.0, 1.0], [1.0, 0.0]]
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence: every sequence must have the trailing shape {list(trailing)} of the first, "
                f"got {list(s.shape[1:])}"
            )
    lengths = np.asarray([s.shape[0] for s in sequences], dtype=np.int64)
    batch, steps = len(sequences), int(lengths.max())
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    n = int(lengths.sum())
    t = np.arange(steps)[:, None]
    start = (steps - lengths)[None, :] if padding_side == "left" else np.zeros((1, batch), np.int64)
    inside = (t >= start) & (t < start + lengths[None, :])
    source = np.where(inside, offsets[None, :] + t - start, n)  # (T, B)
    if batch_first:
        source = source.T
    ref = sequences[0]
    pad_row = full((1, *trailing), padding_value, dtype=ref.dtype, device=ref.device)
    flat = cat([*sequences, pad_row])
    out = index_select(flat, 0, _long(source.reshape(-1)))
    return out.reshape(*source.shape, *trailing)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors ``(L_i, *)`` (sorted by decreasing length unless enforce_sorted=False).

    Example:
        >>> import ember
        >>> pack_sequence([ember.tensor([1.0]), ember.tensor([2.0, 3.0])], enforce_sorted=False).data.tolist()
        [2.0, 1.0, 3.0]
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into a list of tensors of the given lengths.

    Example:
        >>> import ember
        >>> [t.tolist() for t in unpad_sequence(ember.tensor([[1.0, 2.0], [3.0, 0.0]]), [2, 1], batch_first=True)]
        [[1.0, 2.0], [3.0]]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences, _lengths_array(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of tensors a PackedSequence was built from (in the original order).

    Example:
        >>> import ember
        >>> p = pack_sequence([ember.tensor([1.0]), ember.tensor([2.0, 3.0])], enforce_sorted=False)
        >>> [t.tolist() for t in unpack_sequence(p)]
        [[1.0], [2.0, 3.0]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
