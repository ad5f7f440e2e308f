"""SCT's guarded specialization in straight-line code: parameters' numbers of dimensions (1-D, 2-D)
prove ``dot``/``matmul`` results rank-0 (analysis/ranks.py ``ndims``, emit/specialize.py ``products``).

The specialized sweeps are compared with the general ones (the same numbers in an ndarray subclass,
which the guard refuses) and with JAX (float64, several seeds); calls the guard must refuse (2-D
where 1-D was assumed, JAX arrays, a list, an overloading box) and ones it takes (float32, int)
are checked against JAX too, and second order with ``higher="sct"`` runs through the guard.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Specialized
from adcompare.workloads.helmholtz import helmholtz

SCT = ad.engine("sct")
SEEDS = (0, 1, 2)


class Sub(np.ndarray):
    """An ndarray subclass: the guard refuses it, so the same numbers take the general sweeps."""


def quad(x, a, b):
    """Straight-line code whose products are rank-0 when x, b are vectors and a is a matrix."""
    bx = anp.dot(b, x)
    xax = anp.dot(x, anp.matmul(a, x))
    scale = xax / (1.0 + bx * bx) - anp.log(1.0 + xax * xax) * bx
    return anp.sum(anp.sin(x) * scale + x * x * bx)


def jquad(x, a, b):
    bx = jnp.dot(b, x)
    xax = jnp.dot(x, a @ x)
    scale = xax / (1.0 + bx * bx) - jnp.log(1.0 + xax * xax) * bx
    return jnp.sum(jnp.sin(x) * scale + x * x * bx)


def _inputs(seed, n=7):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=(n, n)), rng.normal(size=n)


def _marked(f, args):
    entry = transform.transform(f, "reverse", (0,), len(args))
    return type(entry.functions["fwd"](*args)[1]) is Specialized


@functools.cache
def _compiled(f, how, argnums=0):
    return jax.jit(how(f, argnums))  # compiled once: eager JAX is slow here


def _jax(f, args, argnums=0):
    return _compiled(f, jax.grad, argnums)(*[jnp.asarray(a) for a in args])


@pytest.mark.parametrize("seed", SEEDS)
def test_specialized_matches_general_and_jax(seed):
    x, a, b = _inputs(seed)
    assert _marked(quad, (x, a, b))
    fast = SCT.grad(quad)(x, a, b)
    assert not _marked(quad, (x.view(Sub), a, b))
    general = SCT.grad(quad)(x.view(Sub), a, b)
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(general))
    np.testing.assert_allclose(fast, _jax(jquad, (x, a, b)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_helmholtz_specialized_matches_general_and_jax(seed):
    rng = np.random.default_rng(seed)
    x, b, a = 0.1 * rng.uniform(size=9), 0.1 * rng.uniform(size=9), 0.1 * rng.uniform(size=(9, 9))
    assert _marked(helmholtz, (x, b, a))
    fast = SCT.grad(helmholtz)(x, b, a)
    general = SCT.grad(helmholtz)(x.view(Sub), b, a)
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(general))
    np.testing.assert_allclose(fast, _jax(helmholtz, (x, b, a)), rtol=1e-10, atol=1e-12)


def test_source_shows_the_specialized_sweep():
    text = SCT.source(helmholtz, "reverse")
    general, special = text.split("def helmholtz_fwd_2")
    assert "if matrix(a) and vector(b) and vector(x):" in general and "type(residuals) is Specialized" in general
    assert general.count("unbroadcast(") >= 10 and "shape_of(xax)" in general  # the general sweeps are unchanged
    assert special.count("unbroadcast(") == 1 and "shape_of" not in special  # only the sum down to 1 - b.x


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_guard_refuses_other_ranks_jax_arrays_lists_and_boxes(seed):
    x, a, b = _inputs(seed)
    square = np.random.default_rng(seed + 10).normal(size=(7, 7))  # 2-D where 1-D was assumed
    assert not _marked(quad, (square, a, b))
    np.testing.assert_allclose(SCT.grad(quad)(square, a, b), _jax(jquad, (square, a, b)), rtol=1e-10, atol=1e-12)
    row = np.random.default_rng(seed + 20).normal(size=7)  # 1-D where a matrix was assumed: x.a@x is a vector
    assert not _marked(quad, (x, row, b))
    np.testing.assert_allclose(SCT.grad(quad)(x, row, b), _jax(jquad, (x, row, b)), rtol=1e-10, atol=1e-12)
    expect = _jax(jquad, (x, a, b))
    jx = jnp.asarray(x)
    assert not _marked(quad, (jx, a, b))
    np.testing.assert_allclose(SCT.grad(quad)(jx, jnp.asarray(a), jnp.asarray(b)), expect, rtol=1e-10, atol=1e-12)
    assert not _marked(quad, (x, a, list(b)))
    np.testing.assert_allclose(SCT.grad(quad)(x, a, list(b)), expect, rtol=1e-10, atol=1e-12)
    oo = ad.engine("overloading")  # SCT's function called on the overloading engine's boxes
    hvp = oo.grad(lambda y: anp.sum(SCT.grad(quad)(y, a, b) * b))(x)
    expect = _compiled(jquad, jax.hessian)(jx, jnp.asarray(a), jnp.asarray(b)) @ b
    np.testing.assert_allclose(hvp, expect, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_guard_takes_float32_and_integer_arrays(seed):
    x, a, b = _inputs(seed)
    x32, a32, b32 = (v.astype(np.float32) for v in (x, a, b))
    assert _marked(quad, (x32, a32, b32))
    fast = SCT.grad(quad)(x32, a32, b32)
    general = SCT.grad(quad)(x32.view(Sub), a32, b32)
    assert np.asarray(fast).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(general))
    np.testing.assert_allclose(fast, _jax(jquad, (x32, a32, b32)), rtol=2e-4, atol=1e-5)
    bi, ai = np.arange(1, 8), np.arange(49).reshape(7, 7) % 5  # constants held as integers
    assert _marked(quad, (x, ai, bi))
    fast = SCT.grad(quad)(x, ai, bi)
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(SCT.grad(quad)(x.view(Sub), ai, bi)))
    np.testing.assert_allclose(fast, _jax(jquad, (x, ai.astype(float), bi.astype(float))), rtol=1e-10, atol=1e-12)


def test_second_order_through_the_guard():
    x, a, b = _inputs(3, 7)
    higher = ad.engine("sct", higher="sct")  # SCT's own transform of the guarded sweeps
    expect = _compiled(jquad, jax.hessian)(*map(jnp.asarray, (x, a, b)))
    np.testing.assert_allclose(higher.hessian(quad)(x, a, b), expect, rtol=1e-10, atol=1e-12)
    assert _marked(quad, (x, a, b))



def _ndims(f, dims, known=()):
    from adcompare.engines.sct.analysis.ranks import ndims
    from adcompare.engines.sct.asttools import names
    from adcompare.engines.sct.front import closures
    from adcompare.engines.sct.front.normalize import normalize
    from adcompare.engines.sct.front.parse import parse
    from adcompare.engines.sct.naming import Namer

    parsed = parse(f, closures.convert)
    fn = normalize(parsed, Namer(set(parsed.locals) | names(parsed.tree)), 0)
    return ndims(fn, set(known), dims)


def products(v, m, s):
    vv = anp.dot(v, v)
    mv = m @ v
    vm = anp.matmul(v, m)
    mm = m @ m
    sv = anp.dot(s, v)
    row = m[0]
    acc = vv * s
    acc = acc + anp.sum(mm)
    return acc + anp.sum(mv * vm + sv) + anp.sum(row)


def test_ndims_follow_numpy_products():
    found = _ndims(products, {"v": 1, "m": 2}, known={"s"})
    expect = {"vv": 0, "mv": 1, "vm": 1, "mm": 2, "sv": 1, "row": 1, "acc": 0}
    assert {k: found[k] for k in expect} == expect
    stacked = _ndims(products, {"v": 1, "m": 3}, known={"s"})
    assert stacked["mv"] == 2 and stacked["mm"] == 3 and stacked["row"] == 2 and stacked["acc"] == 0
    assert "vv" not in _ndims(products, {"m": 2})  # v unknown: nothing made from it has a rank
    np.testing.assert_equal([np.ndim(np.dot(np.ones(3), np.ones(3))), np.ndim(np.ones((2, 3, 3)) @ np.ones(3)),
                             np.ndim(np.ones((2, 3, 3)) @ np.ones((3, 3)))], [0, 2, 3])


def one_product(x, a):
    return anp.sum(anp.dot(a, x) * x)


def test_no_guard_where_its_checks_cannot_pay():
    text = SCT.source(one_product, "reverse")  # one operand proven rank-0 does not pay for two checks
    assert "vector(" not in text and "matrix(" not in text and "Specialized" not in text
