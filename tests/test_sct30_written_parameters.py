"""Which parameters a user function writes into in place (front/aliases.parameters_written), through
callees: every function read once however many call paths reach it (it was once read per path, 2**depth
times for a diamond of calls), and writes that reach a parameter only around a cycle of calls found
(the fixpoint over the call graph; a cycle used to be cut where it closed)."""

from __future__ import annotations

import importlib.util
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare.engines.sct.front import aliases

DEPTH = 10


def _diamond_module(tmp_path):
    """``level0(x)``: level i passes x to left_i and right_i, each of which passes it to level i+1; the
    last writes into a copy of its own (nothing the caller sees)."""
    lines = ["import adcompare.numpy as anp", ""]
    for i in range(DEPTH):
        lines += [f"def level{i}(x):", f"    return left{i}(x) + right{i}(x)", "",
                  f"def left{i}(x):", f"    return level{i + 1}(x) * 1.5", "",
                  f"def right{i}(x):", f"    return anp.sin(level{i + 1}(x))", ""]
    lines += [f"def level{DEPTH}(x):", "    y = x * 1.0", "    y *= 2.0", "    return anp.sum(y * x)", ""]
    path = tmp_path / "diamond_calls.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location("diamond_calls", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["diamond_calls"] = module
    spec.loader.exec_module(module)
    return module


def test_each_callee_is_read_once_however_many_paths_reach_it(tmp_path, monkeypatch):
    module = _diamond_module(tmp_path)
    reads = []
    parse = aliases.parse
    monkeypatch.setattr(aliases, "parse", lambda fn, *a: reads.append(fn) or parse(fn, *a))
    assert aliases.parameters_written(module.level0) == (None, ())
    assert len(reads) == len(set(reads)) == 3 * DEPTH + 1  # 2**DEPTH paths reach the last level


def test_a_diamond_of_calls_differentiates_as_jax(tmp_path):
    module = _diamond_module(tmp_path)

    def reference(x, i=0):
        if i == DEPTH:
            return jnp.sum(x * 2.0 * x)
        return reference(x, i + 1) * 1.5 + jnp.sin(reference(x, i + 1))

    x = np.random.default_rng(0).normal(size=3) * 0.1
    np.testing.assert_allclose(ad.engine("sct").grad(module.level0)(x), jax.grad(reference)(jnp.asarray(x)),
                               rtol=1e-10)


def _ping(a, b, n):
    if n > 0:
        return _pong(b, a, n - 1)
    return a + b


def _pong(c, d, n):
    d *= 2.0
    return _ping(c, d, n)


def test_a_write_that_reaches_a_parameter_only_around_a_cycle_is_found():
    """_pong writes d; it passes c to _ping's a, which _ping passes to _pong's d: _pong writes both."""
    assert aliases.parameters_written(_pong) == (None, (0, 1))
    assert aliases.parameters_written(_ping) == (None, (0, 1))


@pytest.mark.parametrize("engine", [ad.engine("sct"), ad.engine("sct", higher="sct")])
def test_a_caller_whose_array_a_cycle_writes_is_refused_at_its_line(engine):
    def f(x):
        b = x * 1.0
        s = _pong(b, x * 3.0, 1)  # b reaches _pong's d around the cycle
        return np.sum(s) + (b * x).sum()

    with pytest.raises(ad.SCTError, match=r"(?s)test_sct30_written_parameters\.py"):
        engine.grad(f)(np.arange(1.0, 4.0))
