"""Probe 16 (elemental): a generator where an array belongs is refused at the user's line, as jnp refuses it.

``el.sum(el.square(el.getitem(x, i)) for i in range(3))`` (``sum`` of a generator, as Python's builtin
takes one) returned the generator itself, no error (NumPy's asarray makes a 0-d object array of it,
which ``sum`` gave back): the program's value was a generator, and only the engine's check of the
output said anything, far from the call. ``asarray`` (which every reduction and structural call
reads its operand with) now refuses an iterator by name at the user's line; a list works.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

X = np.array([0.3, -1.2, 0.7])


def from_generator(x):
    return el.sum(el.square(el.getitem(x, i)) for i in range(3))


def from_list(x):
    return el.sum([el.square(el.getitem(x, i)) for i in range(3)])


@pytest.mark.parametrize("call", [el.sum, el.max, el.mean, anp.sum, anp.asarray])
def test_a_generator_is_refused_by_name_at_the_users_line(call):
    with pytest.raises(TypeError, match=r"a generator is not an array \(at .*test_probe16_elemental_generators"):
        call(v for v in [1.0, 2.0])


@pytest.mark.parametrize("name", ["elemental", "overloading"])
def test_under_an_engine_too_and_the_list_form_agrees_with_jax(name):
    eng = ad.engine(name)
    with pytest.raises(TypeError, match=r"a generator is not an array \(at .*generators.py:27 \(in from_generator\)"):
        eng.grad(from_generator)(X)
    np.testing.assert_allclose(eng.grad(from_list)(X), jax.grad(lambda x: jnp.sum(x ** 2))(X), rtol=1e-12)
