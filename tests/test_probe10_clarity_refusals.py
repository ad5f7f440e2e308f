"""Probe 10 (clarity): a generator function or a function JAX made, called inside code SCT transforms.

``sum(gen(x))`` with ``gen`` a generator function was refused as "an expression statement (a call
for its side effect)" at gen's ``yield``; ``jax.vmap(lambda v: ...)(x)`` on a differentiated ``x`` as
"try/except" (or "a **kwargs parameter") located in JAX's ``traceback_util.py``. Both are now refused
by name at the user's line of the call, on ``higher="sct"`` and ``higher="boxes"``; a ``yield``
statement met by the fence is named as ``yield``.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.errors import SCTError

X = np.array([0.3, -1.2, 2.0])


@pytest.fixture(params=["sct", "boxes"])
def eng(request):
    return SCTEngine(higher=request.param)


def _line(fn, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, s in enumerate(lines) if text in s)


def gen(x):
    yield x * 2.0
    yield anp.sin(x)


def calls_gen(x):
    return anp.sum(sum(gen(x)))


def test_generator_called_inside_is_refused_by_name_at_the_call(eng):
    with pytest.raises(SCTError) as info:
        eng.grad(calls_gen)(X)
    err = info.value
    assert "generator" in err.construct and "gen" in err.construct and "yield" in err.construct
    assert (err.filename, err.line) == (__file__, _line(calls_gen, "sum(gen(x))"))


def test_yield_statement_is_named_yield():
    from adcompare.engines.sct.front.parse import parse
    with pytest.raises(SCTError, match=r"^yield: ") as info:
        parse(gen)
    assert info.value.line == _line(gen, "yield x * 2.0")


def vmapped(x):
    return anp.sum(jax.vmap(lambda v: v * 2.0)(x))


def vmapped_local(x):
    h = jax.vmap(anp.sin)
    return anp.sum(h(x)) + anp.sum(x)


@pytest.mark.parametrize("f, text", [(vmapped, "jax.vmap(lambda"), (vmapped_local, "anp.sum(h(x))")])
def test_jax_transform_inside_is_refused_at_the_users_line(eng, f, text):
    for run in (lambda: eng.grad(f)(X), lambda: eng.jvp(f, (X,), (np.ones(3),))):
        with pytest.raises(SCTError) as info:
            run()
        err = info.value
        assert "function of jax" in err.construct and "jax.vmap" in err.construct
        assert (err.filename, err.line) == (__file__, _line(f, text))
        assert "traceback_util" not in str(err)
