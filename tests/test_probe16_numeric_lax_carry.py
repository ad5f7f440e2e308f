"""Probe 16 (scientists' NumPy programs ported to anp): a running maximum with Python's ``max`` under ``control="lax"``.

``best = x[0]; for v in x[1:]: best = max(best, v); total = total + best`` on JAX inputs: SCT settles a loop's carry
on one iteration and hands the loop to ``lax.scan``; the reverse sweep's cotangents, settled on the last iteration,
took another form in the others (a zero placeholder in one, an array in another, as ``max`` chose ``best`` or
``v``), and ``lax.scan`` failed with JAX's bare "scan body function carry input and carry output must have the same
pytree structure" from SCT's generated code. The scan's body now says so (emit/lax_carry.CarryChanged) and the
loop stays a Python loop (unrolled by tracing under ``jax.jit``, with the UnrolledLoopWarning that names the user's
loop). Checked against JAX in float64 on seeded inputs (grad and jvp).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from probe16_check import TOL

import adcompare as ad

jax.config.update("jax_enable_x64", True)
LAX = ad.engine("sct", control="lax")


def running_max(x):
    best = x[0]
    total = 0.0
    for v in x[1:]:
        best = max(best, v)
        total = total + best
    return total


def test_a_running_max_matches_jax():
    x = jnp.asarray(np.random.default_rng(0).uniform(-1.0, 1.0, 5))  # (a later max takes v: the fallback)
    np.testing.assert_allclose(LAX.grad(running_max)(x), jax.grad(running_max)(x), **TOL)
    t = jnp.cos(x)
    for a, b in zip(LAX.jvp(running_max, (x,), (t,)), jax.jvp(running_max, (x,), (t,))):
        np.testing.assert_allclose(a, b, **TOL)
