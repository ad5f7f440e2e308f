"""``zip(...)`` as a value (``z = zip(xs, ys)``, then a loop over ``z``; ``list(zip(xs, ys))``) was refused by SCT
as an unknown call; it now runs, as a generator SCT makes a list of (front/iterators.py), against JAX. The same
list made a second loop over an iterator variable (a generator expression, ``map(...)``) run again where Python's
iterator, used up by its first loop, runs no step: SCT gave another value and gradient with no error (-8.8 where
Python gives -0.8). A read of such a variable other than its one use where it is made is now refused at the
user's line."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def zip_variable(x):
    xs, ys = [x[0], x[1], x[2]], [anp.sin(x[1]), x[2] * x[0]]
    z = zip(xs, ys)
    out = 0.0
    for a, b in z:
        out = out + a * b
    return out


def list_of_zip(x):
    pairs = list(zip([x[0], x[1]], [x[2], x[0]], [x[1], x[1]]))
    return pairs[0][0] * pairs[1][1] + pairs[1][2] * pairs[0][1]


def zip_in_a_loop(x):
    out = 0.0
    for k in range(2):
        z = zip([x[k], x[k + 1]], [x[2], x[0]])
        out = out + sum(a * b for a, b in z)
    return out


def zip_of_arrays(x):
    total = 0.0
    for row, w in list(zip(anp.reshape(x, (3, 2)), (1.0, 2.0, 3.0))):
        total = total + w * anp.sum(anp.tanh(row))
    return total


def generator_twice(x):
    g = (v * 2.0 for v in [x[0], x[1]])
    out = 0.0
    for a in g:
        out = out + a
    for a in g:  # Python: no step
        out = out + 10.0 * a
    return out


def map_then_list(x):
    m = map(anp.sin, [x[0], x[1]])
    first = sum(m)
    return first + len(list(m))  # Python: the list is empty


def zip_in_outer_loop(x):
    z = zip([x[0], x[1]], [x[1], x[2]])
    out = 0.0
    for _ in range(2):
        for a, b in z:  # Python: the second pass runs no step
            out = out + a * b
    return out


def zip_returned(x):
    return zip([x[0]], [x[1]])


def caller_of_zip_returned(x):
    z = zip_returned(x)
    return sum(a * b for a, b in z)


@pytest.mark.parametrize("f", [zip_variable, list_of_zip, zip_in_a_loop, zip_of_arrays])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zip_as_a_value_agrees_with_jax(f, seed):
    x = np.random.default_rng(seed).normal(size=6 if f is zip_of_arrays else 3)
    eng = ad.engine("sct")
    value, grad = eng.value_and_grad(f)(x)
    np.testing.assert_allclose(value, f(x), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(f)(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(f)(x), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(("f", "mark", "why"), [
    (generator_twice, "for a in g:  # Python", "read a second time"),
    (map_then_list, "len(list(m))", "read a second time"),
    (zip_in_outer_loop, "for a, b in z:", "read in a loop its assignment is outside of"),
    (zip_returned, "return zip", None),
])
def test_an_iterator_read_other_than_once_where_it_is_made_is_refused_at_its_line(f, mark, why):
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f)(np.array([0.3, -0.7, 1.1]))
    err = info.value
    lines, first = inspect.getsourcelines(f)
    assert err.filename == __file__ and err.line == first + next(k for k, t in enumerate(lines) if mark in t), err
    assert why is None or why in str(err)
