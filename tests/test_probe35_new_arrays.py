"""Probe 35: vocabulary functions that NumPy documents as making a new array handed back their operand.

``+x`` on an overloading box, ``anp.positive``, ``clip`` with no bound, ``choose`` of one choice, ``block`` of
one array and ``asfortranarray`` of a C-ordered matrix returned the operand itself, so a write into the result
was a write into ``x`` (NumPy's result is a copy): the value and gradient were neither NumPy's nor JAX's,
silently. ``tile``/``repeat`` by one and ``meshgrid`` returned read-only broadcast views (NumPy's are new
writeable arrays). ``broadcast_arrays`` made copies where NumPy hands an argument of the common shape back as it
is (a write into it reaches the argument). Each is now as NumPy's, on plain arrays, and on the overloading and
SCT engines on NumPy and JAX inputs: checked against JAX in float64 on the program written functionally, and
against NumPy's own run of it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=3) + 2.0 for seed in (35, 53)]
W = np.array([1.0, -2.0, 0.5])


def _tail(y, z):
    return anp.sum(y * y * W) + anp.sum(z * z)


def plus(x):
    y = +(x * 1.0)
    z = +y
    z[0] = 3.0
    return _tail(y, z)


def positive(x):
    y = x * 1.0
    z = anp.positive(y)
    z[0] = 3.0
    return _tail(y, z)


def clip_unbounded(x):
    y = x * 1.0
    z = anp.clip(y)
    z[0] = 3.0
    return _tail(y, z)


def choose_one(x):
    y = x * 1.0
    z = anp.choose([0, 0, 0], [y])
    z[0] = 3.0
    return _tail(y, z)


def block_one(x):
    y = x * 1.0
    z = anp.block(y)
    z[0] = 3.0
    return _tail(y, z)


def tile_once(x):
    y = x * 1.0
    z = anp.tile(y, 1)
    z[0] = 3.0
    return _tail(y, z)


def repeat_once(x):
    y = x * 1.0
    z = anp.repeat(y, 1)
    z[0] = 3.0
    return _tail(y, z)


def meshgrid_one(x):
    y = x * 1.0
    z = anp.meshgrid(y)[0]
    z[0] = 3.0
    return _tail(y, z)


def flatten_method(x):  # (SCT took x.flatten() for ravel, a view, and refused the write)
    y = x * 1.0
    z = y.flatten()
    z[0] = 3.0
    return _tail(y, z)


def copied_oracle(x):  # each above: z is a new array, y is left alone
    return jnp.sum(x * x * W) + jnp.sum(x.at[0].set(3.0) ** 2)


def fortran(x):
    y = anp.reshape(x * 1.0, (3, 1)) * anp.ones((1, 2))  # a C-ordered (3, 2) matrix
    z = anp.asfortranarray(y)
    z[0, 0] = 3.0
    return anp.sum(y * y) + anp.sum(z * z * 2.0)


def fortran_oracle(x):
    y = jnp.reshape(x, (3, 1)) * jnp.ones((1, 2))
    return jnp.sum(y * y) + jnp.sum(y.at[0, 0].set(3.0) ** 2 * 2.0)


def broadcast_same(x):  # NumPy hands an argument of the common shape back as it is: the write reaches y
    y = x * 1.0
    z = anp.broadcast_arrays(y, anp.ones(3))[0]
    z[0] = 3.0
    return _tail(y, z)


def broadcast_same_oracle(x):
    y = x.at[0].set(3.0)
    return jnp.sum(y * y * W) + jnp.sum(y * y)


COPIES = [plus, positive, clip_unbounded, choose_one, block_one, tile_once, repeat_once, meshgrid_one,
          flatten_method]
CASES = [(f, copied_oracle) for f in COPIES] + [(fortran, fortran_oracle), (broadcast_same, broadcast_same_oracle)]
IDS = [f.__name__ for f, _ in CASES]
# may alias as SCT reads them (a JAX array's order is unknown to it): refused with the line
SCT_REFUSES = {("broadcast_same", "numpy"), ("broadcast_same", "jax"), ("fortran", "jax")}


@pytest.mark.parametrize("f, oracle", CASES, ids=IDS)
def test_numpys_own_run_is_the_oracles(f, oracle):
    for x in INPUTS:
        np.testing.assert_allclose(f(x.copy()), oracle(jnp.asarray(x)), **TOL)


@pytest.mark.parametrize("f, oracle", CASES, ids=IDS)
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_overloading_writes_into_new_arrays_as_numpy(f, oracle, backend):
    eng = ad.engine("overloading")
    for x in INPUTS:
        want_value, want_grad = jax.value_and_grad(oracle)(jnp.asarray(x))
        given = x.copy() if backend == "numpy" else jnp.asarray(x)
        value, grad = eng.value_and_grad(f)(given)
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        _, tangent = eng.jvp(f, (given,), (jnp.asarray(W) if backend == "jax" else W,))
        np.testing.assert_allclose(tangent, want_grad @ W, **TOL)


@pytest.mark.parametrize("f, oracle", CASES, ids=IDS)
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_sct_writes_into_new_arrays_as_numpy_or_refuses(f, oracle, backend):
    eng = ad.engine("sct")
    for x in INPUTS:
        given = x.copy() if backend == "numpy" else jnp.asarray(x)
        if (f.__name__, backend) in SCT_REFUSES:
            with pytest.raises(ad.SCTError, match="another name may hold the same array") as info:
                eng.grad(f)(given)
            assert "test_probe35_new_arrays.py" in str(info.value)
            continue
        want_grad = jax.grad(oracle)(jnp.asarray(x))
        np.testing.assert_allclose(eng.grad(f)(given), want_grad, **TOL)


@pytest.mark.parametrize("call", [
    lambda m, x: m.positive(x), lambda m, x: m.clip(x), lambda m, x: m.choose([0, 0, 0], [x]),
    lambda m, x: m.block(x), lambda m, x: m.tile(x, 1), lambda m, x: m.repeat(x, 1), lambda m, x: m.meshgrid(x)[0],
    lambda m, x: m.asfortranarray(x.reshape(3, 1) * np.ones(2)), lambda m, x: m.asfortranarray(x),
    lambda m, x: m.ascontiguousarray(x), lambda m, x: m.ascontiguousarray(x.reshape(3, 1) * np.ones(2)).T,
    lambda m, x: m.broadcast_arrays(x, np.ones(3))[0], lambda m, x: m.broadcast_arrays(x, np.ones((2, 3)))[1],
], ids=["positive", "clip", "choose", "block", "tile", "repeat", "meshgrid", "fortran_copy", "fortran_view",
        "contiguous_view", "contiguous_of_t", "broadcast_same", "broadcast_other"])
def test_plain_arrays_share_memory_exactly_where_numpys_do(call):
    x = np.arange(1.0, 4.0)
    want, got = call(np, x), call(anp, x)
    np.testing.assert_array_equal(got, want)
    assert np.shares_memory(got, x) == np.shares_memory(want, x)
    assert got.flags.writeable or not want.flags.writeable
