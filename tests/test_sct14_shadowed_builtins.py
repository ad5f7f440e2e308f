"""SCT's lowered loops call builtins under names the user's function does not shadow.

Found by this stop's vocabulary helper: SCT lowers ``for i, v in enumerate(xs)``, ``zip``, ``reversed(seq)``,
``d.items()``, ``map(f, xs, ys)`` and ``a, *rest = seq`` into code calling ``range``, ``min``, ``enumerate``,
``zip`` and ``list``; in a function with a parameter or local of that name (``histogramdd(..., range=None)``,
``min=3``) the generated code called the user's value ("'NoneType' object is not callable"). The user's own
reads of the name must still see the user's value.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad

jax.config.update("jax_enable_x64", True)


def enumerated(x, range=2.0):
    t = 0.0
    for i, v in enumerate(x):
        t = t + v * i * range
    return t


def zipped(x, min=3.0):
    t = 0.0
    for a, b in zip(x, x[1:]):
        t = t + a * b * min
    return t


def backwards(x, range=0.5):
    t = 0.0
    for v in reversed([x[0], x[1], x[2]]):
        t = t * range + v
    return t


def mapped(x, zip=2.0):
    return sum(map(lambda a, b: a * b * zip, [x[0], x[1]], [x[2], x[3]]))


def starred(x):
    list = [x[0] * x[1], x[1], x[2] * x[3]]  # noqa: A001  (a user's local named list)
    first, *rest = list
    return first * rest[0] + rest[1] * len(rest)


@pytest.mark.parametrize("fn", [enumerated, zipped, backwards, mapped, starred])
@pytest.mark.parametrize("seed", [0, 1])
def test_shadowed_builtin_names(fn, seed):
    x = np.random.default_rng(seed).normal(size=4)
    want = jax.grad(fn)(jnp.asarray(x))
    np.testing.assert_allclose(ad.engine("sct").grad(fn)(x), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ad.engine("overloading").grad(fn)(x), want, rtol=1e-12, atol=1e-14)


def test_shadowed_range_second_order():
    x = np.random.default_rng(2).normal(size=4)
    want = jax.hessian(enumerated)(jnp.asarray(x))
    np.testing.assert_allclose(ad.engine("sct", higher="sct").hessian(enumerated)(x), want, rtol=1e-12, atol=1e-14)
