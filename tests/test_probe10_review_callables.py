"""Callable objects whose ``__call__`` is a generator, an async def or a staticmethod.

Found reviewing be427c1 (generators refused where the derivative is asked for) and 065929d (SCT
differentiates a callable object as its bound ``__call__``): an object whose ``__call__`` yields
slipped past the check (the overloading engine said 'output is a generator', SCT refused a
'yield' as 'an expression statement' with a hint to assign it), and on SCT an object whose
``__call__`` is a staticmethod was refused as 'differentiating S objects' at '<unknown>, line 0'.
Checked: the refusal names the method, its file and line, on every engine; the staticmethod's
gradient against JAX in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = ["overloading", "sct", "elemental"]


class Yields:
    def __call__(self, x):
        yield anp.sum(x)


class Awaits:
    async def __call__(self, x):
        return anp.sum(x)


class Static:
    __call__ = staticmethod(lambda x: anp.sum(anp.sin(x) * x))


@pytest.mark.parametrize("cls,kind", [(Yields, "a generator function"), (Awaits, "an async function")])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_call_method_that_is_not_a_value_is_refused_where_asked(engine, cls, kind):
    with pytest.raises(TypeError, match=rf"grad: {cls.__name__}\.__call__ \(.*test_probe10_review_callables\.py, "
                                        rf"line \d+\) is {kind}"):
        ad.engine(engine).grad(cls())(np.ones(3))


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_a_staticmethod_call_is_differentiated(engine, seed):
    x = np.random.default_rng(seed).normal(size=4)
    want = jax.grad(lambda x: jnp.sum(jnp.sin(x) * x))(x)
    np.testing.assert_allclose(ad.engine(engine).grad(Static())(x), want, rtol=1e-12, atol=0)
