"""Second order through a ``custom_jvp`` function with a tuple output of which one element is unused.

Found reviewing the custom_jvp reverse-value change (396c806): ``hessian`` on SCT (both
``higher`` settings) of ``sum(c(x)[0])``, ``c`` a ``custom_jvp`` returning ``(a, b)``, stopped with
'vjp: the cotangent has shape (4,) but the output has shape (6,)'. The reverse sweep, run again on
the overloading boxes, passes the unused element's cotangent as the placeholder ``0.0`` boxed by
the outer level; ``containers.final_bar`` made only an unboxed placeholder into zeros of the
element's shape, so the packed cotangent had one number for a whole array. Checked against
``jax.custom_jvp`` in float64: Hessians and jacfwd of the gradient, either element unused or both used.
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

ENGINES = {"overloading": {}, "sct": {}, "sct-sct": {"higher": "sct"}}


def make(custom_jvp, lib):
    @custom_jvp
    def pair(x):
        return lib.sin(x), lib.cos(x)

    @pair.defjvp
    def pair_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return (lib.sin(x) + 1.0, lib.cos(x) - 1.0), (lib.cos(x) * t, -2.0 * lib.sin(x) * t)

    return {"first": lambda x: lib.sum(pair(x)[0] * x),
            "second": lambda x: lib.sum(pair(x)[1] ** 2),
            "both": lambda x: lib.sum(pair(x)[0] * pair(x)[1] * x)}


OURS, THEIRS = make(ad.custom_jvp, anp), make(jax.custom_jvp, jnp)


@functools.cache
def oracle(name):
    x = np.random.default_rng(len(name)).normal(size=3)
    return x, jax.hessian(THEIRS[name])(x)


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_second_order_of_a_tuple_custom_jvp(engine, name):
    eng = ad.engine(engine.split("-")[0], **ENGINES[engine])
    x, want = oracle(name)
    np.testing.assert_allclose(eng.hessian(OURS[name])(x), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eng.jacfwd(eng.grad(OURS[name]))(x), want, rtol=1e-10, atol=1e-12)
