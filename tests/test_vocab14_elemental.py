"""Vocabulary (h14) on the elemental engine: its ``el.*`` forms of the new names and options (``pad``'s modes, the
matrix norms, the quantile methods, ``frexp``, ``i0``, ``polydiv``, ``histogramdd``'s weights, ``tensorsolve``) are
the vocabulary's compositions of primitives (no operators, which elemental values refuse): gradients against JAX.
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
        mat = m.reshape(v, (3, 4))
        terms = [m.pad(mat, ((1, 2), (3, 1)), "reflect", reflect_type="odd"), m.pad(mat, 2, "linear_ramp"),
                 m.pad(mat, 1, "median"), m.linalg.norm(mat, "nuc"), m.linalg.norm(mat, -np.inf),
                 m.linalg.norm(mat, 2), m.quantile(v, 0.3, method="midpoint"),
                 m.nanquantile(mat, 0.6, 1, method="nearest"),
                 m.frexp(m.multiply(v, 9.0))[0], m.i0(v),
                 m.polydiv(v, m.add(gi(v, slice(0, 3)), np.array([3.0, 0.0, 0.0])))[0],
                 m.histogramdd(m.reshape(gi(v, slice(0, 8)), (4, 2)), 2, weights=gi(v, slice(8, 12)))[0],
                 m.linalg.tensorsolve(m.add(m.reshape(m.concatenate([v, gi(v, slice(0, 4))]), (2, 2, 4)),
                                            m.reshape(m.multiply(3.0, m.eye(4)), (2, 2, 4))),
                                      m.reshape(gi(v, slice(0, 4)), (2, 2)))]
        out = m.sum(m.square(terms[0]))
        for t in terms[1:]:
            out = m.add(out, m.sum(m.square(t)))
        return out
    return f


def test_new_options_on_the_elemental_engine_against_jax():
    eng, reference = ad.engine("elemental"), jax.jit(jax.value_and_grad(program(jnp, lambda a, i: a[i])))
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=12)
        close(eng.value_and_grad(program(el, el.getitem))(x), reference(x))
