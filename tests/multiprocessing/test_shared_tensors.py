"""ember.multiprocessing: tensors cross processes through shared memory (writes are seen
on both sides), with every start method; share_memory_/is_shared; spawn's error reports.
"""

import os
import pickle

import numpy as np
import pytest

import ember
import ember.multiprocessing as mp
from ember import nn

pytestmark = pytest.mark.timeout(120)

METHODS = ["fork", "spawn", "forkserver"]


# ---------------------------------------------------------------- child functions
def _add_one_and_report(queue, done):
    t = queue.get()
    done.put((t.is_shared(), t.tolist()))
    t.add_(1)
    done.put("written")


def _make_and_send(queue, seen):
    t = ember.arange(4.0)
    queue.put(t)
    assert seen.get(timeout=60) == "parent wrote"
    seen.put(t.tolist())


def _send_two_views(queue, received):
    base = ember.arange(6.0)
    queue.put((base[:3], base[3:], base))
    received.wait(60)  # the sender must outlive the unpickling (descriptors come from it)


def _scale(t):
    return t * 2


def _fill_in_pool(t):
    t.fill_(7.0)
    return t.is_shared()


# ------------------------------------------------------------------------- tests
def test_share_memory_is_in_place_and_keeps_views():
    x = ember.arange(12.0).reshape(3, 4)
    row = x[1]
    assert not x.is_shared()
    assert x.share_memory_() is x
    assert x.is_shared() and row.is_shared()
    row.fill_(-1.0)  # the view still aliases its base after the move
    assert x[1].tolist() == [-1.0] * 4
    assert x.tolist()[0] == [0.0, 1.0, 2.0, 3.0]
    assert ember.zeros(0).share_memory_().numel() == 0


def test_module_share_memory_moves_parameters_buffers_and_grads():
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    net.register_buffer("steps", ember.zeros(1))
    net(ember.ones(2, 3)).sum().backward()
    before = [p.detach().clone() for p in net.parameters()]
    assert net.share_memory() is net
    assert all(p.is_shared() and p.grad.is_shared() for p in net.parameters())
    assert net.steps.is_shared()
    for p, b in zip(net.parameters(), before):
        assert ember.equal(p.detach(), b)
        assert isinstance(p, nn.Parameter) and p.requires_grad


@pytest.mark.parametrize("method", METHODS)
def test_tensor_sent_through_queue_shares_memory_both_ways(method):
    ctx = mp.get_context(method)
    queue, done = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=_add_one_and_report, args=(queue, done))
    child.start()
    t = ember.tensor([1.0, 2.0, 3.0])
    queue.put(t)
    shared_in_child, values = done.get(timeout=60)
    assert done.get(timeout=60) == "written"
    child.join(60)
    assert child.exitcode == 0
    assert shared_in_child and values == [1.0, 2.0, 3.0]
    assert t.is_shared()
    assert t.tolist() == [2.0, 3.0, 4.0]  # the child's in-place write is visible here

    queue, seen = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=_make_and_send, args=(queue, seen))
    child.start()
    received = queue.get(timeout=60)
    received.mul_(10)
    seen.put("parent wrote")
    assert seen.get(timeout=60) == [0.0, 10.0, 20.0, 30.0]  # and the parent's write is visible there
    child.join(60)
    assert child.exitcode == 0


def test_views_of_one_memory_arrive_sharing_one_mapping():
    ctx = mp.get_context("spawn")
    queue, received = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_send_two_views, args=(queue, received))
    child.start()
    first, second, base = queue.get(timeout=60)
    received.set()
    child.join(60)
    first.fill_(5.0)
    second[0] = 9.0
    assert base.tolist() == [5.0, 5.0, 5.0, 9.0, 4.0, 5.0]
    assert first.data_ptr() == base.data_ptr()


def test_pool_round_trip():
    ctx = mp.get_context("fork")  # pool tasks and results are pickled whatever the start method
    with ctx.Pool(2) as pool:
        out = pool.map(_scale, [ember.ones(3), ember.full((2,), 4.0)])
        assert [o.tolist() for o in out] == [[2.0, 2.0, 2.0], [8.0, 8.0]]
        t = ember.zeros(5)
        assert pool.apply(_fill_in_pool, (t,)) is True
    assert t.tolist() == [7.0] * 5  # the worker wrote into our memory


def test_pipe_and_simple_queue():
    ctx = mp.get_context("fork")
    a, b = ctx.Pipe()
    t = ember.zeros(2)
    a.send(t)
    got = b.recv()
    got.fill_(3.0)
    assert t.tolist() == [3.0, 3.0]
    q = ctx.SimpleQueue()
    q.put({"weights": t})
    q.get()["weights"].add_(1.0)
    assert t.tolist() == [4.0, 4.0]


@pytest.mark.parametrize("dtype", [ember.float64, ember.int64, ember.bool, ember.float16, ember.bfloat16])
def test_dtypes_strides_and_autograd_flags_survive(dtype):
    base = ember.arange(12).reshape(3, 4).to(dtype)
    view = base.t()[1:]  # non-contiguous, offset
    back = pickle.loads(mp.reductions.reduction.ForkingPickler.dumps(view))
    assert back.dtype == dtype and back.shape == view.shape and back.stride() == view.stride()
    assert ember.equal(back, view)
    leaf = ember.ones(3, requires_grad=True)
    got = pickle.loads(mp.reductions.reduction.ForkingPickler.dumps(leaf))
    assert got.requires_grad and got.is_leaf
    param = nn.Parameter(ember.ones(2))
    assert type(pickle.loads(mp.reductions.reduction.ForkingPickler.dumps(param))) is nn.Parameter


def test_non_leaf_requiring_grad_is_refused():
    x = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor which requires_grad"):
        mp.reductions.reduction.ForkingPickler.dumps(x)


def test_shared_segments_release_their_descriptors():
    def open_fds():
        return len(os.listdir("/proc/self/fd"))

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")
    import gc

    gc.collect()
    before = open_fds()
    tensors = [ember.ones(100).share_memory_() for _ in range(30)]
    assert open_fds() >= before + 30
    del tensors
    gc.collect()
    assert open_fds() <= before


def _ok(index, out):
    out[index] = index + 1


def _fail(index):
    if index == 1:
        raise ValueError(f"process {index} failed on purpose")


def _exit_three(index):
    os._exit(3)


def test_spawn_runs_fn_with_index():
    out = ember.zeros(2).share_memory_()
    mp.spawn(_ok, args=(out,), nprocs=2)
    assert out.tolist() == [1.0, 2.0]


def test_start_processes_reports_errors_and_exit_codes():
    with pytest.raises(mp.ProcessRaisedException, match="process 1 failed on purpose") as info:
        mp.start_processes(_fail, nprocs=2, start_method="fork")
    assert "-- Process 1 terminated with the following error:" in str(info.value)
    assert "Traceback" in str(info.value) and info.value.error_index == 1
    with pytest.raises(mp.ProcessExitedException, match="terminated with exit code 3") as exited:
        mp.start_processes(_exit_three, nprocs=1, start_method="fork")
    assert exited.value.exit_code == 3
    out = ember.zeros(1).share_memory_()
    context = mp.start_processes(_ok, args=(out,), nprocs=1, join=False, start_method="fork")
    assert isinstance(context, mp.ProcessContext)
    while not context.join():
        pass
    assert out.tolist() == [1.0]


def test_drop_in_namespace():
    import multiprocessing

    for name in ["Process", "Queue", "SimpleQueue", "Pipe", "Pool", "get_context", "set_start_method",
                 "get_start_method", "cpu_count", "Event", "Lock", "Manager"]:
        assert hasattr(mp, name), name
    assert mp.get_all_start_methods() == multiprocessing.get_all_start_methods()
    assert mp.get_sharing_strategy() == "file_descriptor"
    assert "file_system" in mp.get_all_sharing_strategies()
    with pytest.raises(ValueError, match="invalid sharing strategy"):
        mp.set_sharing_strategy("carrier_pigeon")
    assert isinstance(np.asarray(ember.ones(2).share_memory_()), np.ndarray)
