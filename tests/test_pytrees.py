"""Pytrees in and out, has_aux, keyword arguments and argnums, on every engine, against JAX.

Each function is written with calls only (``m.multiply(a, b)``), so the same
source runs with ``m`` the vocabulary (overloading, SCT), the elemental library
(elemental engine) and ``jax.numpy`` (the oracle).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

TOL = 1e-12
SEEDS = (0, 1, 2)


def vocabulary(engine_name):
    return el if engine_name == "elemental" else anp


def assert_tree_close(ours, theirs, tol=TOL):
    """Same pytree structure, and every leaf close in value, shape and dtype."""
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs), (ours, theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        assert not any(type(v).__name__ in ("Dual", "Node", "Pair", "Var") for v in (a, b))
        assert a_arr.shape == b_arr.shape, (a_arr.shape, b_arr.shape)
        if b_arr.dtype == jax.dtypes.float0:
            assert a_arr.dtype == jax.dtypes.float0
            continue
        assert a_arr.dtype == b_arr.dtype, (a_arr.dtype, b_arr.dtype)
        scale = max(float(np.max(np.abs(b_arr), initial=0.0)), 1.0)
        assert float(np.max(np.abs(a_arr - b_arr), initial=0.0)) <= tol * scale


def to_jax(tree):
    return tree_util.tree_map(jnp.asarray, tree)


def params(seed):
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2),
            "layers": [rng.normal(size=2), rng.uniform(0.5, 1.5)], "skip": None}


def loss(m):
    def f(p, x):
        h = m.tanh(m.add(m.matmul(x, p["w"]), p["b"]))
        h = m.multiply(h, p["layers"][0])
        return m.multiply(m.sum(m.multiply(h, h)), p["layers"][1])

    return f


ENGINES = list(ad.ENGINES)


@pytest.mark.parametrize("name", ENGINES)
def test_grad_of_a_dict_of_parameters_is_a_dict(name):
    eng, m = ad.engine(name), vocabulary(name)
    for seed in SEEDS:
        p, x = params(seed), np.random.default_rng(10 + seed).normal(size=(4, 3))
        ours = eng.grad(loss(m))(p, x)
        theirs = jax.grad(loss(jnp))(to_jax(p), jnp.asarray(x))
        assert isinstance(ours, dict) and ours["skip"] is None
        assert_tree_close(ours, theirs)


@pytest.mark.parametrize("name", ENGINES)
def test_value_and_grad_over_both_arguments(name):
    eng, m = ad.engine(name), vocabulary(name)
    p, x = params(3), np.random.default_rng(3).normal(size=(4, 3))
    ours = eng.value_and_grad(loss(m), argnums=(0, 1))(p, x)
    theirs = jax.value_and_grad(loss(jnp), argnums=(0, 1))(to_jax(p), jnp.asarray(x))
    assert_tree_close(ours, theirs)


def pair(m):
    def f(a):
        return m.multiply(2.0, a), a

    return f


@pytest.mark.parametrize("name", ENGINES)
def test_a_tuple_output_gets_every_cotangent(name):
    eng, m = ad.engine(name), vocabulary(name)
    y, f_vjp = eng.vjp(pair(m), 1.5)
    assert y == (3.0, 1.5)
    assert f_vjp((1.0, 1.0)) == (3.0,)
    for seed in SEEDS:
        a = np.random.default_rng(seed).normal(size=3)
        g = tuple(np.random.default_rng(20 + seed).normal(size=(2, 3)))
        ours = eng.vjp(pair(m), a)[1](g)
        assert_tree_close(ours, jax.vjp(pair(jnp), jnp.asarray(a))[1](to_jax(g)))


def outputs(m):
    def f(p):
        s = m.sin(p["x"])
        return {"s": s, "both": [m.multiply(s, p["y"]), p["y"]], "n": 3}

    return f


@pytest.mark.parametrize("name", ENGINES)
def test_jvp_and_vjp_of_nested_outputs(name):
    eng, m = ad.engine(name), vocabulary(name)
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        p, t = {"x": rng.normal(size=3), "y": rng.normal()}, {"x": rng.normal(size=3), "y": rng.normal()}
        y, y_dot = eng.jvp(outputs(m), (p,), (t,))
        y_jax, y_dot_jax = jax.jvp(outputs(jnp), (to_jax(p),), (to_jax(t),))
        assert y["n"] == 3 and y_dot["n"].dtype == jax.dtypes.float0
        assert_tree_close(y["both"], y_jax["both"])
        assert_tree_close((y["s"], y_dot["s"], y_dot["both"]), (y_jax["s"], y_dot_jax["s"], y_dot_jax["both"]))
        g = {"s": rng.normal(size=3), "both": [rng.normal(size=3), rng.normal()],
             "n": np.zeros((), jax.dtypes.float0)}
        ours = eng.vjp(outputs(m), p)[1](g)
        assert_tree_close(ours, jax.vjp(outputs(jnp), to_jax(p))[1](to_jax(g)))


def with_aux(m):
    def f(x, y):
        z = m.multiply(x, y)
        return m.sum(m.sin(z)), {"z": z, "count": 2}

    return f


@pytest.mark.parametrize("name", ENGINES)
def test_has_aux(name):
    eng, m = ad.engine(name), vocabulary(name)
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=3), rng.normal(size=3)
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    assert_tree_close(eng.grad(with_aux(m), has_aux=True)(x, y), jax.grad(with_aux(jnp), has_aux=True)(xj, yj))
    assert_tree_close(eng.value_and_grad(with_aux(m), argnums=(0, 1), has_aux=True)(x, y),
                      jax.value_and_grad(with_aux(jnp), argnums=(0, 1), has_aux=True)(xj, yj))
    out, f_vjp, aux = eng.vjp(with_aux(m), x, y, has_aux=True)
    out_j, f_vjp_j, aux_j = jax.vjp(with_aux(jnp), xj, yj, has_aux=True)
    assert_tree_close((out, aux, f_vjp(0.7)), (out_j, aux_j, f_vjp_j(jnp.asarray(0.7))))
    ours = eng.jvp(with_aux(m), (x, y), (y, x), has_aux=True)
    assert_tree_close(ours, jax.jvp(with_aux(jnp), (xj, yj), (yj, xj), has_aux=True))
    for ours_jac, jax_jac in [(eng.jacfwd, jax.jacfwd), (eng.jacrev, jax.jacrev)]:
        assert_tree_close(ours_jac(with_aux(m), argnums=1, has_aux=True)(x, y),
                          jax_jac(with_aux(jnp), argnums=1, has_aux=True)(xj, yj))


def two_args(m):
    def f(x, y):
        return m.multiply(m.sin(x), m.sum(m.multiply(y, y)))

    return f


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("argnums", [0, (0,), (0, 1), (1, 0)])
def test_jacobians_with_tuple_argnums_nest_as_jax(name, argnums):
    eng, m = ad.engine(name), vocabulary(name)
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=2), rng.normal(size=3)
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    assert_tree_close(eng.jacfwd(two_args(m), argnums)(x, y), jax.jacfwd(two_args(jnp), argnums)(xj, yj))
    assert_tree_close(eng.jacrev(two_args(m), argnums)(x, y), jax.jacrev(two_args(jnp), argnums)(xj, yj))
    scalar = (lambda f: lambda x, y: m.sum(f(x, y)))(two_args(m))
    scalar_j = (lambda f: lambda x, y: jnp.sum(f(x, y)))(two_args(jnp))
    for mode in ("fwd-rev", "rev-rev"):
        assert_tree_close(eng.hessian(scalar, argnums, mode=mode)(x, y), jax.hessian(scalar_j, argnums)(xj, yj))


@pytest.mark.parametrize("name", ENGINES)
def test_jacobian_of_a_dict_to_a_tuple(name):
    eng, m = ad.engine(name), vocabulary(name)

    def f(p):
        return m.exp(p["a"]), m.multiply(p["a"], p["b"])

    def f_j(p):
        return jnp.exp(p["a"]), p["a"] * p["b"]

    rng = np.random.default_rng(8)
    p = {"a": rng.normal(size=2), "b": rng.normal()}
    assert_tree_close(eng.jacfwd(f)(p), jax.jacfwd(f_j)(to_jax(p)))
    assert_tree_close(eng.jacrev(f)(p), jax.jacrev(f_j)(to_jax(p)))


def scaled(m):
    def f(x, scale=1.0, *, shift=0.0):
        return m.sum(m.multiply(m.sin(m.add(x, shift)), scale))

    return f


@pytest.mark.parametrize("name", ENGINES)
def test_keyword_arguments_pass_through(name):
    eng, m = ad.engine(name), vocabulary(name)
    x = np.random.default_rng(9).normal(size=3)
    for kwargs in ({"scale": 3.0}, {"shift": 0.5}, {"scale": 2.0, "shift": -1.0}):
        assert_tree_close(eng.grad(scaled(m))(x, **kwargs), jax.grad(scaled(jnp))(jnp.asarray(x), **kwargs))
        assert_tree_close(eng.jacrev(scaled(m))(x, **kwargs), jax.jacrev(scaled(jnp))(jnp.asarray(x), **kwargs))


@pytest.mark.parametrize("name", ENGINES)
def test_a_float32_input_gets_a_float32_cotangent(name):
    eng, m = ad.engine(name), vocabulary(name)
    x32, y64 = np.array([0.5, 1.5], np.float32), np.array([2.0, -1.0])
    ours = eng.grad(lambda x, y: m.sum(two_args(m)(x, y)), argnums=(0, 1))(x32, y64)
    theirs = jax.grad(lambda x, y: jnp.sum(two_args(jnp)(x, y)), argnums=(0, 1))(jnp.asarray(x32), jnp.asarray(y64))
    assert ours[0].dtype == np.float32 and ours[1].dtype == np.float64
    assert_tree_close(ours, theirs, tol=1e-6)


@pytest.mark.parametrize("name", ENGINES)
def test_empty_arrays(name):
    eng, m = ad.engine(name), vocabulary(name)
    x, e = np.array([0.3, 0.7]), np.zeros((0,))

    def f(x, e):
        return m.add(m.sum(m.sin(x)), m.sum(m.exp(e)))

    def f_j(x, e):
        return jnp.sum(jnp.sin(x)) + jnp.sum(jnp.exp(e))

    assert_tree_close(eng.grad(f, (0, 1))(x, e), jax.grad(f_j, (0, 1))(jnp.asarray(x), jnp.asarray(e)))
    assert_tree_close(eng.jacfwd(f, (0, 1))(x, e), jax.jacfwd(f_j, (0, 1))(jnp.asarray(x), jnp.asarray(e)))
    assert_tree_close(eng.jacrev(m.exp)(e), jax.jacrev(jnp.exp)(jnp.asarray(e)))


@pytest.mark.parametrize("name", ENGINES)
def test_bad_arguments_raise(name):
    eng, m = ad.engine(name), vocabulary(name)
    f = two_args(m)
    x, y = np.array([0.3, 0.7]), np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="same argument twice"):
        eng.grad(lambda x, y: m.sum(f(x, y)), argnums=(0, 0))(x, y)
    for jac in (eng.jacfwd, eng.jacrev, eng.hessian):
        with pytest.raises(TypeError, match="float dtype"):
            jac(f)(np.array([1, 2]), y)
    with pytest.raises(TypeError, match="float dtype"):
        eng.grad(lambda p: m.sum(p["a"]))({"a": np.array([1, 2])})
    _, f_vjp = eng.vjp(f, x, y)
    with pytest.raises(ValueError, match="structure"):
        f_vjp(None)
    with pytest.raises(ValueError, match="shape"):
        f_vjp(np.ones(3))
    with pytest.raises(TypeError, match="complex"):
        eng.vjp(m.sin, np.array([1.0 + 2.0j]))
    with pytest.raises(TypeError, match="complex"):
        eng.grad(lambda p: m.sum(p["z"]))({"z": 1.0 + 0.5j})
    with pytest.raises(TypeError, match="has_aux=True requires"):
        eng.grad(lambda x: m.sum(x), has_aux=True)(x)
    with pytest.raises(TypeError, match="scalar output"):
        eng.grad(lambda x: (m.sum(x), m.sum(x)))(x)
    with pytest.raises(TypeError, match="str"):
        eng.vjp(lambda s: m.sum(s), "abc")
