"""The `ember` command: dispatch, `ember info`, and `ember bench` with and without torch."""

import os
import shutil
import subprocess
import sys

import pytest

from ember import __main__ as entry
from ember.cli import bench

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCHMARKS = os.path.join(REPO, "benchmarks")


def test_usage_and_unknown_command(capsys):
    assert entry.main([]) == 0
    out = capsys.readouterr().out
    assert "usage: ember COMMAND" in out and all(name in out for name in ("demo", "info", "bench"))
    assert entry.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_python_dash_m_and_console_script():
    done = subprocess.run([sys.executable, "-m", "ember", "--help"], check=False, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "commands:" in done.stdout
    script = shutil.which("ember", path=os.path.dirname(sys.executable)) or shutil.which("ember")
    if script is None:
        pytest.skip("the `ember` console script is not on PATH (ember not pip-installed)")
    done = subprocess.run([script, "info"], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("ember: ")


def test_info_lists_versions_and_extras(capsys):
    assert entry.main(["info"]) == 0
    out = capsys.readouterr().out
    for fragment in ("ember: ", "Python: ", "NumPy: ", "CPU cores: ", "Devices: cpu", "matplotlib", "mpi4py"):
        assert fragment in out


# ---------------------------------------------------------------- bench


def _fake_benchmarks(tmp_path):
    """A benchmarks folder with a bench_rows() script, standalone scripts and a broken one."""
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    shutil.copy(os.path.join(BENCHMARKS, "_timing.py"), folder / "_timing.py")
    (folder / "bench_toy.py").write_text(
        "def bench_rows(quick, torch):\n"
        "    return [('toy sum', 0.002, None if torch is None else 0.004)]\n"
    )
    main_guard = "\n\nif __name__ == '__main__':\n    main()\n"
    (folder / "bench_legacy.py").write_text(
        "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
        "from _timing import print_row\n\n\ndef main():\n    print_row('legacy op', 0.001, 0.002)" + main_guard
    )
    (folder / "bench_report.py").write_text("def main():\n    print('my own table: 42 widgets/s')" + main_guard)
    (folder / "bench_broken.py").write_text("def main():\n    raise ValueError('kaput')" + main_guard)
    (folder / "bench_distributed.py").write_text("def main():\n    print('mpi jobs')" + main_guard)
    return folder


def test_bench_table_with_torch(tmp_path, capsys, monkeypatch):
    folder = _fake_benchmarks(tmp_path)
    monkeypatch.setattr(bench, "import_torch", lambda: pytest.importorskip("torch"))
    assert bench.main(["--dir", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["benchmark", "workload", "ember", "torch", "ember/torch"]
    row = next(line for line in lines if line.startswith("toy"))
    assert "toy sum" in row and "2.000 ms" in row and "4.000 ms" in row and row.rstrip().endswith("0.50x")
    # a script without bench_rows() runs on its own; its print_row lines are collected
    row = next(line for line in lines if line.startswith("legacy"))
    assert "legacy op" in row and "1.000 ms" in row and "2.000 ms" in row and row.rstrip().endswith("0.50x")
    # one that prints something else is shown as it is, after the table
    assert "-- report (its own report) --" in lines and "my own table: 42 widgets/s" in lines
    # a failing script is named with its error; the others still report
    assert any(line.startswith("not run: broken") and "kaput" in line for line in lines)
    # the distributed benchmark runs only when asked for
    assert any(line.startswith("skipped: distributed") for line in lines) and "mpi jobs" not in lines


def test_bench_without_torch_shows_ember_alone(tmp_path, capsys, monkeypatch):
    folder = _fake_benchmarks(tmp_path)
    monkeypatch.setattr(bench, "import_torch", lambda: None)
    path_before = list(sys.path)
    assert bench.main(["--dir", str(folder), "--only", "toy", "--only", "legacy"]) == 0
    assert sys.path == path_before and "_timing" not in sys.modules  # loading the scripts left no trace
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("torch is not installed")
    assert lines[1].split() == ["benchmark", "workload", "ember"]
    assert any(line.startswith("toy") and line.rstrip().endswith("2.000 ms") for line in lines)
    assert any(line.startswith("legacy") and line.rstrip().endswith("1.000 ms") for line in lines)
    assert not any("not run" in line or "skipped" in line for line in lines)


def test_bench_real_core_script_without_torch(capsys, monkeypatch):
    # Hide torch entirely: `import torch` raises ImportError for the script and for bench.
    monkeypatch.setitem(sys.modules, "torch", None)
    assert bench.import_torch() is None
    assert bench.main(["--quick", "--only", "core", "--dir", BENCHMARKS]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("core ")]
    assert len(rows) == 3 and any("tiny graph" in r for r in rows) and any("import" in r for r in rows)
    assert "not run" not in out


def test_bench_usage_errors(capsys, tmp_path):
    assert bench.main(["--only", "no_such_bench", "--dir", BENCHMARKS]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such benchmark" in err and "core" in err
    assert bench.main(["--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no benchmarks/ folder found" in err
    assert bench.main(["--quick=3"]) == 2
    assert capsys.readouterr().err.startswith("ember bench:")


def test_bench_finds_the_repository_folder(capsys):
    assert bench.find_benchmarks_dir() == os.path.realpath(BENCHMARKS) or bench.find_benchmarks_dir() == BENCHMARKS
    assert bench.main(["--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names[0] == "core" and "dataloader" in names and "mlp" in names


def test_format_table_ratios():
    table = bench.format_table([("core", "a", 0.003, 0.001), ("core", "b", 2.5, None)], with_torch=True)
    lines = table.splitlines()
    assert lines[0].split() == ["benchmark", "workload", "ember", "torch", "ember/torch"]
    assert lines[2].endswith("3.00x") and "3.000 ms" in lines[2] and "1.000 ms" in lines[2]
    assert lines[3].rstrip().endswith("-") and "2.500 s" in lines[3]


def test_info_reports_openblas_threads():
    import numpy as np

    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {}).get("name", "")
    if "openblas" not in blas or not os.path.exists("/proc/self/maps"):
        pytest.skip(f"NumPy's BLAS is {blas!r}, not OpenBLAS on Linux")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "ember", "info"], check=False, capture_output=True, text=True,
                          timeout=60, env=env)
    blas_line = next(line for line in done.stdout.splitlines() if line.startswith("BLAS:"))
    assert blas_line.endswith("(1 threads)"), blas_line
    assert "OPENBLAS_NUM_THREADS=1" in done.stdout
