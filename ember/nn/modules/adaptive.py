"""AdaptiveLogSoftmaxWithLoss: the efficient softmax of Grave et al. (2016) for many classes.

Classes are split by ``cutoffs`` into a frequent *shortlist* and rarer *clusters*.  The
``head`` Linear scores the shortlist plus one logit per cluster; each cluster has its
own small ``tail`` projection (``in_features -> in_features // div_value**(i+1) ->
cluster size``).  ``log p(c) = log p_head(cluster of c) + log p_cluster(c)``.

Example:
    >>> import ember, ember.nn as nn
    >>> asm = nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[3, 6])
    >>> out = asm(ember.randn(5, 16), ember.tensor([0, 4, 9, 2, 7]))
    >>> out.output.shape, out.loss.shape
    (torch.Size([5]), torch.Size([]))
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

from ..._tensor import Tensor
from ...ops._util import xp_of
from ...ops.activation import log_softmax
from ...ops.extrema import argmax
from ...ops.joining import cat
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])

_BAD_CUTOFFS = (
    "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
    "where each value is between 1 and n_classes-1"
)


def _check_cutoffs(cutoffs: list, n_classes: int) -> None:
    if len(cutoffs) == 0:
        raise ValueError("cutoffs should be a sequence of length larger than 0")
    if (
        cutoffs != sorted(cutoffs)
        or min(cutoffs) <= 0
        or max(cutoffs) > n_classes - 1
        or len(set(cutoffs)) != len(cutoffs)
        or any(int(c) != c for c in cutoffs)
    ):
        raise ValueError(_BAD_CUTOFFS)


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: a full softmax's log-probabilities at a fraction of the cost.

    Args:
        in_features: number of features of the input.
        n_classes: number of classes.
        cutoffs: increasing class boundaries; classes ``[0, cutoffs[0])`` form the shortlist.
        div_value: ratio by which each cluster's hidden size shrinks (default 4.0).
        head_bias: give the head Linear a bias (default False).

    Shape:
        ``forward(input, target)``: input ``(N, in_features)`` or ``(in_features,)``,
        target ``(N,)`` or ``()`` class indices.  Returns ``_ASMoutput(output, loss)``,
        ``output`` the target log-probabilities (``(N,)`` or ``()``) and ``loss`` their
        negated mean.  ``log_prob(input)``: ``(N, n_classes)``.  ``predict(input)``: ``(N,)``.

    Example:
        >>> import ember, ember.nn as nn
        >>> asm = nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6])
        >>> asm.log_prob(ember.randn(2, 16)).exp().sum(1).round().tolist()
        [1.0, 1.0]
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        _check_cutoffs(cutoffs, n_classes)
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                    Linear(hidden, size, bias=False, device=device, dtype=dtype),
                )
            )

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    # ----------------------------------------------------------------- forward
    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        target_dim = target_.dim()
        if target_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(
                    f"1D target tensor expects 2D input tensors, but found inputs with size {input_.size()}"
                )
        elif target_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError(
                    f"0D target tensor expects 1D input tensors, but found inputs with size {input_.size()}"
                )
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")

        batched = target_dim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_._array if batched else target_._array.reshape(1)
        xp = xp_of(target)
        batch = target.shape[0]

        # Which cluster each row's target is in, decided on the index array; the rows of
        # one tail cluster go through that cluster's projection together.
        head_index = xp.empty(batch, dtype=xp.int64)
        bounds = [0] + self.cutoffs
        rows_in_order, tail_values = [], []
        used_rows = 0
        for i in range(len(bounds) - 1):
            in_cluster = (target >= bounds[i]) & (target < bounds[i + 1])
            rows = xp.nonzero(in_cluster)[0]
            if rows.size == 0:
                continue
            used_rows += rows.size
            if i == 0:
                head_index[rows] = target[in_cluster]
                continue
            head_index[rows] = self.shortlist_size + i - 1
            relative = Tensor._from_array(xp.asarray(target[in_cluster] - bounds[i], dtype=xp.int64))
            subset = input.index_select(0, Tensor._from_array(rows))
            cluster_logprob = log_softmax(self.tail[i - 1](subset), 1)
            rows_in_order.append(rows)
            tail_values.append(cluster_logprob.gather(1, relative.unsqueeze(1)).squeeze(1))
        if used_rows != batch:
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{int(target.min())}, {int(target.max())}] were found. "
            )
        if target.dtype.kind not in "iu":
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")

        head_logprob = log_softmax(self.head(input), 1)
        output = head_logprob.gather(1, Tensor._from_array(head_index[:, None])).squeeze(1)
        if tail_values:
            output = output + self._rows_back_in_place(rows_in_order, tail_values, batch, xp)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    @staticmethod
    def _rows_back_in_place(rows_in_order, tail_values, batch, xp) -> Tensor:
        """One value per row: the tail log-probability where the row has one, else 0."""
        covered = xp.concatenate(rows_in_order)
        shortlist_rows = xp.setdiff1d(xp.arange(batch), covered)
        filler = tail_values[0].new_zeros(int(shortlist_rows.size))
        values = cat([filler] + tail_values)
        order = xp.argsort(xp.concatenate([shortlist_rows, covered]), kind="stable")
        return values.index_select(0, Tensor._from_array(order))

    # ------------------------------------------------------------- inference
    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = log_softmax(head_output, 1)
        pieces = [head_logprob[:, : self.shortlist_size]]
        for i, (start, stop) in enumerate(zip(self.cutoffs, self.cutoffs[1:])):
            cluster_logprob = log_softmax(self.tail[i](input), 1)
            pieces.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(pieces, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all ``n_classes`` classes for ``(N, in_features)`` input.

        Example:
            >>> import ember, ember.nn as nn
            >>> nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6]).log_prob(ember.randn(4, 16)).shape
            torch.Size([4, 10])
        """
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row; the tails run only for rows that need them.

        Example:
            >>> import ember, ember.nn as nn
            >>> nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6]).predict(ember.randn(4, 16)).shape
            torch.Size([4])
        """
        head_output = self.head(input)
        output = argmax(head_output, dim=1)
        not_in_shortlist = output >= self.shortlist_size
        if not bool(not_in_shortlist.any()):
            return output
        if bool(not_in_shortlist.all()):
            return argmax(self._get_full_log_prob(input, head_output), dim=1)
        log_prob = self._get_full_log_prob(input[not_in_shortlist], head_output[not_in_shortlist])
        output[not_in_shortlist] = argmax(log_prob, dim=1)
        return output
