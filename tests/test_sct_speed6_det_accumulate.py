"""A callee's cotangent added into the caller's in place (issue 14, item 5: det's callee calls).

``x_bar = add_bar(x_bar, e)`` in the reverse sweep of code that is run is emitted as
``x_bar = add_bar_into(x_bar, e)``: the same sum, added in place only into a NumPy array of
the result's shape and dtype that nothing but the caller's variable refers to. Checked here:
the helper against ``add_bar`` where it fires and where it must not (a second name, a view,
a read-only symbolic zero, a wider dtype, broadcasting, JAX arrays, containers); gradients
of programs whose callees return cotangents (shared ones included) against JAX, several
seeds, float32 too; the generated source; second order (which keeps the plain sum).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.emit import accumulate, runtime, symbolic
from adcompare.workloads import get

sct = ad.engine("sct")
TOL = 1e-10


def _as_generated(into, b):
    """Called as generated code calls it: ``into`` a local variable, passed positionally."""
    acc = into
    del into
    acc = accumulate.add_bar_into(acc, b)
    return acc


def test_in_place_where_only_the_caller_holds_it():
    rng = np.random.default_rng(0)
    into, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    want = into + b
    out = _as_generated(into, b)  # the test's ``into`` still refers to it: no in place
    np.testing.assert_array_equal(out, want)
    assert out is not into
    acc = np.array(want)
    ident = id(acc)
    acc = accumulate.add_bar_into(acc, b)  # only this frame's variable holds it: in place
    assert id(acc) == ident
    np.testing.assert_array_equal(acc, want + b)


def _fresh(shape, dtype=np.float64):
    return np.arange(np.prod(shape), dtype=dtype).reshape(shape) + 1.0


@pytest.mark.parametrize("case", ["second_name", "view", "symbolic_zero", "wider", "broadcast", "jax",
                                  "scalar", "placeholder", "list"])
def test_not_in_place_where_it_must_not(case):
    b = _fresh((2, 3)) * 0.5
    keep = None
    if case == "second_name":
        into = _fresh((2, 3))
        keep = into
    elif case == "view":
        keep = _fresh((4, 3))
        into = keep[:2]
    elif case == "symbolic_zero":
        into = runtime.zeros(np.ones((2, 3)))
        keep = into
    elif case == "wider":
        into = _fresh((2, 3), np.float32)
    elif case == "broadcast":
        into, b = _fresh((2, 3)), _fresh((3,))
    elif case == "jax":
        into, b = jnp.asarray(_fresh((2, 3))), jnp.asarray(b)
    elif case == "scalar":
        into, b = _fresh((2, 3)), np.float64(2.5)
    elif case == "placeholder":
        into = 0.0
    else:
        into, b = [_fresh((2,)), 1.0], [np.ones(2), 2.0]
    before = None if keep is None else np.array(keep)
    want = runtime.add_bar(into, b)
    got = accumulate.add_bar_into(into, b)
    if case == "list":
        for u, v in zip(got, want):
            np.testing.assert_array_equal(u, v)
    else:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        assert np.asarray(got).dtype == np.asarray(want).dtype
    if keep is not None:
        np.testing.assert_array_equal(keep, before)  # the other name's array is unchanged
    if case == "symbolic_zero":
        assert symbolic.is_symbolic_zero(keep)


def _slice_sin(x, k):
    return anp.sin(x[k:]) * x[0]


def callee_sum(x):
    total = 0.0
    for k in range(3):
        total = total + anp.sum(_slice_sin(x, k) * x[k])
    return total


def _ident(v):
    return v


def shared_callee_bars(x):
    y = _ident(x)
    z = _ident(y)
    return anp.sum(y * z) + anp.sum(_ident(x) * 2.0) + anp.sum(anp.cos(z))


def _row(m, i):
    return m[i] * m[i, 0]


def rows_by_callee(m):
    acc = 0.0
    for i in range(m.shape[0]):
        r = _row(m, i)
        acc = acc + anp.sum(r * _row(m, (i + 1) % m.shape[0]))
    return acc


PROGRAMS = [(callee_sum, (6,)), (shared_callee_bars, (5,)), (rows_by_callee, (4, 3))]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f, shape", PROGRAMS)
def test_grad_matches_jax(f, shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    np.testing.assert_allclose(sct.grad(f)(x), jax.grad(f)(jnp.asarray(x)), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("f, shape", PROGRAMS)
def test_grad_float32_and_jax_inputs(f, shape):
    x = np.random.default_rng(3).normal(size=shape)
    want = jax.grad(f)(jnp.asarray(x))
    got32 = sct.grad(f)(x.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(sct.grad(f)(jnp.asarray(x)), want, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", [0, 1])
def test_det_matches_jax(seed):
    w = get("det")
    (a,) = w.make_inputs(w.sizes["small"], np.random.default_rng(seed))
    np.testing.assert_allclose(sct.grad(w.natural)(a), jax.grad(w.natural)(jnp.asarray(a)), rtol=1e-9, atol=1e-9)


def test_vjp_called_twice_on_the_same_residuals():
    x = np.random.default_rng(4).normal(size=6)
    _, pull = sct.vjp(callee_sum, x)
    first = np.array(pull(1.0)[0])
    np.testing.assert_array_equal(pull(1.0)[0], first)
    np.testing.assert_allclose(first, jax.grad(callee_sum)(jnp.asarray(x)), rtol=TOL, atol=TOL)


def test_source_shows_the_in_place_sum():
    text = sct.source(callee_sum, "reverse")
    # the callee indexes x only, so x_bar is handed over to it to add into (emit/into.py)
    assert " = [x_bar]" in text and "x_bar, = " in text and "x_bar = add_bar_into(x_bar, " not in text


@pytest.mark.parametrize("f, shape", [(callee_sum, (4,)), (rows_by_callee, (3, 3))])
def test_second_order_keeps_the_plain_sum(f, shape):
    x = np.random.default_rng(5).normal(size=shape)
    np.testing.assert_allclose(sct.hessian(f)(x), jax.hessian(f)(jnp.asarray(x)), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sct.hessian(f, mode="rev-rev")(x), jax.hessian(f)(jnp.asarray(x)),
                               rtol=1e-9, atol=1e-9)
