"""Vocabulary (h33): NumPy's last array names, which jnp lacks. ``copyto`` and ``putmask`` write in place as NumPy's
on the primal and differentiate as their functional twins in JAX (``jnp.where``); ``asanyarray``,
``ascontiguousarray``, ``asfortranarray``, ``require``, ``asarray_chkfinite``, ``real_if_close`` and ``row_stack``
as ``jnp.asarray``/``vstack``. Values, gradients, JVPs (and Hessian-vector products on the overloading engine) against
JAX in float64 on the overloading engine and SCT, the elemental library's calls against JAX, NumPy's own results and
errors on constants, and the refusals of writes an engine cannot make, each naming this file.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab14_check import program_tests
from vocab_more_check import close, seeded

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp


def written_anp(x, y):
    z = anp.ones_like(x)
    anp.copyto(z, y * 2.0, where=x > 0)  # (3,) broadcast into (2, 3) where x > 0
    w = x * 1.0
    anp.putmask(w, w < 0.3, anp.cos(y[:2]))  # the values cycled over the flat positions
    anp.copyto(w[1], anp.sin(y))  # into a row of w: NumPy's view, an item write in SCT
    anp.copyto(z, z * w)
    return anp.sum(z * w) + anp.sum(anp.exp(w[0]) * y)


def written_jax(x, y):
    z = jnp.where(x > 0, jnp.broadcast_to(y * 2.0, x.shape), jnp.ones_like(x))
    w = jnp.where(x < 0.3, jnp.cos(y[:2])[jnp.arange(6) % 2].reshape(x.shape), x)
    w = w.at[1].set(jnp.sin(y))
    z = z * w
    return jnp.sum(z * w) + jnp.sum(jnp.exp(w[0]) * y)


def converted_anp(x, y):
    a = anp.asanyarray(x) * anp.ascontiguousarray(x.T).T
    c = anp.asfortranarray(y[0]) * anp.require(y, requirements=["C", "O"])  # (a 0-d value gets an axis)
    e = anp.asarray_chkfinite(y) * anp.real_if_close(x)[0]
    return anp.sum(a * anp.sin(x)) + anp.sum(c ** 2) + anp.sum(e) + anp.sum(anp.row_stack([y, y * y]) ** 2)


def converted_jax(x, y):
    c = jnp.reshape(y[0], (1,)) * y
    rows = jnp.vstack([y, y * y])
    return jnp.sum(x * x * jnp.sin(x)) + jnp.sum(c ** 2) + jnp.sum(y * x[0]) + jnp.sum(rows ** 2)


def _twin(ours, theirs):
    return lambda np_: ours if np_ is anp else theirs


test_programs_against_jax = program_tests([_twin(written_anp, written_jax), _twin(converted_anp, converted_jax)],
                                          [(2, 3), (3,)])


def test_elemental_calls_against_jax_and_its_refused_writes():
    def f(x):
        r = el.require(el.ascontiguousarray(el.asfortranarray(x)), requirements="O")
        return el.sum(el.multiply(el.row_stack([r, el.asanyarray(x)]), el.sin(el.asarray_chkfinite(x))))

    eng = ad.engine("elemental")
    for (x,) in seeded([(4,)]):
        close(eng.grad(f)(x), jax.grad(lambda v: 2.0 * jnp.sum(v * jnp.sin(v)))(x))
        theirs = jax.jvp(lambda v: 2.0 * jnp.sum(v * jnp.sin(v)), (x,), (np.cos(x),))[1]
        close(eng.jvp(f, (x,), (np.cos(x),))[1], theirs)

    def into_active(x):
        z = el.zeros_like(x)
        el.putmask(z, el.primal(x) > 0, x)
        return el.sum(z)

    with pytest.raises(TypeError, match="(?s)putmask.*test_vocab33_names.py.*el.where"):
        eng.grad(into_active)(np.ones(3))


def test_numpy_results_and_errors_on_constants():
    rng = np.random.default_rng(7)
    x, m = rng.normal(size=(3, 4)), rng.normal(size=(4, 3)) > 0
    for ours, theirs in ((anp.copyto, np.copyto), (anp.putmask, np.putmask)):
        a, b = x.copy(), x.copy()
        args = (x.T[::-1].T, "unsafe", m.T) if ours is anp.copyto else (m, [1.5, -2.0, 3.0])
        assert ours(a, *args) is None and theirs(b, *args) is None
        assert np.array_equal(a, b)
    i, j = np.arange(6), np.arange(6)
    anp.putmask(i, i > 2, [7.9, -1.2])  # a list is cast as NumPy casts it (unsafely), an array is not
    np.putmask(j, j > 2, [7.9, -1.2])
    assert np.array_equal(i, j)
    with pytest.raises(TypeError, match="Cannot cast"):
        anp.putmask(i, i > 2, np.array([7.9, -1.2]))
    for ours, theirs in ((anp.ascontiguousarray, np.ascontiguousarray), (anp.asfortranarray, np.asfortranarray),
                         (anp.asanyarray, np.asanyarray), (anp.require, np.require),
                         (anp.real_if_close, np.real_if_close), (anp.asarray_chkfinite, np.asarray_chkfinite)):
        for v in (2.5, x, np.arange(3), np.array([1.0 + 1e-16j, 2.0]), np.array([1.0 + 1e-3j])):
            a, b = ours(v), theirs(v)
            assert np.shape(a) == np.shape(b) and np.asarray(a).dtype == np.asarray(b).dtype
            assert np.array_equal(a, b)
    assert np.array_equal(anp.row_stack([x[0], x[1]]), np.vstack([x[0], x[1]]))
    assert anp.require(x, requirements="O") is not x and anp.require(x) is x
    assert anp.shares_memory(x, x[1:]) and not anp.shares_memory(x, x.copy()) and anp.may_share_memory(x, x[::2])
    assert anp.isfortran(x.T) and not anp.isfortran(x)
    assert anp.common_type(np.arange(2), np.ones(2, np.float32)) is np.common_type(np.arange(2), np.ones(2, np.float32))
    assert anp.min_scalar_type(300) == np.min_scalar_type(300) and anp.min_scalar_type(x) == np.min_scalar_type(x)
    assert anp.mintypecode(["f", x]) == np.mintypecode(["f", x])
    with pytest.raises(TypeError, match="Cannot cast"):
        anp.copyto(np.arange(3), x[0, :3])
    with pytest.raises(ValueError, match="same size"):
        anp.putmask(x.copy(), m[:2], 1.0)
    with pytest.raises(ValueError, match="infs or NaNs"):
        anp.asarray_chkfinite([1.0, np.inf])
    with pytest.raises(KeyError):
        anp.require(x, requirements="X")


def test_queries_read_the_primal_arrays_of_active_values():
    seen = {}

    def f(x):
        w = x * 1.0
        seen["view"], seen["copy"] = anp.shares_memory(w, w[1:]), anp.may_share_memory(w, anp.copy(w))
        seen["types"] = anp.common_type(w), anp.min_scalar_type(w), anp.isfortran(anp.transpose(w))
        return anp.sum(w)

    ad.engine("overloading").grad(f)(np.ones((2, 3)))
    assert seen == {"view": True, "copy": False, "types": (np.float64, np.dtype(np.float64), True)}


def test_writes_an_engine_cannot_make_are_refused_with_the_line():
    x = seeded([(3,)])[0][0]

    def into_constant(v):
        a = np.zeros(3)
        anp.copyto(a, v)  # a NumPy array of constants: the derivative would be lost
        return anp.sum(a)

    def into_outer(v):
        inner = ad.engine("overloading").grad(lambda u: (anp.copyto(v, u * v), anp.sum(v))[1])
        return anp.sum(inner(v))

    def read_through_a_view(v):
        w = v * 1.0
        row = w[:2]
        anp.putmask(w, w > 0, 0.0)
        return anp.sum(row)

    def result_used(v):
        w = v * 1.0
        done = anp.copyto(w, v * v)  # SCT takes only a call statement as the write (the write would be lost)
        return anp.sum(w) if done is None else 0.0

    eng = ad.engine("overloading")
    close(eng.grad(result_used)(x), 2.0 * x)
    with pytest.raises(Exception, match="(?s)anp.copyto that is not a statement.*test_vocab33_names.py"):
        ad.engine("sct").grad(result_used)(x)
    with pytest.raises(TypeError, match="(?s)copyto.*test_vocab33_names.py.*derivative would be lost"):
        eng.grad(into_constant)(x)
    with pytest.raises(TypeError, match="(?s)copyto.*test_vocab33_names.py.*inner level"):
        eng.grad(into_outer)(x)
    with pytest.raises(TypeError, match="(?s)copyto.*test_vocab33_names.py.*JAX array"):
        anp.copyto(jnp.zeros(3), 1.0)
    with pytest.raises(Exception, match="(?s)another name.*test_vocab33_names.py"):  # SCT: the view would not see it
        ad.engine("sct").grad(read_through_a_view)(x)
    close(eng.grad(read_through_a_view)(x), jax.grad(lambda v: jnp.sum(jnp.where(v > 0, 0.0, v)[:2]))(x))


def test_sct_writes_under_jax_jit():
    """The mask is a JAX tracer there: NumPy's checks read only its shape and dtype."""
    x, y = (jnp.asarray(a) for a in seeded([(2, 3), (3,)], (4,))[0])
    close(jax.jit(ad.engine("sct").grad(written_anp, (0, 1)))(x, y), jax.grad(written_jax, (0, 1))(x, y))
