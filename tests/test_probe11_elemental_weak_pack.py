"""Probe 11 (elemental): Python numbers packed with float32 values are weakly typed, as in JAX.

``el.sin([x, 2.0])`` with ``x`` float32 (every library call packs its lists, "as ``jnp.asarray`` packs
them") was float64, value and tangent, with no error: ``pack`` made the list with ``np.asarray`` or
``np.stack``, for which a Python float is float64; JAX's ``jnp.asarray([x, 2.0])`` and
``jnp.stack([x, 2.0])`` are float32. The same held for ``anp.asarray``/``anp.stack`` on the overloading
and SCT engines. Now Python numbers promote weakly (primitives/weak.py, in ``pack`` and the ``stack``
primitive), as JAX's: float32 with 2.0 or 2 is float32, int32 with 2.0 is float64, bool with 2 is int64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

X32 = np.float32(0.5)
V32 = np.array([0.3, -1.2], np.float32)


@pytest.mark.parametrize("items, want", [
    ([X32, 2.0], np.float32), ([X32, 2], np.float32), ([V32, [2.0, 1.0]], np.float32),
    ([np.int32(1), 2.0], np.float64), ([True, 2], np.int64), ([2.0, 3.0], np.float64),
    ([np.float64(1.0), np.float32(2.0)], np.float64), ([jnp.asarray(1.5, jnp.bfloat16), 2.0], jnp.bfloat16)])
def test_constant_packs_promote_as_jax(items, want):
    assert jnp.asarray(items).dtype == want  # the oracle's
    assert anp.asarray(items).dtype == want
    assert el.add(items, 0).dtype == want  # the elemental library's call packs its list


def _close32(got, want):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.asarray(g).dtype == np.float32
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-6)


# f(x) = sum(sin([x, 2]) * [x, 3]) = x sin x + 3 sin 2, as jnp.sum(jnp.sin(jnp.asarray([x, 2.0])) * jnp.stack([x, 3]))
FORMS = [("elemental", lambda x: el.sum(el.multiply(el.sin([x, 2.0]), el.stack([x, 3])))),
         ("overloading", lambda x: anp.sum(anp.sin(anp.asarray([x, 2.0])) * anp.stack([x, 3]))),
         ("sct", lambda x: anp.sum(anp.sin(anp.asarray([x, 2.0])) * anp.stack([x, 3])))]


@pytest.mark.parametrize("name, f", FORMS, ids=[n for n, _ in FORMS])
def test_active_packs_keep_float32_in_every_mode(name, f):
    eng, x, one = ad.engine(name), float(X32), np.float32(1.0)
    value, slope = x * np.sin(x) + 3 * np.sin(2.0), np.sin(x) + x * np.cos(x)
    _close32(eng.jvp(f, (X32,), (one,)), (value, slope))
    y, f_vjp = eng.vjp(f, X32)
    _close32((y, f_vjp(one)), (value, (slope,)))
    _close32(eng.grad(f)(X32), slope)
    packed = (lambda x: el.sin([x, 2.0])) if name == "elemental" else (lambda x: anp.sin(anp.asarray([x, 2.0])))
    _close32(eng.jacfwd(packed)(X32), np.array([np.cos(x), 0.0]))
