"""An iterator in a conditional expression (``a, b = (n, n) if c else (f(v) for v in w)``): the iterator check
(front/iterators) refused every iterator in a choice, as one that may be read twice, also where the choice's value
is read once (unpacked, looped over, summed). One branch runs and its value is the choice's, so the check now
follows the choice to where its value goes (iterators._chosen): read once runs, against Python and JAX; a choice
kept in a variable is counted as an iterator variable, and what may be read twice stays refused at its line."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def doubled_sin(v):
    return anp.sin(v) * 2.0


def unpacked(x, c):
    n = x[0]
    a, b = (n, n) if c else (doubled_sin(v) for v in x[1:])
    return a * b


def looped(x, c):
    s = 0.0
    for v in x if c else (anp.sin(w) for w in x):
        s = s + v * v
    return s


def named_once(x, c):
    g = list(x) if c else map(anp.cos, x)
    return anp.sum(anp.stack(list(g)) * x)


@pytest.mark.parametrize("f", [unpacked, looped, named_once])
@pytest.mark.parametrize("c", [False, True])
def test_an_iterator_a_choice_gives_to_one_reader_runs_as_python(f, c):
    x = np.random.default_rng(3).normal(size=3)
    value, grad = ad.engine("sct").value_and_grad(f)(x.copy(), c)
    np.testing.assert_allclose(value, f(x.copy(), c), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(f)(x, c), rtol=1e-12, atol=1e-12)


def named_twice(x, c):
    g = list(x) if c else (anp.sin(v) for v in x)
    s = sum(g)
    return s + sum(g)  # flagged: Python's iterator is used up, this sum is 0


def named_in_loop(x, c):
    g = x if c else (anp.sin(v) for v in x)
    s = 0.0
    for _ in range(2):
        s = s + sum(g)  # flagged
    return s


def returned(x, c):
    return x if c else (anp.sin(v) for v in x)  # flagged


def kept_in_pair(x, c):
    p = (x, 1.0) if c else ((anp.sin(v) for v in x), 1.0)  # flagged
    return sum(p[0]) + sum(p[0])


@pytest.mark.parametrize("f", [named_twice, named_in_loop, returned, kept_in_pair])
def test_an_iterator_a_choice_may_give_to_two_readers_is_refused_at_the_line(f):
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(lambda x: anp.sum(f(x, False)) if f is returned else f(x, False))(np.ones(3))
    lines, first = inspect.getsourcelines(f)
    assert info.value.line == first + next(k for k, text in enumerate(lines) if "# flagged" in text), str(info.value)
    assert info.value.filename == __file__ and "iterator" in str(info.value)
