"""DistributedDataParallel: one model replica per rank, gradients averaged during backward.

How a step runs (``ddp(x)``, ``loss.backward()``, ``opt.step()``):

1. **Construction** checks that every rank has the same parameters (names, shapes,
   dtypes), broadcasts parameters and buffers from rank 0, and lays the parameters that
   require grad out in **buckets**: in reverse registration order (roughly the order
   backward produces their gradients), per dtype, the first bucket capped at 1 MiB and
   the others at ``bucket_cap_mb`` (25 MB), as torch does.  Each bucket owns one flat
   NumPy buffer.  A post-accumulate-grad hook is registered on every parameter.
2. **Forward** (outside ``no_sync()``, with grad enabled) arms the hooks for one
   backward pass; with ``broadcast_buffers`` it first broadcasts rank 0's buffers, and
   with ``find_unused_parameters`` it walks the autograd graph from the outputs to find
   the parameters this pass will not reach.
3. **Backward**: when a parameter's gradient is final, its hook copies it (divided by
   the world size) into its bucket slot.  A bucket whose slots are all filled starts a
   non-blocking MPI ``Iallreduce`` at once, so communication runs while backward goes on
   computing the earlier layers' gradients; buckets start strictly in bucket order (the
   same order on every rank, as MPI requires).  Every hook also polls the in-flight
   reductions, which is what moves them forward (MPI progresses inside MPI calls).
4. **End of backward**: the first hook of the pass queued a callback with the autograd
   engine (``ember.autograd.engine.queue_callback``, torch's mechanism); it runs after
   the last gradient was computed, waits for every bucket, and writes the averages back
   into ``param.grad``.  So when ``backward()`` returns, the gradients are synchronized.
   If some parameters received no gradient and ``find_unused_parameters`` is off, it
   raises a RuntimeError naming them instead.

Example (run under ``python -m ember.distributed.run --nproc-per-node 2``):
    >>> # dist.init_process_group("mpi")
    >>> # model = DistributedDataParallel(nn.Linear(4, 2))
    >>> # model(x).sum().backward()          # grads are averaged over the ranks
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..._tensor import Tensor
from ...autograd.engine import queue_callback
from ...autograd.function import reachable_leaves
from ...autograd.grad_mode import is_grad_enabled
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024
_BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024


class _Bucket:
    """Parameters whose gradients are all-reduced together through one flat buffer."""

    def __init__(self, index: int, params: list, indices: list, dtype):
        self.index = index
        self.params = params
        self.indices = indices
        self.offsets = []
        offset = 0
        for p in params:
            self.offsets.append(offset)
            offset += p.numel()
        self.buffer = np.zeros(offset, dtype=dtype)
        self.pending = len(params)
        self.ready = False
        self.work = None

    def slot(self, position: int) -> np.ndarray:
        start = self.offsets[position]
        return self.buffer[start:start + self.params[position].numel()]


def _tensors_in(obj, found: list) -> list:
    if isinstance(obj, Tensor):
        found.append(obj)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _tensors_in(item, found)
    elif isinstance(obj, dict):
        for item in obj.values():
            _tensors_in(item, found)
    return found


def _reachable_leaves(outputs) -> set:
    """ids of the leaf tensors whose gradient a backward from ``outputs`` will compute."""
    return {id(leaf) for leaf in reachable_leaves(_tensors_in(outputs, []))}


class _PassState:
    """What one synchronized backward pass has done so far (plain attributes: the hooks
    update them on the hot path, where Module.__setattr__ would cost)."""

    def __init__(self, n_params: int):
        self.armed = False  # the next backward pass is to be synchronized
        self.in_backward = False
        self.unused: list = []
        self.ready = [False] * n_params
        self.next_bucket = 0


class DistributedDataParallel(Module):
    """Data parallelism over the ranks of a process group, with torch's API.

    Args:
        module: the model (every rank builds the same one).
        device_ids, output_device, dim: accepted for torch compatibility (CPU tensors).
        broadcast_buffers: broadcast rank 0's buffers at the start of each forward.
        process_group: the group to average over (default: the default group).
        bucket_cap_mb: bucket size limit in MB (default 25; the first bucket is 1 MiB).
        find_unused_parameters: walk the graph after each forward so that parameters the
            loss does not use do not stall the reduction; without it, such parameters are
            an error reported at the end of backward.
        gradient_as_bucket_view: ``param.grad`` becomes a view into the bucket buffer,
            saving a copy (gradients keep that memory until set to None).
        check_reduction, static_graph, ...: accepted, no effect.

    Example (under ``python -m ember.distributed.run --nproc-per-node 2``):
        >>> # ddp = DistributedDataParallel(model); opt = ember.optim.SGD(ddp.parameters(), lr=0.1)
        >>> # opt.zero_grad(); loss_fn(ddp(x), y).backward(); opt.step()
    """

    def __init__(
        self,
        module: Module,
        device_ids=None,
        output_device=None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group=None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params=None,
        param_to_hook_all_reduce=None,
        mixed_precision=None,
        device_mesh=None,
    ):
        super().__init__()
        from ...distributed._world import resolve_group

        group = resolve_group(process_group)
        if group is None:
            raise ValueError("DistributedDataParallel: this rank is not a member of process_group")
        self.module = module
        self.process_group = group
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._named_params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not self._named_params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient."
            )
        self._world_size = group.size()
        self._verify_same_model()
        self._sync_module_states()
        self._buckets, self._bucket_of = self._build_buckets()
        self._handles = [
            p.register_post_accumulate_grad_hook(self._make_hook(i)) for i, (_, p) in enumerate(self._named_params)
        ]
        self._pass = _PassState(len(self._named_params))

    # ---------------------------------------------------------------- setup
    def _verify_same_model(self) -> None:
        from ...distributed.objects import all_gather_object

        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in self._named_params]
        everyone = [None] * self._world_size
        all_gather_object(everyone, mine, group=self.process_group)
        reference = everyone[0]
        for rank, theirs in enumerate(everyone):
            if theirs == reference:
                continue
            if len(theirs) != len(reference):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but Rank 0 has {len(reference)} params, while "
                    f"rank {self.process_group.ranks[rank]} has inconsistent {len(theirs)} params."
                )
            for a, b in zip(reference, theirs):
                if a != b:
                    raise RuntimeError(
                        f"DDP expects same model across all ranks, but rank 0 has parameter {a[0]} with shape "
                        f"{list(a[1])} and {a[2]}, while rank {self.process_group.ranks[rank]} has {b[0]} with "
                        f"shape {list(b[1])} and {b[2]}."
                    )

    def _tensors_to_sync(self, include_params: bool) -> list:
        tensors = [p for _, p in self.module.named_parameters()] if include_params else []
        tensors += [b for _, b in self.module.named_buffers()]
        return [t for t in tensors if t is not None and t.numel() > 0]

    def _broadcast_coalesced(self, tensors: list) -> None:
        """Broadcast ``tensors`` from the group's rank 0 in a few flat messages, in place."""
        from ...distributed.collectives import broadcast

        root = self.process_group.ranks[0]
        by_dtype: dict = {}
        for t in tensors:
            by_dtype.setdefault(t._array.dtype, []).append(t)
        for dtype, group in by_dtype.items():
            chunk, size = [], 0
            for t in group + [None]:
                if t is not None and (not chunk or size + t._array.nbytes <= _BROADCAST_BUCKET_BYTES):
                    chunk.append(t)
                    size += t._array.nbytes
                    continue
                flat = np.concatenate([c._array.reshape(-1) for c in chunk]).astype(dtype, copy=False)
                broadcast(Tensor._from_array(flat), src=root, group=self.process_group)
                if self.process_group.rank() != 0:
                    offset = 0
                    for c in chunk:
                        n = c._array.size
                        c._array[...] = flat[offset:offset + n].reshape(c._array.shape)
                        c._version_counter[0] += 1
                        offset += n
                chunk, size = ([t], t._array.nbytes) if t is not None else ([], 0)

    def _sync_module_states(self) -> None:
        self._broadcast_coalesced(self._tensors_to_sync(include_params=True))

    def _build_buckets(self):
        """Reverse parameter order, per dtype, first bucket 1 MiB, then ``bucket_cap_mb``."""
        open_buckets: dict = {}  # dtype -> (indices, bytes, limit)
        finished = []
        for index in reversed(range(len(self._named_params))):
            p = self._named_params[index][1]
            dtype = p._array.dtype
            indices, size, limit = open_buckets.get(dtype, ([], 0, min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)))
            if indices and size + p._array.nbytes > limit:
                finished.append((dtype, indices))
                indices, size, limit = [], 0, self.bucket_bytes_cap
            indices.append(index)
            open_buckets[dtype] = (indices, size + p._array.nbytes, limit)
        finished += [(dtype, indices) for dtype, (indices, _, _) in open_buckets.items() if indices]
        buckets, bucket_of = [], {}
        for b, (dtype, indices) in enumerate(finished):
            params = [self._named_params[i][1] for i in indices]
            buckets.append(_Bucket(b, params, indices, dtype))
            for position, i in enumerate(indices):
                bucket_of[i] = (b, position)
        return buckets, bucket_of

    # -------------------------------------------------------------- forward
    def forward(self, *inputs, **kwargs):
        if self.require_forward_param_sync and self.broadcast_buffers and self._world_size > 1:
            buffers = self._tensors_to_sync(include_params=False)
            if buffers:
                self._broadcast_coalesced(buffers)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(output)
        else:
            self._pass.armed = False
        return output

    def _prepare_for_backward(self, output) -> None:
        if self._pass.in_backward:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one: "
                "the previous backward pass of this DistributedDataParallel did not finish its gradient "
                "reduction (was an error raised during it?)."
            )
        self._pass.armed = True
        self._pass.ready = [False] * len(self._named_params)
        self._pass.next_bucket = 0
        for bucket in self._buckets:
            bucket.pending = len(bucket.params)
            bucket.ready = False
            bucket.work = None
        self._pass.unused = []
        if self.find_unused_parameters:
            reached = _reachable_leaves(output)
            self._pass.unused = [i for i, (_, p) in enumerate(self._named_params) if id(p) not in reached]

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this context, forward/backward accumulate gradients locally without
        communication; the first synchronized backward after it averages the sum.

        Example:
            >>> # with ddp.no_sync():
            >>> #     loss_fn(ddp(x1), y1).backward()   # local only
            >>> # loss_fn(ddp(x2), y2).backward()       # averages grads of both micro-batches
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ------------------------------------------------------------- backward
    def _make_hook(self, index: int):
        def hook(param):
            self._on_gradient_ready(index, param)

        return hook

    def _on_gradient_ready(self, index: int, param) -> None:
        if not self._pass.armed:
            return
        if not self._pass.in_backward:
            self._pass.in_backward = True
            queue_callback(self._finish_backward)
            for unused in self._pass.unused:
                self._mark_ready(unused, None)
        if self._pass.ready[index]:
            name = self._named_params[index][0]
            raise RuntimeError(
                f"Expected to mark a variable ready only once: parameter {name} received its gradient twice "
                "in one synchronized iteration (two backward passes after one forward?).  Use no_sync() "
                "for gradient accumulation, or run forward again before each backward."
            )
        self._mark_ready(index, param)
        self._poll_in_flight()

    def _mark_ready(self, index: int, param) -> None:
        b, position = self._bucket_of[index]
        bucket = self._buckets[b]
        slot = bucket.slot(position)
        grad = None if param is None else param.grad
        if grad is None:
            slot[...] = 0
        else:
            garr = grad._array
            if self.gradient_as_bucket_view and np.may_share_memory(garr, slot):
                np.divide(slot, self._world_size, out=slot)
            else:
                np.divide(garr.reshape(-1), self._world_size, out=slot, casting="unsafe")
                if self.gradient_as_bucket_view:
                    param._grad = Tensor._from_array(slot.reshape(garr.shape))
        self._pass.ready[index] = True
        bucket.pending -= 1
        if bucket.pending == 0:
            bucket.ready = True
            self._launch_ready_buckets()

    def _launch_ready_buckets(self) -> None:
        from ...distributed.collectives import all_reduce

        while self._pass.next_bucket < len(self._buckets) and self._buckets[self._pass.next_bucket].ready:
            bucket = self._buckets[self._pass.next_bucket]
            bucket.work = all_reduce(Tensor._from_array(bucket.buffer), group=self.process_group, async_op=True)
            self._pass.next_bucket += 1

    def _poll_in_flight(self) -> None:
        for bucket in self._buckets[: self._pass.next_bucket]:
            if bucket.work is not None and not bucket.work.is_completed():
                return  # MPI progressed the oldest pending reduction; the rest can wait

    def _finish_backward(self) -> None:
        """The engine's final callback: wait for every bucket, write the averaged grads."""
        self._pass.armed = False
        try:
            missing = [i for i, done in enumerate(self._pass.ready) if not done]
            for bucket in self._buckets[: self._pass.next_bucket]:
                bucket.work.wait()
            if missing:
                self._raise_unused(missing)
            used = None
            if self.find_unused_parameters:
                used = self._globally_used()
            for bucket in self._buckets:
                for position, (index, param) in enumerate(zip(bucket.indices, bucket.params)):
                    if used is not None and not used[index]:
                        continue  # no rank produced a gradient: leave .grad as it is
                    self._write_grad(param, bucket.slot(position))
        finally:
            self._pass.in_backward = False

    def _write_grad(self, param, slot: np.ndarray) -> None:
        grad = param._grad
        shape = param._array.shape
        if grad is not None and np.may_share_memory(grad._array, slot):
            grad._version_counter[0] += 1
            return
        if grad is None or grad._requires_grad or not grad._array.flags.writeable or grad._array.shape != shape:
            param.grad = Tensor._from_array(slot.reshape(shape).astype(param._array.dtype, copy=True))
        else:
            np.copyto(grad._array, slot.reshape(shape), casting="unsafe")
            grad._version_counter[0] += 1

    def _globally_used(self) -> np.ndarray:
        from ...distributed._buffers import ReduceOp
        from ...distributed.collectives import all_reduce

        used = np.ones(len(self._named_params), np.int32)
        used[self._pass.unused] = 0
        all_reduce(Tensor._from_array(used), op=ReduceOp.MAX, group=self.process_group)
        return used.astype(bool)

    def _raise_unused(self, missing: list) -> None:
        names = ", ".join(self._named_params[i][0] for i in missing)
        rank = self.process_group.ranks[self.process_group.rank()]
        raise RuntimeError(
            "DistributedDataParallel: these parameters did not receive a gradient in this backward pass "
            f"on rank {rank}: {names} (parameter indices {' '.join(map(str, missing))}).  DDP averages every "
            "parameter's gradient by default, so every parameter must take part in producing the loss.  "
            "Pass find_unused_parameters=True to DistributedDataParallel if some parameters are legitimately "
            "unused, and make sure all forward outputs participate in calculating the loss."
        )

    # --------------------------------------------------------------- misc
    def register_comm_hook(self, state, hook):
        raise NotImplementedError("ember's DistributedDataParallel has no communication hooks")

    def _set_static_graph(self) -> None:
        self.static_graph = True

    def extra_repr(self) -> str:
        return ""
