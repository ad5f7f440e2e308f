"""SCT over SCT through asarray's VJP rule (adcompare/rules/shapes.py), whose list branch made a closure per
element and returned a generator passed to ``type(x)(...)``: SCT refused that rule's code again (an iterator
passed on), so every Hessian whose first-order code reaches ``asarray`` (``x.copy()``, ``cumsum``, ``clip``,
``sort``, ``asarray([x, ...])``) went to the boxes. The list branch is now a loop calling itself (``_elements_bar``),
which SCT transforms again. JAX float64 is the oracle; the rule's first order too, on every engine."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from tests import probe17_programs as P
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)

TOL = dict(rtol=1e-10, atol=1e-12)
NAMES = ["red_prod_cumsum", "kink_clip", "sort_and_argmax", "loop_overwrite_with_copy", "scalar_to_vector"]


def _point(name, rng):
    return float(rng.normal()) if name.startswith("scalar_") else rng.normal(size=3)


@pytest.mark.parametrize("seed", [0, 1])
def test_hessian_and_hvp_through_asarray_of_lists_make_no_box(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for name in NAMES:
        x, v = _point(name, rng), _point(name, rng)
        g = P.JAX_TWINS.get(name, P.PROGRAMS[name])
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        cases.append((P.PROGRAMS[name], x, v, jax.hessian(g)(xj), jax.jvp(jax.grad(g), (xj,), (vj,))[1]))
    _no_traces(monkeypatch)
    for f, x, v, hessian, hvp in cases:
        np.testing.assert_allclose(SCTEngine().hessian(f)(x), hessian, **TOL)
        np.testing.assert_allclose(SCTEngine().hvp(partial_args(f, (x,), (0,)), (x,), (v,)), hvp, **TOL)


def test_hessian_by_reverse_over_reverse(seed=2):
    rng = np.random.default_rng(seed)
    for name in NAMES:
        x = _point(name, rng)
        g = P.JAX_TWINS.get(name, P.PROGRAMS[name])
        np.testing.assert_allclose(SCTEngine().hessian(P.PROGRAMS[name], mode="rev-rev")(x),
                                   jax.hessian(g)(jnp.asarray(x)), **TOL)


def packed(x):  # nested lists and a tuple of active numbers and arrays, packed by asarray
    rows = anp.asarray([[x[0] * x[1], anp.sin(x[2])], [x[2], 2.0]])
    pair = anp.asarray((x[:2] * x[2], anp.cos(x[:2])))
    return anp.sum(rows ** 2) + anp.sum(pair * x[0]) + anp.sum(anp.asarray([x[1], x[0]], dtype=np.int64) * x[:2])


def packed_jax(x):
    rows = jnp.asarray([[x[0] * x[1], jnp.sin(x[2])], [x[2], 2.0]])
    pair = jnp.asarray((x[:2] * x[2], jnp.cos(x[:2])))
    return jnp.sum(rows ** 2) + jnp.sum(pair * x[0]) + jnp.sum(jnp.asarray([x[1], x[0]], dtype=jnp.int64) * x[:2])


@pytest.mark.parametrize("engine", ["overloading", "sct", "boxes-sct"])
def test_asarray_of_nested_lists_first_and_second_order(engine):
    eng = SCTEngine(higher="boxes") if engine == "boxes-sct" else ad.engine(engine)
    x = np.array([0.7, -1.3, 0.4])
    np.testing.assert_allclose(eng.grad(packed)(x), jax.grad(packed_jax)(jnp.asarray(x)), **TOL)
    np.testing.assert_allclose(eng.hessian(packed)(x), jax.hessian(packed_jax)(jnp.asarray(x)), **TOL)
