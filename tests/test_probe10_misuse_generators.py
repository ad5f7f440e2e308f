"""Probe 10: a generator function or an ``async def`` handed to an engine is refused by name, at its line.

Calling one gives a generator or a coroutine, never a value to differentiate. The overloading and
elemental engines said "output is a generator, which is not an array..." (or "a coroutine", leaving
it never awaited) without the function or its line; SCT refused the ``yield`` as "an expression
statement (a call for its side effect)", with a hint to assign the result (tests/test_sct_errors.py
matched "yield" in the function's name). Each engine now refuses it where the derivative is asked
for (as ``callable`` is checked), naming the function, its file and line, and what to write
instead; through ``functools.partial`` and a bound method too.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine

X = np.array([0.3, -1.2, 2.0])


@pytest.fixture(params=[*ad.ENGINES, "sct-higher"])
def eng(request):
    return SCTEngine(higher="sct") if request.param == "sct-higher" else ad.engine(request.param)


def squares(a):
    yield anp.multiply(a, a)


async def total(a):
    return anp.sum(a)


class Stream:
    def items(self, a):
        yield anp.sin(a)


def _calls(eng, f):
    yield from (lambda: getattr(eng, m)(f)(X) for m in ("grad", "value_and_grad", "jacfwd", "jacrev", "hessian"))
    yield lambda: eng.jvp(f, (X,), (X,))
    yield lambda: eng.vjp(f, X)


@pytest.mark.parametrize("f, name, kind", [
    (squares, "squares", "a generator function"), (functools.partial(squares), "squares", "a generator function"),
    (Stream().items, "Stream.items", "a generator function"), (total, "total", "an async function")])
def test_a_generator_or_async_function_is_refused_naming_it(eng, f, name, kind):
    for call in _calls(eng, f):
        with pytest.raises(TypeError, match=rf"{name} \(.*test_probe10_misuse_generators.py, line \d+\) is {kind}"):
            call()
