"""Probe 10 (clarity): ``d.get(key, x)`` on a local dict, and ``anp.einsum``'s interleaved form, in SCT code.

``d.get("a", x)`` with ``x`` differentiated was refused with the irrelevant hint "take the method into
a variable first" (for an empty dict and a full one alike); it is now ``d[k] if k in d else x`` (front/calls),
for a dict SCT sees made in the function, equal to JAX and the overloading engine. ``anp.einsum(a, (0, 1),
(1, 0))`` was refused as "the parameter subscripts= computed from a differentiated value" inside
adcompare's own einsum; it is now refused as the interleaved form, at the user's line, as the overloading
engine refuses it.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


@pytest.fixture(params=["sct", "boxes", "overloading"])
def eng(request):
    return ad.engine("overloading") if request.param == "overloading" else SCTEngine(higher=request.param)


def gets(x):
    empty = {}
    full = {"a": anp.sin(x), "k": 2.0}
    key = "a"
    y = empty.get("a", x * 3.0) * full.get(key, x) + full.get("b", anp.cos(x)) * full.get("k")
    return anp.sum(y * x)


def gets_jax(x):
    return jnp.sum((x * 3.0 * jnp.sin(x) + jnp.cos(x) * 2.0) * x)


ORACLE = jax.jit(lambda x: (jax.value_and_grad(gets_jax)(x), jax.jvp(gets_jax, (x,), (x,))[1]))


@pytest.mark.parametrize("seed", [0, 1])
def test_dict_get_with_a_default(eng, seed):
    x = np.random.default_rng(seed).normal(size=3)
    (want_value, want_grad), want_dot = ORACLE(x)
    value, grad = eng.value_and_grad(gets)(x)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12)
    np.testing.assert_allclose(eng.jvp(gets, (x,), (x,))[1], want_dot, rtol=1e-12)


def interleaved(x):
    a = anp.reshape(x, (2, 2))
    return anp.sum(anp.einsum(a, (0, 1), (1, 0)) * a)


def test_einsum_interleaved_is_refused_by_name():
    for eng in (SCTEngine(higher="sct"), SCTEngine(higher="boxes")):
        with pytest.raises(SCTError, match="interleaved form") as info:
            eng.grad(interleaved)(np.arange(4.0))
        lines, first = inspect.getsourcelines(interleaved)
        assert (info.value.filename, info.value.line) == (__file__, first + 2)
