"""no_grad, enable_grad, set_grad_enabled, inference_mode: context managers and decorators."""

import threading

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
