"""DataParallel: split each batch over several replicas of a module run in threads.

torch's semantics: ``forward`` scatters the inputs along ``dim`` over ``device_ids``,
replicates the module (parameters aliased, so gradients reach the original
parameters), runs the replicas with :func:`parallel_apply` and gathers the outputs on
``output_device``.  With no accelerator and no ``device_ids`` the module runs directly,
as torch does on a CPU-only machine.  ember's addition: explicit ``device_ids`` on a CPU
machine are CPU *slots*, so ``DataParallel(net, device_ids=[0, 1])`` really splits the
batch over two threaded replicas (see ``_devices.py``).

Example:
    >>> import ember, ember.nn as nn
    >>> net = nn.Linear(4, 2)
    >>> dp = nn.DataParallel(net, device_ids=[0, 1])
    >>> dp(ember.ones(6, 4)).shape
    torch.Size([6, 2])
"""

from __future__ import annotations

from ...autograd.grad_mode import is_grad_enabled
from ..modules.module import Module
from ._devices import accelerator_count, slot_index
from .parallel_apply import parallel_apply
from .replicate import replicate
from .scatter_gather import gather, scatter_kwargs

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Data parallelism over the devices (or CPU slots) of one process.

    Args:
        module: the module to parallelize.
        device_ids: the slots to use; default: every GPU, or none on a CPU-only machine
            (then the module runs directly).
        output_device: where outputs are gathered (default ``device_ids[0]``).
        dim: the dimension the inputs are split along (default 0).

    Example:
        >>> import ember, ember.nn as nn
        >>> dp = nn.DataParallel(nn.Linear(3, 1), device_ids=[0, 1, 2])
        >>> dp(ember.randn(5, 3)).sum().backward()
        >>> dp.module.weight.grad.shape
        torch.Size([1, 3])
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.dim = dim
        if device_ids is None:
            device_ids = list(range(accelerator_count()))
        if not device_ids:
            self.device_ids = []
            self.output_device = None
            return
        self.device_ids = [slot_index(d) for d in device_ids]
        self.output_device = slot_index(output_device) if output_device is not None else self.device_ids[0]

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        inputs, module_kwargs = self.scatter(inputs, kwargs, self.device_ids)
        if not inputs and not module_kwargs:
            inputs, module_kwargs = ((),), ({},)
        if len(self.device_ids) == 1:
            return self.module(*inputs[0], **module_kwargs[0])
        replicas = self.replicate(self.module, self.device_ids[: len(inputs)])
        outputs = self.parallel_apply(replicas, inputs, module_kwargs)
        return self.gather(outputs, self.output_device)

    def replicate(self, module: Module, device_ids) -> list:
        return replicate(module, device_ids, not is_grad_enabled())

    def scatter(self, inputs, kwargs, device_ids):
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def parallel_apply(self, replicas, inputs, kwargs) -> list:
        return parallel_apply(replicas, inputs, kwargs, self.device_ids[: len(replicas)])

    def gather(self, outputs, output_device):
        return gather(outputs, output_device, dim=self.dim)


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None):
    """The functional form: run ``module(*inputs)`` data-parallel over ``device_ids``."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if device_ids is None:
        device_ids = list(range(accelerator_count()))
    if not device_ids:
        return module(*inputs, **(module_kwargs or {}))
    device_ids = [slot_index(d) for d in device_ids]
    output_device = slot_index(output_device) if output_device is not None else device_ids[0]
    inputs, module_kwargs = scatter_kwargs(inputs, module_kwargs, device_ids, dim)
    if not inputs and not module_kwargs:
        inputs, module_kwargs = ((),), ({},)
    if len(device_ids) == 1:
        return module(*inputs[0], **module_kwargs[0])
    used = device_ids[: len(inputs)]
    replicas = replicate(module, used, not is_grad_enabled())
    outputs = parallel_apply(replicas, inputs, module_kwargs, used)
    return gather(outputs, output_device, dim)
