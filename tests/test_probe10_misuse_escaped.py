"""Probe 10: an active value that escaped a finished derivative is refused when computed with, as JAX refuses it.

A function that keeps an intermediate value outside itself (appends it to a global list, caches it in a
dict between calls) lets a box of the overloading or elemental engine outlive its derivative. Computing
with it later recorded onto the finished tape: ``leaked * 2.0`` gave another box, a later ``grad`` using
it returned a box instead of an array, and ``hessian`` of ``sum(b * b * leaked)`` was silently all zeros
(the level number is reused, so the stale box was taken for a constant or for one of the new level's);
a cache filled on the first call gave later calls a wrong gradient. JAX raises UnexpectedTracerError
there. A tape or forward trace is now closed when its level ends, and computing with one of its boxes
raises a TypeError naming the primitive and the user's line (SCT, which refuses the append itself,
also refuses a leaked box handed to it). Checked on every engine.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine

X = np.array([0.3, -1.2, 2.0])
KEPT: list = []


@pytest.fixture(params=[*ad.ENGINES, "sct-higher"])
def eng(request):
    return SCTEngine(higher="sct") if request.param == "sct-higher" else ad.engine(request.param)


def _keeps(a):
    KEPT.append(anp.multiply(a, 2.0))
    return anp.sum(anp.multiply(a, a))


def _leaked(tape_engine: str, mode: str):
    KEPT.clear()
    e = ad.engine(tape_engine)
    e.grad(_keeps)(X) if mode == "reverse" else e.jvp(_keeps, (X,), (X,))
    return KEPT.pop()


ESCAPED = r"an active value of a derivative that has finished was used at .*test_probe10_misuse_escaped.py"


@pytest.mark.parametrize("tape_engine", ["overloading", "elemental"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_computing_with_an_escaped_value_is_refused(tape_engine, mode):
    leaked = _leaked(tape_engine, mode)
    with pytest.raises(TypeError, match=ESCAPED):
        anp.multiply(leaked, 2.0)


@pytest.mark.parametrize("tape_engine", ["overloading", "elemental"])
def test_an_escaped_value_in_a_later_derivative_is_refused(eng, tape_engine):
    leaked = _leaked(tape_engine, "reverse")
    for call in (lambda: eng.grad(lambda b: anp.sum(anp.multiply(b, leaked)))(X),
                 lambda: eng.jvp(lambda b: anp.multiply(b, leaked), (X,), (X,)),
                 lambda: eng.vjp(lambda b: anp.multiply(b, leaked), X),
                 lambda: eng.hessian(lambda b: anp.sum(anp.multiply(anp.multiply(b, b), leaked)))(X)):
        with pytest.raises(TypeError, match=r"an active value of a derivative that has finished"):
            call()


def test_a_value_cached_between_calls_is_refused_on_the_next(eng):
    if isinstance(eng, SCTEngine):
        pytest.skip("SCT refuses the write into the cache when it transforms the function")
    cache = {}

    def f(a):
        if "w" not in cache:
            cache["w"] = anp.sin(a)
        return anp.sum(anp.multiply(cache["w"], a))

    eng.grad(f)(X)
    with pytest.raises(TypeError, match=ESCAPED):
        eng.grad(f)(X)
