"""Probe 17 (review): ``anp.full(shape, 0.5)``'s weak type through the vocabulary's functions that are not ufuncs.

The weak array took its partner's dtype in NumPy's ufuncs only (operators, elementwise functions, ``matmul``):
``anp.dot(anp.full(3, 0.5), x32)``, ``einsum``, ``concatenate``, ``where``, ``broadcast_to``, an element
``full(3, 0.5)[0]``, ``anp.asarray``/``sort`` of it all computed in float64 where JAX's are float32, silently, in
the value, the JVP and ``jacfwd`` on every engine. Every primitive now promotes a weak array with its operands
as JAX does (primitives/weak.weak_call): beside a typed operand (``where``'s condition is none) it is first an
array of their promoted dtype; alone, a structural result (an element, a reshape, a stack, a dot) stays weak and
a reduction is typed, as JAX's; ``astype`` and ``argsort`` are typed. Beside typed integers or booleans a weak
float's result stays weak, as JAX's (``int32 + full(3, 0.5)`` is a weak float64: float32 beside float32 data; it
was typed float64, in the ufuncs too). Checked against JAX's dtypes and values
(float32 tolerances; float64 tight), value, grad, JVP, VJP with JAX's cotangent, on overloading, SCT and
elemental (where the name exists), NumPy and JAX inputs.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(1717)
INPUTS = [RNG.normal(size=3).astype(np.float32) for _ in range(3)]
W = anp.full(3, 0.5)  # a closure constant, as a program's module-level array
W_JAX = jnp.full(3, 0.5)


def _pair(f):
    """``f`` (over ``anp`` and ``W``) and the same code over ``jnp`` and ``W_JAX``, JAX's oracle."""
    return f, types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp, "W": W_JAX})


CASES = {
    "dot_einsum": _pair(lambda x: anp.stack([anp.dot(anp.full(3, 0.5), anp.sin(x)), anp.dot(W, x)])
                        + anp.einsum("i,i->", anp.full(3, 0.5), anp.sin(x))),
    "concatenate_where": _pair(lambda x: anp.concatenate([anp.full(2, 0.5), W, x]) ** 2
                               + anp.sum(anp.where(x > 0, anp.full(3, 0.5), x) * x)),
    "broadcast_element": _pair(lambda x: anp.broadcast_to(anp.full(3, 0.5), (2, 3)) * anp.sin(x)
                               + anp.full(3, 0.5)[0] * anp.sin(x) + W[1] * x),
    "asarray_sort_astype": _pair(lambda x: anp.asarray(anp.full(3, 0.5)) * x + anp.sort(W) * x
                                 + W.astype(anp.float64) * x),
    "alone_then": _pair(lambda x: anp.dot(anp.full((2, 3), 0.5), anp.full(3, 2.0)) * anp.sum(x)),
}
ELEMENTAL = {  # the same, in the elemental engine's names
    "dot": lambda x: el.dot(el.full((2, 3), 0.5), el.sin(x)),
    "concatenate": lambda x: el.concatenate([el.full(2, 0.5), x]),
}
ELEMENTAL_JAX = {"dot": lambda x: jnp.dot(jnp.full((2, 3), 0.5), jnp.sin(x)),
                 "concatenate": lambda x: jnp.concatenate([jnp.full(2, 0.5), x])}


def _check(eng, f, oracle, x):
    tol = dict(rtol=2e-6, atol=1e-6) if x.dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    want, pull = jax.vjp(oracle, jnp.asarray(x))
    got, ours = eng.vjp(f, x)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_allclose(got, want, **tol)
    ct = jnp.ones_like(want)  # JAX's cotangent, in JAX's output dtype
    (g,) = ours(ct)
    assert np.asarray(g).dtype == x.dtype
    np.testing.assert_allclose(g, pull(ct)[0], **tol)
    t = np.ones_like(x)
    _, dy = eng.jvp(f, (x,), (t,))
    dy_want = jax.jvp(oracle, (jnp.asarray(x),), (jnp.asarray(t),))[1]
    assert np.asarray(dy).dtype == dy_want.dtype
    np.testing.assert_allclose(dy, dy_want, **tol)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_weak_array_in_functions_that_are_not_ufuncs(case, name):
    f, oracle = CASES[case]
    _check(ad.engine(name), f, oracle, INPUTS[0])
    _check(ad.engine(name), f, oracle, INPUTS[0].astype(np.float64))  # float64 programs unchanged


@pytest.mark.parametrize("case", ["dot_einsum", "concatenate_where", "broadcast_element"])
def test_on_jax_inputs(case):
    f, oracle = CASES[case]
    got = ad.engine("overloading").grad(lambda x: anp.sum(f(x)))(jnp.asarray(INPUTS[1]))
    assert got.dtype == jnp.float32
    np.testing.assert_allclose(got, jax.grad(lambda x: jnp.sum(oracle(x)))(jnp.asarray(INPUTS[1])), rtol=2e-6)


@pytest.mark.parametrize("case", ELEMENTAL)
def test_the_elemental_engine(case):
    for x in INPUTS[:2]:
        _check(ad.engine("elemental"), ELEMENTAL[case], ELEMENTAL_JAX[case], x)


def test_weak_and_typed_results_alone_are_jaxs():
    w = anp.full(3, 0.5)
    x32 = INPUTS[0]
    for ours, theirs in [(anp.dot(w, w), jnp.dot(W_JAX, W_JAX)), (w[0], W_JAX[0]), (anp.sum(w), jnp.sum(W_JAX)),
                         (anp.concatenate([w, w]), jnp.concatenate([W_JAX, W_JAX])), (w.astype(np.float64), None)]:
        weak = theirs is not None and theirs.weak_type
        assert (np.asarray(ours * x32[0]).dtype == np.float32) is weak  # weak: float32, as JAX; typed: float64
    assert anp.argsort(w).dtype == np.int64 and np.asarray(anp.argsort(w) + np.int32(1)).dtype == np.int64


I32 = np.array([1, -2, 3], np.int32)
MASK = np.array([True, False, True])
BESIDE_LOWER = {  # a weak float beside typed integers or booleans stays weak, as in JAX (int32 + 0.5 is weak)
    "operators": _pair(lambda x: (I32 + anp.full(3, 0.5)) * x + (MASK * anp.full(3, 0.5)) * x
                       + (MASK * anp.full(3, 2)) * x),
    "functions": _pair(lambda x: anp.add(I32, W) * anp.sin(x) + anp.where(MASK, I32, W) * x
                       + anp.dot(I32, anp.full(3, 0.5)) * x),
}


@pytest.mark.parametrize("case", BESIDE_LOWER)
@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_weak_array_beside_integers_stays_weak(case, name):
    f, oracle = BESIDE_LOWER[case]
    _check(ad.engine(name), f, oracle, INPUTS[2])
