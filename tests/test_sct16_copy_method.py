"""SCT takes ``v.copy()`` (it refused it on a differentiated value): which copy it is, a dict's, a list's or an
array's, is chosen when the code runs (emit/python_checks.copy_for), as Python's method is; a NumPy scalar is
itself; anything else's own method runs on constants and is refused, at the user's line, on a differentiated
value. Against JAX float64 (functional references written with .at[]), on SCT's default, its own second order
and control="lax" on JAX inputs, and against the overloading engine's boxes (whose .copy() is NumPy's)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

ENGINES = {"sct": ad.engine("sct"), "higher": ad.engine("sct", higher="sct"), "overloading": ad.engine("overloading")}


def array_copy_written(x):
    y = x.copy()
    y[0] = y[0] * 3.0
    y[1:] *= x[:-1]
    return anp.sum(y * x) + anp.sum(x ** 2)  # x read after the writes into its copy: unchanged


def array_copy_written_jax(x):
    y = x.at[0].set(x[0] * 3.0)
    y = y.at[1:].multiply(x[:-1])
    return jnp.sum(y * x) + jnp.sum(x ** 2)


def list_copy_read(x):
    xs = [x, x * 2.0]
    ys = xs.copy()
    zs = [anp.sin(v) for v in ys]
    return anp.sum(ys[0] * zs[1]) + anp.sum(xs[-1] ** 2) * len(ys)


def list_copy_read_jax(x):
    return jnp.sum(x * jnp.sin(x * 2.0)) + jnp.sum((x * 2.0) ** 2) * 2


def dict_copy_written(x):
    d = {"a": x, "b": anp.cos(x)}
    e = d.copy()
    e["a"] = x * 5.0
    return anp.sum(d["a"] * e["a"] * e["b"])


def dict_copy_written_jax(x):
    return jnp.sum(x * x * 5.0 * jnp.cos(x))


def scalar_copy(x):
    s = x[1].copy()  # a NumPy scalar (float64) on NumPy inputs
    return s * anp.sum(x) + (x ** 2).copy()[0]


def scalar_copy_jax(x):
    return x[1] * jnp.sum(x) + x[0] ** 2


PROGRAMS = [(array_copy_written, array_copy_written_jax), (list_copy_read, list_copy_read_jax),
            (dict_copy_written, dict_copy_written_jax), (scalar_copy, scalar_copy_jax)]


@functools.cache
def _references(f_jax):
    return jax.jit(jax.grad(f_jax)), jax.jit(jax.hessian(f_jax))  # compiled once for the three engines


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("f, f_jax", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_copies_against_jax(f, f_jax, engine):
    eng = ENGINES[engine]
    grad, hessian = _references(f_jax)
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=4)
        t = np.random.default_rng(seed + 7).normal(size=4)
        np.testing.assert_allclose(eng.grad(f)(x), grad(x), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(f_jax, (x,), (t,))[1], rtol=1e-10)
        np.testing.assert_allclose(eng.hessian(f)(x), hessian(x), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(f(x), f_jax(jnp.asarray(x)), rtol=1e-12)  # the primal as plain NumPy runs it


def test_a_copy_on_jax_inputs_under_lax_control():
    eng = ad.engine("sct", control="lax")
    x = jnp.asarray(np.random.default_rng(2).normal(size=4))

    def f(x):
        y = x.copy()
        return anp.sum(y * anp.sin(x))

    np.testing.assert_allclose(jax.jit(eng.grad(f))(x), jax.grad(lambda x: jnp.sum(x * jnp.sin(x)))(x), rtol=1e-12)


def test_appending_to_a_copy_is_refused_with_the_rewrite():
    """(the copy may be an array's: SCT appends only to lists it sees made, list(xs) among them)"""
    def f(x):
        ys = [x].copy()
        ys.append(x)  # line: refused
        return anp.sum(ys[0] * ys[1])

    with pytest.raises(ad.SCTError, match=r"(?s)ys\.append.*items = list\(ys\)"):
        ENGINES["sct"].grad(f)(np.arange(1.0, 4.0))


def test_a_second_name_for_the_copy_is_still_seen_by_its_writes():
    def f(x):
        y = x.copy()
        z = y
        y[0] = 2.0 * x[0]  # line: refused (z reads y's memory afterwards)
        return anp.sum(z * x)

    with pytest.raises(ad.SCTError, match=r"(?s)y\[\.\.\.\].*test_sct16_copy_method\.py"):
        ENGINES["sct"].grad(f)(np.arange(1.0, 4.0))


def test_a_list_copy_shares_its_items_so_a_write_into_one_is_refused():
    """(a list's copy is shallow: writing into an item writes into the original list's array, as NumPy runs it)"""
    def f(x):
        xs = [x * 1.0, x * 2.0]
        ys = xs.copy()
        z = ys[0]
        z[0] = 5.0 * x[1]  # line: refused (xs[0] is the same array)
        return anp.sum(xs[0] * x)

    x = np.arange(1.0, 4.0)
    np.testing.assert_allclose(ENGINES["overloading"].grad(f)(x), [10.0, 9.0, 6.0])
    with pytest.raises(ad.SCTError, match=r"(?s)a write into z\[\.\.\.\].*xs, read afterwards"):
        ENGINES["sct"].grad(f)(x)


class Settings:
    def __init__(self, scale):
        self.scale = scale

    def copy(self):
        return Settings(self.scale)


class Holder:
    def __init__(self, w):
        self.w = w

    def copy(self):
        return Holder(self.w)


def test_another_objects_copy_runs_on_constants_and_is_refused_on_differentiated_values():
    settings = Settings(3.0)

    def scaled(x):
        s = settings.copy()  # a constant: its own method, as Python runs it
        return anp.sum(x * s.scale)

    x = np.arange(1.0, 4.0)
    np.testing.assert_allclose(ENGINES["sct"].grad(scaled)(x), np.full(3, 3.0))

    def held(x):
        h = Holder(x)
        return anp.sum(h.copy().w)

    with pytest.raises(ad.SCTError):
        ENGINES["sct"].grad(held)(x)
