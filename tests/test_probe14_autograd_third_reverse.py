"""Probe 14 (autograd's examples and test_graphs kinds of programs, third order): reverse over reverse over
reverse on SCT (``higher="sct"``), as ``jax.jacrev(jax.jacrev(jax.jacrev(f)))``.

``jacrev(jacrev(jacrev(f)))``, ``jacrev(jacrev(grad(f)))`` and ``jacrev(hessian(f, mode="rev-rev"))`` of a
function of a vector (``sum(v ** 3) * v[0]``; ``v[0] / v[1]`` and a generator over its elements alike)
stopped with NumPy's "ufunc 'add' did not contain a loop with signature matching types (float0, float0)":
the third level adds the cotangents of the second level's loop index over the output basis, which are
JAX's ``float0`` (an integer value's zero) and which NumPy cannot add. ``add_bar`` (emit/containers) now
takes such a cotangent as the zero it is. Equal to JAX in float64 on seeded inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def cubes(v):
    return anp.sum(v ** 3) * v[0]


def test_reverse_cubed_matches_jax():
    f = cubes
    eng = ad.engine("sct")
    third = eng.jacrev(eng.jacrev(eng.jacrev(f)))
    via_hessian = eng.jacrev(eng.hessian(f, mode="rev-rev"))
    want_of = jax.jacrev(jax.jacrev(jax.jacrev(f)))
    for seed in range(2):
        x = onp.random.default_rng(seed).uniform(0.5, 1.5, 2)
        want = want_of(jnp.asarray(x))
        onp.testing.assert_allclose(third(x), want, rtol=1e-10, atol=1e-12)
        onp.testing.assert_allclose(via_hessian(x), want, rtol=1e-10, atol=1e-12)
