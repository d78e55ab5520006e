"""``ember bench``: the repository's benchmarks/ workloads in one table, next to PyTorch.

Each ``benchmarks/bench_NAME.py`` script keeps working on its own
(``python benchmarks/bench_core.py``); this command imports them and times their
workloads for ember and, when it is installed, torch, interleaved in one process (so
machine noise hits both alike), and prints one table with the ratio ember/torch (lower
is better).  Without torch it prints ember's times alone.

A benchmark script takes part by defining ``bench_rows(quick: bool, torch) -> list`` of
``(workload, ember_seconds, torch_seconds_or_None)`` (``torch`` is the module or None).
The scripts that predate that hook are driven through their public helpers below
(core, dataloader, and any script with ``make_data()`` and ``build(m, data)`` such as
mlp, lenet and gpt); any other script is run as a subprocess, its
``_timing.print_row`` lines are collected, or else its own report is shown after the
table.  ``distributed`` (MPI jobs, measured against mpi4py) runs only when asked for.

The benchmarks live in the source tree, not in the installed package: this command
finds them next to an editable install (``pip install -e .``), in ./benchmarks, or in
``$EMBER_BENCHMARKS``.

Example:
    $ ember bench --quick --only core
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time

from ._args import OneLineParser, UsageError, fail

ENV_VAR = "EMBER_BENCHMARKS"


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="ember bench",
                           description="Run the benchmarks/ workloads for ember and PyTorch and print one table.")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier, about 3x faster)")
    parser.add_argument("--only", metavar="NAME", action="append",
                        help="run only this benchmark (core, mlp, dataloader, ...); may be repeated")
    parser.add_argument("--list", action="store_true", help="list the benchmarks found and exit")
    parser.add_argument("--torch-threads", type=int, metavar="N",
                        help="torch's intra-op threads (default: torch's own default)")
    parser.add_argument("--dir", metavar="PATH", help=f"the benchmarks folder (default: found automatically, or ${ENV_VAR})")
    return parser


# --------------------------------------------------------------------------- finding the scripts


def find_benchmarks_dir(explicit: str | None = None) -> str | None:
    """The benchmarks/ folder: --dir, $EMBER_BENCHMARKS, next to the package, or ./benchmarks."""
    import ember

    if explicit:
        candidates = [explicit]
    elif os.environ.get(ENV_VAR):
        candidates = [os.environ[ENV_VAR]]
    else:
        package_dir = os.path.dirname(os.path.abspath(ember.__file__))
        candidates = [os.path.join(os.path.dirname(package_dir), "benchmarks"), os.path.join(os.getcwd(), "benchmarks")]
    for path in candidates:
        if path and os.path.isfile(os.path.join(path, "_timing.py")):
            return os.path.abspath(path)
    return None


def discover(bench_dir: str) -> dict[str, str]:
    """``{name: path}`` for every ``bench_NAME.py`` in ``bench_dir``, in a stable order."""
    found = {}
    for entry in sorted(os.listdir(bench_dir)):
        match = re.fullmatch(r"bench_(\w+)\.py", entry)
        if match:
            found[match.group(1)] = os.path.join(bench_dir, entry)
    order = ["core", "mlp", "lenet", "gpt", "dataloader", "distributed"]
    return dict(sorted(found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def load_script(name: str, path: str):
    """Import a benchmark script as a module.

    Its folder is on ``sys.path`` while it loads (for ``from _timing import ...``); then
    ``sys.path`` and ``sys.modules['_timing']`` are put back as they were, so loading
    scripts from several folders leaves no trace.
    """
    saved_path, saved_timing = list(sys.path), sys.modules.pop("_timing", None)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec = importlib.util.spec_from_file_location(f"_ember_bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("_timing", None)
        if saved_timing is not None:
            sys.modules["_timing"] = saved_timing
    return module


def import_torch():
    """torch, or None when it is not installed (ember's times are then shown alone)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# --------------------------------------------------------------------------- timing


def time_pair(timing, ember_fn, torch_fn, quick: bool) -> tuple[float, float | None]:
    """Best-of times of two workloads, interleaved round by round; torch's is None without torch."""
    rounds, repeat = (1, 3) if quick else (3, 5)
    e_best = t_best = float("inf")
    for _ in range(rounds):
        e_best = min(e_best, timing.best_time(ember_fn, repeat=repeat))
        if torch_fn is not None:
            t_best = min(t_best, timing.best_time(torch_fn, repeat=repeat))
    return e_best, (t_best if torch_fn is not None else None)


def _core_rows(module, timing, torch, quick):
    import numpy as np

    import ember

    rng = np.random.default_rng(0)
    tiny = [rng.standard_normal(16).astype(np.float32) for _ in range(3)]
    big = [rng.standard_normal((512, 512)).astype(np.float32), rng.standard_normal((512, 512)).astype(np.float32),
           rng.standard_normal(512).astype(np.float32)]
    rows = []
    for label, factory, arrays in (("tiny graph fwd+bwd (16 floats)", module.tiny_graph, tiny),
                                   ("relu(x@w+b).sum() fwd+bwd 512x512", module.mlp_layer, big)):
        torch_fn = factory(torch, arrays) if torch is not None else None
        rows.append((label, *time_pair(timing, factory(ember, arrays), torch_fn, quick)))
    runs = 2 if quick else 5
    rows.append(("python -c 'import X' wall time", module.import_time("ember", runs),
                 module.import_time("torch", runs) if torch is not None else None))
    return rows


def _split_build(result):
    """``build()`` returns the workloads dict alone or in a tuple after the model: (model, workloads)."""
    if isinstance(result, dict):
        return None, result
    workloads = next(part for part in reversed(result) if isinstance(part, dict))
    return result[0], workloads


def _model_rows(module, timing, torch, quick):
    """Scripts with ``make_data()`` and ``build(m, data)`` (mlp, lenet, gpt): a training step, a forward."""
    import inspect

    import ember

    data = module.make_data()  # some scripts draw torch's default init here: torch required
    torch_model, theirs = _split_build(module.build(torch, data)) if torch is not None else (None, None)
    if torch_model is not None and "reference" in inspect.signature(module.build).parameters:
        _, ours = _split_build(module.build(ember, data, reference=torch_model))  # identical weights
    else:
        _, ours = _split_build(module.build(ember, data))
    batch = getattr(module, "BATCH", None)
    rows = []
    for name in ("train_step", "forward_no_grad"):
        if name not in ours:
            continue
        torch_fn = theirs[name] if theirs is not None else None
        label = f"{name} (batch {batch})" if batch else name
        rows.append((label, *time_pair(timing, ours[name], torch_fn, quick)))
    return rows


def _dataloader_rows(module, timing, torch, quick):
    import ember

    rows = []
    rounds = 1 if quick else 3
    for workers in (0, 2):
        loaders = {"ember": module.make_loaders(ember, workers)}
        if torch is not None:
            loaders["torch"] = module.make_loaders(torch, workers)
        best = dict.fromkeys(loaders, float("inf"))
        for _ in range(rounds):
            for key, loader in loaders.items():
                best[key] = min(best[key], module.time_epoch(loader)[0])
        rows.append((f"DataLoader epoch 60000x784, num_workers={workers}", best["ember"], best.get("torch")))
        del loaders
    return rows


ADAPTERS = {"core": _core_rows, "dataloader": _dataloader_rows}
# Scripts that measure something other than ember against torch, or start jobs of their own.
RUN_ONLY_WHEN_ASKED = {"distributed": "starts MPI jobs and compares with mpi4py: `ember bench --only distributed`"}

# ``name  ember  1.2345 ms  torch  2.3456 ms  ratio ...`` as benchmarks/_timing.print_row writes it
_ROW = re.compile(r"^(?P<name>.+?)\s+ember\s+(?P<e>[\d.]+) ms\s+torch\s+(?P<t>[\d.]+) ms")


def _subprocess_rows(path: str, quick: bool, torch_threads: int | None):
    """Run a script on its own; the rows it printed with ``_timing.print_row``, and its output."""
    env = dict(os.environ)
    if torch_threads is not None:
        env["OMP_NUM_THREADS"] = str(torch_threads)
    command = [sys.executable, path] + (["--quick"] if quick and "--quick" in _read(path) else [])
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise RuntimeError(f"{os.path.basename(path)} failed: {last}")
    rows = []
    for line in done.stdout.splitlines():
        match = _ROW.match(line.strip())
        if match:
            rows.append((match["name"].strip(), float(match["e"]) / 1e3, float(match["t"]) / 1e3))
    return rows, done.stdout


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_benchmark(name: str, path: str, timing, torch, quick: bool, torch_threads: int | None):
    """``(rows, own_output)``: rows ``(workload, ember_s, torch_s | None)``; the script's own
    printout when it was run as a subprocess and printed no rows to collect."""
    module = load_script(name, path)
    if hasattr(module, "bench_rows"):
        return list(module.bench_rows(quick=quick, torch=torch)), ""
    if name in ADAPTERS:
        return ADAPTERS[name](module, timing, torch, quick), ""
    if hasattr(module, "make_data") and hasattr(module, "build"):
        try:
            return _model_rows(module, timing, torch, quick), ""
        except ImportError as e:
            raise RuntimeError(f"{os.path.basename(path)} needs {e.name or 'a missing package'}") from None
    rows, output = _subprocess_rows(path, quick, torch_threads)
    return rows, ("" if rows else output)


# --------------------------------------------------------------------------- the table


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} us"


def format_table(rows: list, with_torch: bool) -> str:
    """``rows`` of ``(benchmark, workload, ember_s, torch_s)`` as an aligned text table."""
    header = ["benchmark", "workload", "ember"] + (["torch", "ember/torch"] if with_torch else [])
    body = []
    for bench, workload, ember_s, torch_s in rows:
        line = [bench, workload, _format_seconds(ember_s)]
        if with_torch:
            ratio = f"{ember_s / torch_s:.2f}x" if torch_s else "-"
            line += [_format_seconds(torch_s), ratio]
        body.append(line)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    right = {2, 3, 4}

    def fmt(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule] + [fmt(r) for r in body])


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as e:
        return fail(str(e), 2)
    bench_dir = find_benchmarks_dir(args.dir)
    if bench_dir is None:
        where = f"--dir {args.dir}" if args.dir else "next to the ember package or in ./benchmarks"
        return fail(f"ember bench: no benchmarks/ folder found ({where}); the benchmarks ship with the source "
                    f"tree: run from a checkout installed with `pip install -e .`, or set {ENV_VAR}=PATH", 1)
    scripts = discover(bench_dir)
    if args.list:
        print("\n".join(f"{name:<12} {path}" for name, path in scripts.items()))
        return 0
    if args.only:
        unknown = [n for n in args.only if n not in scripts]
        if unknown:
            return fail(f"ember bench: --only {unknown[0]}: no such benchmark (found: {', '.join(scripts)})", 2)
        scripts = {n: p for n, p in scripts.items() if n in args.only}
        skipped = {}
    else:
        skipped = {n: reason for n, reason in RUN_ONLY_WHEN_ASKED.items() if n in scripts}
        scripts = {n: p for n, p in scripts.items() if n not in skipped}

    torch = import_torch()
    if torch is not None and args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)
    timing = load_script("_timing", os.path.join(bench_dir, "_timing.py"))
    if torch is None:
        print("torch is not installed: ember's times alone (pip install torch to compare)")
    else:
        print(f"torch {torch.__version__} at {torch.get_num_threads()} threads; ratio = ember time / torch time "
              "(lower is better)")

    rows, failures, own_outputs = [], [], {}
    start = time.perf_counter()
    for name, path in scripts.items():
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            found, own_output = run_benchmark(name, path, timing, torch, args.quick, args.torch_threads)
        except Exception as e:  # noqa: BLE001 - one broken script must not hide the others' results
            failures.append(f"{name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        rows += [(name, workload, ember_s, torch_s) for workload, ember_s, torch_s in found]
        if own_output:
            own_outputs[name] = own_output.rstrip()
    if rows:
        print(format_table(rows, with_torch=torch is not None))
    for name, output in own_outputs.items():
        print(f"\n-- {name} (its own report) --\n{output}")
    for line in failures:
        print(f"not run: {line}")
    for name, reason in skipped.items():
        print(f"skipped: {name} ({reason})")
    print(f"({len(rows)} workloads from {len(scripts)} scripts in {bench_dir}, {time.perf_counter() - start:.0f} s)")
    return 1 if failures and not rows else 0
