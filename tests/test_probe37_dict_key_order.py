"""Probe 37: a loop over a dict argument's keys runs in the order JAX hands the dict to the function.

JAX flattens and rebuilds a differentiated argument, so ``for k in p`` over a differentiated dict runs over its
keys sorted; an argument it does not differentiate is passed as it is (the caller's order). The overloading
engine did so; SCT ran a differentiated dict in the caller's order (another value and gradient wherever the
result depends on the order, with no error), and ``control="lax"`` with JAX arrays sorted every dict argument
(it rebuilt them with ``tree_map``), differentiated or not. Every engine now takes differentiated arguments as
JAX does (``trees.in_jax_order``) and the others as given. A loop over the keys of an OrderedDict argument
that SCT holds as a dict is refused, as ``.items()`` of one is.
"""

from __future__ import annotations

from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)


def weighted_in_order(p, x):
    s = 0.0
    for k in p:
        s = s * 2.0 + anp.sum(p[k] * anp.sin(x))
    return s


def _params(seed):
    rng = np.random.default_rng(seed)
    return {"z": rng.normal(size=2), "a": rng.normal(size=2), "m": rng.normal(size=2)}  # not in sorted order


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("control", ["python", "lax"])
def test_a_dict_not_differentiated_keeps_the_callers_order(control, seed):
    p, x = _params(seed), np.random.default_rng(seed + 7).normal(size=2)
    pj = {k: jnp.asarray(v) for k, v in p.items()}
    want = jax.value_and_grad(weighted_in_order, argnums=1)(pj, jnp.asarray(x))  # p passed as it is
    np.testing.assert_allclose(want[0], weighted_in_order(p, x), **TOL)  # the caller's order: the function's value
    got = ad.engine("sct", control=control).value_and_grad(weighted_in_order, argnums=1)(pj, jnp.asarray(x))
    np.testing.assert_allclose(got[0], want[0], **TOL)
    np.testing.assert_allclose(got[1], want[1], **TOL)


@pytest.mark.parametrize("how", ["sct", "sct-lax", "sct-numpy", "overloading"])
def test_a_differentiated_dict_is_iterated_as_jax_hands_it(how):
    p, x = _params(3), np.random.default_rng(4).normal(size=2)
    pj = {k: jnp.asarray(v) for k, v in p.items()}
    want_value, want_grad = jax.value_and_grad(weighted_in_order)(pj, jnp.asarray(x))  # keys sorted, as JAX's
    eng = ad.engine("sct", control="lax") if how == "sct-lax" else ad.engine(how.split("-")[0])
    args = (p, x) if how in ("sct-numpy", "overloading") else (pj, jnp.asarray(x))
    for value, grad in [eng.value_and_grad(weighted_in_order)(*args),
                        (None, eng.vjp(weighted_in_order, *args)[1](1.0)[0])]:
        if value is not None:
            np.testing.assert_allclose(value, want_value, **TOL)
        for k in p:
            np.testing.assert_allclose(grad[k], want_grad[k], **TOL)
    t = {k: np.cos(v) for k, v in p.items()}
    np.testing.assert_allclose(eng.jvp(lambda q: weighted_in_order(q, args[1]), (args[0],), (t,))[1],
                               jax.jvp(lambda q: weighted_in_order(q, jnp.asarray(x)), (pj,), (t,))[1], **TOL)


@pytest.mark.parametrize("control", ["python", "lax"])
def test_keys_of_an_ordered_dict_argument_are_refused(control):
    p = OrderedDict((k, jnp.asarray(v)) for k, v in _params(5).items())
    with pytest.raises(SCTError, match="a loop over the keys of a dict with the keys of an OrderedDict argument"):
        ad.engine("sct", control=control).grad(weighted_in_order)(p, jnp.ones(2))
