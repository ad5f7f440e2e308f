"""Rule level: every primitive's JVP and VJP rule alone, against jax.jvp / jax.vjp."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.special as jsp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import adcompare as ad
from adcompare import primitives as p
from adcompare.oracle import max_error

TOL = 1e-12


def case(prim, shapes, jax_fn, params=None, domain=(-2.0, 2.0), consts=()):
    """One rule check: operands drawn in ``domain`` (``consts`` are fixed, inactive)."""
    return pytest.param(prim, shapes, jax_fn, params or {}, domain, consts,
                        id=f"{prim.name}-{'x'.join(str(s) for s in shapes)}-{params or ''}")


BROADCAST = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1))]
UNARY_SHAPES = [(), (3,), (2, 3)]

CASES = []
for prim, fn, dom in [(p.add_p, jnp.add, None), (p.subtract_p, jnp.subtract, None),
                      (p.multiply_p, jnp.multiply, None), (p.divide_p, jnp.divide, (0.5, 2.0)),
                      (p.power_p, jnp.power, (0.5, 2.0)), (p.maximum_p, jnp.maximum, None),
                      (p.minimum_p, jnp.minimum, None)]:
    CASES += [case(prim, s, fn, domain=dom or (-2.0, 2.0)) for s in BROADCAST]
for prim, fn, dom in [(p.negative_p, jnp.negative, None), (p.sin_p, jnp.sin, None),
                      (p.cos_p, jnp.cos, None), (p.tan_p, jnp.tan, (-1.0, 1.0)),
                      (p.exp_p, jnp.exp, None), (p.log_p, jnp.log, (0.2, 3.0)),
                      (p.log1p_p, jnp.log1p, (-0.5, 2.0)), (p.expm1_p, jnp.expm1, None),
                      (p.sqrt_p, jnp.sqrt, (0.2, 3.0)), (p.tanh_p, jnp.tanh, None),
                      (p.abs_p, jnp.abs, None), (p.sigmoid_p, jax.nn.sigmoid, None)]:
    CASES += [case(prim, (s,), fn, domain=dom or (-2.0, 2.0)) for s in UNARY_SHAPES]
for prim, fn in [(p.sum_p, jnp.sum), (p.mean_p, jnp.mean), (p.max_p, jnp.max),
                 (p.logsumexp_p, jsp.logsumexp)]:
    for shp, axis in [((2, 3), None), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), (0, 2)), ((3,), 0)]:
        for keepdims in (False, True):
            params = {"axis": axis, "keepdims": keepdims}
            CASES.append(case(prim, (shp,), lambda x, fn=fn, params=params: fn(x, **params), params))
for a, b in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((), (3,)),
             ((2, 2, 3), (4, 3, 2)), ((2, 2, 3), (3,)), ((3,), (2, 3, 4))]:
    CASES.append(case(p.dot_p, (a, b), jnp.dot))
for subscripts, shapes in [("ij,jk->ik", ((2, 3), (3, 4))), ("ii->i", ((3, 3),)), ("ij->", ((2, 3),)),
                           ("iij,j->i", ((3, 3, 2), (2,))), ("i,j->ij", ((2,), (3,)))]:
    CASES.append(case(p.einsum_p, shapes, lambda *xs, s=subscripts: jnp.einsum(s, *xs),
                      {"subscripts": subscripts}))
for shp in UNARY_SHAPES:
    CASES.append(case(p.asarray_p, (shp,), jnp.asarray))
CASES.append(case(p.asarray_p, ((2, 3),), lambda x: jnp.asarray(x, dtype=jnp.float64),
                  {"dtype": np.dtype(np.float64)}))
for a, b in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
             ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4))]:
    CASES.append(case(p.matmul_p, (a, b), jnp.matmul))
for shp, axes in [((2, 3), None), ((2, 3, 4), (1, 0, 2)), ((2, 3, 4), None)]:
    CASES.append(case(p.transpose_p, (shp,), lambda x, axes=axes: jnp.transpose(x, axes), {"axes": axes}))
for shp, new in [((2, 3), (3, 2)), ((6,), (2, 3)), ((2, 3), (6,))]:
    CASES.append(case(p.reshape_p, (shp,), lambda x, new=new: jnp.reshape(x, new), {"shape": new}))
for shp, new in [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3,))]:
    CASES.append(case(p.broadcast_to_p, (shp,), lambda x, new=new: jnp.broadcast_to(x, new), {"shape": new}))
for shapes, axis in [(((2, 3), (1, 3)), 0), (((2, 3), (2, 2), (2, 1)), 1), (((3,), (2,)), -1)]:
    CASES.append(case(p.concatenate_p, shapes, lambda *xs, axis=axis: jnp.concatenate(xs, axis),
                      {"axis": axis}))
for shapes, axis in [(((3,), (3,)), 0), (((2, 3), (2, 3), (2, 3)), 1), (((2,), (2,)), -1)]:
    CASES.append(case(p.stack_p, shapes, lambda *xs, axis=axis: jnp.stack(xs, axis), {"axis": axis}))
for idx in [(1,), (slice(1, 3),), (slice(None), 2), (np.array([0, 2, 2]),), (Ellipsis, 1),
            (slice(None, None, -2), slice(1, None))]:
    CASES.append(case(p.getitem_p, ((4, 5),), lambda x, idx=idx: x[idx], {"idx": idx}))
_REPEATED = (np.array([0, 2, 2]),)
for shp, params in [((3, 4), {}), ((4, 3), {"offset": -1}), ((2, 3, 4), {"offset": 1, "axis1": 2, "axis2": 0})]:
    CASES.append(case(p.diagonal_p, (shp,), lambda x, params=params: jnp.diagonal(x, **params), params))
CASES.append(case(p.index_add_p, ((3,),), lambda g: jnp.zeros(4).at[_REPEATED].add(g),
                  {"idx": _REPEATED, "shape": (4,)}))
for shp in UNARY_SHAPES:  # the engines cast cotangents to their inputs' dtypes; float32 below
    CASES.append(case(p.astype_p, (shp,), lambda x: x.astype(jnp.float64), {"dtype": np.dtype(np.float64)}))
for shapes, idx in [(((4, 5), (5,)), (1,)), (((4, 5), ()), (slice(1, 3),)),
                    (((4, 5), (2, 1)), (slice(1, 3), slice(0, 2))), (((4, 5), (3, 5)), (np.array([0, 2, 2]),)),
                    (((4, 5), (4,)), (Ellipsis, 2)), (((3,), ()), ())]:
    CASES.append(case(p.index_update_p, shapes, lambda x, v, idx=idx: x.at[idx].set(v), {"idx": idx}))
for idx, vshape in [((1,), (5,)), ((slice(1, 3),), (2, 5)), ((slice(None), 2), (4,)),
                    ((slice(1, 3), slice(None)), ()), ((Ellipsis, 1), (1,))]:
    CASES.append(case(p.index_update_p, ((4, 5), vshape), lambda x, v, idx=idx: x.at[idx].set(v), {"idx": idx}))
for shapes in [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))]:  # a rules' primitive (cholesky's), not in the vocabulary
    for lower in (True, False):
        CASES.append(case(p.triangular_solve_p, shapes,
                          lambda a, b, lower=lower: jsl.solve_triangular(a, b, lower=lower),
                          {"lower": lower}, domain=(0.5, 2.0)))
CASES.append(case(p.where_p, ((3,), (2, 1)), lambda x, y: jnp.where(_COND, x, y),
                  consts=(0,)))
_COND = np.array([[True, False, True], [False, False, True]])


def _operands(shapes, domain, consts, rng):
    values = [rng.uniform(*domain, size=s) for s in shapes]
    if consts:
        values.insert(0, _COND)
    return values


@pytest.mark.parametrize("prim, shapes, jax_fn, params, domain, consts", CASES)
def test_rule_against_jax(prim, shapes, jax_fn, params, domain, consts):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        operands = _operands(shapes, domain, consts, rng)
        active = [i for i in range(len(operands)) if i not in consts]
        xs = [operands[i] for i in active]
        ts = [rng.normal(size=np.shape(x)) for x in xs]
        ans = prim(*operands, **params)

        y_jax, y_dot_jax = jax.jvp(jax_fn, tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts)))
        y_dot = sum(prim.jvps[i](t, ans, *operands, **params) for i, t in zip(active, ts))
        assert max_error(ans, y_jax) < TOL
        assert max_error(np.broadcast_to(y_dot, np.shape(ans)), y_dot_jax) < TOL

        g = rng.normal(size=np.shape(ans))
        _, f_vjp = jax.vjp(jax_fn, *map(jnp.asarray, xs))
        bars = tuple(prim.vjps[i](ans, *operands, **params)(g) for i in active)
        assert max_error(bars, f_vjp(jnp.asarray(g))) < TOL


# Checked through the vocabulary against jax.numpy.linalg in tests/test_vocab_linalg.py
LINALG = {"inv", "solve", "det", "slogdet", "cholesky", "eigh", "svd", "svdvals", "qr", "pinv", "norm"}
NO_DERIVATIVE = {"spacing", "nextafter"}  # JAX defines none: an active operand is refused


def test_every_differentiable_primitive_is_covered():
    import test_vocab_elementwise
    import test_vocab_reductions

    covered = {c.values[0].name for c in CASES}
    assert covered | test_vocab_elementwise.COVERED | test_vocab_reductions.COVERED | LINALG | NO_DERIVATIVE \
        == set(ad.PRIMITIVES)


def _spacing(x):
    return p.sum_p(p.spacing_p(x) * x)


def _nextafter(x):
    return p.sum_p(p.nextafter_p(x, 2.0 * x))


@pytest.mark.parametrize("name, f", [("spacing", _spacing), ("nextafter", _nextafter)])
@pytest.mark.parametrize("engine_name", ["overloading", "sct"])
def test_a_primitive_without_derivative_refuses_an_active_operand(name, f, engine_name):
    assert name in NO_DERIVATIVE
    with pytest.raises(Exception, match=name):
        ad.engine(engine_name).grad(f)(np.array([0.5, 2.0]))


@pytest.mark.parametrize("prim, jax_fn", [(p.maximum_p, jnp.maximum), (p.minimum_p, jnp.minimum)])
def test_ties_split_the_derivative_as_jax_does(prim, jax_fn):
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    ans = prim(x, y)
    _, f_vjp = jax.vjp(jax_fn, jnp.asarray(x), jnp.asarray(y))
    g = np.ones(3)
    assert max_error((prim.vjps[0](ans, x, y)(g), prim.vjps[1](ans, x, y)(g)), f_vjp(jnp.ones(3))) == 0


def test_max_reduction_splits_ties_as_jax_does():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    ans = p.max_p(x, axis=1)
    expected = jax.vjp(lambda v: jnp.max(v, axis=1), jnp.asarray(x))[1](jnp.ones(2))
    assert max_error(p.max_p.vjps[0](ans, x, axis=1)(np.ones(2)), expected[0]) == 0


@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16), op=st.sampled_from(["multiply", "divide", "subtract", "maximum"]))
def test_broadcasting_vjp_sums_back_to_each_input_shape(shapes, seed, op):
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(0.5, 2.0, size=s) for s in shapes.input_shapes)
    prim = ad.PRIMITIVES[op]
    ans = prim(x, y)
    g = rng.normal(size=np.shape(ans))
    bars = (prim.vjps[0](ans, x, y)(g), prim.vjps[1](ans, x, y)(g))
    assert [np.shape(b) for b in bars] == [np.shape(x), np.shape(y)]
    expected = jax.vjp(getattr(jnp, op), jnp.asarray(x), jnp.asarray(y))[1](jnp.asarray(g))
    assert max_error(bars, expected) < TOL


def test_backend_follows_the_inputs():
    x = np.linspace(0.1, 1.0, 4)
    assert isinstance(p.sin_p(x), np.ndarray)
    assert isinstance(p.sin_p(jnp.asarray(x)), jax.Array)
    assert isinstance(p.multiply_p(x, jnp.asarray(x)), jax.Array)
    assert type(p.sin_p(0.5)) is float
    with np.errstate(invalid="ignore"):
        assert np.isnan(p.log_p(-1.0))  # nan, as NumPy gives, not math's ValueError


def test_astype_to_float32_and_back_follows_jax():
    x = np.random.default_rng(0).normal(size=(2, 3))
    ans = p.astype_p(x, dtype=np.dtype(np.float32))
    y_jax, y_dot_jax = jax.jvp(lambda v: v.astype(jnp.float32), (jnp.asarray(x),), (jnp.asarray(x),))
    y_dot = p.astype_p.jvps[0](x, ans, x, dtype=np.dtype(np.float32))
    assert ans.dtype == y_dot.dtype == np.float32 and max_error((ans, y_dot), (y_jax, y_dot_jax)) == 0
    g = np.float32(1.5) * np.ones((2, 3), np.float32)
    bar = p.astype_p.vjps[0](ans, x, dtype=np.dtype(np.float32))(g)
    bar_jax = jax.vjp(lambda v: v.astype(jnp.float32), jnp.asarray(x))[1](jnp.asarray(g))[0]
    assert bar.dtype == np.float64 and max_error(bar, bar_jax) == 0
