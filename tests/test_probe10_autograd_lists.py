"""Probe 10 (autograd's test_numpy.py adapted): a list or tuple of differentiated values given to ``anp.var``,
``anp.std``, ``anp.clip``, ``anp.sort`` and ``anp.pad``, packed as ``jnp.asarray`` packs it (the vocabulary's
contract), as autograd's ``np.std([x, x + 2])`` and ``np.var((x, x + 2))`` take it.

These are written in Python over primitives, and used the list before packing it:
* ``var`` / ``std`` on SCT: "SCT cannot differentiate arithmetic (+, *, ...) with a tuple, list or dict ... as an
  operand", about arithmetic the user did not write (``var`` subtracted the mean from the tuple);
* ``clip`` on SCT: Python's bare "'>' not supported between instances of 'list' and 'float'";
* ``sort`` on the overloading engine: "conversion to a NumPy array ... of an active value" (its permutation
  was computed on the list of boxes);
* ``pad`` on every engine: NumPy's "Field elements must be 2- or 3-tuples".
Each now packs its argument first. Checked against JAX (on the packed array) in float64 at several points,
the gradient (and the Hessian on the overloading engine).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": ad.engine("overloading"), "sct": ad.engine("sct"),
           "sct-boxes": ad.engine("sct", higher="boxes")}


def std_list(x):
    return anp.std([x, x + 2.0, x * x])


def var_tuple(x):
    return anp.var((x, x + 2.0, x * x), ddof=1)


def clip_list(x):
    return anp.sum(anp.clip([x, x + 2.0, x * x], 0.1, 2.5) ** 2)


def sort_list(x):
    return anp.sum(anp.sort([x, x + 2.0, x * x]) * anp.arange(3.0))


def pad_list(x):
    return anp.sum(anp.pad([x, x + 2.0, x * x], 1) ** 2)


def packed(x):
    return jnp.asarray([x, x + 2.0, x * x])


PROGRAMS = {
    "std-list": (std_list, lambda x: jnp.std(packed(x))),
    "var-tuple": (var_tuple, lambda x: jnp.var(packed(x), ddof=1)),
    "clip-list": (clip_list, lambda x: jnp.sum(jnp.clip(packed(x), 0.1, 2.5) ** 2)),
    "sort-list": (sort_list, lambda x: jnp.sum(jnp.sort(packed(x)) * jnp.arange(3.0))),
    "pad-list": (pad_list, lambda x: jnp.sum(jnp.pad(packed(x), 1) ** 2)),
}


@functools.cache
def oracle(name):
    f_jax = PROGRAMS[name][1]
    return jax.jit(jax.vmap(jax.grad(f_jax))), jax.jit(jax.vmap(jax.hessian(f_jax)))


POINTS = np.array([0.0, 0.7, -1.3])


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_list_of_differentiated_values_is_packed(engine, name):
    eng, f = ENGINES[engine], PROGRAMS[name][0]
    grads, hessians = oracle(name)
    want_g, want_h = grads(POINTS), hessians(POINTS)
    for k, x in enumerate(POINTS):
        np.testing.assert_allclose(eng.grad(f)(x), want_g[k], rtol=1e-10, atol=1e-12)
        if engine == "overloading":  # SCT's second order of these is its first order's code transformed again
            np.testing.assert_allclose(eng.hessian(f)(x), want_h[k], rtol=1e-10, atol=1e-12)
