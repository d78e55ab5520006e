"""no_grad, enable_grad, set_grad_enabled, inference_mode: context managers and decorators."""

import threading

import pytest
import torch

import ember


def test_no_grad_context_and_decorator():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @ember.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert ember.is_grad_enabled()


def test_no_grad_bare_decorator():
    @ember.no_grad
    def f(t):
        return t * 2

    assert not f(ember.ones(1, requires_grad=True)).requires_grad


def test_set_grad_enabled_function_and_context():
    x = ember.ones(1, requires_grad=True)
    ember.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()


def test_inference_mode():
    x = ember.ones(1, requires_grad=True)
    with ember.inference_mode():
        assert not (x * 2).requires_grad
        assert ember.is_inference_mode_enabled()

    @ember.inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with ember.inference_mode(False):
        assert (x * 2).requires_grad


def test_no_grad_generator_decorator():
    @ember.no_grad()
    def gen(t):
        for _ in range(2):
            yield (t * 2).requires_grad

    assert list(gen(ember.ones(1, requires_grad=True))) == [False, False]
    assert ember.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []

    def worker():
        seen.append(ember.is_grad_enabled())

    with ember.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == [True]


def test_no_grad_restores_on_exception():
    try:
        with ember.no_grad():
            raise ValueError
    except ValueError:
        pass
    assert ember.is_grad_enabled()


def test_ops_record_in_one_thread_while_another_is_in_no_grad():
    # Function.apply skips the thread-local read while no thread is in no_grad: the
    # other thread's no_grad must send it back to the per-thread mode.
    inside = threading.Event()
    leave = threading.Event()

    def worker():
        with ember.no_grad():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(10)
    try:
        x = ember.ones(2, requires_grad=True)
        assert (x * 2).requires_grad  # this thread still records
        with ember.no_grad():
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad
    finally:
        leave.set()
        t.join()
    assert (ember.ones(1, requires_grad=True) * 2).requires_grad


def test_no_grad_in_a_thread_stops_recording_there():
    results = []

    def worker():
        x = ember.ones(2, requires_grad=True)
        with ember.no_grad():
            results.append((x * 2).requires_grad)
        results.append((x * 2).requires_grad)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert results == [False, True]


@pytest.mark.parametrize("create_graph", [False, True])
def test_hooks_and_backward_functions_see_grad_mode_of_the_pass(create_graph):
    # Grad mode during backward is create_graph, for leaf hooks, tensor hooks and
    # user Functions alike, as in torch.
    def run(m):
        seen = []

        class Probe(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, grad):
                seen.append(("function", m.is_grad_enabled()))
                return grad

        x = m.ones(2, requires_grad=True)
        x.register_hook(lambda g: seen.append(("leaf", m.is_grad_enabled())))
        y = Probe.apply(x * 2)
        y.register_hook(lambda g: seen.append(("tensor", m.is_grad_enabled())))
        y.sum().backward(create_graph=create_graph)
        seen.append(("after", m.is_grad_enabled()))
        return seen

    assert run(ember) == run(torch)
