"""Probe 12 (dtypes): results on the NumPy backend have JAX's dtypes (jax_enable_x64), not NumPy's promotion.

NumPy and JAX promote differently in two places, and every elementwise primitive, product and accumulation
took NumPy's, silently:

* an integer array with a float array: JAX's result is that float (``x32 * arange(3)`` is float32, int32 with
  float16 is float16); NumPy widened it to float64 (float32 for int16);
* a float made of integers (``sin``, ``divide``, ``arctan2``, ``mean``, ``reciprocal``): JAX's is float32 for
  bool and integers up to 32 bits, float64 for 64 bits; NumPy's float16 for int8, float64 for int32;
* ``cumsum``/``cumprod`` of int32 (int8, uint8) kept int32 in JAX, NumPy's made int64; ``pad`` of integers
  (and so ``polyadd``) was float64, ``convolve`` of integers integer (JAX's: float).

Checked against ``jnp`` (its result dtype and value) over pairs of dtypes, plainly and on the overloading and
SCT engines (the value and the tangent, whose dtype is the value's), NumPy backend.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float16", "float32", "float64"]
BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "fmin", "arctan2", "logaddexp2", "fmod",
          "hypot", "float_power"]
UNARY = ["sin", "exp", "log1p", "sqrt", "tanh", "arctan", "reciprocal", "negative", "abs", "square", "mean",
         "sum", "prod", "cumsum", "cumprod", "sigmoid", "erf"]
RTOL = {"float16": 1e-2, "float32": 1e-3, "float64": 1e-12}  # float64 references: rounding, cancellation


def operand(dtype, seed):
    values = np.random.default_rng(seed).uniform(0.5, 3.0, size=4)
    if dtype == "bool":
        return np.arange(4) != seed % 4
    return (values * (1 if "float" in dtype else 3)).astype(dtype)


def jax_dtype(f, *args):
    """The dtype of ``f(*args)`` on jnp (traced, not compiled: cheap); Python numbers stay weak."""
    out = jax.eval_shape(lambda: f(*(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)))
    return jax.tree_util.tree_map(lambda v: v.dtype, out)


def wide(a):
    return np.asarray(a, np.float64) if isinstance(a, np.ndarray) else a


def same(ours, dtype, want, least="float64"):
    """``ours`` has JAX's ``dtype``, and JAX's value ``want`` (computed in float64) to the precision of that
    dtype or of ``least`` (a part computed in it), the lower."""
    ours, want = np.asarray(ours), np.asarray(want)
    assert ours.dtype == dtype
    if dtype.kind == "f":
        np.testing.assert_allclose(ours, want, rtol=max(RTOL[dtype.name], RTOL[least]), atol=0)
    else:  # (an integer's remainder by a False: JAX's float64 reference is nan there)
        finite = np.isfinite(want)
        np.testing.assert_array_equal(ours[finite], want[finite].astype(dtype))


def jnp_function(name):
    return {"sigmoid": jax.nn.sigmoid, "erf": jax.scipy.special.erf}.get(name) or getattr(jnp, name)


def float64_function(name):  # JAX's values in float64 are these (as NumPy and SciPy compute them), uncompiled
    return {"sigmoid": scipy.special.expit, "erf": scipy.special.erf}.get(name) or getattr(np, name)


@pytest.mark.parametrize("a", DTYPES + [2, 1.5])
def test_binary_primitives_promote_as_jax(a):
    x = operand(a, 0) if isinstance(a, str) else a
    for b in DTYPES + [2, 1.5]:
        y = operand(b, 1) if isinstance(b, str) else b
        if not isinstance(a, str) and not isinstance(b, str):
            continue  # two Python numbers are Python's
        for name in BINARY:
            if name == "subtract" and "bool" in (a, b) and {type(a), type(b)} <= {str, bool}:
                continue  # NumPy and JAX refuse bool - bool
            dtype = jax_dtype(jnp_function(name), x, y)
            if name in ("power", "remainder", "fmod") and "bool" in (a, b) and {type(a), type(b)} <= {str, int}:
                continue  # JAX's is int32 for bools with bools or Python ints (ours int8, int64): not fixed
            with np.errstate(all="ignore"):
                same(getattr(anp, name)(x, y), dtype, float64_function(name)(wide(x), wide(y)))
        cond = np.array([True, False, False, True])
        same(anp.where(cond, x, y), jax_dtype(jnp.where, cond, x, y), np.where(cond, wide(x), wide(y)))


@pytest.mark.parametrize("a", DTYPES)
def test_unary_and_reductions_as_jax(a):
    x = operand(a, 2)
    for name in UNARY:
        if a == "bool" and name in ("negative", "square") or name == "sigmoid" and "float" not in a:
            continue  # refused by NumPy and JAX (bool negative) or by JAX (sigmoid of ints); square: int32
        f = jnp_function(name)
        same(getattr(anp, name)(x), jax_dtype(f, x), float64_function(name)(wide(x)))


def test_products_and_polynomials_as_jax():
    for a in DTYPES[1:]:
        for b in DTYPES[1:]:
            x, y = operand(a, 3), operand(b, 4)
            for name in ("matmul", "dot", "inner", "outer", "convolve", "polyadd", "polymul"):
                f = getattr(jnp, name)
                same(getattr(anp, name)(x, y), jax_dtype(f, x, y), getattr(np, name)(wide(x), wide(y)))
            same(anp.einsum("i,i->", x, y), jax_dtype(lambda x, y: jnp.einsum("i,i->", x, y), x, y),
                 np.dot(wide(x), wide(y)))
            for name in ("concatenate", "stack", "asarray"):  # a list of arrays promotes as an operation's operands
                f = getattr(jnp, name)
                same(getattr(anp, name)([x, y]), jax_dtype(lambda x, y: f([x, y]), x, y),  # noqa: B023
                     getattr(np, name)([wide(x), wide(y)]))
            same(anp.pad(x, (1, 2)), jax_dtype(lambda x: jnp.pad(x, (1, 2)), x), np.pad(wide(x), (1, 2)))


def mixed(np_):
    """Every binary primitive of the float x with a constant of another dtype, both ways round."""
    def f(x, c):
        return (np_.multiply(x, c), np_.add(c, x), np_.subtract(x, c), np_.divide(c, x), np_.divide(x, c),
                np_.maximum(x, c), np_.minimum(c, x), np_.arctan2(x, c), np_.logaddexp(c, x),
                np_.where(np_.greater(x, 1.0), x, c), np_.matmul(x, np_.multiply(c, 1)), np_.power(x, c),
                np_.add(np_.sin(x), c), np_.dot(c, np_.square(x)), np_.hypot(c, x), np_.float_power(x, c),
                np_.concatenate([c, x]), np_.stack([x, c]))
    return f


MIXED, MIXED_JAX = mixed(anp), mixed(jnp)


def operators(x, c):  # on the overloading engine's boxes; SCT runs operators on NumPy's arrays as they are
    return x * c, c + x, x - c, c / x, x / c, x ** 2 * c, c @ x


@functools.cache
def jvp64(f):
    """JAX's jvp of ``f`` in float64, compiled once (the constant is an argument)."""
    return jax.jit(lambda x, x_dot, c: jax.jvp(lambda x: f(x, c), (x,), (x_dot,)))


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("a", ["float16", "float32", "float64"])
def test_engines_value_and_tangent_as_jax(engine, a):
    x, x_dot = operand(a, 5), operand(a, 6)
    eng = ad.engine(engine)
    for b in DTYPES:
        c = operand(b, 7)
        for ours, theirs in [(MIXED, MIXED_JAX)] + [(operators, operators)] * (engine == "overloading"):
            ys, ys_dot = eng.jvp(lambda x: ours(x, c), (x,), (x_dot,))  # noqa: B023
            dtypes = jax_dtype(lambda x, t: jax.jvp(lambda x: theirs(x, c), (x,), (t,)), x, x_dot)  # noqa: B023
            wants = jvp64(theirs)(wide(x), wide(x_dot), wide(c))
            for y, y_dot, dtype, dtype_dot, want, want_dot in zip(ys, ys_dot, *dtypes, *wants):
                # a rule computes with the constant as it is (arctan2's c * c in float16): not fixed
                least = a if b not in RTOL or RTOL[a] > RTOL[b] else b
                same(y, dtype, want, least)
                same(y_dot, dtype_dot, want_dot, least)
