"""Vocabulary (h14): ``pad`` in every mode ``jnp.pad`` takes (edge, wrap, reflect and symmetric, even and odd, pads
longer than the axis, linear_ramp, maximum/minimum/mean/median with stat_length, empty, per-axis and active
constant_values, a function as mode), against JAX in float64 on the overloading engine and SCT (values, gradients,
JVPs, Hessian-vector products), on JAX tracers; dtypes as jnp's; keywords a mode does not take refused by name.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab14_check import program_tests
from vocab_more_check import check_on_tracers, close, seeded

import adcompare as ad
import adcompare.numpy as anp

MODES = [("edge", {}), ("wrap", {}), ("reflect", {}), ("reflect", {"reflect_type": "odd"}), ("symmetric", {}),
         ("symmetric", {"reflect_type": "odd"}), ("maximum", {"stat_length": 2}), ("median", {}), ("minimum", {}),
         ("mean", {"stat_length": ((1, 3), (2, 2))}),
         ("constant", {"constant_values": ((1.5, -2.0), (3.0, 0.5))}),
         ("linear_ramp", {"end_values": ((1.0, -2.0), (3, 3))})]


def padded(np_):
    def f(x, y):
        weights = np_.cos(np_.arange(77.0)).reshape(7, 11)
        out = np_.sum(np_.pad(x, 2, "linear_ramp", end_values=-2.5) ** 2) + np_.sum(
            np_.pad(x, ((1, 0), (0, 2)), constant_values=y[1] * y[0]) ** 3)
        out = out + np_.sum(np_.pad(x[0], 1, lambda v, width, axis, kw: v * v[1]) * y[0])
        for i, (mode, keywords) in enumerate(MODES[1::2]):  # each path once (the values test takes them all)
            out = out + np_.sum(np_.pad(x * (1.0 + i), ((1, 3), (2, 5)), mode, **keywords) ** 2 * weights)
        return out
    return f


test_programs_against_jax = program_tests([padded], [(3, 4), (2,)])


def test_pad_on_tracers_dtypes_and_long_pads_as_jnp():
    check_on_tracers(lambda np_: lambda x: np_.sum(np_.pad(x, (7, 9), "reflect", reflect_type="odd") ** 2)
                     + np_.sum(np_.pad(x, (4, 6), "symmetric") * np_.pad(x, (4, 6), "wrap")),
                     tuple(jnp.asarray(a) for a in seeded([(3,)], (3,))[0]))
    x = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)
    for mode, keywords in MODES + [("empty", {})]:
        ours, theirs = anp.pad(x, ((4, 1), (3, 7)), mode, **keywords), jnp.pad(x, ((4, 1), (3, 7)), mode, **keywords)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, mode
        if mode != "empty":
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, err_msg=mode)
    w = np.cos(np.arange(6.0 * 13)).reshape(6, 13)
    for mode, keywords in (MODES[0], MODES[-2]):  # edge and per-axis constants, which the program leaves out
        def f(np_, mode=mode, keywords=keywords):
            return lambda v: np_.sum(np_.pad(v, ((4, 0), (3, 7)), mode, **keywords) ** 2 * w)
        close(ad.engine("overloading").grad(f(anp))(x.astype(np.float64)), jax.grad(f(jnp))(x.astype(np.float64)))
    ints = np.array([1, 2, 4])
    for mode in ("mean", "median", "linear_ramp", "reflect"):
        assert np.array_equal(anp.pad(ints, 2, mode), jnp.pad(ints, 2, mode)), mode
    assert np.array_equal(anp.pad(np.ones(1), 3, "reflect", reflect_type="odd"), np.ones(7))


def test_keywords_and_modes_pad_does_not_take_are_refused_by_name():
    with pytest.raises(ValueError, match="mode 'edge'.*stat_length"):
        anp.pad(np.ones(3), 1, "edge", stat_length=2)
    with pytest.raises(NotImplementedError, match="mode='bogus'"):
        anp.pad(np.ones(3), 1, "bogus")
    with pytest.raises(TypeError, match="active value.*test_vocab14_padding.py"):
        ad.engine("overloading").grad(lambda v: anp.sum(anp.pad(v, 1, "linear_ramp", end_values=(v[0], 1.0))))(
            np.ones(3))
    with pytest.raises(ValueError, match="empty axis 0"):
        anp.pad(np.ones(0), 1, "wrap")
