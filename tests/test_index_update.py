"""The functional index update ``index_update_p(x, v, idx=idx)``: JAX's ``x.at[idx].set(v)``.

Its rules alone against ``jax.jvp``/``jax.vjp`` of ``.at[].set`` (on NumPy and on
JAX values), differentiated again (second derivatives), and the RNN pattern
``y = anp.zeros_like(x); y[i] = ...`` against JAX on each engine and backend.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.oracle import max_error

TOL = 1e-12

INDICES = [  # (x shape, v shape, idx)
    ((4, 5), (5,), 1),
    ((4, 5), (), (slice(1, 3),)),
    ((4, 5), (2, 1), (slice(1, 3), slice(0, 2))),
    ((4, 5), (1, 5), (slice(None, None, -2),)),
    ((4, 5), (3, 5), (np.array([0, 2, 2]),)),
    ((4, 5), (2,), (np.array([3, 3]), np.array([1, 1]))),
    ((4, 5), (4,), (Ellipsis, 2)),
    ((4, 5), (), (np.array([True, False, True, False]),)),
    ((2, 3, 4), (3,), (1, slice(None), -1)),
    ((3,), (), ()),
]


@pytest.mark.parametrize("xs, vs, idx", INDICES, ids=[str(i) for i in range(len(INDICES))])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_rules_against_jax_at_set(xs, vs, idx, backend):
    def f_jax(x, v):
        return x.at[idx].set(v)

    wrap = np.asarray if backend == "numpy" else jnp.asarray
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x, v, t_x, t_v = (wrap(rng.normal(size=s)) for s in (xs, vs, xs, vs))
        ans = p.index_update_p(x, v, idx=idx)
        y_j, y_dot_j = jax.jvp(f_jax, (jnp.asarray(x), jnp.asarray(v)), (jnp.asarray(t_x), jnp.asarray(t_v)))
        assert max_error(ans, y_j) == 0
        assert isinstance(ans, jax.Array) == (backend == "jax")
        jvp_x, jvp_v = p.index_update_p.jvps
        assert max_error(anp.add(jvp_x(t_x, ans, x, v, idx=idx), jvp_v(t_v, ans, x, v, idx=idx)), y_dot_j) < TOL

        g = wrap(rng.normal(size=np.shape(ans)))
        bars = tuple(rule(ans, x, v, idx=idx)(g) for rule in p.index_update_p.vjps)
        assert [np.shape(b) for b in bars] == [xs, vs]
        assert max_error(bars, jax.vjp(f_jax, jnp.asarray(x), jnp.asarray(v))[1](jnp.asarray(g))) < TOL


def _update(x):
    """x's square with a window replaced by a function of other elements, squared and summed."""
    y = anp.index_update(x * x, slice(1, 3), anp.sin(x[2:4]) * x[0])
    y = anp.index_update(y, np.array([0, 4, 0]), anp.exp(x[1:4]))
    return anp.sum(y * y * x)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
def test_rules_differentiate_again(engine, mode):
    x = np.random.default_rng(7).uniform(0.3, 1.5, size=5)
    expected = jax.hessian(_update)(jnp.asarray(x))  # the same source: anp runs on JAX's tracers
    assert max_error(ad.engine(engine).hessian(_update, mode=mode)(x), expected) < 1e-11


def test_third_derivative_through_a_write_by_index():
    def f(a):
        y = anp.zeros(3, like=a)
        y[1] = a * a
        y[2:] += anp.sin(a)
        return anp.sum(y * y)

    def f_jax(a):
        y = jnp.zeros(3).at[1].set(a * a).at[2:].add(jnp.sin(a))
        return jnp.sum(y * y)

    eng = ad.engine("overloading")
    d3 = eng.grad(eng.grad(eng.grad(f)))(0.8)
    assert abs(d3 - jax.grad(jax.grad(jax.grad(f_jax)))(0.8)) < 1e-11
    assert abs(eng.jvp(eng.grad(f), (0.8,), (1.0,))[1] - jax.hessian(f_jax)(0.8)) < 1e-12


def _rnn(x, w):
    """An RNN whose hidden states are written into a preallocated array, as NumPy code does."""
    hs = anp.zeros((len(x), len(w)), like=x)
    h = anp.zeros(len(w), like=w)
    for i in range(len(x)):
        h = anp.tanh(h * w + x[i])
        hs[i] = h
        hs[i, 0] += x[i] * h[1]
    return anp.sum(anp.matmul(hs, w) ** 2.0)


def _rnn_el(x, w):
    n, k = el.shape(x)[0], el.shape(w)[0]
    hs = el.zeros((n, k), like=x)
    h = el.zeros(k, like=w)
    for i in range(n):
        h = el.tanh(el.add(el.multiply(h, w), el.getitem(x, i)))
        hs = el.index_update(hs, i, h)
        extra = el.multiply(el.getitem(x, i), el.getitem(h, 1))
        hs = el.index_update(hs, (i, 0), el.add(el.getitem(hs, (i, 0)), extra))
    return el.sum(el.power(el.matmul(hs, w), 2.0))


def _rnn_jax(x, w):
    hs = jnp.zeros((len(x), len(w)))
    h = jnp.zeros(len(w))
    for i in range(len(x)):
        h = jnp.tanh(h * w + x[i])
        hs = hs.at[i].set(h)
        hs = hs.at[i, 0].add(x[i] * h[1])
    return jnp.sum((hs @ w) ** 2.0)


@pytest.mark.parametrize("engine", ["overloading", "elemental"])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_rnn_pattern_against_jax(engine, backend):
    f = _rnn if engine == "overloading" else _rnn_el
    eng = ad.engine(engine)
    wrap = np.asarray if backend == "numpy" else jnp.asarray
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x, w = wrap(rng.normal(size=6)), wrap(rng.normal(size=3))
        xj, wj = jnp.asarray(x), jnp.asarray(w)
        grads = eng.grad(f, argnums=(0, 1))(x, w)
        assert all(isinstance(g, jax.Array) == (backend == "jax") for g in grads)
        assert max_error(grads, jax.grad(_rnn_jax, argnums=(0, 1))(xj, wj)) < TOL
        t = wrap(rng.normal(size=6))
        assert max_error(eng.jvp(lambda v: f(v, w), (x,), (t,))[1],
                         jax.jvp(lambda v: _rnn_jax(v, wj), (xj,), (jnp.asarray(t),))[1]) < TOL
    assert max_error(eng.hessian(f)(x, w), jax.hessian(_rnn_jax)(xj, wj)) < 1e-11


def test_zeros_like_of_an_active_value_is_a_constant_of_its_level():
    eng = ad.engine("overloading")

    def f(x):
        y = anp.zeros_like(x)
        assert np.all(anp.ones_like(x) == 1.0) and np.all(y == 0.0)
        y[0] = x[1] * x[0]
        return anp.sum(y) + anp.sum(anp.zeros(2, like=x))

    x = np.array([2.0, 3.0])
    assert max_error(eng.grad(f)(x), np.array([3.0, 2.0])) == 0
    assert max_error(eng.jvp(f, (x,), (np.array([1.0, 0.0]),)), (6.0, 3.0)) == 0
    y, y_dot = eng.jvp(anp.zeros_like, (x,), (x,))  # a constant: zero tangent, plain values out
    assert type(y) is np.ndarray and type(y_dot) is np.ndarray and not y_dot.any()
