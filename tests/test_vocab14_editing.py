"""Vocabulary (h14): ``compress``/``extract`` with ``size`` and ``fill_value`` as jnp's (the first ``size`` slices,
then slices of the fill value in the array's dtype, the fill differentiated as JAX's), against JAX on the overloading
engine and SCT (a constant fill; SCT refuses a differentiated value in a keyword-only parameter by name).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import ENGINES, close, seeded

import adcompare as ad
import adcompare.numpy as anp

MASK = np.array([1, 0, 1, 1, 0, 1], bool)


def sized(np_):
    def f(x):
        m = np_.reshape(x, (6, 2))
        return (np_.sum(np_.compress(MASK, m, 0, size=3, fill_value=2.0) ** 2)
                + np_.sum(np_.compress(MASK[:2], m, 1, size=2, fill_value=-1.5) ** 3)
                + np_.sum(np_.extract(MASK, x[:6], size=5) * x[6:11]))
    return f


@pytest.mark.parametrize("engine", ENGINES)
def test_sizes_and_fill_values_against_jax(engine):
    for (x,) in seeded([(12,)]):
        close(ENGINES[engine].value_and_grad(sized(anp))(x), jax.value_and_grad(sized(jnp))(x))


def test_values_dtypes_and_an_active_fill_value_as_jnp():
    for args, keywords in [((MASK, np.arange(6.0)), {"size": 2}), ((MASK, np.arange(6, dtype=np.int32)), {
            "size": 6, "fill_value": 2.7}), ((MASK[:3], np.arange(6.0).reshape(3, 2)), {"axis": 0, "size": 3})]:
        ours, theirs = anp.compress(*args, **keywords), jnp.compress(*args, **keywords)
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)

    def f(np_):
        return lambda v: np_.sum(np_.compress(MASK[:4], v, size=3, fill_value=v[1]) ** 2)

    close(ad.engine("overloading").grad(f(anp))(np.arange(4.0)), jax.grad(f(jnp))(np.arange(4.0)))
    with pytest.raises(Exception, match="(?s)fill_value.*test_vocab14_editing.py"):
        ad.engine("sct").grad(f(anp))(np.arange(4.0))
    with pytest.raises(ValueError, match="size=7"):
        anp.compress(MASK, np.ones(6), size=7)
