"""A read whose index calls a function (``m[bump()] * x``): SCT kept the index as an expression, so the reverse sweep
computed it again to send the cotangent back, calling the function once more (a counter's next answer: the cotangent
went to another item, a wrong gradient with no error; ``order.pop()``: an IndexError in SCT's code). The index is now
computed once, in Python's order, like a written target's (front/anf.index_once)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def counted(x):
    st = [0]

    def bump():
        st[0] += 1
        return st[0] - 1

    m = [x * 1.0, x * 2.0, x * 3.0]
    m[bump()] = m[bump()] * x  # Python: the value's bump() (0), then the target's (1)
    return anp.sum(m[0] + 3 * m[1] + 5 * m[2]) + st[0]


def counted_jax(x):
    return jnp.sum(x + 3 * (x * x) + 15 * x) + 2


def popped(x):
    m = [x * 1.0, x * 2.0, x * 3.0, x * 4.0]
    order = [0, 1, 2, 3]
    m[order.pop()] += m[order.pop()] * x  # target's pop (3) first, then the value's (2)
    return anp.sum(m[0] + 2.0 * m[1] + 3.0 * m[2] + 4.0 * m[3]) + len(order)


def popped_jax(x):
    return jnp.sum(x + 4.0 * x + 9.0 * x + 4.0 * (4.0 * x + 3.0 * x * x)) + 2


@pytest.mark.parametrize("f, want", [(counted, counted_jax), (popped, popped_jax)])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_read_index_that_calls_runs_once(f, want, seed):
    x = np.random.default_rng(seed).normal(size=3)
    value, grad = ad.engine("sct").value_and_grad(f)(x.copy())
    np.testing.assert_allclose(value, f(x.copy()), rtol=1e-13)
    np.testing.assert_allclose(value, want(x), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(want)(jnp.asarray(x)), rtol=1e-12, atol=1e-12)
