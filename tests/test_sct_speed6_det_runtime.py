"""The runtime's scalar fast paths (issue 14, item 5: det's scalar accumulations).

``unbroadcast(g, like)`` and ``shape_of(x)`` test the common types first (a Python float,
``numpy.float64``, a NumPy array). Checked here: both against their contract on every kind of
operand (Python floats and ints, NumPy scalars of several dtypes, 0-d and n-d arrays, shapes
kept by ``shape_of``, JAX arrays, complex), including the cases where the fast path must not
fire (a zero grown from the placeholder that does not cover ``like``, broadcasting, containers),
and gradients through scalar accumulations of broadcasting operands against JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import rules
from adcompare.engines.sct.emit import runtime

sct = ad.engine("sct")
TOL = 1e-10

VALUES = {
    "float": 1.5, "int": 3, "f64": np.float64(2.5), "f32": np.float32(1.25), "c128": np.complex128(1 + 2j),
    "0d": np.array(0.5), "vec": np.arange(3.0), "row": np.ones((1, 3)), "mat": np.ones((2, 3)),
    "col": np.ones((2, 1)), "jax0": jnp.asarray(1.5), "jaxmat": jnp.ones((2, 3)), "vec32": np.ones(3, np.float32),
}


def _contract(g, like):
    """What ``unbroadcast`` returns by its contract: ``g`` where it has ``like``'s shape (or is
    the placeholder), summed over the broadcast axes where it covers ``like``, else ``0.0``."""
    if type(g) is float:
        return g
    target, gshape = np.shape(like), np.shape(g)
    if target == gshape:
        return g
    lead = len(gshape) - len(target)
    if lead >= 0 and all(t in (1, s) for t, s in zip(target, gshape[lead:])):
        return rules.unbroadcast(g, target)
    return 0.0


# ``shape_of`` keeps a JAX array's shape like any other, so the kept-shape cases use the NumPy likes.
PAIRS = [(g, like, False) for g in VALUES for like in VALUES] + [
    (g, like, True) for g in VALUES for like in VALUES if not isinstance(VALUES[like], jax.Array)]


IDS = [f"{g}-{like}-{'shape' if kept else 'value'}" for g, like, kept in PAIRS]


@pytest.mark.parametrize("g, like, kept", PAIRS, ids=IDS)
def test_unbroadcast_meets_its_contract(g, like, kept):
    gv, lv = VALUES[g], VALUES[like]
    arg = runtime.shape_of(lv) if kept else lv
    got, want = runtime.unbroadcast(gv, arg), _contract(gv, lv)
    assert np.shape(got) == np.shape(want)
    assert type(got) is type(want) or isinstance(got, jax.Array) and isinstance(want, jax.Array)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_unbroadcast_refuses_containers():
    with pytest.raises(TypeError, match="pack it into an array"):
        runtime.unbroadcast(np.ones(2), [1.0, 2.0])
    with pytest.raises(TypeError, match="pack it into an array"):
        runtime.unbroadcast((1.0, 2.0), np.float64(1.0))


@pytest.mark.parametrize("name", list(VALUES))
def test_shape_of_keeps_the_shape(name):
    v = VALUES[name]
    kept = runtime.shape_of(v)
    assert type(kept) is runtime.Shaped and kept.shape == np.shape(v)
    assert runtime.shape_of(v) is kept  # one stand-in per shape


def test_shape_of_none_and_containers():
    assert runtime.shape_of(None) is None
    kept = runtime.shape_of({"a": 1.0, "b": (np.ones(2), None)})
    assert kept["a"].shape == () and kept["b"][0].shape == (2,) and kept["b"][1] is None


def alternating(x, v):
    total = 0.0  # a scalar accumulator whose operands' shapes the reverse sweep must know
    for j in range(len(v)):
        term = x[j] * v[j]
        total = total + term if j % 3 else term - total * 0.5
    return total


def grows(x, v):
    total = 0.0  # a Python float, then a NumPy scalar, then an array: shapes change in the loop
    for j in range(3):
        total = total + x[j] * v[j]
        if j == 1:
            total = total + v
    return anp.sum(total * total)


def zero_grown(x, v):
    s = x[0] * 0.0 + anp.sum(v)  # the scalar's cotangent reaches v, an array, by broadcasting
    return s * s + anp.sum(v * x[1])


CASES = [(alternating, (5,), (5,)), (grows, (3,), (4,)), (zero_grown, (2,), (3,))]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("f, sx, sv", CASES)
def test_grad_matches_jax(f, sx, sv, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=sx), rng.normal(size=sv)
    got = sct.grad(f, argnums=(0, 1))(x, v)
    want = jax.grad(f, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(v))
    for u, w in zip(got, want):
        assert np.shape(u) == np.shape(w)
        np.testing.assert_allclose(u, w, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("f, sx, sv", CASES)
def test_grad_of_python_floats_and_float32(f, sx, sv):
    rng = np.random.default_rng(7)
    x, v = rng.normal(size=sx), rng.normal(size=sv)
    want = jax.grad(f, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(v))
    got = sct.grad(f, argnums=(0, 1))(x.astype(np.float32), v.astype(np.float32))
    for u, w in zip(got, want):
        assert u.dtype == np.float32
        np.testing.assert_allclose(u, w, rtol=2e-4, atol=2e-4)
    got = sct.grad(f, argnums=(0, 1))(list(map(float, x)), v)  # a list of Python floats
    np.testing.assert_allclose(got[1], want[1], rtol=TOL, atol=TOL)


@pytest.mark.parametrize("f, sx, sv", CASES)
def test_second_order_matches_jax(f, sx, sv):
    rng = np.random.default_rng(8)
    x, v = rng.normal(size=sx), rng.normal(size=sv)
    np.testing.assert_allclose(sct.hessian(f)(x, v), jax.hessian(f)(jnp.asarray(x), jnp.asarray(v)),
                               rtol=1e-9, atol=1e-9)
