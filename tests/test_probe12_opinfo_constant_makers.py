"""Probe 12 (PyTorch OpInfo's factory-function samples adapted): ``anp.geomspace`` and ``anp.logspace`` of a
differentiated end on the SCT engine.

Both make a constant and refuse an active end (``_refuse_active``, as ``linspace`` does), but SCT did not know
them as constant makers: it transformed their source and stopped with "an expression statement (a call for its
side effect): not supported ... in function 'geomspace', adcompare/numpy/arrayapi.py, line 98", a refusal of the
library's code, at the library's line, instead of the user's call. They are SCT's "nondiff" vocabulary now, as
``linspace`` is: the refusal names the call and the user's line. The sweep below guards the class: every
vocabulary function that refuses an active argument is refused by SCT at the user's line, and by the overloading
engine; with constant ends their values and the derivatives around them are JAX's. (``full`` of a differentiated
fill is differentiated now, as JAX's, by the overloading engine; SCT refuses it at the user's line:
tests/test_probe37_vocabulary_fixes.py.)
"""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def eye_active(x):
    return anp.sum(anp.eye(x))


def arange_active(x):
    return anp.sum(anp.arange(x))


def linspace_active(x):
    return anp.sum(anp.linspace(x, 2.0, 3))


def logspace_active(x):
    return anp.sum(anp.logspace(0.0, x, 3))


def geomspace_active(x):
    return anp.sum(anp.geomspace(x, 2.0, 3))


# each vocabulary function that refuses an active argument, and a user function giving it one
ACTIVE = {"eye": eye_active, "arange": arange_active, "linspace": linspace_active,
          "logspace": logspace_active, "geomspace": geomspace_active}


def test_the_table_covers_every_constant_maker():
    makers = {name for name in dir(anp) if not name.startswith("_") and inspect.isfunction(getattr(anp, name))
              and "_refuse_active(" in inspect.getsource(getattr(anp, name))}
    assert makers == set(ACTIVE)


@pytest.mark.parametrize("name", ACTIVE)
def test_an_active_argument_is_refused_at_the_users_line(name):
    f = ACTIVE[name]
    with pytest.raises(ad.SCTError) as info:
        ad.engine("sct").grad(f)(1.5)
    message = str(info.value)
    assert f"{name}() of a differentiated value" in message
    assert f"{__file__}, line {f.__code__.co_firstlineno + 1}" in message
    with pytest.raises(NotImplementedError, match=f"{name} makes a constant"):
        ad.engine("overloading").grad(f)(1.5)


def scaled_case(np_):
    def scaled(x):
        return np_.sum(np_.geomspace(1.0, 8.0, 4) * x + np_.logspace(0.0, 1.0, 3, base=2.0, endpoint=False)[1] * x * x)
    return scaled


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_constant_ends_are_differentiated_around_as_jax(engine):
    x = np.random.default_rng(0).normal(size=4)
    expected = jax.grad(scaled_case(jnp))(x)
    np.testing.assert_allclose(ad.engine(engine).grad(scaled_case(anp))(x), expected, rtol=1e-12)
