"""Probe 12: lists grown by concatenation, ``xs = xs + [v]`` and ``xs += [v]``, on the SCT engine.

SCT refused ``xs = xs + [v]`` in a loop as "arithmetic on a list or tuple of differentiated values"; JAX runs
it (Python's lists of tracers). Where both operands are surely lists (a display, a comprehension, ``list(...)``,
``sorted(...)``, or a local variable every assignment of which is one of these or such a sum: front/
dict_writes), ``+`` is now ``builtin_source.python_list_concat``, a new list SCT transforms as any callee;
``xs += [v]``, which extends the list in place, is that too, checked as an append is (a second name for the
list is refused at its line). ``+`` of a parameter's list, or of an array and a list, keeps Python's meaning
as before. Checked with grad, jvp, vjp and the Hessian (higher="sct" and "boxes") against JAX float64 and
the overloading engine.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines
from tests.test_probe12_sct_list_del import refused_at_mark


def grown_in_a_loop(x):
    xs = []
    for i in range(3):
        xs = xs + [x[i] * 2.0]
    return xs[0] * xs[1] + anp.sin(xs[2])


def extended_in_place(x):
    xs = [x[0]]
    for i in range(1, 3):
        xs += [anp.sin(x[i]), x[i] * x[0]]
    return xs[0] * xs[1] + xs[2] * xs[4] + len(xs)


def joined(x):
    ys = [x[0] * 3.0]
    zs = ys + [x[1]] + [v * 2.0 for v in ys] + list((x[2], x[3]))
    return zs[0] * zs[1] * zs[2] + zs[4]


def an_array_plus_a_list(x):  # broadcasting, as before: not a list
    a = x[:3] * 2.0
    a = a + [1.0, 2.0, 3.0]
    return anp.sum(a * x[1:])


def constant_lists(x):  # a shape and indices made by +: constants still
    shape = [2] + [2]
    return anp.sum(anp.reshape(x, shape) ** 2) + anp.sum(x[[0] + [3]])


def an_array_plus_a_list_jax(x):
    return jnp.sum((x[:3] * 2.0 + jnp.array([1.0, 2.0, 3.0])) * x[1:])


def constant_lists_jax(x):
    return jnp.sum(jnp.reshape(x, (2, 2)) ** 2) + jnp.sum(x[jnp.array([0, 3])])


@pytest.mark.parametrize("f, oracle", [(grown_in_a_loop, None), (extended_in_place, None), (joined, None),
                                       (an_array_plus_a_list, an_array_plus_a_list_jax),
                                       (constant_lists, constant_lists_jax)])
def test_list_concatenation_is_jaxs(f, oracle):
    rng = np.random.default_rng(12)
    check_engines(f, [rng.normal(size=4) for _ in range(3)], seed=7, oracle=oracle)


def extended_with_a_second_name(x):
    xs = [x[0]]
    ys = xs  # refused: here (as for an append)
    xs += [x[1]]
    return ys[-1] * xs[0]


def test_extending_a_list_another_name_sees_is_refused_at_its_line():
    refused_at_mark(extended_with_a_second_name, np.ones(2), "a second reference to the list 'xs'")
