"""SCT answers ``isinstance`` and ``type`` of a differentiated value as JAX answers them of a tracer.

SCT runs the user's code on NumPy values, where a differentiated scalar is a ``float`` (an ``np.float64``) and an
array an ``np.ndarray``; JAX's tracer and the overloading engine's boxes are neither. So ``if isinstance(x,
float)`` took the other branch under SCT, silently: ``f_float(2.0)`` had gradient 4 where ``jax.grad`` has 3. The
oracle is JAX, float64, on the same source; containers and values that are not differentiated keep Python's
answer. The walrus operator inside a comprehension, whose target binds in the function around it, crashed with
an internal error; it is refused at the user's line as every other ``:=`` is.
"""

from __future__ import annotations

import numbers
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-13)


def f_float(x):
    if isinstance(x, float):
        return x * x
    return x * 3.0


def f_type_is(x):
    if type(x) is float or type(x) in (np.float64, np.ndarray):
        return x * x
    return anp.sin(x) * 3.0


def f_ndarray(x):
    v = x * 2.0
    if isinstance(v, np.ndarray):
        return anp.sum(v * v)
    return anp.sum(anp.sin(v) * v)


def f_element(x):
    v = x[0] * 2.0
    if isinstance(v, (int, float, numbers.Number, np.generic)):
        return v * 100.0
    return v * x[1] * x[1]


def f_union_and_array(x):
    v = x[1] ** 2
    picked = isinstance(v, int | float) or not isinstance(v, jax.Array) or not isinstance(v, object)
    return v * 5.0 if picked else v * x[0]


def f_container(x):
    parts = [x[0], x[1] * 2.0]
    if isinstance(parts, list) and isinstance(len(parts), int) and isinstance(3.0, float):
        return parts[0] * parts[1]
    return x[0]


def f_inactive(x, n):
    if isinstance(n, int) and type(n) is int:
        return anp.sum(x ** n)
    return anp.sum(x)


PROGRAMS = [(f_float, 2.0), (f_type_is, 1.3), (f_ndarray, [0.7, 0.3]), (f_element, [0.7, 0.3]),
            (f_union_and_array, [0.4, -1.1]), (f_container, [0.4, -1.1])]


def jax_of(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.parametrize("options", [{}, {"higher": "boxes"}], ids=["sct", "boxes"])
@pytest.mark.parametrize("f, x", PROGRAMS, ids=[f.__name__ for f, _ in PROGRAMS])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_isinstance_of_a_differentiated_value_is_jax_s(f, x, backend, options):
    x = np.asarray(x) if isinstance(x, list) else x
    if backend == "jax":
        x = jnp.asarray(x)
    sct, ref = ad.engine("sct", **options), jax_of(f)
    np.testing.assert_allclose(sct.grad(f)(x), jax.grad(ref)(x), **TOL)
    t = np.cos(np.asarray(x)) if backend == "numpy" else jnp.cos(x)
    for a, b in zip(sct.jvp(f, (x,), (t,)), jax.jvp(ref, (x,), (t,))):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(sct.hessian(f)(x), jax.hessian(ref)(x), **TOL)


def test_the_overloading_engine_agrees():
    for f, x in PROGRAMS:
        if f is f_union_and_array:  # (a box is no jax.Array, a tracer is)
            continue
        x = np.asarray(x) if isinstance(x, list) else x
        np.testing.assert_allclose(ad.engine("overloading").grad(f)(x), jax.grad(jax_of(f))(x), **TOL)


def test_a_value_not_differentiated_keeps_python_s_answer():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(ad.engine("sct").grad(f_inactive)(x, 3), jax.grad(jax_of(f_inactive))(x, 3), **TOL)
    np.testing.assert_allclose(ad.engine("sct").grad(f_inactive)(x, 3), 3 * x ** 2, **TOL)


def walrus_in_a_comprehension(x):
    _ = [y for v in x if (y := v * 3.0) > 0]
    return y * x[0]  # noqa: F821 (y is bound by the comprehension's :=)


@pytest.mark.parametrize("options", [{}, {"control": "lax"}])
def test_a_walrus_in_a_comprehension_is_refused_at_its_line(options):
    with pytest.raises(SCTError) as e:
        ad.engine("sct", **options).grad(walrus_in_a_comprehension)(np.array([0.7, 0.3, 1.2]))
    assert "the walrus operator" in str(e.value)
    assert f"{__file__}, line {walrus_in_a_comprehension.__code__.co_firstlineno + 1}" in str(e.value)


def walrus_read_inside_only(x):
    ys = [m for i in range(3) if (m := i * 2) > 0]
    return anp.sum(x) * len(ys)


def test_a_walrus_read_inside_its_comprehension_only_runs():
    x = np.array([0.3, -1.2, 2.5, 0.7])
    np.testing.assert_allclose(ad.engine("sct").grad(walrus_read_inside_only)(x), jax.grad(
        jax_of(walrus_read_inside_only))(x), **TOL)
