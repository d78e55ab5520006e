"""Running DataParallel replicas concurrently, one thread per replica.

Each thread inherits the caller's grad mode (which is thread-local) and stores its
output or its exception; the first exception is re-raised in the caller with the
replica's traceback attached.  NumPy releases the GIL inside its kernels (matrix
products, most elementwise math), so replicas overlap on several cores.

Example:
    >>> import ember, ember.nn as nn
    >>> from ember.nn.parallel.parallel_apply import parallel_apply
    >>> net = nn.Linear(2, 1)
    >>> [o.shape for o in parallel_apply([net, net], [(ember.ones(3, 2),), (ember.ones(1, 2),)])]
    [torch.Size([3, 1]), torch.Size([1, 1])]
"""

from __future__ import annotations

import threading
import traceback

from ...autograd.grad_mode import is_grad_enabled, set_grad_enabled

__all__ = ["parallel_apply"]


class _ReplicaError:
    def __init__(self, index: int, exc: BaseException):
        self.index = index
        self.exc = exc
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        exc = self.exc
        note = f"Caught {type(exc).__name__} in replica {self.index}.\nOriginal {self.text}"
        if hasattr(exc, "add_note"):
            exc.add_note(note)
        raise exc


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None) -> list:
    """Apply ``modules[i]`` to ``inputs[i]`` (and ``kwargs_tup[i]``) in parallel threads."""
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs {len(inputs)}")
    if kwargs_tup is not None:
        if len(modules) != len(kwargs_tup):
            raise AssertionError(
                f"The number of modules {len(modules)} is not equal to the number of kwargs {len(kwargs_tup)}"
            )
    else:
        kwargs_tup = ({},) * len(modules)
    results: list = [None] * len(modules)
    grad_enabled = is_grad_enabled()

    def worker(i, module, inp, kwargs):
        try:
            with set_grad_enabled(grad_enabled):
                if not isinstance(inp, (list, tuple)):
                    inp = (inp,)
                results[i] = module(*inp, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            results[i] = _ReplicaError(i, exc)

    if len(modules) > 1:
        threads = [threading.Thread(target=worker, args=(i, m, x, k), daemon=True)
                   for i, (m, x, k) in enumerate(zip(modules, inputs, kwargs_tup))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        worker(0, modules[0], inputs[0], kwargs_tup[0])
    for result in results:
        if isinstance(result, _ReplicaError):
            result.reraise()
    return results


