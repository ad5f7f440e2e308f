"""The direct gradient path's kept plan (:class:`adcompare.engines.sct.direct.DirectGrad`): one
``grad`` function called again and again keeps what it worked out for the first call, and must
still see everything that can change between calls: a rebound global, helper or closure cell, a
builtin shadowed by a new global, the function's code or defaults, the cache cleared, arguments
of other types, shapes or number. Every answer is compared against JAX; the cycle collector's
pause is checked to leave the collector as it found it."""

import gc

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, transform
from adcompare.engines.sct.direct import DirectGrad
from adcompare.tape_engine import cycle_collector_paused
from tests.test_sct_semantics import _double, _make_scaled, _square
from tests.test_threads import collector_enabled  # noqa: F401  (a fixture)

TOL = 1e-12
SCALE = 2.0


helper = _double


def scaled(x):
    return anp.sum(helper(x) * SCALE + anp.sin(x))


def scaled_jax(x, helper_jax, scale):
    return jnp.sum(helper_jax(x) * scale + jnp.sin(x))


def close(got, want):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_grad_sees_rebound_globals_and_helpers_between_calls(seed):
    global SCALE, helper
    x = np.random.default_rng(seed).normal(size=4)
    g = SCTEngine().grad(scaled)
    try:
        for scale, mine, theirs in [(2.0, _double, lambda v: 2.0 * v), (5.0, _double, lambda v: 2.0 * v),
                                    (5.0, _square, lambda v: v * v), (-0.5, _square, lambda v: v * v)]:
            SCALE, helper = scale, mine
            for _ in range(2):  # the second call takes the kept plan
                close(g(x), jax.grad(scaled_jax)(x, theirs, scale))
        SCALE = np.array([1.0, -2.0, 3.0, 0.5])  # a number becomes an array
        close(g(x), jax.grad(scaled_jax)(x, lambda v: v * v, SCALE))
    finally:
        SCALE, helper = 2.0, _double


def test_a_rebound_closure_cell_between_calls():
    scaled_by_cell, set_scale = _make_scaled()
    g = SCTEngine().grad(scaled_by_cell)
    for scale in (3.0, 3.0, -7.0, -7.0):
        set_scale(scale)
        close(g(0.4), jax.grad(lambda v: jnp.tanh(v) * scale)(0.4))


def uses_len(x):
    return anp.sum(x * x) * len(x)


def test_a_builtin_shadowed_by_a_new_global_between_calls():
    g = SCTEngine().grad(uses_len)
    x = np.arange(1.0, 4.0)
    close(g(x), 2 * x * 3)
    close(g(x), 2 * x * 3)
    globals()["len"] = lambda v: 10.0  # a global now shadows the builtin
    try:
        close(g(x), 2 * x * 10.0)
    finally:
        del globals()["len"]
    close(g(x), 2 * x * 3)


def replaceable(x, y):
    return anp.sum(x * y)


def _other_body(x, y):
    return anp.sum(anp.sin(x) * y)


def _with_default(x, y=2.0):
    return anp.sum(x * y)


def test_new_code_or_defaults_between_calls():
    f = _clone(replaceable)
    g = SCTEngine().grad(f)
    x, y = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    close(g(x, y), y)
    close(g(x, y), y)
    f.__code__ = _other_body.__code__
    close(g(x, y), np.cos(x) * y)
    h = _clone(_with_default)
    gh = SCTEngine().grad(h)
    close(gh(x), np.full(2, 2.0))
    close(gh(x), np.full(2, 2.0))
    h.__defaults__ = (-3.0,)
    close(gh(x), np.full(2, -3.0))


def _clone(f):
    import types
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


def test_the_cache_cleared_between_calls_makes_the_code_again():
    eng = SCTEngine()
    g = eng.grad(replaceable)
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    close(g(x, y), y)
    first = transform.cached(replaceable, "reverse", (0,), 2)
    transform.clear_cache()
    close(g(x, y), y)
    again = transform.cached(replaceable, "reverse", (0,), 2)
    assert again is not None and again is not first


def products(a, b):
    return anp.sum(a * b) + anp.sum(anp.cos(a) * b * b)


def products_jax(a, b):
    return jnp.sum(a * b) + jnp.sum(jnp.cos(a) * b * b)


def any_number(a, *bs):
    total = anp.sum(a * a)
    for b in bs:
        total = total + anp.sum(b * a)
    return total


@pytest.mark.parametrize("seed", [0, 1])
def test_arguments_that_take_and_miss_the_plan(seed):
    """Arrays, 0-d arrays, NumPy and Python floats, float32, integers and complex numbers,
    called in turn on one grad: each answer is JAX's (or the general path's error)."""
    rng = np.random.default_rng(seed)
    g = SCTEngine().grad(products, argnums=(0, 1))
    cases = [(rng.normal(size=3), rng.normal(size=3)),
             (np.array(rng.normal()), rng.normal(size=2)),  # a 0-d array broadcast
             (float(rng.normal()), np.float64(rng.normal())),
             (rng.normal(size=3).astype(np.float32), rng.normal(size=3).astype(np.float32)),
             (rng.normal(size=(2, 3)), rng.normal(size=3))]
    for args in cases + cases:
        got, want = g(*args), jax.grad(products_jax, argnums=(0, 1))(*args)
        for gv, wv, a in zip(got, want, args):
            assert np.shape(gv) == np.shape(a)
            tol = 1e-5 if np.asarray(a).dtype == np.float32 else TOL
            np.testing.assert_allclose(np.asarray(gv), np.asarray(wv), rtol=tol, atol=tol)
    with pytest.raises(TypeError, match="requires real-valued inputs"):
        g(np.arange(3), np.ones(3))
    with pytest.raises(TypeError, match="complex"):
        g(np.ones(3) + 1j, np.ones(3))
    close(g(*cases[0])[0], jax.grad(products_jax)(*cases[0]))  # and the plan again


def test_the_plan_is_kept_only_for_a_plain_function_called_by_position():
    eng = SCTEngine()
    direct = DirectGrad(eng, products, 0)
    a, b = np.ones(2), np.full(2, 3.0)
    for _ in range(2):
        close(direct((a, b))[1], jax.grad(products_jax)(a, b))
    assert set(direct.plans) == {2}
    for f in (lambda v, w=2.0: anp.sum(v * w), any_number):  # defaults, *args: bound on every call
        made = DirectGrad(eng, f, 0)
        for args in [(a,), (a, b), (a, b, b), (a,)]:
            want = 2 * a + sum(args[1:]) if f is any_number else np.full(2, 2.0)
            if f is any_number or len(args) == 1:
                close(made(args)[1], want)
        assert set(made.plans) == ({1} if f is any_number else set())  # (but *args when it is empty)


def vector_valued(x):
    return x * 2.0


def test_an_output_that_is_not_a_scalar_leaves_the_general_paths_error_on_every_call():
    g = SCTEngine().grad(vector_valued)
    for _ in range(2):
        with pytest.raises(TypeError, match="grad requires a real scalar output"):
            g(np.ones(3))


def identity_sum(x):
    return anp.sum(x)


def identity(x):
    return x


def test_the_gradient_returned_is_the_callers_own():
    """A gradient that is the output's seed itself must be a new array each call (the caller may
    write into it)."""
    g = SCTEngine().grad(identity)
    first = g(np.array(2.0))
    first[...] = 99.0
    close(g(np.array(2.0)), 1.0)


@pytest.mark.usefixtures("collector_enabled")
def test_a_pause_of_a_disabled_collector_is_a_no_op_that_leaves_it_disabled():
    gc.disable()
    with cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():
            assert not gc.isenabled()
    assert not gc.isenabled()
    SCTEngine().grad(identity_sum)(np.ones(2))
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_pause_of_a_running_collector_restores_it_after_nesting_and_errors():
    with cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with cycle_collector_paused():
            raise ZeroDivisionError("inside the pause")
    assert gc.isenabled()
    SCTEngine().grad(identity_sum)(np.ones(2))
    assert gc.isenabled()
