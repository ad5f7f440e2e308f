"""SCT reads ``name.method(...)`` as an array's method; where ``name`` holds a module when the code runs (a
namespace passed as an argument, ``xp.reshape(x, n)``), that reading is wrong: ``xp.reshape(x, (4,))`` gave a
zero gradient with no error (the array operand was taken for the module), ``xp.trace`` and the others crashed
inside SCT. Each is now refused at the user's line; the array methods themselves run as before. ``xp.dot(x, y)``,
which failed inside SCT's rank analysis, is refused at the line too (tests/test_sct18_fix_module_dot.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def b_reshape(xp, x):
    return xp.reshape(x, (4,))


def b_transpose(xp, x):
    return xp.transpose(x, (1, 0))


def b_trace(xp, x):
    return xp.trace(x)


def b_ravel(xp, x):
    return xp.ravel(x)


def m_reshape(xp, x):
    return x.reshape(2, 2) * 2.0 + x.T.reshape((2, 2))


def m_methods(xp, x):
    return x.ravel() * x.flatten() + x.transpose(1, 0).reshape(-1) + anp.sum(x)


def loss(body):
    def f(x):
        return anp.sum(anp.sin(body(anp, x)) * 1.5)
    return f


def jax_loss(body):
    return lambda x: jnp.sum(jnp.sin(body(jnp, x)) * 1.5)


X = np.array([[1.0, -2.0], [0.5, 3.0]])


@pytest.mark.parametrize("body", [b_reshape, b_transpose, b_trace, b_ravel])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_module_in_a_variable_called_as_an_array_method_is_refused_at_its_line(body, mode):
    eng = ad.engine("sct")
    with pytest.raises(SCTError) as info:
        if mode == "grad":
            eng.grad(loss(body))(X)
        else:
            eng.jvp(loss(body), (X,), (np.ones_like(X),))
    text = str(info.value)
    method = body.__name__[2:]
    assert f"xp.{method}(...) where xp is the module adcompare.numpy" in text or (
        f"the method .{method}() of xp" in text and "module passed as an argument" in text)
    assert __file__ in text and f"in function '{body.__name__}'" in text


@pytest.mark.parametrize("body", [m_reshape, m_methods])
@pytest.mark.parametrize("seed", [0, 1])
def test_array_methods_and_module_functions_by_name_still_agree_with_jax(body, seed):
    x = np.random.default_rng(seed).normal(size=(2, 2))
    eng = ad.engine("sct")
    np.testing.assert_allclose(eng.grad(loss(body))(x), jax.grad(jax_loss(body))(x), rtol=1e-12, atol=1e-12)
    t = np.random.default_rng(seed + 10).normal(size=(2, 2))
    _, got = eng.jvp(loss(body), (x,), (t,))
    _, want = jax.jvp(jax_loss(body), (x,), (t,))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
