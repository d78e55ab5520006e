"""ember.distributed without starting MPI: lazy import, errors before init, ReduceOp and
Backend, the launcher's command line, and the engine's end-of-backward callbacks."""

import subprocess
import sys
from datetime import timedelta

import pytest
import torch
import torch.distributed as tdist

import ember
import ember.distributed as dist
from ember.autograd.engine import queue_callback
from ember.distributed import run


def test_importing_ember_does_not_import_mpi4py():
    code = (
        "import sys, ember, ember.distributed, ember.nn.parallel, ember.utils.data.distributed\n"
        "import ember.multiprocessing\n"
        "assert 'mpi4py' not in sys.modules, sorted(m for m in sys.modules if 'mpi' in m)\n"
        "print('clean')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.strip() == "clean", out.stderr


def test_queries_before_init_raise_torchs_error():
    assert not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(ember.ones(1))
    assert dist.is_available() == dist.is_mpi_available()


def test_reduce_op_and_backend_look_like_torchs():
    assert repr(dist.ReduceOp.SUM) == repr(tdist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert getattr(dist.ReduceOp, name).value == getattr(tdist.ReduceOp, name).value
        assert getattr(dist.ReduceOp, name) == getattr(dist.ReduceOp.RedOpType, name)
    assert dist.Backend("MPI") == dist.Backend.MPI == "mpi"
    assert dist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER
    assert dist.default_pg_timeout == timedelta(minutes=30)
    assert issubclass(dist.DistBackendError, RuntimeError)


def test_unknown_backend_is_refused_before_mpi_starts():
    with pytest.raises(ValueError, match="no backend 'ucc'"):
        dist.init_process_group("ucc")
    assert not dist.is_initialized()


def test_launcher_command_line():
    args = run.parse_args(["--nproc_per_node=3", "--master-port", "1234", "train.py", "--lr", "0.1"])
    assert args.nproc_per_node == 3 and args.training_script == "train.py"
    assert args.training_script_args == ["--lr", "0.1"]
    args.mpiexec = "/opt/mpi/bin/mpiexec"
    command = run.build_command(args)
    assert command[:3] == ["/opt/mpi/bin/mpiexec", "-n", "3"]
    assert command[3] == sys.executable and command[4].endswith("_rank_entry.py")
    assert command[5:] == ["train.py", "--lr", "0.1"]
    env = run.build_environment(args)
    assert (env["WORLD_SIZE"], env["LOCAL_WORLD_SIZE"], env["MASTER_PORT"]) == ("3", "3", "1234")
    assert "RANK" not in env and env["TORCHELASTIC_RUN_ID"]
    module = run.parse_args(["--nproc-per-node", "2", "-m", "pkg.train", "x"])
    module.mpiexec = "mpiexec"
    assert run.build_command(module)[5:] == ["-m", "pkg.train", "x"]
    with pytest.raises(SystemExit):
        run.parse_args(["--nnodes", "2", "--nproc-per-node", "2", "train.py"])


def test_rank_entry_exports_torchrun_variables(tmp_path):
    script = tmp_path / "show.py"
    script.write_text("import os, sys\nprint(os.environ['RANK'], os.environ['LOCAL_RANK'], "
                      "os.environ['WORLD_SIZE'], os.environ['ROLE_RANK'], sys.argv[1:])\n")
    entry = run.build_command(run.parse_args(["--mpiexec", "x", str(script)]))[4]
    env = {"PATH": "/usr/bin:/bin", "PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"}
    out = subprocess.run([sys.executable, entry, str(script), "--flag"], env=env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.stdout.split() == ["3", "1", "4", "3", "['--flag']"], out.stderr


def test_queue_callback_runs_after_the_whole_backward_pass():
    x = ember.ones(3, requires_grad=True)
    w = ember.full((3,), 2.0, requires_grad=True)
    seen = []

    def hook(param):
        if not seen:
            queue_callback(lambda: seen.append(("final", x.grad is not None and w.grad is not None)))
        seen.append("hook")

    x.register_post_accumulate_grad_hook(hook)
    w.register_post_accumulate_grad_hook(hook)
    ((x * w).sum() * 3).backward()
    assert seen == ["hook", "hook", ("final", True)]
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass"):
        queue_callback(lambda: None)


def test_queue_callback_matches_torch_order():
    def run_with(lib, queue):
        a = lib.ones(2, requires_grad=True)
        log = []

        def hook(grad):
            queue(lambda: log.append("callback"))
            log.append("hook")

        a.register_hook(hook)
        (a * 2).sum().backward()
        log.append("after backward")
        return log

    ours = run_with(ember, queue_callback)
    theirs = run_with(torch, torch.autograd.Variable._execution_engine.queue_callback)
    assert ours == theirs == ["hook", "callback", "after backward"]


def test_missing_mpi4py_gives_the_install_hint(monkeypatch):
    from ember.distributed import _mpi

    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if it were not installed
    monkeypatch.setattr(_mpi, "_MPI", None)
    assert not dist.is_mpi_available() and not dist.is_available()
    with pytest.raises(RuntimeError, match=r"mpi4py, which is not installed: pip install 'ember\[mpi\]'"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()
