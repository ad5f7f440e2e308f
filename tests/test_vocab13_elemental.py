"""Vocabulary (h13) on the elemental engine: its ``el.*`` forms of the new names (``insert``, ``nanmedian``,
``nanquantile``, ``poly``, ``piecewise``, ``partition``, ``block``, ``apply_along_axis``, ``put``,
``fill_diagonal``, ``ldexp``, ``modf``, ``unwrap``) are the vocabulary's compositions, which index with
``getitem`` and multiply with primitives (no operators, which elemental values refuse): gradients against JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from vocab_more_check import close

import adcompare as ad
import adcompare.elemental as el


def program(m, gi):
    def f(v):
        mat, head = m.reshape(v, (3, 4)), gi(v, slice(0, 2))
        terms = [m.square(m.insert(v, 2, head)), m.nanmedian(v), m.nanquantile(mat, 0.3, axis=1),
                 m.square(m.poly(gi(v, slice(0, 3)))), m.piecewise(v, [np.arange(12) % 3 == 0], [m.sin, m.cos]),
                 m.multiply(m.partition(v, 3), np.arange(12.0)),
                 m.square(m.block([[mat, m.reshape(gi(v, slice(0, 3)), (3, 1))]])),
                 m.apply_along_axis(lambda r: m.sum(m.square(r)), 1, mat),
                 m.square(m.put(v, np.array([1, 4]), m.multiply(head, 2.0), inplace=False)),
                 m.square(m.fill_diagonal(mat, gi(v, 0), inplace=False)), m.ldexp(v, np.arange(12) % 3),
                 m.square(m.modf(m.multiply(v, 3.0))[0]), m.square(m.unwrap(m.multiply(v, 4.0)))]
        out = m.sum(terms[0])
        for t in terms[1:]:
            out = m.add(out, m.sum(t))
        return out
    return f


def test_new_names_on_the_elemental_engine_against_jax():
    eng = ad.engine("elemental")
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=12)
        close(eng.grad(program(el, el.getitem))(x), jax.grad(program(jnp, lambda a, i: a[i]))(x))
