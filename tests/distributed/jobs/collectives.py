"""Every collective and point-to-point operation checked against NumPy, on each rank.

Run by tests/distributed/test_mpi_collectives.py under ``mpiexec -n 2`` and ``-n 3``.
Each rank builds the same per-rank inputs from fixed seeds, so it can compute with NumPy
what every operation must produce.  Prints ``COLLECTIVES OK rank R`` at the end.
"""

import os
import sys

import numpy as np

import ember
import ember.distributed as dist
from ember.distributed import ReduceOp


def data(rank, shape=(3, 4), dtype=np.float64, salt=0):
    values = np.random.default_rng(1000 * salt + rank).standard_normal(shape) * 3
    return values.astype(dtype) if np.dtype(dtype).kind == "f" else np.round(values).astype(dtype)


def same(name, got, want, **tolerance):
    got = got.numpy() if isinstance(got, ember.Tensor) else np.asarray(got)
    if tolerance:
        np.testing.assert_allclose(got, want, err_msg=name, **tolerance)
    else:
        np.testing.assert_array_equal(got, want, err_msg=name)


def raises(exc_type, fragment, fn):
    try:
        fn()
    except exc_type as exc:
        assert fragment in str(exc), (fragment, str(exc))
        return
    raise AssertionError(f"expected {exc_type.__name__} containing {fragment!r}")


def main():
    assert "mpi4py" not in sys.modules, "importing ember.distributed must not import mpi4py"
    assert not dist.is_initialized()
    dist.init_process_group(backend="mpi", timeout=60)
    assert "mpi4py" in sys.modules and dist.is_initialized() and dist.get_backend() == "mpi"
    r, n = dist.get_rank(), dist.get_world_size()
    assert os.environ["RANK"] == str(r) and os.environ["WORLD_SIZE"] == str(n)
    assert os.environ["LOCAL_RANK"] == str(r) and os.environ["LOCAL_WORLD_SIZE"] == str(n)
    assert os.environ["MASTER_ADDR"] and os.environ["MASTER_PORT"]
    everyone = [data(k) for k in range(n)]

    # all_reduce with every op, float64
    for op, reference in [
        (ReduceOp.SUM, np.sum), (ReduceOp.AVG, np.mean), (ReduceOp.MAX, np.max),
        (ReduceOp.MIN, np.min), (ReduceOp.PRODUCT, np.prod),
    ]:
        t = ember.tensor(everyone[r])
        version = t._version
        assert dist.all_reduce(t, op=op) is None
        same(f"all_reduce {op}", t, reference(np.stack(everyone), axis=0), rtol=1e-12)
        assert t._version > version
    # integer and bitwise ops, bools, half precision, bfloat16, float32
    ints = [data(k, dtype=np.int64, salt=1) for k in range(n)]
    for op, reference in [(ReduceOp.SUM, np.sum), (ReduceOp.BAND, np.bitwise_and.reduce),
                          (ReduceOp.BOR, np.bitwise_or.reduce), (ReduceOp.BXOR, np.bitwise_xor.reduce)]:
        t = ember.tensor(ints[r])
        dist.all_reduce(t, op=op)
        same(f"int64 {op}", t, reference(np.stack(ints), axis=0))
    flags = [data(k, salt=2) > 0 for k in range(n)]
    t = ember.tensor(flags[r])
    dist.all_reduce(t, op=ReduceOp.MAX)
    same("bool MAX (any)", t, np.any(flags, axis=0))
    t = ember.tensor(flags[r])
    dist.all_reduce(t, op=ReduceOp.MIN)
    same("bool MIN (all)", t, np.all(flags, axis=0))
    for dtype in (ember.float16, ember.bfloat16, ember.float32):
        t = ember.tensor(everyone[r]).to(dtype)
        dist.all_reduce(t)
        assert t.dtype == dtype
        expected = np.sum([ember.tensor(e).to(dtype).float().numpy() for e in everyone], axis=0)
        same(f"{dtype} SUM", t.float(), expected, rtol=2e-2, atol=2e-2)
    raises(RuntimeError, "Cannot use ReduceOp.BAND with non-integral dtype",
           lambda: dist.all_reduce(ember.ones(2), op=ReduceOp.BAND))
    # non-contiguous tensors are reduced and written back through their view
    base = ember.tensor(everyone[r]).t()
    dist.all_reduce(base)
    same("non-contiguous", base, np.sum(everyone, axis=0).T, rtol=1e-12)
    # async: a Work handle
    t = ember.tensor(everyone[r])
    work = dist.all_reduce(t, async_op=True)
    assert work.wait() is True and work.is_completed() and work.is_success()
    same("async all_reduce", t, np.sum(everyone, axis=0), rtol=1e-12)
    assert work.result()[0] is t

    # broadcast from every source
    for src in range(n):
        t = ember.tensor(everyone[r])
        dist.broadcast(t, src=src)
        same(f"broadcast from {src}", t, everyone[src])
    # reduce to the last rank (others keep their input)
    t = ember.tensor(everyone[r])
    dist.reduce(t, dst=n - 1, op=ReduceOp.SUM)
    same("reduce", t, np.sum(everyone, axis=0) if r == n - 1 else everyone[r], rtol=1e-12)

    # all_gather (also with a different size per rank), all_gather_into_tensor
    out = [ember.zeros(3, 4, dtype=ember.float64) for _ in range(n)]
    dist.all_gather(out, ember.tensor(everyone[r]))
    for k in range(n):
        same(f"all_gather[{k}]", out[k], everyone[k])
    uneven = [ember.zeros(k + 1, dtype=ember.int64) for k in range(n)]
    dist.all_gather(uneven, ember.full((r + 1,), r, dtype=ember.int64))
    for k in range(n):
        same(f"uneven all_gather[{k}]", uneven[k], np.full(k + 1, k))
    raises(RuntimeError, "expected length", lambda: dist.all_gather([ember.zeros(3, 4)], ember.zeros(3, 4)))
    flat = ember.zeros(n * 3, 4, dtype=ember.float64)
    dist.all_gather_into_tensor(flat, ember.tensor(everyone[r]))
    same("all_gather_into_tensor", flat, np.concatenate(everyone))
    stacked = ember.zeros(n, 3, 4, dtype=ember.float64)
    dist.all_gather_into_tensor(stacked, ember.tensor(everyone[r]))
    same("all_gather_into_tensor stacked", stacked, np.stack(everyone))

    # gather, scatter
    dst = 1 % n
    gathered = [ember.zeros(3, 4, dtype=ember.float64) for _ in range(n)] if r == dst else None
    dist.gather(ember.tensor(everyone[r]), gathered, dst=dst)
    if r == dst:
        for k in range(n):
            same(f"gather[{k}]", gathered[k], everyone[k])
    else:
        raises(ValueError, "must NOT be specified", lambda: dist.gather(ember.zeros(1), [ember.zeros(1)] * n, dst=dst))
    received = ember.zeros(3, 4, dtype=ember.float64)
    pieces = [ember.tensor(everyone[k] * 10) for k in range(n)] if r == 0 else None
    dist.scatter(received, pieces, src=0)
    same("scatter", received, everyone[r] * 10)

    # reduce_scatter, reduce_scatter_tensor
    parts = [ember.tensor(data(r, shape=(2,), salt=10 + k)) for k in range(n)]
    out = ember.zeros(2, dtype=ember.float64)
    dist.reduce_scatter(out, parts)
    same("reduce_scatter", out, np.sum([data(k, shape=(2,), salt=10 + r) for k in range(n)], axis=0), rtol=1e-12)
    whole = ember.tensor(data(r, shape=(n * 2,), salt=20))
    out = ember.zeros(2, dtype=ember.float64)
    dist.reduce_scatter_tensor(out, whole, op=ReduceOp.MAX)
    same("reduce_scatter_tensor", out, np.max([data(k, shape=(n * 2,), salt=20) for k in range(n)], axis=0)[2 * r:2 * r + 2])

    # all_to_all_single (rows), all_to_all (uneven pieces)
    rows = ember.arange(n * 2, dtype=ember.float64) + 100 * r
    out = ember.zeros(n * 2, dtype=ember.float64)
    dist.all_to_all_single(out, rows)
    same("all_to_all_single", out, np.concatenate([np.arange(2 * r, 2 * r + 2) + 100 * k for k in range(n)]))
    sends = [ember.full((k + 1,), float(10 * r + k)) for k in range(n)]
    recvs = [ember.zeros(r + 1) for _ in range(n)]
    dist.all_to_all(recvs, sends)
    for k in range(n):
        same(f"all_to_all[{k}]", recvs[k], np.full(r + 1, 10 * k + r))

    # point to point: a ring, blocking and non-blocking, any-source receive, batches
    if n > 1:
        right, left = (r + 1) % n, (r - 1) % n
        inbox = ember.zeros(3, 4, dtype=ember.float64)
        send_work = dist.isend(ember.tensor(everyone[r]), dst=right, tag=7)
        recv_work = dist.irecv(inbox, src=left, tag=7)
        send_work.wait()
        recv_work.wait()
        same("ring isend/irecv", inbox, everyone[left])
        if r == 0:
            for _ in range(n - 1):
                box = ember.zeros(1)
                sender = dist.recv(box, tag=3)
                same("recv any source", box, [float(sender)])
        else:
            dist.send(ember.tensor([float(r)]), dst=0, tag=3)
        inbox = ember.zeros(2)
        ops = [dist.P2POp(dist.isend, ember.full((2,), float(r)), right), dist.P2POp(dist.irecv, inbox, left)]
        for work in dist.batch_isend_irecv(ops):
            work.wait()
        same("batch_isend_irecv", inbox, [float(left)] * 2)
        raises(ValueError, "should not be the same", lambda: dist.send(ember.ones(1), dst=r))
        if r == 0:
            dist.send(ember.ones(10), dst=1, tag=9)
        elif r == 1:
            raises(dist.DistBackendError, "truncated", lambda: dist.recv(ember.zeros(3), src=0, tag=9))

    # object collectives
    objects = [None] * n
    dist.all_gather_object(objects, {"rank": r, "name": f"r{r}"})
    assert objects == [{"rank": k, "name": f"r{k}"} for k in range(n)], objects
    box = [{"config": [1, 2]}, "x"] if r == 0 else [None, None]
    dist.broadcast_object_list(box, src=0)
    assert box == [{"config": [1, 2]}, "x"], box
    holder = [None] * n if r == 0 else None
    dist.gather_object(r * r, holder, dst=0)
    if r == 0:
        assert holder == [k * k for k in range(n)], holder
    mine = [None]
    dist.scatter_object_list(mine, [f"for {k}" for k in range(n)] if r == 0 else None, src=0)
    assert mine == [f"for {r}"], mine

    # sub-groups: members reduce among themselves, others are not members
    members = [0, n - 1]
    sub = dist.new_group(members)
    if r in members:
        t = ember.tensor(everyone[r])
        dist.all_reduce(t, group=sub)
        same("sub-group all_reduce", t, np.sum([everyone[k] for k in sorted(set(members))], axis=0), rtol=1e-12)
        assert dist.get_rank(sub) == sorted(set(members)).index(r)
        assert dist.get_process_group_ranks(sub) == sorted(set(members))
        assert dist.get_global_rank(sub, dist.get_world_size(sub) - 1) == n - 1
    else:
        assert sub == dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(sub) == -1
    dist.barrier()
    dist.monitored_barrier(timeout=30)
    raises(ValueError, "twice", lambda: dist.init_process_group("mpi"))
    dist.destroy_process_group()
    assert not dist.is_initialized()
    raises(ValueError, "has not been initialized", lambda: dist.get_rank())
    print(f"COLLECTIVES OK rank {r}", flush=True)


if __name__ == "__main__":
    main()
