"""Checks the probe-16 tests share: an engine's derivatives of ``f`` against JAX's of ``ref`` (float64)."""

from __future__ import annotations

import jax
import numpy as np

TOL = dict(rtol=1e-10, atol=1e-12)


def agree(eng, f, ref, x, hessian: bool = True) -> None:
    """grad, jvp (tangent cos x), vjp (cotangent 1.7) and, with ``hessian``, the Hessian of ``f`` at ``x``."""
    np.testing.assert_allclose(eng.grad(f)(x), jax.jit(jax.grad(ref))(x), **TOL)
    t = np.cos(np.asarray(x))
    for a, b in zip(eng.jvp(f, (x,), (t,)), jax.jvp(ref, (x,), (t,))):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(eng.vjp(f, x)[1](1.7)[0], jax.vjp(ref, x)[1](1.7)[0], **TOL)
    if hessian:
        np.testing.assert_allclose(eng.hessian(f)(x), jax.jit(jax.hessian(ref))(x), **TOL)  # (eager: seconds)
