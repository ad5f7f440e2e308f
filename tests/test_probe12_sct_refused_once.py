"""Probe 12: SCT's default second order tries to transform its own code again once per derivative, not once
per direction.

With ``ad.engine("sct")`` (``higher="sct"``), a Hessian is a derivative per direction of the gradient SCT made;
where SCT cannot transform its generated code again (``anp.array`` of a list of scalars: see
tests/test_sct_higher_default.py), that direction is taken on the boxes (exact). The refusal was not kept, so
every direction parsed and analysed the generated code again before falling back (~0.04 s per direction on
the program below, this machine). The refusal is now kept per derivative and call (api._REFUSED): the number
of transformations tried (cache misses) does not grow with the number of directions, and the Hessian is
still JAX's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, transform
from adcompare.oracle import max_error


def packed(x):
    return anp.sum(anp.sin(anp.array([[x[0], x[1]], [x[1] * x[0], x[0]]]))) * anp.sum(x)


def packed_jax(x):
    return jnp.sum(jnp.sin(jnp.array([[x[0], x[1]], [x[1] * x[0], x[0]]]))) * jnp.sum(x)


HESSIAN = jax.jit(jax.hessian(packed_jax))


@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
def test_a_refused_transformation_is_tried_once_per_hessian(mode, monkeypatch):
    tried = []
    build = transform._build

    def counted(entry):  # a transformation: not found in the cache
        tried.append(entry.fn)
        return build(entry)

    monkeypatch.setattr(transform, "_build", counted)
    sct = ad.engine("sct")
    counts = []
    for n in (2, 4):
        x = np.random.default_rng(n).uniform(-1.0, 1.0, size=n)
        SCTEngine.clear_cache()
        tried.clear()
        assert max_error(sct.hessian(packed, mode=mode)(x), HESSIAN(jnp.asarray(x))) < 1e-12
        counts.append(len(tried))
    assert counts[0] == counts[1], counts
