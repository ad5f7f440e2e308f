"""The direct gradient path pauses the cycle collector by what the transformation knows.

``transform.Entry.repeats`` (from :func:`adcompare.engines.sct.emit.codegen.repeats`) says whether
the generated sweeps loop (``for``, ``while``, a comprehension) or call other generated code (a
callee's, or a function's known only when it runs); :class:`.direct.DirectGrad` pauses the collector
exactly then. Checked on the generated code of each kind of function: the flag, the pause the
sweeps actually run under, and the gradient against JAX.
"""

from __future__ import annotations

import ast
import contextlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import direct, transform
from adcompare.engines.sct.emit import codegen
from adcompare.engines.sct.naming import Namer


def straight(x, y):
    z = anp.sin(x) * y
    return anp.sum(z) / (1.0 + anp.sum(x * x)) + anp.dot(x, y)


def looped(x, y):
    acc = 0.0
    for i in range(3):
        acc = acc + anp.sum(x * y) * i
    return acc


def whiled(x, y):
    total, n = anp.sum(y) * 0.1, 1.0
    while n < 5.0:  # four trips, counted by a float
        total = anp.cos(total) * anp.dot(x, y) / n
        n = n * 2.0 if n > 1.5 else n + 1.0
    return total


def branch(x, y):
    if anp.sum(x) > 0:
        return anp.sum(x * y)
    return anp.sum(anp.cos(x))


def helper(x):
    return anp.sum(anp.tanh(x))


def calls(x, y):
    return helper(x * y) + anp.sum(y)


def calls_a_variable(x, y, fns):
    return fns[0](x * y) + anp.sum(y)  # known only when it runs


def loops_in_its_callee(x, y):
    return looped(x, y) * 2.0


CASES = [(straight, False), (branch, False), (looped, True), (whiled, True), (calls, True),
         (loops_in_its_callee, True)]


def _record(monkeypatch):
    paused = []

    @contextlib.contextmanager
    def recording():
        paused.append(True)
        yield

    monkeypatch.setattr(direct, "cycle_collector_paused", recording)
    return paused


@pytest.mark.parametrize("fn, repeats", CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pause_follows_what_the_transformation_knows(monkeypatch, fn, repeats, seed):
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=4), rng.normal(size=4))
    entry = transform.transform(fn, "reverse", (0,), 2)
    assert entry.repeats is repeats
    d = direct.DirectGrad(ad.engine("sct"), fn, 0)
    d(args)  # the plan is made
    assert d.plans[2].pause is repeats
    paused = _record(monkeypatch)
    y, g = d(args)
    assert paused == ([True] if repeats else [])
    np.testing.assert_allclose(g, jax.grad(fn)(*map(jnp.asarray, args)), rtol=1e-12, atol=1e-12)
    assert y == pytest.approx(float(fn(*args)), rel=1e-14)


def test_a_call_known_only_when_it_runs_repeats():
    entry = transform.transform(calls_a_variable, "reverse", (0,), 3)
    assert entry.repeats  # the variable's function runs through generated code made for it
    x = np.linspace(0.1, 0.9, 4)
    got = ad.engine("sct").grad(calls_a_variable)(x, x + 1.0, [helper])
    want = jax.grad(lambda a: jnp.sum(jnp.tanh(a * (x + 1.0))) + jnp.sum(x + 1.0))(jnp.asarray(x))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_entries_not_built_from_source_count_as_repeating():
    assert transform.Entry(straight, "reverse", (0,)).repeats  # a stand-in's: unknown, so paused


@pytest.mark.parametrize("text, repeats", [
    ("def f(a):\n    return a + 1", False),
    ("def f(a):\n    for i in a:\n        a = i\n    return a", True),
    ("def f(a):\n    while a:\n        a = a - 1\n    return a", True),
    ("def f(a):\n    return [b for b in a]", True),
    ("def f(a):\n    def g():\n        while a:\n            pass\n    return g", True),
])
def test_repeats_reads_the_generated_definitions(text, repeats):
    linker = codegen.Linker(Namer(set()), None)
    assert codegen.repeats(ast.parse(text).body, linker) is repeats
    linker.calls_unknown = True
    assert codegen.repeats(ast.parse(text).body, linker)
