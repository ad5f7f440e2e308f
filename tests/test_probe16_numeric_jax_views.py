"""Probe 16 (scientists' NumPy programs ported to anp): a write by index through a second name, on JAX inputs, on SCT.

NumPy-style code writes through a view or a second name: ``b = a; b[0] = v``, ``m = w.reshape(2, 3); m[0] += ...``,
``bt = b.T; bt[0] = ...``, ``r = b[1]; r[0] += ...``, and the row swap ``m[0], m[2] = m[2], m[0]`` (whose NumPy
meaning copies row 2 into row 0 and leaves row 2). SCT refuses these at the user's line on NumPy arrays
(emit/inplace.check_inplace), but let every JAX array pass, as immutable: right for ``c *= a`` (JAX rebinds
``c``), but a write by index into a JAX array has no meaning in JAX (``TypeError: JAX arrays are immutable``),
and SCT's functional write left the other name unchanged: a value and gradient that were neither NumPy's (the
overloading engine's on the same JAX inputs) nor an error, silently (``a``'s gradient ``[0.55, 4.08, -1.84]`` for
NumPy's ``[0, -18.94, -1.84]``), with the default engine and with ``control="lax"`` (under ``jax.jit`` too). Such a
write is refused now where another name holds the JAX array or one that may be a view of it (an array of one
dimension or more); an element read (``t = y[2]``, 0-d: a copy in NumPy too), a write with no second name, and
``c *= a`` still run, checked against JAX in float64 on seeded inputs.
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
ENGINES = {"sct": ad.engine("sct"), "lax": ad.engine("sct", control="lax")}
TOL = dict(rtol=1e-10, atol=1e-12)


def alias_write(x):
    a = anp.copy(x)
    b = a
    b[0] = 5 * a[1]  # line: refused
    return anp.sum(a * a) + b[0]


def reshape_view(x):
    w = x * 1.0
    m = w.reshape(2, 3)
    m[0] += m[1] * 2  # line: refused
    return anp.sum(w ** 2 * anp.arange(6.0))


def transpose_view(x):
    b = anp.reshape(x * 1.0, (3, 2))
    bt = b.T
    bt[0] = anp.sin(bt[1])  # line: refused
    return anp.sum(b ** 2)


def row_view(x):
    b = anp.reshape(x + 0.0, (3, 2))
    r = b[1]
    r *= 2.0
    r[0] += b[0, 1]  # line: refused
    return anp.sum(b ** 3)


def swap_rows(x):
    m = anp.reshape(x * 1.0, (3, 2))
    m[0], m[2] = m[2], m[0]  # line: refused
    return anp.sum(m * anp.arange(6.0).reshape(3, 2) ** 2)


def _line_of(f) -> int:
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if "# line: refused" in text)


def _x(seed: int) -> jax.Array:
    return jnp.asarray(np.random.default_rng(seed).uniform(-1.0, 1.0, 6))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("f", [alias_write, reshape_view, transpose_view, row_view, swap_rows],
                         ids=lambda f: getattr(f, "__name__", f))
def test_a_write_through_a_second_name_of_a_jax_array_is_refused(f, engine):
    with pytest.raises(ad.SCTError, match=rf"(?s)another name may hold.*JAX refuses a write into it by index.*"
                                          rf"test_probe16_numeric_jax_views\.py, line {_line_of(f)}"):
        ENGINES[engine].grad(f)(_x(0))


# --- still taken: an element (0-d) read before the write, a write with no second name, c *= a --------------

def swap_elements(x):
    y = x * 1.0
    y[0], y[2] = y[2], y[0]
    return anp.sum(y * anp.arange(6.0) ** 2)


def swap_elements_jax(x):
    y = x * 1.0
    y = y.at[0].set(x[2]).at[2].set(x[0])
    return jnp.sum(y * jnp.arange(6.0) ** 2)


def stencil(x):
    u = x * 1.0
    for _ in range(2):
        u[1:-1] = u[1:-1] + 0.3 * (u[:-2] - 2 * u[1:-1] + u[2:])
    c = u
    c *= x
    return anp.sum(u ** 2) + anp.sum(c)


def stencil_jax(x):
    u = x * 1.0
    for _ in range(2):
        u = u.at[1:-1].set(u[1:-1] + 0.3 * (u[:-2] - 2 * u[1:-1] + u[2:]))
    return jnp.sum(u ** 2) + jnp.sum(u * x)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("f, ref", [(swap_elements, swap_elements_jax), (stencil, stencil_jax)],
                         ids=["swap_elements", "stencil"])
def test_writes_no_other_name_sees_match_jax(f, ref, engine):
    x = _x(1)
    np.testing.assert_allclose(ENGINES[engine].grad(f)(x), jax.grad(ref)(x), **TOL)
    if engine == "sct":
        t = _x(3)
        for a, b in zip(ENGINES[engine].jvp(f, (x,), (t,)), jax.jvp(ref, (x,), (t,))):
            np.testing.assert_allclose(a, b, **TOL)
    else:
        np.testing.assert_allclose(jax.jit(ENGINES[engine].grad(f))(x), jax.grad(ref)(x), **TOL)


def heat(u0, r):  # another parameter (r) may be the same array as u0 only if the caller passes it twice
    u = anp.copy(u0)
    for _ in range(3):
        u[1:-1] = u[1:-1] + r[0] * (u[:-2] - 2 * u[1:-1] + u[2:])
    return anp.sum(u ** 2 * r[1])


def heat_jax(u0, r):
    u = u0
    for _ in range(3):
        u = u.at[1:-1].set(u[1:-1] + r[0] * (u[:-2] - 2 * u[1:-1] + u[2:]))
    return jnp.sum(u ** 2 * r[1])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_write_into_a_copy_beside_another_parameter_matches_jax(engine):
    u0, r = _x(0), jnp.asarray([0.3, 1.5])
    for a, b in zip(ENGINES[engine].grad(heat, argnums=(0, 1))(u0, r), jax.grad(heat_jax, argnums=(0, 1))(u0, r)):
        np.testing.assert_allclose(a, b, **TOL)
    with pytest.raises(ad.SCTError, match="JAX refuses a write into it by index"):  # the same array twice
        ENGINES[engine].grad(alias_param, argnums=(0, 1))(u0, u0)


def alias_param(a, b):
    a[0] = 2.0 * b[1]
    return anp.sum(a * b)
