"""Einstein summation: ``einsum`` for any equation, with ``...`` broadcasting.

The equation is first rewritten with explicit letters (each ``...`` becomes fresh
letters, the implicit output is spelled out), then NumPy computes it, contracting
pairs through BLAS.  The gradient of each operand is itself an einsum of the output
gradient with the other operands, plus a broadcast for letters that only that
operand has and a diagonal embedding for letters it repeats (``'ii->i'``), so
gradients of any order work.

Example:
    >>> import ember
    >>> a, b = ember.ones(2, 3), ember.ones(3, 4)
    >>> ember.einsum("ij,jk->ik", a, b).shape
    torch.Size([2, 4])
"""

from __future__ import annotations

import math
import string

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._select import accumulation_dtype, type_name

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # sublist ints 0..51 in this order


def _parse_args(args):
    """``(equation, operands)`` from either call form (string, or operand/sublist pairs)."""
    if not args or (isinstance(args[0], str) and len(args) == 1):
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, or at least one "
            "operand and its subscripts list"
        )
    if isinstance(args[0], str):
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
        return args[0], list(operands)
    operands, subscripts = list(args[0::2]), list(args[1::2])
    output = None
    if len(operands) > len(subscripts):  # a trailing output sublist
        output = operands.pop()
    equation = ",".join(_sublist_to_str(s) for s in subscripts)
    if output is not None:
        equation += "->" + _sublist_to_str(output)
    return equation, operands


def _sublist_to_str(sublist) -> str:
    parts = []
    for s in sublist:
        if s is Ellipsis:
            parts.append("...")
        elif isinstance(s, int) and 0 <= s < 52:
            parts.append(_LETTERS[s])
        else:
            raise RuntimeError(f"einsum(): expected subscript to be within the range [0, 52) but got {s}")
    return "".join(parts)


def _split_terms(term: str, where: int):
    """Letters of one term, with ``...`` kept as a single ``None`` marker."""
    out = []
    i = 0
    while i < len(term):
        if term.startswith("...", i):
            out.append(None)
            i += 3
            continue
        ch = term[i]
        if ch not in _LETTERS:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {where + i} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
        out.append(ch)
        i += 1
    return out


def parse_equation(equation: str, shapes: list):
    """Explicit per-operand letter lists and the output letters, ``...`` expanded."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    parsed, offset = [], 0
    for term in terms:
        parsed.append(_split_terms(term, offset))
        offset += len(term) + 1
    used = {ch for term in parsed for ch in term if ch}
    ellipsis_ndim = []
    for i, (term, shape) in enumerate(zip(parsed, shapes)):
        letters = sum(1 for ch in term if ch)
        if None in term:
            if letters > len(shape):
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({letters}) is more than the number "
                    f"of dimensions ({len(shape)}) for operand {i}"
                )
            ellipsis_ndim.append(len(shape) - letters)
        else:
            if letters != len(shape):
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({letters}) does not match the "
                    f"number of dimensions ({len(shape)}) for operand {i} and no ellipsis was given"
                )
            ellipsis_ndim.append(0)
    fresh = [ch for ch in _LETTERS if ch not in used and ch not in rhs]
    n_ell = max(ellipsis_ndim, default=0)
    ell_letters = fresh[:n_ell]
    spare = fresh[n_ell:]
    inputs = []
    for term, k in zip(parsed, ellipsis_ndim):
        expanded = []
        for ch in term:
            expanded.extend(ell_letters[n_ell - k:] if ch is None else [ch])
        inputs.append(expanded)
    if arrow:
        out_terms = _split_terms(rhs, len(lhs) + 2)
        output = []
        for ch in out_terms:
            output.extend(ell_letters if ch is None else [ch])
        for ch in output:
            if ch not in used and ch not in ell_letters:
                raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the equation for any input operand")
            if output.count(ch) > 1:
                raise RuntimeError(f"einsum(): output subscript {ch} appears more than once in the output")
    else:
        counts = {}
        for term in inputs:
            for ch in term:
                counts[ch] = counts.get(ch, 0) + 1
        output = list(ell_letters) + sorted(ch for ch, c in counts.items() if c == 1 and ch not in ell_letters)
    _check_sizes(inputs, shapes, ell_letters)
    return inputs, output, spare


def _check_sizes(inputs, shapes, ell_letters) -> dict:
    sizes = {}
    for i, (term, shape) in enumerate(zip(inputs, shapes)):
        own = {}
        for pos, (ch, size) in enumerate(zip(term, shape)):
            if ch in own and own[ch] != size:
                raise RuntimeError(
                    f"einsum(): subscript {ch} is repeated for operand {i} but the sizes don't match, "
                    f"{size} != {own[ch]}"
                )
            own[ch] = size
            seen = sizes.get(ch)
            if seen is None or seen == 1:
                sizes[ch] = size
            elif size != 1 and size != seen:
                if ch in ell_letters:
                    dim = ell_letters.index(ch) - (len(ell_letters) - sum(1 for c in term if c in ell_letters))
                    raise RuntimeError(
                        f"einsum(): dimension {dim} covered by ellipsis in operand {i}has size {size} which "
                        f"does not broadcast with previously seen ellipsis with size {seen} for the respective "
                        "dimension"
                    )
                raise RuntimeError(
                    f"einsum(): subscript {ch} has size {size} for operand {i} which does not broadcast with "
                    f"previously seen size {seen}"
                )
    return sizes


def _equation(inputs, output) -> str:
    return ",".join("".join(t) for t in inputs) + "->" + "".join(output)


class Einsum(Function):
    _array_forward = True
    _backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, *arrays, inputs=(), output=(), spare=()):
        ctx.save_for_backward(*arrays)
        ctx.inputs, ctx.output, ctx.spare = inputs, output, spare
        return _einsum_arrays(arrays, inputs, output)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        return tuple(
            _operand_grad(i, operands, ctx.inputs, ctx.output, ctx.spare, grad) if need else None
            for i, need in enumerate(ctx.needs_input_grad)
        )


def _einsum_arrays(arrays, inputs, output):
    half = accumulation_dtype(arrays[0])
    if half is not None:  # half types: compute in float32, round once at the end
        return _einsum_arrays([a.astype(half) for a in arrays], inputs, output).astype(arrays[0].dtype)
    if len(arrays) == 2:
        out = _contract_pair(list(inputs[0]), list(inputs[1]), list(output), *arrays)
        if out is not None:
            return out
    optimize = "greedy" if len(arrays) > 1 else False
    out = np.asarray(np.einsum(_equation(inputs, output), *arrays, optimize=optimize))
    # With one operand NumPy may return a view of it ('ij->ji', 'ii->i'); results own their memory.
    return out.copy() if len(arrays) == 1 else out


def _sum_private_letters(term, arr, other, out):
    """Sum away the letters only this operand has (and the output lacks)."""
    private = [ch for ch in term if ch not in other and ch not in out]
    if not private:
        return term, arr
    arr = arr.sum(axis=tuple(term.index(ch) for ch in private))
    return [ch for ch in term if ch not in private], arr


def _contract_pair(ta, tb, out, a, b):
    """Two-operand einsum as one (batched) matrix product, or None where that can't apply.

    Letters split into batch (both inputs and the output), contracted (both inputs only),
    left (first input and output) and right (second input and output); the operands are
    permuted to ``(batch, left, contracted)`` and ``(batch, contracted, right)`` and
    multiplied with BLAS, which NumPy's einsum does not do for batched contractions.
    """
    if len(set(ta)) != len(ta) or len(set(tb)) != len(tb):
        return None  # a diagonal ('ii'): leave it to np.einsum
    ta, a = _sum_private_letters(ta, a, tb, out)
    tb, b = _sum_private_letters(tb, b, ta, out)
    size_a, size_b = dict(zip(ta, a.shape)), dict(zip(tb, b.shape))
    batch = [ch for ch in out if ch in size_a and ch in size_b]
    contract = [ch for ch in ta if ch in size_b and ch not in out]
    left = [ch for ch in out if ch in size_a and ch not in size_b]
    right = [ch for ch in out if ch in size_b and ch not in size_a]
    if any(size_a[ch] != size_b[ch] for ch in contract):
        return None  # a broadcast contracted letter: rare, np.einsum handles it
    a_p = a.transpose([ta.index(ch) for ch in batch + left + contract])
    b_p = b.transpose([tb.index(ch) for ch in batch + contract + right])
    n_left = math.prod(size_a[ch] for ch in left)
    n_contract = math.prod(size_a[ch] for ch in contract)
    n_right = math.prod(size_b[ch] for ch in right)
    batch_a, batch_b = a_p.shape[: len(batch)], b_p.shape[: len(batch)]
    product = np.matmul(
        a_p.reshape(batch_a + (n_left, n_contract)), b_p.reshape(batch_b + (n_contract, n_right))
    )
    sizes = {**size_b, **size_a}
    for ch in batch:
        sizes[ch] = max(size_a[ch], size_b[ch])
    result = product.reshape([sizes[ch] for ch in batch + left + right])
    order = batch + left + right
    result = result.transpose([order.index(ch) for ch in out])
    return result if result.flags.c_contiguous else result.copy()


def _operand_grad(i, operands, inputs, output, spare, grad):
    """The gradient of operand ``i``: an einsum of ``grad`` with every other operand."""
    others = [(inputs[j], operands[j]) for j in range(len(operands)) if j != i] + [(output, grad)]
    available = {ch for term, _ in others for ch in term}
    target = list(dict.fromkeys(inputs[i]))  # distinct letters, in order
    present = [ch for ch in target if ch in available]
    result = _einsum_explicit([t for t, _ in others], present, [op for _, op in others])
    shape = operands[i]._array.shape
    sizes = dict(zip(inputs[i], shape))
    # Letters only this operand has were summed away (the gradient is constant along
    # them), and a size-1 letter elsewhere may meet a longer one here: broadcast back.
    got = dict(zip(present, result._array.shape))
    full = [max(got.get(ch, 1), sizes[ch]) for ch in target]
    if len(present) < len(target):
        result = result.reshape([got.get(ch, 1) for ch in target])
    if list(result._array.shape) != full:
        result = result.expand(full)
    if len(target) < len(inputs[i]):
        result = _embed_diagonal(result, target, inputs[i], sizes, spare)
    return result


def _embed_diagonal(values, target, term, sizes, spare):
    """Place ``values`` (letters ``target``) on the diagonals of a repeated-letter ``term``."""
    spare = list(spare)
    full, eyes, eye_terms = [], [], []
    seen = set()
    for ch in term:
        if ch in seen:
            new = spare.pop(0)
            eye = np.eye(sizes[ch], dtype=values._array.dtype)
            eyes.append(Tensor._from_array(eye))
            eye_terms.append([ch, new])
            full.append(new)
        else:
            seen.add(ch)
            full.append(ch)
    return _einsum_explicit([target] + eye_terms, full, [values] + eyes)


def _einsum_explicit(inputs, output, operands):
    letters = {ch for t in inputs for ch in t} | set(output)
    spare = [ch for ch in _LETTERS if ch not in letters]
    return Einsum.apply(*operands, inputs=tuple(tuple(t) for t in inputs), output=tuple(output), spare=tuple(spare))


def einsum(*args) -> Tensor:
    """Sum the product of operands over the indices an equation names.

    Accepts ``einsum("ij,jk->ik", a, b)``, ``einsum("ij,jk", [a, b])`` (implicit
    output: letters used once, sorted) and the sublist form ``einsum(a, [0, 1], b, [1, 2])``.

    Example:
        >>> import ember
        >>> ember.einsum("ii", ember.eye(3))
        tensor(3.)
    """
    equation, operands = _parse_args(args)
    operands = [op if isinstance(op, Tensor) else Tensor._from_array(np.asarray(op)) for op in operands]
    shapes = [op._array.shape for op in operands]
    inputs, output, spare = parse_equation(equation, shapes)
    first = operands[0]._array.dtype
    for op in operands[1:]:
        if op._array.dtype != first:
            raise RuntimeError(f"expected scalar type {type_name(first)} but found {type_name(op._array.dtype)}")
    return Einsum.apply(
        *operands, inputs=tuple(tuple(t) for t in inputs), output=tuple(output), spare=tuple(spare)
    )
