"""Probe 10: ``eng.source(f)`` of a bound method, a ``functools.partial`` or a callable object, as ``grad`` takes them.

The SCT engine differentiates these (it sees through them to the function and its arguments), but
``source`` refused them: "differentiating method objects", and for a partial or an object of a user
class with ``__call__``, located at "<unknown>, line 0". ``source`` now shows the code of the function
they call, with ``argnums`` counted as the call counts them (after ``self``, after the partial's
arguments): the same text as ``source`` of that function with the positions shifted.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


class Model:
    def __init__(self, w):
        self.w = w

    def __call__(self, a, b):
        return anp.sum(anp.sin(anp.multiply(anp.multiply(a, self.w), b)))

    def predict(self, a, b):
        return anp.sum(anp.cos(anp.multiply(anp.multiply(a, self.w), b)))


def scaled(k, a, b):
    return anp.sum(anp.multiply(anp.multiply(a, b), k))


M = Model(np.ones(3))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
@pytest.mark.parametrize("f, fn, shift", [(M.predict, Model.predict, 1), (M, Model.__call__, 1),
                                          (functools.partial(scaled, 2.0), scaled, 1)])
def test_source_sees_through_what_grad_sees_through(f, fn, shift, argnums, mode):
    sct = ad.engine("sct")
    nums = (argnums,) if isinstance(argnums, int) else argnums
    assert sct.source(f, mode=mode, argnums=argnums) == sct.source(fn, mode=mode,
                                                                   argnums=tuple(i + shift for i in nums))
