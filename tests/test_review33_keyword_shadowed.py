"""``E.grad(f)(v, scale=s)`` where ``f`` is a nested function's parameter that shares a global function's name:
front/derivative_calls.keywords_by_position read the global's parameters (``inner(v, scale, shift)``) and passed
the keywords by position in its order to the function the parameter holds (``other(v, shift, scale)``), a wrong
value with no error (3.887 where Python gives 1.566). A name the transformed code binds (a parameter of a
nested function or lambda, a variable) is not resolved there now: the call stays as written (refused, as before)."""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

SCT = ad.engine("sct")


def inner(v, scale=1.0, shift=0.0):
    return anp.sum(anp.sin(v * scale) + shift * v)


def other(v, shift=0.0, scale=1.0):
    return anp.sum(anp.sin(v * scale) * 2.0 + shift * v * v)


def shadowed(x):
    def run(inner):  # not the global inner
        return SCT.grad(inner)(x, scale=x[0], shift=x[2])

    return anp.sum(run(other))


def test_a_shadowed_name_is_not_read_as_the_global():
    x = np.array([0.3, -0.5, 1.2])
    with pytest.raises(SCTError, match="keyword argument 'scale'") as info:
        SCT.value_and_grad(shadowed)(x)
    assert info.value.line == shadowed.__code__.co_firstlineno + 2


@pytest.mark.parametrize("seed", [0, 1])
def test_the_global_itself_still_passes_keywords_by_position(seed):
    x = np.random.default_rng(seed).normal(size=3)

    def direct(y):
        return anp.sum(SCT.grad(inner)(y, scale=y[0], shift=y[2]))

    np.testing.assert_allclose(SCT.value_and_grad(direct)(x)[0], direct(x), rtol=1e-13)
