"""Probe 10: Python's ``sorted`` (``key=``, ``reverse=``) over constants and over differentiated scalars, on SCT.

SCT refused ``sorted(...)`` of differentiated values ("a call to sorted, which is neither a vocabulary
primitive nor a function with source") and a loop over it even on constants ("iterating over
sorted(...)"); JAX runs Python's ``sorted`` on its tracers, comparing their values, so the derivative
follows the permutation. SCT now transforms it as Python (``front/builtin_source.python_sorted``): the
order is found on the values by ``emit.runtime.sort_order`` (stable, as Python's, with the key applied to
the values), a constant, and the items are appended in it. Sorting what does not compare as numbers do
(arrays of several elements, ambiguous) raises Python's error at the user's line; ``sorted(d)`` of a dict
sorts its keys, constants. Checked with grad, jvp, vjp and the Hessian against JAX float64 and the
overloading engine on several seeds, ties among them.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)


def check_engines(f, inputs, seed: int) -> None:
    """grad, jvp and vjp of ``f`` on SCT and on the overloading engine are JAX's on every input, and so is
    the Hessian (SCT's by its own transform) on the first."""
    rng = np.random.default_rng(seed)
    engines = ((ad.engine("sct"), ad.engine("sct", higher="sct")), (ad.engine("overloading"),) * 2)
    for k, x in enumerate(inputs):
        xj, t = jax.numpy.asarray(x), rng.normal(size=np.shape(x))
        y_jax, pullback_jax = jax.vjp(f, xj)
        expected = [jax.grad(f)(xj), jax.jvp(f, (xj,), (jax.numpy.asarray(t),)), (y_jax, pullback_jax(-0.7))]
        hessian = jax.hessian(f)(xj) if k == 0 else None  # (JAX's Hessian is the slow part: one input)
        for first, second in engines:
            y, pullback = first.vjp(f, x)
            got = [first.grad(f)(x), first.jvp(f, (x,), (t,)), (y, pullback(-0.7))]
            assert all(max_error(a, b) < 1e-12 for a, b in zip(got, expected)), (first, got, expected)
            assert hessian is None or max_error(second.hessian(f)(x), hessian) < 1e-10


def _negated(v):
    return -v


def sorted_constants(x):
    return sum(v * x[0] for v in sorted([3.0, 1.0, 2.0])) + sum(sorted((2.0, -1.0), reverse=True)) * x[1]


def sorted_scalars(x):
    s = sorted([x[0], x[1] * x[2], x[2], 0.25])
    return s[0] * 2.0 + s[1] * 3.0 + s[2] * s[0] - s[3]


def sorted_by_key(x):
    s = sorted([x[0], x[1], x[2], 0.5], key=abs, reverse=True)
    t = sorted([x[0] * 2.0, x[1]], key=_negated)
    u = sorted([x[0], x[1], x[2]], key=lambda v: v * v)
    return s[0] * 2.0 + s[1] * 3.0 + s[2] * s[3] + t[0] * 5.0 + u[0] + 2.0 * u[1] + u[2] ** 2


def loop_over_sorted(x):
    t = 0.0
    for i, v in enumerate(sorted(x * 2.0, reverse=True)):
        t = t * v + i
    d = {"b": x[0], "a": x[1], "c": x[2]}
    for k in sorted(d, reverse=True):  # a dict's keys
        t = t * 0.5 + d[k]
    return t + sum([v * w for v, w in zip(sorted(x), x)])


INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in range(2)] + [np.array([0.5, -0.5, 0.5])]


@pytest.mark.parametrize("f", [sorted_constants, sorted_scalars, sorted_by_key, loop_over_sorted])
def test_sorted_matches_jax_and_overloading(f):
    check_engines(f, INPUTS, seed=29)


def sorted_arrays(x):
    s = sorted([x, x * 2.0])
    return anp.sum(s[0])


def sorted_view(x):
    d = {"b": x[0], "a": x[1]}
    s = sorted(d.values())
    return s[0]


@pytest.mark.parametrize("f, offset, error, kind", [(sorted_arrays, 1, "ambiguous", ValueError),
                                                    (sorted_view, 2, r"\.values\(\)", ad.SCTError)])
def test_unsortable_values_raise_at_the_users_line(f, offset, error, kind):
    line = inspect.getsourcelines(f)[1] + offset
    with pytest.raises(kind, match=error) as info:
        ad.engine("sct").grad(f)(INPUTS[0])
    place = str(info.value) + "".join(getattr(info.value, "__notes__", []))
    assert f"test_probe10_python_sorted.py, line {line}" in place
