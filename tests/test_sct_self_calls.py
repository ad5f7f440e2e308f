"""A specialized sweep's recursive calls go straight to itself where its guard holds (:mod:`...emit.self_calls`).

det's specialized forward sweep calls itself (``specialized(_t2) if matrix(_t2) else routed(det_fwd(_t2))``)
and its reverse sweep the specialized reverse sweep on those residuals, the general one on residuals marked
``Routed``. Checked against JAX float64: det's gradient (every call specialized) and its Hessian (code
transformed again), and a recursion whose argument leaves the guard half way down (a minor reshaped to 3-D:
the general sweeps from there, through ``Routed``), the routed residuals seen.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.self_calls import Routed
from adcompare.workloads.det import det, minor

jax.config.update("jax_enable_x64", True)
sct = ad.engine("sct")


def reshaped_at_4(a):
    """det by minors, with the minors of a 4×4 matrix made 3-D (3×3×1), which ``matrix`` refuses."""
    n = len(a)
    if n == 1:
        return anp.sum(a[0, 0])
    total = 0.0
    for j in range(n):
        m = minor(a, j)
        if n == 4:
            m = anp.reshape(m, (3, 3, 1))
        term = anp.sum(a[0, j]) * reshaped_at_4(m)
        total = total + term if j % 2 == 0 else total - term
    return total


def _has_routed(x) -> bool:
    return type(x) is Routed or isinstance(x, (tuple, list)) and any(_has_routed(v) for v in x)


def test_det_calls_itself_specialized():
    text = sct.source(det, mode="reverse")
    assert "if matrix(_t2) else routed(det_fwd(_t2))" in text and "type(det_res_2) is Routed" in text
    for n, seed in ((2, 0), (4, 1), (5, 2)):
        a = np.random.default_rng(seed).normal(size=(n, n))
        np.testing.assert_allclose(sct.grad(det)(a), jax.grad(jnp.linalg.det)(jnp.asarray(a)), rtol=1e-10,
                                   atol=1e-12)
    a = np.random.default_rng(3).normal(size=(3, 3))
    np.testing.assert_allclose(sct.hessian(det)(a), jax.hessian(jnp.linalg.det)(jnp.asarray(a)), rtol=1e-10,
                               atol=1e-12)


def test_guard_failing_half_way_routes_to_the_general_sweeps():
    fwd = transform.transform(reshaped_at_4, "reverse", (0,), 1).functions["fwd"]
    for n, seed in ((4, 4), (5, 5)):
        a = np.random.default_rng(seed).normal(size=(n, n))
        assert _has_routed(fwd(a)[1])  # the 3-D minors took the general sweeps
        np.testing.assert_allclose(sct.grad(reshaped_at_4)(a), jax.grad(jnp.linalg.det)(jnp.asarray(a)),
                                   rtol=1e-10, atol=1e-12)
