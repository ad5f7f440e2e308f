"""SCT reads ``m.max(a)`` of a module passed as an argument (``def f(m, a)``) as the array method ``m.max(axis=a)``
of an array ``m``: it refused with "the parameter axis= computed from a differentiated value", which misled. Its
refusal now says that a method of a value SCT takes for an array got a differentiated argument where the array's
method takes none, and how to write it (the function by name, or taken into a variable first, which SCT follows
when it runs), at the user's line; the spelled-out form is checked against JAX.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import SCTError

jax.config.update("jax_enable_x64", True)
A = np.random.default_rng(0).standard_normal((2, 3))


def positional(m, a):
    return anp.sum(m.max(a) ** 2)


def positional_and_axis(m, a):
    y = m.max(a, axis=0)
    return anp.sum(y ** 2)


def taken_first(m, a):
    biggest = m.max
    return anp.sum(biggest(a, axis=0) ** 2)


@pytest.mark.parametrize("f, construct", [
    (positional, "m.max(...) where m is the module adcompare.numpy: SCT read it as the array method .max() of m"),
    (positional_and_axis, "the expression 'm.max(a, axis=0)' on a differentiated value"),
])
def test_a_module_passed_as_an_argument_is_refused_clearly(f, construct):
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f, argnums=1)(anp, A)
    err = info.value
    assert err.construct == construct and err.filename == __file__, str(err)
    assert err.line == inspect.getsourcelines(f)[1] + 1
    assert "anp.max(...)" in err.hint and "(f = m.max, then f(...))" in err.hint


def test_the_hint_runs_against_jax():
    want = jax.grad(lambda a: jnp.sum(jnp.max(a, axis=0) ** 2))(A)
    for name in ("sct", "overloading"):
        np.testing.assert_allclose(ad.engine(name).grad(taken_first, argnums=1)(anp, A), want, rtol=1e-12)
