"""Probe 19: course layers fill an output buffer made with ``anp.zeros(shape)`` (``out = np.zeros((N, F, Ho,
Wo))`` then ``out[n, f, i, j] = ...``) on the overloading engine.

A NumPy buffer cannot hold an active value, and nothing an engine controls is called when NumPy writes into it,
so the write is refused at the user's line. The refusal's cure named only ``anp.zeros_like(x)``, which does not fit
a buffer of another shape than ``x``; it now names ``anp.zeros(shape, like=x)``, and the program written so runs.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def windows(x, like=None):
    out = anp.zeros((2, 3)) if like is None else anp.zeros((2, 3), like=like)
    for i in range(2):
        out[i, 1:] = x[i:i + 2] * x[0]
    out[1] += x[:3]
    return anp.sum(out ** 2)


def windows_jax(x):
    out = jnp.zeros((2, 3))
    for i in range(2):
        out = out.at[i, 1:].set(x[i:i + 2] * x[0])
    return jnp.sum(out.at[1].add(x[:3]) ** 2)


def test_buffer_write_refusal_names_zeros_like():
    x = np.random.RandomState(19).randn(4)
    oo = ad.engine("overloading")
    line = inspect.getsourcelines(windows)[1] + 3
    with pytest.raises(ad.ConcretizationTypeError) as info:
        oo.grad(windows)(x)
    assert f"test_probe19_buffer_hint.py:{line}" in str(info.value)
    assert "anp.zeros(shape, like=x)" in str(info.value)
    for seed in (0, 1):
        x = np.random.RandomState(seed).randn(4)
        np.testing.assert_allclose(oo.grad(lambda v: windows(v, like=v))(x), jax.grad(windows_jax)(x),
                                   rtol=1e-10, atol=1e-12)
