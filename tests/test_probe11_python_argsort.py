"""Probe 11: the argsort idiom ``sorted(range(n), key=lambda i: x[i])``, ``key=x.__getitem__``, and
``max``/``min`` with ``key=``, on the SCT engine.

SCT refused ``sorted(range(n), key=lambda i: x[i])`` ("a differentiated value used as an index"): the key
reads differentiated values, and a call's result was taken as differentiated when any argument was, so the
sorted indices were too. ``key=x.__getitem__`` was refused as an attribute of a differentiated value, and
``max(range(n), key=...)`` as ``max()`` of one. JAX runs all of them on its tracers: the order is found on
the values, the indices are integers, and the derivative flows through the later ``x[idx]`` reads. Now
the order is a constant computed apart from the items (``emit.runtime.sort_order``, the key no operand of
the call that gathers them: front/builtin_source.py), ``max``/``min`` with a key take the first largest
(smallest) item of that stable order as Python does, and ``x.__getitem__`` is a closure reading ``x`` as it
is when the method is taken. Checked with grad, jvp, vjp and the Hessian (higher="sct" and "boxes")
against JAX float64 and the overloading engine, ties among the inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines


def argsort_lambda(x):
    idx = sorted(range(4), key=lambda i: x[i])
    return x[idx[0]] * 2.0 + x[idx[3]] ** 2 - x[idx[1]] * x[idx[2]]


def argsort_getitem(x):
    order = sorted(range(len(x)), key=x.__getitem__, reverse=True)
    x = x * 3.0  # the bound method read x before: order is by the old values, as in Python
    return anp.sum(x[np.array(order)] * np.arange(1.0, 5.0))


def argmax_argmin(x):
    j = max(range(4), key=lambda i: x[i] * x[i])
    k = min(range(4), key=lambda i: anp.sin(x[i]))
    best = max([x[0], x[1] * 2.0, x[2]], key=abs)  # the item itself: differentiated
    return x[j] ** 3 + x[k] * x[j] + best * x[3]


def ranks_in_a_loop(x):
    out = 0.0
    for step, i in enumerate(sorted(range(4), key=lambda i: -x[i])):
        out = out + x[i] * (step + 1.0)
    return out


# The same functions with jnp's stable argsort and first-of argmax/argmin (JAX runs Python's sorted on its
# tracers too, giving these values, but one comparison at a time: seconds per function).
def jax_argsort_lambda(x):
    idx = jnp.argsort(x)
    return x[idx[0]] * 2.0 + x[idx[3]] ** 2 - x[idx[1]] * x[idx[2]]


def jax_argsort_getitem(x):
    return jnp.sum((x * 3.0)[jnp.argsort(-x)] * jnp.arange(1.0, 5.0))


def jax_argmax_argmin(x):
    j, k = jnp.argmax(x * x), jnp.argmin(jnp.sin(x))
    items = jnp.stack([x[0], x[1] * 2.0, x[2]])
    return x[j] ** 3 + x[k] * x[j] + items[jnp.argmax(jnp.abs(items))] * x[3]


def jax_ranks_in_a_loop(x):
    return jnp.sum(x[jnp.argsort(-x)] * jnp.arange(1.0, 5.0))


@pytest.mark.parametrize("f, oracle", [(argsort_lambda, jax_argsort_lambda), (argsort_getitem, jax_argsort_getitem),
                                       (argmax_argmin, jax_argmax_argmin), (ranks_in_a_loop, jax_ranks_in_a_loop)])
def test_argsort_idioms_are_jaxs(f, oracle):
    rng = np.random.default_rng(sum(map(ord, f.__name__)))
    tied = np.array([0.5, -1.0, 0.5, 2.0])  # ties: Python's stable order, first of the largest
    inputs = [rng.normal(size=4), tied]
    for x in inputs:
        assert f(x) == oracle(jnp.asarray(x))  # the oracle is the function: the same value, bit for bit
    check_engines(f, inputs, 5, oracle)


def test_jax_runs_the_python_idiom_as_the_oracle():
    x = jnp.asarray([0.5, -1.0, 0.5, 2.0])
    assert float(jax.grad(argsort_lambda)(x) @ jnp.arange(4.0)) == float(jax.grad(jax_argsort_lambda)(x)
                                                                          @ jnp.arange(4.0))


def empty_max(x):
    return max(range(0), key=lambda i: x[i]) * x[0]


def test_max_of_nothing_raises_pythons_error():
    with pytest.raises(ValueError, match="max\\(\\)"):
        empty_max(np.ones(2))
    with pytest.raises(ValueError, match="max\\(\\) iterable argument is empty"):  # 3.12 words (nonempty_len)
        ad.engine("sct").grad(empty_max)(np.ones(2))
