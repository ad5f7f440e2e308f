"""Vocabulary (h14): ``i0`` (its own rule, ``i1``), ``frexp`` (the mantissa scaled by a constant power of two),
``nextafter`` and ``spacing`` (no derivative, as JAX's: refused by name at the user's line on every engine) against JAX
in float64 on the overloading engine and SCT (values, gradients, JVPs, Hessian-vector products), on JAX tracers,
dtypes as jnp's; the I/O and printing names (constants pass, active values are refused, as JAX's tracers are).
"""

from __future__ import annotations

import io

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab14_check import program_tests
from vocab_more_check import ENGINES, check_on_tracers, seeded

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp


def floats(np_):
    def f(x, y):
        mantissa, exponent = np_.frexp(x * 40.0)
        return (np_.sum(np_.i0(x * y) ** 2) + np_.sum(mantissa ** 3 * exponent) + np_.sum(np_.i0(y) * x)
                + np_.sum(np_.nextafter(np_.ones(6), 2.0) * x) + np_.sum(np_.spacing(np_.ones(6)) * 1e15 * y))
    return f


test_programs_against_jax = program_tests([floats], [(6,), (6,)])


def test_on_tracers_and_dtypes_as_jnp():
    check_on_tracers(floats, tuple(jnp.asarray(a) for a in seeded([(6,), (6,)], (7,))[0]))
    for dtype in (np.int32, np.float32, np.float64):
        a = np.array([0, 3, -5, 1e-310 if dtype is np.float64 else 7, 200], dtype=dtype)
        for name in ("i0", "spacing", "frexp"):
            ours, theirs = getattr(anp, name)(a), jax.eval_shape(getattr(jnp, name), a)
            for o, t in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
                assert o.dtype == t.dtype, (name, dtype)
        assert anp.nextafter(a, a[::-1]).dtype == jax.eval_shape(jnp.nextafter, a, a[::-1]).dtype
    a = np.array([0.0, -3.0, np.inf, np.nan, 0.75, -1e300])
    for ours, theirs in zip(anp.frexp(a), jnp.frexp(a)):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(anp.spacing(a), jnp.spacing(a))
    np.testing.assert_allclose(anp.i0(a), jnp.i0(a), rtol=1e-14)


def test_i0_at_zero_and_on_the_elemental_engine():
    """i0's derivatives at 0 are JAX's (its rule gives 0 there, so its second derivative is 0 there too)."""
    for eng in ENGINES.values():
        assert eng.grad(anp.i0)(0.0) == 0.0 and eng.grad(eng.grad(anp.i0))(0.0) == 0.0
        np.testing.assert_allclose(eng.grad(eng.grad(anp.i0))(1.3), jax.grad(jax.grad(jnp.i0))(1.3), rtol=1e-12)
    x = np.array([0.4, -1.2, 2.0])
    np.testing.assert_allclose(ad.engine("elemental").grad(lambda v: el.sum(el.i0(v)))(x),
                               jax.grad(lambda v: jnp.sum(jnp.i0(v)))(x), rtol=1e-12)


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("name", ["nextafter", "spacing"])
def test_nextafter_and_spacing_refuse_an_active_value_as_jax(name, engine):
    def after(v):
        return anp.sum(anp.nextafter(v, 2.0))

    def gap(v):
        return anp.sum(anp.spacing(v))

    f = after if name == "nextafter" else gap
    with pytest.raises(NotImplementedError):  # JAX: no differentiation rule
        jax.grad(lambda v: jnp.sum(jnp.nextafter(v, 2.0) if name == "nextafter" else jnp.spacing(v)))(np.ones(2))
    with pytest.raises(Exception, match=f"(?s)'{name}'.*test_vocab14_floats.py"):
        ad.engine(engine).grad(f)(np.ones(2))


def test_input_output_and_printing_pass_constants_and_refuse_active_values():
    x, buffer = np.arange(3.0), io.BytesIO()
    anp.save(buffer, x)
    buffer.seek(0)
    np.testing.assert_array_equal(anp.load(buffer), x)
    assert anp.array_str(x) == np.array_str(x) and anp.result_type(np.int32, 1.0) == jnp.result_type(np.int32, 1.0)
    for f in (anp.array_repr, lambda v: anp.save(io.BytesIO(), v)):
        with pytest.raises(TypeError, match="active value.*test_vocab14_floats.py"):
            ad.engine("overloading").grad(lambda v: anp.sum(v) + len(f(v)))(x)
    with pytest.raises(NotImplementedError, match="fromiter.*jnp"):
        anp.fromiter(iter([1.0]), float)
