"""Replicating a module for DataParallel: shallow module copies over aliased parameters.

Each replica is a shallow copy of every submodule whose parameters are replaced by
*non-leaf* tensors derived from the original parameters: on a CPU slot a view of the
same memory, on a GPU a differentiable copy.  Because the replicas' parameters are
autograd functions of the originals, the gradients of all replicas add up in the
original parameters' ``.grad`` during backward, as in torch.  Buffers are shared with
the original on the first slot (in-place updates there, such as BatchNorm running
statistics, reach the original module) and copied for the other slots.

Example:
    >>> import ember, ember.nn as nn
    >>> from ember.nn.parallel.replicate import replicate
    >>> net = nn.Linear(3, 2)
    >>> a, b = replicate(net, [0, 1])
    >>> (a(ember.ones(1, 3)).sum() + b(ember.ones(1, 3)).sum()).backward()
    >>> net.bias.grad
    tensor([2., 2.])
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.module import Module
from ._devices import slot_device

__all__ = ["replicate"]


def _param_for_slot(param: Tensor, device, detach: bool) -> Tensor:
    if device.type == "cpu":
        # the same memory; a view lets the graph route the replica's gradient back
        return param.detach() if detach or not param.requires_grad else param.view(param.shape)
    if detach:
        with no_grad():
            return param.to(device)
    return param.to(device)


def _buffer_for_slot(buf: Tensor, device, first_slot: bool) -> Tensor:
    if device.type == "cpu":
        return buf if first_slot else buf.detach().clone()
    with no_grad():
        return buf.to(device)


def _shallow_copy(module: Module) -> Module:
    replica = module.__new__(type(module))
    replica.__dict__ = module.__dict__.copy()
    replica._parameters = {}
    replica._buffers = dict(replica._buffers)
    replica._modules = dict(replica._modules)
    replica._is_replica = True
    return replica


def replicate(network: Module, devices, detach: bool = False) -> list:
    """One replica of ``network`` per entry of ``devices``; ``detach`` cuts the graph."""
    devices = [slot_device(d) for d in devices]
    modules = list(network.modules())
    index = {id(m): i for i, m in enumerate(modules)}
    copies = [[_shallow_copy(m) for m in modules] for _ in devices]
    for j, device in enumerate(devices):
        param_copies: dict = {}
        for i, module in enumerate(modules):
            replica = copies[j][i]
            for key, child in module._modules.items():
                replica._modules[key] = None if child is None else copies[j][index[id(child)]]
            for key, param in module._parameters.items():
                if param is None:
                    object.__setattr__(replica, key, None)
                    continue
                if id(param) not in param_copies:  # a parameter shared by two submodules stays shared
                    param_copies[id(param)] = _param_for_slot(param, device, detach)
                object.__setattr__(replica, key, param_copies[id(param)])
            for key, buf in module._buffers.items():
                if buf is not None:
                    replica._buffers[key] = _buffer_for_slot(buf, device, first_slot=j == 0)
    return [c[0] for c in copies]
