"""A nested def's own assignments are not the enclosing function's locals (SCT).

Found probing jax.jit-as-the-function (3b84ac3) with a jitted nested def that counts its calls:
SCT took every name bound anywhere in a function, nested defs and lambdas included, for the
function's local (fence.assigned_names walked into them), so a global read by the outer function
and assigned inside a nested def (``SCALE = 3.0`` there, Python's own local of the nested def), or
a global list appended to inside a nested def, was captured as an outer local never set: 'SCT
internal error: f_fwd reads ['SCALE'] and never sets them'. Now the shadowing program is
differentiated (against JAX, float64, grad and Hessian), and the append is refused as on the
outer level, naming the list.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

SCALE = 2.0
CALLS: list = []
ENGINES = {"sct": {}, "sct-sct": {"higher": "sct"}}


def shadows(x):
    def g(z):
        SCALE = 3.0  # noqa: N806  (the nested def's own local, as Python reads it)
        return z * SCALE

    h = lambda z: [SCALE for SCALE in (z,)][0]  # noqa: E731  (a comprehension's own too)
    return anp.sum(g(x) * SCALE * h(x))


def shadows_jax(x):
    return jnp.sum(x * 3.0 * 2.0 * x)


def counts(x):
    def g(z):
        CALLS.append(1)
        return z * 2.0

    return anp.sum(g(x))


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_global_shadowed_in_a_nested_def(engine):
    eng = ad.engine("sct", **ENGINES[engine])
    for seed in range(3):
        x = np.random.default_rng(seed).normal(size=3)
        np.testing.assert_allclose(eng.grad(shadows)(x), 12.0 * x, rtol=1e-12, atol=0)  # JAX's below
    np.testing.assert_allclose(eng.grad(shadows)(x), jax.grad(shadows_jax)(x), rtol=1e-12, atol=0)
    np.testing.assert_allclose(eng.hessian(shadows)(x), jax.hessian(shadows_jax)(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_global_list_appended_in_a_nested_def_is_refused_by_name(engine):
    with pytest.raises(ad.SCTError, match=r"(?s)CALLS\.append on a value that is not a local list.*"
                                          r"test_probe10_review_nested_scope\.py"):
        ad.engine("sct", **ENGINES[engine]).grad(counts)(np.ones(3))
