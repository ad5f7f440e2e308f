"""Probe 17 (fixes): a basic-index view taken before a write into its base, then read (item 1).

``b = a[..., 0]`` is a view of ``a`` in NumPy: a later ``a[0, 0] = v`` (or ``a[...] = ...``, ``a[0] += v``) shows
in ``b``. Found answered functionally by SCT earlier (``b`` kept its old value); checked here that every engine
gives NumPy's answer or refuses, on NumPy and on JAX inputs: the overloading engine runs NumPy's meaning (its
views see the write, on JAX inputs too), with JAX's gradient of the same program written functionally (the write
first, then the view); SCT refuses the write at its line (it writes functionally, as JAX's ``.at[].set``, and JAX
itself refuses a write by index); the elemental engine has no writes by index (refused by name). ``a += 1.0`` on
a JAX array rebinds ``a`` (JAX arrays are immutable: Python falls back to ``a = a + 1.0``), so there the view keeps
its value on both engines, as in JAX; on NumPy the write is in place.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-11, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=(3, 2)) for seed in (17, 71, 7)]


def last_axis(x):
    a = x * 1.0
    b = a[..., 0]
    a[0, 0] = x[1, 1] * 3.0  # refused: here
    return anp.sum(b * b) + anp.sum(a)


def last_axis_jax(x):
    a = x.at[0, 0].set(x[1, 1] * 3.0)
    return jnp.sum(a[..., 0] ** 2) + jnp.sum(a)


def whole(x):
    a = x * 1.0
    b = a[1]
    a[...] = a * 2.0  # refused: here
    return anp.sum(b * x[0])


def whole_jax(x):
    return jnp.sum((x * 2.0)[1] * x[0])


def row_added(x):
    a = anp.sin(x)
    b = a[:, 1:]
    a[0] += x[1]  # refused: here
    return anp.sum(b ** 2)


def row_added_jax(x):
    return jnp.sum(jnp.sin(x).at[0].add(x[1])[:, 1:] ** 2)


def transposed(x):
    a = x * 2.0
    b = a.T
    a[0, 1] = x[0, 0] ** 2  # refused: here
    return anp.sum(b * x.T)


def transposed_jax(x):
    return jnp.sum((x * 2.0).at[0, 1].set(x[0, 0] ** 2).T * x.T)


def reshaped(x):
    a = x * 2.0
    b = a.reshape(-1)
    a[1, 0] = x[0, 0] ** 2  # refused: here
    return anp.sum(b * anp.arange(6.0))


def reshaped_jax(x):
    return jnp.sum((x * 2.0).at[1, 0].set(x[0, 0] ** 2).reshape(-1) * jnp.arange(6.0))


def into_zeros(x):
    a = anp.zeros_like(x)
    b = a[:, 1]
    a[1] = x[0] * 2.0  # refused: here
    return anp.sum(b * x[:, 0])


def into_zeros_jax(x):
    return jnp.sum(jnp.zeros_like(x).at[1].set(x[0] * 2.0)[:, 1] * x[:, 0])


def row_scaled(x):
    a = x * 1.0
    b = a[0]
    a[0] = a[0] * 3.0  # refused: here
    return anp.sum(b * x[1])


def row_scaled_jax(x):
    return jnp.sum(x[0] * 3.0 * x[1])


CASES = [(last_axis, last_axis_jax), (whole, whole_jax), (row_added, row_added_jax), (transposed, transposed_jax),
         (reshaped, reshaped_jax), (into_zeros, into_zeros_jax), (row_scaled, row_scaled_jax)]
IDS = [f.__name__ for f, _ in CASES]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("f, oracle", CASES, ids=IDS)
def test_the_overloading_engine_runs_numpys_meaning(f, oracle, backend):
    eng = ad.engine("overloading")
    for x in INPUTS:
        want = f(x.copy())  # NumPy's meaning, as written
        np.testing.assert_allclose(oracle(jnp.asarray(x)), want, **TOL)
        arg = x if backend == "numpy" else jnp.asarray(x)
        value, grad = eng.value_and_grad(f)(arg)
        np.testing.assert_allclose(value, want, **TOL)
        np.testing.assert_allclose(grad, jax.grad(oracle)(jnp.asarray(x)), **TOL)
        t = np.cos(x)
        _, want_dot = jax.jvp(oracle, (jnp.asarray(x),), (jnp.asarray(t),))
        np.testing.assert_allclose(eng.jvp(f, (arg,), (t if backend == "numpy" else jnp.asarray(t),))[1], want_dot,
                                   **TOL)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("f", [f for f, _ in CASES], ids=IDS)
def test_sct_refuses_the_write_at_its_line(f, backend):
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    x = INPUTS[0] if backend == "numpy" else jnp.asarray(INPUTS[0])
    for run in (lambda: ad.engine("sct").grad(f)(x), lambda: ad.engine("sct").jvp(f, (x,), (x,))):
        with pytest.raises(ad.SCTError, match="another name may hold the same array") as info:
            run()
        assert (info.value.filename, info.value.line) == (f.__code__.co_filename, line)


def test_the_elemental_engine_has_no_writes_by_index():
    def f(x):
        a = el.multiply(x, 1.0)
        b = el.getitem(a, (Ellipsis, 0))
        a[0, 0] = el.getitem(x, (1, 1))
        return el.sum(el.multiply(b, b))

    with pytest.raises(TypeError, match="item assignment is not defined on elemental values"):
        ad.engine("elemental").grad(f)(INPUTS[0])


def augmented(x):
    a = x * 1.0
    b = a[1:]
    a += 1.0
    return anp.sum(b * b)


def test_an_augmented_write_is_in_place_on_numpy_and_a_rebinding_on_jax():
    for x in INPUTS:
        in_place = jax.grad(lambda x: jnp.sum((x[1:] + 1.0) ** 2))(jnp.asarray(x))
        rebound = jax.grad(lambda x: jnp.sum(x[1:] ** 2))(jnp.asarray(x))
        np.testing.assert_allclose(ad.engine("overloading").grad(augmented)(x), in_place, **TOL)
        for name in ("overloading", "sct"):
            np.testing.assert_allclose(ad.engine(name).grad(augmented)(jnp.asarray(x)), rebound, **TOL)
        with pytest.raises(ad.SCTError, match="written in place"):
            ad.engine("sct").grad(augmented)(x)
