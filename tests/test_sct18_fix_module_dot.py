"""``xp.dot(x, y)`` where ``xp`` holds a module (a namespace passed as an argument): SCT reads ``name.dot(...)`` as
the array method ``x.dot(y)``, here with three operands (``xp``, ``x``, ``y``), and its rank analysis crashed on
them with a bare TypeError (``_dot() takes 2 positional arguments but 3 were given``). The analysis now leaves such
a product's rank unknown, and the check SCT runs on a method's receiver refuses it at the user's line, naming the
module. ``xp.matmul``, ``xp.einsum`` (no array method of that name: the module's function runs) and
``x.dot(y)`` itself agree with JAX; ``xp.sum(x, axis=0)`` of a differentiated ``x`` is refused at the line (a
constant ``x``: the module's function runs)."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def module_dot(xp, x, y):
    return anp.sum(anp.sin(xp.dot(x, y)))


def module_dot_vector(xp, x, y):
    return xp.dot(x[0], y[:, 1]) * 2.0


def method_dot(xp, x, y):
    return anp.sum(anp.sin(x.dot(y)))


def module_functions(xp, x, y):
    return anp.sum(anp.sin(xp.matmul(x, y)) + xp.einsum("ij,jk->ik", x, y) ** 2)


def module_sum(xp, x, y):
    return anp.sum(xp.sum(x, axis=0) * y[0])


@pytest.mark.parametrize("f", [module_dot, module_dot_vector])
@pytest.mark.parametrize("xp", [anp, jnp, np])
@pytest.mark.parametrize("how", ["grad", "jvp", "hessian"])
def test_a_modules_dot_read_as_a_method_is_refused_at_the_users_line(f, xp, how):
    eng, x, y = ad.engine("sct"), np.eye(2) + 0.5, np.ones((2, 2))
    with pytest.raises(SCTError) as info:
        if how == "grad":
            eng.grad(f, argnums=(1, 2))(xp, x, y)
        elif how == "jvp":
            eng.jvp(lambda a, b: f(xp, a, b), (x, y), (y, x))
        else:
            eng.hessian(f, argnums=1)(xp, x, y)
    err = info.value
    assert f"xp.dot(...) where xp is the module {xp.__name__}" in str(err)
    lines, first = inspect.getsourcelines(f)
    assert err.filename == __file__ and err.line == first + 1, str(err)


def test_a_modules_sum_of_a_differentiated_value_is_refused_at_the_users_line():
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(module_sum, argnums=1)(anp, np.eye(2), np.ones((2, 2)))
    assert "xp.sum(x, axis=0)" in str(info.value) and "if xp is a module passed as an argument" in str(info.value)
    assert info.value.filename == __file__ and info.value.line == inspect.getsourcelines(module_sum)[1] + 1


@pytest.mark.parametrize("f", [method_dot, module_functions])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_methods_and_a_modules_other_functions_agree_with_jax(f, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    eng = ad.engine("sct")
    got = eng.grad(f, argnums=(1, 2))(anp, x, y)
    want = jax.grad(f, argnums=(1, 2))(jnp, x, y)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eng.hessian(f, argnums=1)(anp, x, y), jax.hessian(f, argnums=1)(jnp, x, y),
                               rtol=1e-9, atol=1e-10)
