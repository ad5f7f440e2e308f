"""A cotangent of another float precision than its output's is refused, as JAX refuses it.

With jax_enable_x64, ``jax.vjp(f, x32)[1](float64 cotangent)`` raises a ValueError ("unexpected
JAX type ... expected float32"), and so does a float32 cotangent for a float64 output. Every
engine took it and cast it silently (the result was right, but a program JAX refuses ran).
Now the pull-back ``vjp`` returns refuses it with a ValueError naming both dtypes and the leaf;
a Python number, weakly typed, is still taken for any float output. An engine's own calls of a
pull-back inside a sweep (a custom_jvp rule's transpose, a checkpoint's recomputation, on the
overloading engine's tape) pass float64 next to float32 where a float64 constant met a float32
value, and are still taken: those programs keep JAX's answer.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import elemental as el

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": {}, "sct": {}, "sct-boxes": {"higher": "boxes"}, "elemental": {}}
C64 = np.array([0.5, -1.0, 2.0])


def natural(x):
    return anp.sin(x) * x


def elemental(x):
    return el.multiply(el.sin(x), x)


def engine(name):
    return ad.engine(name.split("-")[0], **ENGINES[name]), (elemental if name == "elemental" else natural)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("backend", [np, jnp])
def test_a_cotangent_of_another_precision_is_refused(name, backend):
    eng, f = engine(name)
    x32 = backend.asarray([0.3, 0.7, -0.2], dtype=backend.float32)
    y, f_vjp = eng.vjp(f, x32)
    y_jax, f_vjp_jax = jax.vjp(natural, x32)
    assert y.dtype == y_jax.dtype == np.float32
    for bar in (np.ones(3), jnp.ones(3, jnp.float64), np.ones(3, np.float16)):
        with pytest.raises(ValueError, match=rf"the cotangent has dtype {bar.dtype} but the output has dtype "
                                             r"float32: pass a cotangent of the output's dtype"):
            f_vjp(bar)
        with pytest.raises(ValueError):
            f_vjp_jax(bar)  # JAX refuses it too
    bar = backend.asarray([1.0, -2.0, 0.5], dtype=backend.float32)
    (got,), (expected,) = f_vjp(bar), f_vjp_jax(bar)
    assert got.dtype == np.float32 and np.allclose(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ENGINES)
def test_a_float64_output_refuses_a_float32_cotangent_and_takes_a_python_number(name):
    eng, f = engine(name)
    x = np.array([0.3, 0.7, -0.2])
    _, f_vjp = eng.vjp(lambda v: f(v), x)
    with pytest.raises(ValueError, match=r"dtype float32 but the output has dtype float64"):
        f_vjp(np.ones(3, np.float32))
    with pytest.raises(ValueError):
        jax.vjp(natural, x)[1](np.ones(3, np.float32))
    sums = (lambda v: el.sum(f(v))) if name == "elemental" else (lambda v: anp.sum(f(v)))
    _, f_vjp = eng.vjp(sums, x.astype(np.float32))
    expected = jax.vjp(lambda v: jnp.sum(natural(v)), x.astype(np.float32))[1](np.float32(2.0))[0]
    assert np.allclose(f_vjp(2.0)[0], expected, rtol=1e-6)  # a Python number is weakly typed


def test_a_pytree_leaf_of_another_precision_is_named():
    eng = ad.engine("overloading")
    x = np.array([0.3, 0.7], np.float32)
    _, f_vjp = eng.vjp(lambda v: {"a": v * 2.0, "b": anp.sin(v)}, x)
    with pytest.raises(ValueError, match=r"cotangent\['b'\] has dtype float64"):
        f_vjp({"a": np.ones(2, np.float32), "b": np.ones(2)})


@ad.custom_jvp
def shifted(x):
    return anp.sin(x)


@shifted.defjvp
def _shifted_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return anp.sin(x), 2.0 * anp.cos(x) * t


@jax.custom_jvp
def shifted_jax(x):
    return jnp.sin(x)


@shifted_jax.defjvp
def _shifted_jax_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.sin(x), 2.0 * jnp.cos(x) * t


@ad.checkpoint
def kept(x):
    return anp.sin(x) * x


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_an_engines_own_calls_inside_a_sweep_take_another_precision(name):
    eng = ad.engine(name)
    x = np.array([0.3, 0.7, -0.2], np.float32)
    ours = lambda v: anp.sum(shifted(v) * C64) + anp.sum(kept(v) * C64)  # noqa: E731
    theirs = lambda v: jnp.sum(shifted_jax(v) * C64) + jnp.sum(jnp.sin(v) * v * C64)  # noqa: E731
    got = eng.grad(ours)(x)
    assert got.dtype == np.float32 and np.allclose(got, jax.grad(theirs)(x), rtol=1e-6, atol=1e-6)
