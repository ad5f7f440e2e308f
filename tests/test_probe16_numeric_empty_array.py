"""Probe 16 (scientists' NumPy programs ported to anp): an accumulator started empty, ``out = anp.array([])``, on SCT.

``out = np.array([]); for ...: out = np.append(out, v)`` is how many students grow a result. SCT packs a list given
to a vocabulary function as an array operand with ``stack`` (as ``jnp.asarray`` packs it), and ``stack`` of the
empty list failed with NumPy's bare "need at least one array to stack" from SCT's generated code, in every mode. An
empty list or tuple display has nothing to pack (front/normalize, analysis/dataflow.empty_sequences): it is handed
to ``anp.array`` as written, a constant. Checked against JAX in float64 on seeded inputs: grad, jvp, vjp, the
and the Hessian.
"""

from __future__ import annotations

import jax
import numpy as np
from probe16_check import agree

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
SCT = ad.engine("sct")


def grown(x):
    out = anp.array([])
    for i in range(3):
        out = anp.append(out, x[i] ** (i + 1))
    return anp.sum(out * anp.array([1.0, 2.0, 3.0])) + anp.sum(anp.asarray(())) * x[0]


def grown_jax(x):
    return x[0] + 2.0 * x[1] ** 2 + 3.0 * x[2] ** 3


def test_an_accumulator_started_empty_matches_jax():
    for seed in (0, 1):
        agree(SCT, grown, grown_jax, np.random.default_rng(seed).uniform(-1.0, 1.0, 3), hessian=seed == 0)
