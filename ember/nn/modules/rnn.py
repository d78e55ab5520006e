"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, as in ``torch.nn``.

Parameters carry torch's names, shapes, order and initialization (``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``weight_hr_l0`` for a projected LSTM,
``..._reverse`` for the second direction; all U(-1/sqrt(hidden), 1/sqrt(hidden))), so a
torch ``state_dict`` loads unchanged.  The math is in ``ember/ops/rnn_layer.py`` (whole
layers: one input projection per layer and direction, then the time loop as one Function)
and ``ember/ops/rnn.py`` (the single-step cells).

Example:
    >>> import ember, ember.nn as nn
    >>> lstm = nn.LSTM(10, 20, num_layers=2)
    >>> output, (h_n, c_n) = lstm(ember.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    (torch.Size([5, 3, 20]), torch.Size([2, 3, 20]))
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import ops  # noqa: F401  (Tensor methods)
from ..._tensor import Tensor
from ...ops.creation import empty, zeros
from ...ops.linear_layer import linear
from ...ops.rnn import GRUCellFunction, LSTMCellFunction, RNNCellFunction
from ...ops.rnn_layer import run_recurrent_layers
from ...ops.scatter_gather import index_select
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """The shared parameters, checks and forward of :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
        proj_size: as documented on the subclasses.
    """

    __constants__ = ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size")

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if (
            not isinstance(dropout, numbers.Number)
            or not 0 <= dropout <= 1
            or isinstance(dropout, bool)
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")

        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """Kept for torch compatibility: ember's weights need no flattening."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self.__dict__.setdefault("proj_size", 0)

    # ------------------------------------------------------------------ forward
    def _layer_weights(self) -> list:
        """Per layer and direction: ``(w_ih, w_hh, b_ih, b_hh, w_hr)`` (None where absent)."""
        result = []
        for names in self._all_weights:
            params = {name.split("_l")[0]: getattr(self, name) for name in names}
            result.append(
                (params["weight_ih"], params["weight_hh"], params.get("bias_ih"), params.get("bias_hh"),
                 params.get("weight_hr"))
            )
        return result

    def _check_input(self, input: Tensor, packed: bool) -> None:
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.size(-1)}"
            )
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). Convert input: "
                f"input.to({weight_dtype}), or convert model: model.to({input.dtype})"
            )

    def _expected_hidden_size(self, batch: int, hidden: int) -> tuple:
        return (self.num_layers * (2 if self.bidirectional else 1), batch, hidden)

    @staticmethod
    def _check_hidden_size(hx: Tensor, expected: tuple, message: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(message.format(expected, list(hx.shape)))

    def _run(self, input, hx: Tensor | None, cx: Tensor | None):
        """The forward shared by all modes: returns ``(output, h_n, c_n)``."""
        packed = isinstance(input, PackedSequence)
        lstm = self.mode == "LSTM"
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(v) for v in batch_sizes_t.tolist()]
            max_batch = batch_sizes[0]
            batched = True
            self._check_input(data, packed=True)
        else:
            name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead")
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            _check_hidden_dims(hx, cx, batched, lstm)
            if not batched:
                input = input.unsqueeze(batch_dim)
                hx = hx.unsqueeze(1) if hx is not None else None
                cx = cx.unsqueeze(1) if cx is not None else None
            self._check_input(input, packed=False)
            sorted_indices = unsorted_indices = None
            max_batch = input.size(batch_dim)
            steps = input.size(1 - batch_dim)
            if steps == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            time_major = input.transpose(0, 1) if self.batch_first else input
            data = time_major.reshape(steps * max_batch, self.input_size)
            batch_sizes = [max_batch] * steps

        if hx is None:
            hx = zeros(self._expected_hidden_size(max_batch, real_hidden), dtype=data.dtype, device=data.device)
            if lstm:
                cx = zeros(self._expected_hidden_size(max_batch, self.hidden_size), dtype=data.dtype,
                           device=data.device)
        else:
            if sorted_indices is not None:
                hx = index_select(hx, 1, sorted_indices)
                cx = index_select(cx, 1, sorted_indices) if cx is not None else None
            if lstm:
                self._check_hidden_size(hx, self._expected_hidden_size(max_batch, real_hidden),
                                        "Expected hidden[0] size {}, got {}")
                self._check_hidden_size(cx, self._expected_hidden_size(max_batch, self.hidden_size),
                                        "Expected hidden[1] size {}, got {}")
            else:
                self._check_hidden_size(hx, self._expected_hidden_size(max_batch, real_hidden))

        out_data, h_n, c_n = run_recurrent_layers(
            self.mode, data, batch_sizes, hx, cx, self._layer_weights(), self.bidirectional, self.dropout,
            self.training,
        )
        if packed:
            output = PackedSequence(out_data, batch_sizes_t, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n = index_select(h_n, 1, unsorted_indices)
                c_n = index_select(c_n, 1, unsorted_indices) if c_n is not None else None
            return output, h_n, c_n
        output = out_data.reshape(len(batch_sizes), max_batch, out_data.shape[-1])
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(batch_dim)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        return output, h_n, c_n


def _check_hidden_dims(hx, cx, batched: bool, lstm: bool) -> None:
    if hx is None:
        return
    want = 3 if batched else 2
    kind = "batched 3-D" if batched else "unbatched 2-D"
    if lstm:
        if hx.dim() != want or cx.dim() != want:
            raise RuntimeError(
                f"For {kind} input, hx and cx should also be {want}-D but got ({hx.dim()}-D, {cx.dim()}-D) tensors"
            )
    elif hx.dim() != want:
        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu), stacked.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked layers (default 1).
        nonlinearity: ``'tanh'`` (default) or ``'relu'``.
        bias: learn ``b_ih`` and ``b_hh`` (default True).
        batch_first: input and output are ``(batch, seq, feature)`` (default False).
        dropout: dropout on the outputs of each layer except the last (default 0).
        bidirectional: run a second, reversed direction and concatenate (default False).

    Shape:
        input ``(L, N, H_in)`` (``(N, L, H_in)`` with batch_first), ``(L, H_in)`` unbatched,
        or a :class:`PackedSequence`; ``h_0`` ``(D * num_layers, N, H_out)``.
        Returns ``output (L, N, D * H_out)`` and ``h_n (D * num_layers, N, H_out)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(ember.randn(5, 3, 10), ember.randn(2, 3, 20))
        >>> output.shape
        torch.Size([5, 3, 20])
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, h_n, _ = self._run(input, hx, None)
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory, stacked; torch's gate order ``[i, f, g, o]``.

    ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``; with ``proj_size > 0``,
    ``h_t`` is further multiplied by ``W_hr`` (``(proj_size, hidden_size)``).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional:
            as :class:`RNN`.
        proj_size: size of the projected hidden state (0: no projection).

    Shape:
        input as :class:`RNN`; ``hx = (h_0, c_0)`` with ``h_0 (D * num_layers, N, H_out)``
        (``H_out = proj_size or hidden_size``) and ``c_0 (D * num_layers, N, hidden_size)``.
        Returns ``output, (h_n, c_n)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> lstm = nn.LSTM(10, 20, batch_first=True, bidirectional=True)
        >>> output, (h_n, c_n) = lstm(ember.randn(3, 5, 10))
        >>> output.shape, c_n.shape
        (torch.Size([3, 5, 40]), torch.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx: tuple | None = None):
        h0 = c0 = None
        if hx is not None:
            h0, c0 = hx[0], hx[1]
        output, h_n, c_n = self._run(input, h0, c0)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, stacked; torch's gate order ``[r, z, n]``.

    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``, ``h_t = (1 - z) * n + z * h_{t-1}``.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional:
            as :class:`RNN`.

    Example:
        >>> import ember, ember.nn as nn
        >>> gru = nn.GRU(10, 20, 2)
        >>> output, h_n = gru(ember.randn(5, 3, 10))
        >>> h_n.shape
        torch.Size([2, 3, 20])
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, h_n, _ = self._run(input, hx, None)
        return output, h_n


# ------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Parameters ``weight_ih (chunks * H, I)``, ``weight_hh (chunks * H, H)``, ``bias_ih``, ``bias_hh``."""

    __constants__ = ("input_size", "hidden_size", "bias")

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx, name: str):
        """Check shapes as torch does; return 2-D input, 2-D states and whether input was batched."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = hx if isinstance(hx, tuple) else (hx,)
        for h in states:
            if h is not None and h.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.size(1) != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}"
            )
        prepared = []
        for i, h in enumerate(states):
            if h is None:
                h = zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            elif not batched:
                h = h.unsqueeze(0)
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size {h.size(0)}")
            if h.dim() != 2 or h.size(1) != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, expected {self.hidden_size}"
                )
            prepared.append(h)
        return input, prepared, batched

    def _projected_input(self, input: Tensor, fold_hidden_bias: bool) -> Tensor:
        bias = self.bias_ih
        if fold_hidden_bias and self.bias_hh is not None:
            bias = self.bias_ih + self.bias_hh
        return linear(input, self.weight_ih, bias)


class RNNCell(RNNCellBase):
    """One Elman step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    Shape: input ``(N, I)`` or ``(I,)``; hidden ``(N, H)`` or ``(H,)`` (zeros if omitted).

    Example:
        >>> import ember, ember.nn as nn
        >>> cell = nn.RNNCell(10, 20)
        >>> cell(ember.randn(3, 10)).shape
        torch.Size([3, 20])
    """

    __constants__ = ("input_size", "hidden_size", "bias", "nonlinearity")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, hx, "RNNCell")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        gx = self._projected_input(input, fold_hidden_bias=True)
        out = RNNCellFunction.apply(gx, h, self.weight_hh, nonlinearity=self.nonlinearity)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns ``(h', c')``; gate order ``[i, f, g, o]``.

    Shape: input ``(N, I)`` or ``(I,)``; ``hx = (h, c)`` each ``(N, H)`` or ``(H,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(ember.randn(3, 10))
        >>> c.shape
        torch.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        states = (None, None) if hx is None else (hx[0], hx[1])
        input, (h, c), batched = self._prepare(input, states, "LSTMCell")
        gx = self._projected_input(input, fold_hidden_bias=True)
        h_new, c_new = LSTMCellFunction.apply(gx, h, c, self.weight_hh)
        if not batched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class GRUCell(RNNCellBase):
    """One GRU step: returns ``h'``; gate order ``[r, z, n]``.

    Example:
        >>> import ember, ember.nn as nn
        >>> cell = nn.GRUCell(10, 20)
        >>> cell(ember.randn(3, 10), ember.zeros(3, 20)).shape
        torch.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, hx, "GRUCell")
        gx = self._projected_input(input, fold_hidden_bias=False)
        out = GRUCellFunction.apply(gx, h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
