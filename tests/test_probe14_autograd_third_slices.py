"""Probe 14 (autograd's examples kinds of programs, third order): a slice of the input (``p[:2]``, ``p[2:]``,
as black_box_svi splits its parameters into mean and log-std) under three reverse levels on SCT.

``jacrev(jacrev(jacrev(f)))`` and ``jacfwd(hessian(f, mode="rev-rev"))`` on ``higher="sct"`` stopped with
"vjp: output[1][1][2] is a slice, which is not an array, a number or a pytree (tuple, list, dict) of them":
the second level's slicing keeps its ``slice`` among the residuals, and the rule that the third level takes
on the overloading boxes (emit/boxed_callee) handed them that slice as an output, then as an input, where
the boxes take arrays only. Such constants (a slice, a range, a dtype) are now held aside for the boxes and
put back. Equal to JAX in float64 on seeded inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def split_params(p):
    return anp.sum(p[:2] * p[2:] ** 2)


def test_slices_under_three_reverse_levels():
    eng = ad.engine("sct")
    want_of = jax.jacrev(jax.jacrev(jax.jacrev(split_params)))
    third = eng.jacrev(eng.jacrev(eng.jacrev(split_params)))
    fwd_rev_rev = eng.jacfwd(eng.hessian(split_params, mode="rev-rev"))
    for seed in range(2):
        x = onp.random.default_rng(seed).standard_normal(4)
        want = want_of(jnp.asarray(x))
        onp.testing.assert_allclose(third(x), want, rtol=1e-10, atol=1e-12)
        onp.testing.assert_allclose(fwd_rev_rev(x), want, rtol=1e-10, atol=1e-12)
