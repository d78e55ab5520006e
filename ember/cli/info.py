"""``ember info``: what this installation runs on (versions, BLAS, threads, extras)."""

from __future__ import annotations

import importlib.util
import os
import platform
import sys

OPTIONAL_EXTRAS = {
    "ml_dtypes": "bfloat16 tensors (extra: bfloat16)",
    "mpi4py": "distributed training over MPI (extra: mpi)",
    "matplotlib": "training-curve plots (extra: plot)",
    "graphviz": "graph drawing through the graphviz package (extra: graph)",
    "PIL": "PIL images in vision transforms and ImageFolder (extra: vision)",
    "safetensors": "the safetensors package (extra: safetensors)",
    "cupy": "CUDA tensors through CuPy",
    "tqdm": "progress bars",
    "torch": "PyTorch (the test oracle)",
}


def _openblas_threads() -> int | None:
    """The BLAS library's thread count, asked of the library NumPy loaded (None if unknown)."""
    from .. import _threads

    return _threads.get_num_threads() if _threads.blas_is_controllable() else None


def _blas_info() -> list[str]:
    """BLAS library and thread counts, through threadpoolctl when present."""
    lines = []
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import numpy as np

        cfg = np.show_config(mode="dicts") if "mode" in np.show_config.__code__.co_varnames else None
        if cfg:
            blas = cfg.get("Build Dependencies", {}).get("blas", {})
            threads = _openblas_threads()
            suffix = f" ({threads} threads)" if threads is not None else ""
            lines.append(f"BLAS: {blas.get('name', '?')} {blas.get('version', '')}".rstrip() + suffix)
        return lines
    for pool in threadpool_info():
        lines.append(f"BLAS: {pool.get('internal_api')} {pool.get('version')} ({pool.get('num_threads')} threads)")
    return lines


# import name -> distribution name, where they differ
_DISTRIBUTIONS = {"PIL": "pillow"}


def _distribution_version(module: str) -> str | None:
    """The installed version of a package, read from its metadata (nothing is imported)."""
    from importlib import metadata

    try:
        return metadata.version(_DISTRIBUTIONS.get(module, module))
    except metadata.PackageNotFoundError:
        return None


def collect() -> list[str]:
    import numpy as np

    import ember

    lines = [
        f"ember: {ember.__version__}",
        f"Python: {sys.version.split()[0]} ({platform.python_implementation()}) on {platform.platform()}",
        f"NumPy: {np.__version__}",
    ]
    lines += _blas_info()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines.append(f"CPU cores: {os.cpu_count()}" + (f" ({usable} usable by this process)" if usable != os.cpu_count() else ""))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"{var}={os.environ[var]}")
    from ember._device import cuda_available

    lines.append(f"Devices: cpu{', cuda (CuPy)' if cuda_available() else ''}")
    lines.append("Optional packages:")
    for module, purpose in OPTIONAL_EXTRAS.items():
        present = importlib.util.find_spec(module) is not None
        version = _distribution_version(module) if present else None
        lines.append(f"  [{'x' if present else ' '}] {module:<12} {version or '':<12} {purpose}")
    import shutil

    lines.append(f"  [{'x' if shutil.which('dot') else ' '}] {'dot':<12} {'':<12} Graphviz renderer for ember.viz.draw_graph PNGs")
    mpiexec = shutil.which("mpiexec") or (
        os.path.join(os.path.dirname(sys.executable), "mpiexec")
        if os.path.exists(os.path.join(os.path.dirname(sys.executable), "mpiexec"))
        else None
    )
    lines.append(f"  [{'x' if mpiexec else ' '}] {'mpiexec':<12} {'':<12} MPI launcher for ember.distributed.run")
    return lines


def main(argv=None) -> int:
    print("\n".join(collect()))
    return 0
