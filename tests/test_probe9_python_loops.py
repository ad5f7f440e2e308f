"""Probe 9: for loops over ``enumerate``, ``zip`` and ``reversed`` and with tuple targets, on SCT, as in JAX.

``for i, v in enumerate(x)``, ``for a, b in zip(xs, ys)``, ``for a, b in pairs`` and ``for v in
reversed(xs)`` were refused by SCT ("a for loop target that is not a single name", "iterating over
zip"), though its comprehensions took the same forms. A for statement is now lowered as a
comprehension's loop is (``front/for_targets.py``): the sequences held first, a loop by index, the
target assigned from the items; ``enumerate(zip(...))`` too, in both. A loop over an array method's
result (``for row in x.reshape(2, 3)``) was refused as "iterating over x.reshape(...)"; it runs over the
array's first axis, as a loop over an array does. A loop over ``d.items()``, ``d.values()`` or
``d.keys()`` (``enumerate`` of them too), as autograd's dict tests write, was refused as "the method
.items() on a differentiated value"; it runs over the dict's keys, reading ``d[k]`` (in a comprehension
these stay refused). JAX rebuilds a dict argument with its keys sorted, Python keeps them in the order
they were added, so a loop over a dict whose keys are not in sorted order is refused. Break, continue, a
return inside, nested loops and a body that assigns the loop variables are checked with grad, jvp, vjp
and the Hessian against JAX in float64 on several seeds, with negative values and zeros among them.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error
from tests.test_probe9_python_lists import SCT2, check_against_jax

jax.config.update("jax_enable_x64", True)


def enumerate_with_jumps(x):
    s = 0.0
    for i, v in enumerate(x):
        if i == 1:
            continue
        v = v * 2.0
        s = s + v * (i + 1)
        if i > 3:
            break
    return s


def zips(x):
    s = 0.0
    for a, b, c in zip(x, x[1:] * 2.0, x[::-1]):
        s = s + a * b - c
    for k, (a, b) in enumerate(zip(x[1:], anp.sin(x))):
        s = s * 0.5 + a * b * k
    return s + sum(a * k for k, (a, b) in enumerate(zip(x, x[::-1])))


def pairs_and_reversed(x):
    pairs = [(x[0], 1.0), (2.0, x[1] * x[1]), (x[2], x[3])]
    s = 0.0
    for a, b in pairs:
        s = s + a * b
    for (a, b) in reversed(pairs):
        s = s * a + b
    for v in reversed(x):
        s = s * 0.9 + v
    return s


def nested_rows(x):
    s = 0.0
    for i, row in enumerate(x.reshape(2, 3)):
        for j, w in enumerate(row):
            if w > 1.0:
                return s * w
            s = s + w * row[j - 1] * (i - j)
    return s


def iterates_array_methods(x):
    s = 0.0
    for row in x.reshape(2, 3):
        s = s * 0.5 + anp.sum(row * row)
    for v in x.ravel():
        s = s + v
    for col in x.reshape(3, 2).transpose():
        s = s + col[0] * col[-1]
    return s


INPUTS = [np.random.default_rng(seed).normal(size=6) for seed in range(1)] + [np.array([0.0, -1.0, 2.0, 0.0, 0.5, 0.0])]


@pytest.mark.parametrize("f", [enumerate_with_jumps, zips, pairs_and_reversed, nested_rows,
                               iterates_array_methods])
def test_loops_match_jax(f):
    check_against_jax(f, INPUTS, seed=5)


WEIGHTS = {"b": -0.5, "w": 1.5}


def dict_views(params):
    total = 0.0
    for i, (name, value) in enumerate(params.items()):
        total = total + anp.sum(anp.sin(value)) * (i + 1.0) * WEIGHTS[name]
    for value in params.values():
        total = total + anp.sum(value * value)
    for name in params.keys():
        total = total + anp.sum(anp.cos(params[name])) * WEIGHTS[name]
    for name, weight in WEIGHTS.items():
        total = total * 0.5 + weight * anp.sum(params[name])
    return total


def test_loops_over_dict_views_match_jax():
    rng = np.random.default_rng(19)
    for params in ({"b": rng.normal(size=3), "w": rng.normal(size=(2, 3))}, {"b": np.zeros(3), "w": np.zeros((2, 3))}):
        as_jax = {k: jax.numpy.asarray(v) for k, v in params.items()}
        ours, theirs = ad.engine("sct").grad(dict_views)(params), jax.grad(dict_views)(as_jax)
        assert ours.keys() == theirs.keys() and max(max_error(ours[k], theirs[k]) for k in ours) < 1e-12
        tangent = {k: rng.normal(size=v.shape) for k, v in params.items()}
        tangent_jax = {k: jax.numpy.asarray(v) for k, v in tangent.items()}
        y_dot = ad.engine("sct").jvp(dict_views, (params,), (tangent,))[1]
        assert max_error(y_dot, jax.jvp(dict_views, (as_jax,), (tangent_jax,))[1]) < 1e-12
    hvp = SCT2.hvp(dict_views, (params,), (tangent,))
    hvp_jax = jax.jvp(jax.grad(dict_views), (as_jax,), (tangent_jax,))[1]
    assert max(max_error(hvp[k], hvp_jax[k]) for k in hvp) < 1e-10


def test_a_loop_over_a_differentiated_dict_with_unsorted_keys_runs_in_jaxs_order():
    params = {"w": np.ones((2, 3)) * 0.3, "b": np.ones(3)}  # JAX counts "b" first (it sorts the keys), Python "w"
    ours = ad.engine("sct").grad(dict_views)(params)
    theirs = jax.grad(dict_views)({k: jax.numpy.asarray(v) for k, v in params.items()})
    assert max(max_error(ours[k], theirs[k]) for k in theirs) < 1e-12
