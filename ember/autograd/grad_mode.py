"""Grad mode: whether ops record the graph.  Thread-local, like torch's.

Each context is also a decorator:

    >>> import ember
    >>> @ember.no_grad()
    ... def predict(x):
    ...     return x * 2
    >>> predict(ember.ones(2, requires_grad=True)).requires_grad
    False
"""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]


class _GradState(threading.local):
    enabled = True  # read it freely; change it only through set_recording()
    inference = False


STATE = _GradState()

# The idents of the threads whose grad mode is off right now.  While it is empty every
# thread records, so the hottest reader (``Function.apply``, run by every op) tests this
# global instead of reading the thread-local mode, which costs about a microsecond.
# Set add/discard are single calls, safe between threads without a lock; an ident left
# behind by a thread that ended inside ``no_grad`` only sends readers to ``STATE``.
THREADS_NOT_RECORDING = set()


def set_recording(enabled: bool) -> bool:
    """Turn grad mode on or off in this thread; returns the previous mode."""
    prev = STATE.enabled
    if enabled:
        if THREADS_NOT_RECORDING:
            THREADS_NOT_RECORDING.discard(threading.get_ident())
    else:
        THREADS_NOT_RECORDING.add(threading.get_ident())
    STATE.enabled = enabled
    return prev


def is_grad_enabled() -> bool:
    """True when new ops are being recorded for autograd."""
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _GradModeContext:
    """Base for the grad-mode contexts: context manager and decorator in one."""

    def _enter_value(self) -> bool:  # the grad mode this context sets
        raise NotImplementedError

    def __enter__(self):
        self._prev = set_recording(self._enter_value())
        return self

    def __exit__(self, *exc):
        set_recording(self._prev)
        return False

    def clone(self):
        return self.__class__()

    def __call__(self, func):
        if inspect.isclass(func):
            raise TypeError(f"{type(self).__name__} decorates functions, not classes")
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    value = next(gen)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        gen.close()
                        raise
                    except BaseException as e:  # forward throw() into the generator
                        with self.clone():
                            value = gen.throw(e)
                    else:
                        with self.clone():
                            try:
                                value = gen.send(sent)
                            except StopIteration as stop:
                                return stop.value

            return generator_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator that stops recording ops for autograd.

    Example:
        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> with ember.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def __init__(self, orig_func=None):
        # Allows both ``@no_grad`` and ``@no_grad()``.
        self._orig_func = orig_func

    def _enter_value(self) -> bool:
        return False

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            self.__init__()
            return self(orig_func)
        return self


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns recording back on inside ``no_grad``."""

    def _enter_value(self) -> bool:
        return True


class set_grad_enabled(_GradModeContext):
    """Set grad mode on or off; takes effect at once, and as a context restores it.

    Example:
        >>> import ember
        >>> with ember.set_grad_enabled(False):
        ...     ember.is_grad_enabled()
        False
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = set_recording(self.mode)

    def _enter_value(self) -> bool:
        return self.mode

    def __enter__(self):
        set_recording(self.mode)
        return self

    def clone(self):
        return set_grad_enabled.__new_clone(self.mode)

    @staticmethod
    def __new_clone(mode):
        obj = object.__new__(set_grad_enabled)
        obj.mode = mode
        obj._prev = STATE.enabled
        return obj


class inference_mode(_GradModeContext):
    """Like ``no_grad``; tensors made inside report ``is_inference()``.

    Example:
        >>> import ember
        >>> with ember.inference_mode():
        ...     y = ember.ones(2, requires_grad=True) * 2
        >>> y.requires_grad
        False
    """

    def __init__(self, mode: bool = True):
        self.mode = mode

    def _enter_value(self) -> bool:
        return not self.mode and STATE.enabled

    def __enter__(self):
        self._prev_inference = STATE.inference
        super().__enter__()
        STATE.inference = self.mode
        return self

    def __exit__(self, *exc):
        STATE.inference = self._prev_inference
        return super().__exit__(*exc)

    def clone(self):
        return inference_mode(self.mode)
