"""Probe 12 (keywords): reductions' keywords as JAX's ``jnp`` takes them, or refused by name at the user's line.

``anp.sum(x, where=mask)``, ``initial=``, ``dtype=``, ``anp.mean(x, where=)``, ``anp.max(x, initial=, where=)``,
``cumsum(x, dtype=)``, ``sort(x, descending=True)``, ``clip(x, min=, max=)``, ``reshape(x, order="F")`` and
``linspace(..., axis=)`` failed with Python's "unexpected keyword argument" (or, on SCT, the rule's internal name
``_sum_vjp() got an unexpected keyword argument 'where'``). They are compositions of primitives in the vocabulary
now (SCT follows the wrapper's code when a keyword is beyond its primitive's), checked against JAX in float64 on
every engine (values, VJPs, a JVP, and second derivatives by both of SCT's second orders). ``out=``, ``where=``
without ``initial=`` on max/min, ``order="A"`` and bounds given twice are refused by name at the user's line.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

MASK = np.array([[True, False, True], [False, True, True]])
ENGINES = [("overloading", {}), ("sct", {}), ("sct", {"higher": "boxes"}), ("elemental", {})]


# one source for every engine and for JAX (anp's names run on JAX's tracers; el.sum is anp.sum)
def masked_sum(x):
    return anp.add(anp.sum(anp.multiply(x, x), axis=1, where=MASK), anp.sum(anp.sin(x), initial=0.5))


def masked_mean(x):
    return anp.multiply(anp.mean(anp.exp(x), axis=0, where=MASK), anp.mean(x, where=MASK, keepdims=True))


def masked_extremes(x):
    return anp.add(anp.max(x, axis=1, initial=0.45, where=MASK), anp.min(anp.cos(x), axis=1, initial=0.6))


def masked_product(x):
    return anp.add(anp.prod(x, axis=0, where=MASK, initial=1.5), anp.prod(x, where=MASK))


def cast_sums(x):
    counts = np.arange(6).reshape(2, 3)
    return anp.multiply(anp.cumsum(counts, axis=1, dtype=np.float64), anp.cumprod(x, axis=1, dtype=np.float64))


def sorted_descending(x):
    flat = anp.sort(x, axis=None, descending=True)
    return anp.multiply(anp.sort(x, axis=1, descending=True), anp.reshape(flat, (2, 3)))


def clipped_reshaped(x):
    return anp.multiply(anp.clip(x, min=0.35, max=0.75), anp.transpose(anp.reshape(x, (3, 2), order="F")))




PROGRAMS = [masked_sum, masked_mean, masked_extremes, masked_product, cast_sums, sorted_descending,
            clipped_reshaped]
SEEDS = (0, 1)


def inputs(seed):
    return np.random.default_rng(seed).uniform(0.1, 1.0, (2, 3))


@functools.cache
def reference(f, seed):
    """JAX's value and gradient of sum(f(x) * w), shared by every engine."""
    w = np.random.default_rng(100 + seed).normal(size=np.shape(jax.eval_shape(f, inputs(seed))))
    loss = jax.jit(lambda x: jnp.sum(f(x) * w))
    return w, np.asarray(f(jnp.asarray(inputs(seed)))), np.asarray(jax.grad(loss)(inputs(seed)))


@pytest.mark.parametrize("engine, options", ENGINES, ids=["overloading", "sct", "sct-boxes", "elemental"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_value_and_vjp_match_jax(engine, options, f):
    eng = ad.engine(engine, **options)
    for seed in SEEDS:
        w, value, grad = reference(f, seed)
        y, f_vjp = eng.vjp(f, inputs(seed))
        np.testing.assert_allclose(y, value, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(f_vjp(w)[0], grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("f", [masked_mean, masked_extremes, cast_sums], ids=lambda f: f.__name__)
def test_jvp_matches_jax(engine, f):
    x, t = inputs(3), inputs(4)
    y, y_dot = ad.engine(engine).jvp(f, (x,), (t,))
    want, want_dot = jax.jvp(f, (jnp.asarray(x),), (jnp.asarray(t),))
    np.testing.assert_allclose(y, want, rtol=1e-12)
    np.testing.assert_allclose(y_dot, want_dot, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("higher", ["sct", "boxes"])
@pytest.mark.parametrize("f", [masked_mean, masked_product], ids=lambda f: f.__name__)
def test_second_order_matches_jax(higher, f):
    def loss(x):
        return anp.sum(f(x))
    x = inputs(5)
    want = jax.jit(jax.hessian(loss))(x)
    np.testing.assert_allclose(ad.engine("sct", higher=higher).hessian(loss)(x), want, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ad.engine("overloading").hessian(loss)(x), want, rtol=1e-10, atol=1e-13)


def test_dtype_casts_as_jnp():
    x = inputs(6)
    for ours, theirs in [(anp.sum(x, dtype=np.float32), jnp.sum(x, dtype=np.float32)),
                         (anp.mean(x, axis=0, dtype=np.float32), jnp.mean(x, axis=0, dtype=np.float32)),
                         (anp.cumsum(x, dtype=np.float32), jnp.cumsum(x, dtype=np.float32)),
                         (anp.prod(np.arange(1, 5), dtype=np.float64), jnp.prod(np.arange(1, 5), dtype=np.float64))]:
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_argsort_descending_keeps_ties_in_order_as_jax():
    x = np.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 0.5, 2.0, 0.5, 4.0]])
    for axis in (-1, 0, None):
        np.testing.assert_array_equal(anp.argsort(x, axis=axis, descending=True),
                                      jnp.argsort(x, axis=axis, descending=True))
        np.testing.assert_array_equal(anp.sort(x, axis=axis, descending=True),
                                      jnp.sort(x, axis=axis, descending=True))


def test_linspace_takes_axis_and_retstep():
    start, stop = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    np.testing.assert_allclose(anp.linspace(start, stop, 4, axis=1), jnp.linspace(start, stop, 4, axis=1))
    ours, theirs = anp.linspace(0.0, 2.0, 5, retstep=True), jnp.linspace(0.0, 2.0, 5, retstep=True)
    np.testing.assert_allclose(ours[0], theirs[0])
    assert ours[1] == pytest.approx(float(theirs[1]))


def written_out(x):
    return anp.sum(x, out=np.empty(()))


def cumulative_out(x):
    return anp.cumsum(x, out=np.empty(3))


def max_without_initial(x):
    return anp.max(x, where=np.array([True, False, True]))


def fortran_or_c(x):
    return anp.reshape(x, (3,), order="A")


def bounds_twice(x):
    return anp.clip(x, 0.1, max=0.5)


def dtype_by_position(x):
    return anp.sum(x, 0, np.float32)


@pytest.mark.parametrize("engine", ["overloading", "sct", None])
@pytest.mark.parametrize("f, error, words", [
    (written_out, TypeError, "got the keyword out="), (cumulative_out, TypeError, "got the keyword out="),
    (max_without_initial, ValueError, "where= .* needs initial="), (fortran_or_c, ValueError, "order='A'"),
    (bounds_twice, TypeError, "bounds given twice"), (dtype_by_position, TypeError, "pass dtype= by keyword")],
    ids=lambda v: getattr(v, "__name__", None))
def test_refused_by_name_at_the_users_line(engine, f, error, words):
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(error, match=words) as info:
        ad.engine(engine).grad(lambda x: anp.sum(f(x)))(np.ones(3)) if engine else f(np.ones(3))
    where = str(info.value) + "".join(getattr(info.value, "__notes__", []))
    assert f"test_probe12_keywords_reductions.py:{line}" in where or f"line {line}" in where


def active_initial(x, y):
    return anp.add(anp.sum(anp.max(x, axis=1, initial=y, where=MASK)), anp.sum(anp.prod(x, axis=0, initial=y)))


@pytest.mark.parametrize("engine, options", ENGINES, ids=["overloading", "sct", "sct-boxes", "elemental"])
def test_active_initial_is_differentiated(engine, options):
    def loss(x, y):
        return anp.sum(active_initial(x, y))
    for y in (0.3, 0.8):  # above some of the masked rows' maxima, then all of them
        x = inputs(7)
        want = jax.grad(loss, argnums=(0, 1))(x, y)
        got = ad.engine(engine, **options).grad(loss, argnums=(0, 1))(x, y)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-10)
