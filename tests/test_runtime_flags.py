"""Top-level runtime utilities against torch: constants, ember.backends, deterministic
algorithms, float32 matmul precision, clone/detach/result_type/can_cast and compile."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.oracle import check, check_error


def outcome(fn):
    """("ok", value) or (exception type name, message) of calling ``fn``."""
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - any exception is part of the comparison
        return (type(exc).__name__, str(exc))


@pytest.fixture(autouse=True)
def restore_global_flags():
    """Every test leaves torch's and ember's process-wide flags as it found them."""
    saved_torch = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.get_float32_matmul_precision(),
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.enabled,
        torch.backends.cudnn.allow_tf32,
    )
    saved_ember = (
        ember.are_deterministic_algorithms_enabled(),
        ember.is_deterministic_algorithms_warn_only_enabled(),
        ember.get_float32_matmul_precision(),
        ember.backends.cudnn.benchmark,
        ember.backends.cudnn.deterministic,
        ember.backends.cudnn.enabled,
        ember.backends.cudnn.allow_tf32,
        ember.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
    )
    yield
    for lib, saved in ((torch, saved_torch), (ember, saved_ember)):
        lib.use_deterministic_algorithms(saved[0], warn_only=saved[1])
        lib.set_float32_matmul_precision(saved[2])
        cudnn = lib.backends.cudnn
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled, cudnn.allow_tf32 = saved[3:7]
    ember.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = saved_ember[7]


# --- constants ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inf", "nan", "pi", "e", "newaxis"])
def test_constants_match_torch(name):
    ours, theirs = getattr(ember, name), getattr(torch, name)
    assert type(ours) is type(theirs)
    if isinstance(theirs, float) and math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert ours == theirs


def test_newaxis_indexes_like_none():
    x = ember.arange(6).reshape(2, 3)
    assert x[:, ember.newaxis].shape == torch.arange(6).reshape(2, 3)[:, torch.newaxis].shape


# --- ember.backends ----------------------------------------------------------------------


CUDNN_FLAGS = ["enabled", "benchmark", "deterministic", "allow_tf32"]


@pytest.mark.parametrize("flag", CUDNN_FLAGS)
def test_cudnn_flag_defaults_and_setting(flag):
    assert getattr(ember.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)
    for value in (not getattr(torch.backends.cudnn, flag), getattr(torch.backends.cudnn, flag)):
        setattr(torch.backends.cudnn, flag, value)
        setattr(ember.backends.cudnn, flag, value)
        assert getattr(ember.backends.cudnn, flag) is getattr(torch.backends.cudnn, flag) is value


@pytest.mark.parametrize("flag", CUDNN_FLAGS)
@pytest.mark.parametrize("bad", [1, None, "yes"])
def test_cudnn_flags_refuse_non_bools_like_torch(flag, bad):
    before = getattr(ember.backends.cudnn, flag)
    ours = outcome(lambda: setattr(ember.backends.cudnn, flag, bad))
    theirs = outcome(lambda: setattr(torch.backends.cudnn, flag, bad))
    assert ours == theirs
    assert ours[0] == "RuntimeError"
    assert getattr(ember.backends.cudnn, flag) == before


def test_cudnn_queries_and_module_import():
    from ember.backends import cudnn

    assert cudnn is ember.backends.cudnn
    assert cudnn.is_available() is False
    assert cudnn.version() is None
    assert cudnn.is_acceptable(ember.ones(1)) is False


def test_cudnn_flags_context_restores():
    ember.backends.cudnn.benchmark = False
    with (
        ember.backends.cudnn.flags(enabled=False, benchmark=True),
        torch.backends.cudnn.flags(enabled=False, benchmark=True),
    ):
        for flag in CUDNN_FLAGS:
            assert getattr(ember.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag), flag
    assert ember.backends.cudnn.benchmark is False
    assert ember.backends.cudnn.enabled is True


def test_cuda_matmul_flags_match_torch():
    ours, theirs = ember.backends.cuda.matmul, torch.backends.cuda.matmul
    for name in (
        "allow_tf32",
        "allow_fp16_reduced_precision_reduction",
        "allow_bf16_reduced_precision_reduction",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    ours.allow_fp16_reduced_precision_reduction = False
    assert ours.allow_fp16_reduced_precision_reduction is False


@pytest.mark.parametrize(
    "name, value",
    [
        ("allow_tf32", 1),
        ("allow_tf32", "x"),
        ("allow_fp16_reduced_precision_reduction", 1),
        ("no_such_flag", True),
    ],
)
def test_cuda_matmul_bad_assignments_like_torch(name, value):
    ours = outcome(lambda: setattr(ember.backends.cuda.matmul, name, value))
    theirs = outcome(lambda: setattr(torch.backends.cuda.matmul, name, value))
    assert ours == theirs
    assert ours[0] != "ok"


def test_cuda_matmul_unknown_attribute_read():
    ours = outcome(lambda: ember.backends.cuda.matmul.no_such_flag)
    assert ours == outcome(lambda: torch.backends.cuda.matmul.no_such_flag)
    assert ours[0] == "AttributeError"


def test_allow_tf32_and_matmul_precision_are_linked_as_in_torch():
    for lib in (torch, ember):
        lib.backends.cuda.matmul.allow_tf32 = True
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "high"
    for lib in (torch, ember):
        lib.set_float32_matmul_precision("highest")
    assert ember.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32 is False
    for lib in (torch, ember):
        lib.set_float32_matmul_precision("medium")
    assert ember.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32 is True


def test_cuda_is_built_follows_ember_cuda():
    assert ember.backends.cuda.is_built() is ember.cuda.is_available()


def test_mps_is_absent():
    assert ember.backends.mps.is_available() is False
    assert ember.backends.mps.is_built() is False


def test_cpu_capability_is_torch_style_name():
    ours = ember.backends.cpu.get_cpu_capability()
    assert isinstance(ours, str)
    assert ours in ("DEFAULT", "AVX2", "AVX512")
    theirs = torch.backends.cpu.get_cpu_capability()
    if theirs in ("DEFAULT", "AVX2", "AVX512"):  # same machine, same detection
        assert ours == theirs


# --- deterministic algorithms --------------------------------------------------------------


@pytest.mark.parametrize("mode, warn_only", [(True, False), (True, True), (False, True), (False, False)])
def test_use_deterministic_algorithms_records_like_torch(mode, warn_only):
    for lib in (torch, ember):
        assert lib.use_deterministic_algorithms(mode, warn_only=warn_only) is None
    assert (
        ember.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled() is mode
    )
    assert (
        ember.is_deterministic_algorithms_warn_only_enabled()
        is torch.is_deterministic_algorithms_warn_only_enabled()
        is warn_only
    )
    assert ember.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda m: m.use_deterministic_algorithms(1),
            r"argument 'mode' \(position 1\) must be bool, not int",
        ),
        (lambda m: m.use_deterministic_algorithms("warn"), r"must be bool, not str"),
        (lambda m: m.use_deterministic_algorithms(None), r"must be bool, not NoneType"),
        (lambda m: m.use_deterministic_algorithms(np.bool_(True)), r"must be bool, not numpy.bool"),
        (
            lambda m: m.use_deterministic_algorithms(True, warn_only=1),
            r"argument 'warn_only' must be bool, not int",
        ),
        (
            lambda m: m.use_deterministic_algorithms(True, True),
            r"takes 1 positional argument but 2 were given",
        ),
        (lambda m: m.use_deterministic_algorithms(), r"missing 1 required positional argument: 'mode'"),
    ],
)
def test_use_deterministic_algorithms_argument_errors(call, match):
    check_error(call, [], match=match)
    assert ember.are_deterministic_algorithms_enabled() is False


def test_use_deterministic_algorithms_mode_keyword():
    ember.use_deterministic_algorithms(mode=True)
    assert ember.are_deterministic_algorithms_enabled() is True


@pytest.mark.parametrize("debug_mode", ["default", "warn", "error", 0, 1, 2])
def test_deterministic_debug_mode_like_torch(debug_mode):
    for lib in (torch, ember):
        lib.set_deterministic_debug_mode(debug_mode)
    assert ember.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
    assert ember.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled()
    assert (
        ember.is_deterministic_algorithms_warn_only_enabled()
        is torch.is_deterministic_algorithms_warn_only_enabled()
    )


@pytest.mark.parametrize("bad", ["x", 3, 1.0])
def test_deterministic_debug_mode_errors_like_torch(bad):
    ours = outcome(lambda: ember.set_deterministic_debug_mode(bad))
    assert ours == outcome(lambda: torch.set_deterministic_debug_mode(bad))
    assert ours[0] != "ok"


# --- float32 matmul precision ----------------------------------------------------------------


def test_float32_matmul_precision_default():
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"


@pytest.mark.parametrize("precision", ["highest", "high", "medium"])
def test_set_float32_matmul_precision_like_torch(precision):
    for lib in (torch, ember):
        assert lib.set_float32_matmul_precision(precision) is None
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == precision


@pytest.mark.parametrize("bad", ["HIGH", "low"])
def test_unknown_precision_warns_and_keeps_value_like_torch(bad):
    for lib in (torch, ember):
        lib.set_float32_matmul_precision("high")
        with pytest.warns(UserWarning, match=f"{bad} is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision(bad)
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "high"


@pytest.mark.parametrize("bad", [1, None])
def test_non_string_precision_raises_like_torch(bad):
    ours = outcome(lambda: ember.set_float32_matmul_precision(bad))
    assert ours == outcome(lambda: torch.set_float32_matmul_precision(bad))
    assert ours[0] == "RuntimeError"


def test_set_float32_matmul_precision_needs_an_argument():
    check_error(
        lambda m: m.set_float32_matmul_precision(), [], TypeError, "missing 1 required positional argument"
    )


# --- clone, detach, result_type, can_cast ----------------------------------------------------


def test_clone_function_matches_torch():
    check(lambda m, x: m.clone(x), [(3, 4)])
    check(lambda m, x: m.clone(x.t()), [(3, 4)])


def test_clone_function_is_a_copy_with_grad_fn():
    x = ember.randn(3, requires_grad=True)
    y = ember.clone(x, memory_format=None)
    assert y.grad_fn.name() == torch.clone(torch.randn(3, requires_grad=True)).grad_fn.name()
    y.data[0] = 100.0
    assert x[0].item() != 100.0


def test_detach_function_shares_data_and_cuts_graph():
    x = ember.randn(3, requires_grad=True)
    d = ember.detach(x)
    assert d.requires_grad is False and d.grad_fn is None
    d[0] = 7.0
    assert x[0].item() == 7.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: m.clone([1, 2]), r"clone\(\): argument 'input' \(position 1\) must be Tensor, not list"),
        (lambda m: m.detach([1, 2]), r"detach\(\): argument 'input' \(position 1\) must be Tensor, not list"),
        (lambda m: m.clone(m.ones(1), None), r"takes 1 positional argument but 2 were given"),
        (lambda m: m.clone(), r"missing 1 required positional argument"),
    ],
)
def test_clone_detach_errors(call, match):
    check_error(call, [], TypeError, match)


def _dtype_name(d):
    return str(d).replace("torch.", "")


OPERANDS = [
    ("tensor", [1], "int64"),
    ("tensor", [1.0], "float32"),
    ("tensor", [1.0], "float16"),
    ("tensor", [1.0], "bfloat16"),
    ("tensor", [1], "uint8"),
    ("tensor", [1], "int8"),
    ("tensor", [1], "int32"),
    ("tensor", [True], "bool"),
    ("tensor", 1.0, "float64"),
    ("tensor", 1, "int32"),
    ("tensor", True, "bool"),
    ("scalar", 2.5, None),
    ("scalar", 1000, None),
    ("scalar", -1, None),
    ("scalar", True, None),
    ("scalar", np.float32(1.0), None),
    ("scalar", np.int8(3), None),
]


def _build(lib, operand):
    kind, value, dtype = operand
    if kind == "scalar":
        return value
    return lib.tensor(value, dtype=getattr(lib, dtype))


@pytest.mark.parametrize("first", OPERANDS, ids=lambda o: f"{o[0]}-{o[2] or type(o[1]).__name__}")
@pytest.mark.parametrize("second", OPERANDS, ids=lambda o: f"{o[0]}-{o[2] or type(o[1]).__name__}")
def test_result_type_matches_torch(first, second):
    ours = ember.result_type(_build(ember, first), _build(ember, second))
    theirs = torch.result_type(_build(torch, first), _build(torch, second))
    assert isinstance(ours, ember.dtype)
    assert _dtype_name(ours) == _dtype_name(theirs)


def test_result_type_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.result_type(1, 2.0) is ember.float64
        assert ember.result_type(ember.tensor([1]), 2.0) is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.result_type(m.float32, m.tensor([1])),
        lambda m: m.result_type([1], m.tensor([1])),
        lambda m: m.result_type(m.tensor([1]), None),
        lambda m: m.result_type("a", m.tensor([1])),
        lambda m: m.result_type(m.tensor([1])),
    ],
)
def test_result_type_bad_arguments(call):
    exc = check_error(call, [], TypeError)
    assert "result_type()" in str(exc)


DTYPES = ["float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("source", DTYPES)
def test_can_cast_matches_torch(source):
    ours = [ember.can_cast(getattr(ember, source), getattr(ember, target)) for target in DTYPES]
    theirs = [torch.can_cast(getattr(torch, source), getattr(torch, target)) for target in DTYPES]
    assert ours == theirs


def test_can_cast_keywords():
    assert ember.can_cast(from_=ember.int32, to=ember.float32) is True


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: m.can_cast(1, m.float32), r"argument 'from_' \(position 1\) must be torch.dtype, not int"),
        (lambda m: m.can_cast(m.float32, "x"), r"argument 'to' \(position 2\) must be torch.dtype, not str"),
        (lambda m: m.can_cast(m.tensor([1.0]), m.float32), r"must be torch.dtype, not Tensor"),
        (lambda m: m.can_cast(m.float32), r"missing 1 required positional argument"),
    ],
)
def test_can_cast_errors(call, match):
    check_error(call, [], TypeError, match)


# --- compile -----------------------------------------------------------------------------


def test_compile_module_gives_identical_results():
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 2))
    x = ember.randn(5, 4)
    expected = model(x)
    compiled = ember.compile(model)
    assert compiled is model
    assert np.array_equal(compiled(x).detach().numpy(), expected.detach().numpy())
    compiled(x).sum().backward()
    assert model[0].weight.grad is not None


def test_compile_function_and_decorators():
    def scaled_tanh(x):
        return ember.tanh(x) * 3

    x = ember.randn(6)
    direct = ember.compile(scaled_tanh, fullgraph=True, dynamic=False, backend="eager")
    assert direct is scaled_tanh

    @ember.compile
    def bare(x):
        return ember.tanh(x) * 3

    @ember.compile(mode="max-autotune")
    def with_arguments(x):
        return ember.tanh(x) * 3

    @ember.compile(options={"trace.enabled": False}, disable=True)
    def with_options(x):
        return ember.tanh(x) * 3

    reference = scaled_tanh(x).numpy()
    for fn in (direct, bare, with_arguments, with_options):
        assert np.array_equal(fn(x).numpy(), reference)
    assert bare.__name__ == "bare"


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.compile(lambda x: x, mode="default", options={"a": 1}),
        lambda m: m.compile(lambda x: x, mode="bogus"),
        lambda m: m.compile(lambda x: x, backend="bogus"),
        lambda m: m.compile(3),
    ],
)
def test_compile_argument_errors_like_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = outcome(lambda: call(ember))
        theirs = outcome(lambda: call(torch))
    assert ours[0] != "ok" and theirs[0] != "ok"
    assert ours[1] == theirs[1]
    # torch's InvalidBackend subclasses RuntimeError; ember raises RuntimeError itself
    expected_type = "RuntimeError" if theirs[0] == "InvalidBackend" else theirs[0]
    assert ours[0] == expected_type


def test_compile_decorator_with_bad_mode_fails_when_applied():
    decorator = ember.compile(mode="bogus")
    with pytest.raises(RuntimeError, match="Unrecognized mode=bogus"):
        decorator(lambda x: x)


def test_import_ember_stays_lazy_for_these_modules():
    import subprocess
    import sys

    code = (
        "import sys, ember; "
        "print(any(m in sys.modules for m in ('ember.backends', 'ember.testing', 'ember._compile')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
