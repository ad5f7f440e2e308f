"""``m[f(i)][j] op= v``: an index that calls a function. The check before a nested ``op=`` (emit/unshared.py) was
skipped where an index called (the list's array shared with a global changed in NumPy, not in SCT: 0.7 where NumPy
gives -1.09, no error), and SCT computed such an index again for the check, the read and the write (5 calls where
Python makes 1; also 3 for ``m[f(i)][j] = v``), so a function that answers differently each call wrote elsewhere.
Each index that calls is now computed once, in Python's order, and the check runs on it (front/anf.keys_once)."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

G = np.ones(3)
TICKS: list = []


def pick(i):
    return i


def tick():
    """0, 1, 0, ...: a new answer each call (as a random draw or a counter)."""
    TICKS.append(0)
    return (len(TICKS) + 1) % 2


def outer_calls(x):
    grid = [[x * 1.0], [G]]
    grid[pick(1)][0] -= x
    return anp.sum(G * x)


def inner_calls(x):
    grid = [[x * 1.0], [G]]
    grid[1][pick(0)] *= x
    return anp.sum(G * x)


def method_index(x):
    grid = [[x * 1.0], [G]]
    order = [0, 1]
    grid[order.index(1)][0] += x
    return anp.sum(G * x)


@pytest.mark.parametrize("f", [outer_calls, inner_calls, method_index])
def test_a_shared_array_under_an_index_that_calls_is_refused_at_the_line(f):
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f)(np.array([0.3, -0.7, 1.1]))
    lines, first = inspect.getsourcelines(f)
    line = next(k for k, text in enumerate(lines) if "] -=" in text or "] *=" in text or "] +=" in text)
    assert info.value.filename == __file__ and info.value.line == first + line, str(info.value)
    assert "something outside" in str(info.value) and "_t" not in str(info.value).split(":")[0]
    np.testing.assert_array_equal(G, np.ones(3))


def rows_ticked(x):
    grid = [[x * 1.0], [x * 2.0]]
    grid[tick()][0] += anp.sin(x)
    grid[tick()][0] *= x
    y = x * 1.0
    y[tick()] = y[2] * x[0]
    return anp.sum(grid[0][0] * grid[1][0]) + anp.sum(y * x)


def rows_fixed(x):  # rows_ticked with the indices Python's run takes (0, 1, 0), for JAX
    x = jnp.asarray(x)
    a, b = x * 1.0 + jnp.sin(x), x * 2.0 * x
    y = (x * 1.0).at[0].set(x[2] * x[0])
    return jnp.sum(a * b) + jnp.sum(y * x)


@pytest.mark.parametrize("seed", [0, 1])
def test_an_index_that_calls_is_computed_once_as_numpy_does(seed):
    x = np.random.default_rng(seed).normal(size=3)
    TICKS.clear()
    expected = rows_ticked(x.copy())
    assert len(TICKS) == 3
    TICKS.clear()
    value, grad = ad.engine("sct").value_and_grad(rows_ticked)(x.copy())
    assert len(TICKS) == 3
    np.testing.assert_allclose(value, expected, rtol=1e-13)
    np.testing.assert_allclose(value, rows_fixed(x), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(rows_fixed)(x), rtol=1e-12, atol=1e-12)
