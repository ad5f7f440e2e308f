"""JAX's ``check_grads(f, args, order=2)`` pointed at an engine: ``eng.jvp`` of ``partial(eng.jvp, f)``, and an
engine's ``vjp`` of a vocabulary function (``anp.add``, a primitive) inside a function it differentiates.

``check_grads`` checks the second order by differentiating ``partial(jax.jvp, f)``; adapted, that is
``eng.jvp(partial(eng.jvp, f), (args, t), (u, w))``. The SCT engine read the source of the engine's own
``Engine.jvp`` method and refused it ("an expression statement ... in function 'Engine.jvp', engine.py");
the public methods that take the point (``jvp``, ``vjp``, ``hvp``) are now engine plumbing, run on the boxes
as the derivatives an engine makes are. ``eng.vjp(anp.add, a, b)`` inside a function SCT (``higher="sct"``)
differentiates crashed with "cannot create weak reference to 'Primitive' object"; a vocabulary function is
now transformed through a plain ``def`` calling it. Checked against JAX in float64 on several seeds.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = [("sct", "sct"), ("sct", "boxes"), ("overloading", None)]


def _engine(name, higher):
    return ad.engine(name, higher=higher) if higher else ad.engine(name)


def _close(got, want):
    got_leaves, want_leaves = jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-10, atol=1e-12)


def sin_times(x, y):
    return anp.sin(x) * y + anp.exp(x * 0.3)


def sin_times_jax(x, y):
    return jnp.sin(x) * y + jnp.exp(x * 0.3)


@pytest.mark.parametrize("name,higher", ENGINES)
@pytest.mark.parametrize("seed", [0, 1])
def test_jvp_of_partial_jvp_as_check_grads_builds_it(name, higher, seed):
    eng = _engine(name, higher)
    rng = np.random.RandomState(seed)
    args = (rng.randn(3), rng.randn(2, 3))
    t1, t2, t3 = [tuple(rng.randn(*np.shape(a)) for a in args) for _ in range(3)]
    got = eng.jvp(partial(eng.jvp, sin_times), (args, t1), (t2, t3))
    want = jax.jvp(partial(jax.jvp, sin_times_jax), (args, t1), (t2, t3))
    _close(got, want)


@pytest.mark.parametrize("name,higher", ENGINES)
def test_jvp_of_partial_hvp(name, higher):
    eng = _engine(name, higher)
    rng = np.random.RandomState(3)
    x, v, t, u = (rng.randn(3) for _ in range(4))

    def loss(x):
        return anp.sum(anp.tanh(x) * x)

    got = eng.jvp(partial(eng.hvp, loss), ((x,), (v,)), ((t,), (u,)))
    want = jax.jvp(lambda p, q: jax.jvp(jax.grad(lambda x: jnp.sum(jnp.tanh(x) * x)), p, q)[1],
                   ((x,), (v,)), ((t,), (u,)))
    _close(got, want)


def pulled_add(a, b):
    out, f_vjp = ENGINE.vjp(anp.add, a, b)
    return f_vjp(out * a)


def pulled_sin(a):
    out, f_vjp = ENGINE.vjp(anp.sin, a)
    return f_vjp(out * a)[0]


def pushed_sin(a, t):
    return ENGINE.jvp(anp.sin, (a,), (t,))[1]


ENGINE = ad.engine("sct")


@pytest.mark.parametrize("seed", [0, 1])
def test_vjp_of_a_vocabulary_function_inside_sct_code(seed):
    rng = np.random.RandomState(seed)
    a, b, c = rng.randn(3), rng.randn(2, 3), rng.randn(2, 3)
    y, f_vjp = ENGINE.vjp(pulled_add, a, b)
    want_y, want_vjp = jax.vjp(lambda a, b: jax.vjp(jnp.add, a, b)[1](jnp.add(a, b) * a), a, b)
    _close(y, want_y)
    bars = (rng.randn(3), rng.randn(2, 3))
    _close(f_vjp(bars), want_vjp(bars))
    g = ENGINE.grad(lambda a: anp.sum(pulled_sin(a) * c[0]))(a)
    _close(g, jax.grad(lambda a: jnp.sum(jax.vjp(jnp.sin, a)[1](jnp.sin(a) * a)[0] * c[0]))(a))
    t = rng.randn(3)
    _close(ENGINE.grad(lambda a: anp.sum(pushed_sin(a, t)))(a),
           jax.grad(lambda a: jnp.sum(jax.jvp(jnp.sin, (a,), (t,))[1]))(a))


VAR_ROWS = partial(anp.var, axis=1, ddof=1)
CUMSUM_ROWS = partial(anp.cumsum, axis=0)


def pulled_var(x):
    out, f_vjp = ENGINE.vjp(VAR_ROWS, x)
    return f_vjp(out)[0]


def pushed_cumsum(x, t):
    return ENGINE.jvp(CUMSUM_ROWS, (x,), (t,))[1]


@pytest.mark.parametrize("seed", [0, 1])
def test_vjp_and_jvp_of_a_partial_inside_sct_code(seed):
    """``check_grads`` is often handed ``partial(jnp.var, axis=1)``: inside code SCT transforms its ``vjp``
    was refused as "differentiating partial objects"."""
    rng = np.random.RandomState(seed)
    x, t, bar = rng.randn(2, 3), rng.randn(2, 3), rng.randn(2, 3)

    def var_pulled_jax(x):
        f = partial(jnp.var, axis=1, ddof=1)
        out, f_vjp = jax.vjp(f, x)
        return f_vjp(out)[0]

    y, f_vjp = ENGINE.vjp(pulled_var, x)
    want_y, want_vjp = jax.vjp(var_pulled_jax, x)
    _close(y, want_y)
    _close(f_vjp(bar), want_vjp(bar))
    got = ENGINE.grad(lambda x: anp.sum(anp.sin(pushed_cumsum(x, t))))(x)
    want = jax.grad(lambda x: jnp.sum(jnp.sin(jax.jvp(partial(jnp.cumsum, axis=0), (x,), (t,))[1])))(x)
    _close(got, want)
