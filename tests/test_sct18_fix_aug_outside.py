"""``xs[i] op= v`` where the list or dict ``xs`` holds a NumPy array that something outside the function also
holds: a global, a closure's variable, the caller (a list ``[a]`` passed in, ``a`` read after). NumPy's operator
changes that array in place, SCT makes a new one; the check before the statement looked at the function's own
names only, so SCT gave another value (a global read after: 0.9 where NumPy gives 1.11) with no error. Each is
now refused at the user's line (by the array's references: emit/unshared.py); an array made in the function runs,
also where SCT's own tape holds it (read in an earlier pass of a loop), and a slice of a new array, against JAX."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

G = np.ones(3)
TABLE = {"w": np.ones(3)}


def global_read_after(x):
    xs = [G]
    xs[0] += x
    return anp.sum(G) * x[0]


def global_in_dict(x):
    d = {"w": TABLE["w"]}
    d["w"] *= x
    return anp.sum(TABLE["w"] * x)


def global_slice(x):
    xs = [G[:2], x * 1.0]
    xs[0] += x[:2]
    return anp.sum(G * x)


def global_in_nested_list(x):
    grid = [[x * 1.0], [G]]
    grid[1][0] -= x
    return anp.sum(G * x)


def name_in_nested_list(x):
    a = x * 1.0
    grid = [[x * 2.0, a]]
    grid[0][1] -= x  # not checked before (only xs[i] op= v was): SCT gave 1.79 where NumPy gives 0.0
    return anp.sum(a * x)


def make_closure():
    h = np.ones(3)

    def closure(x):
        xs = [h]
        xs[0] *= x
        return anp.sum(h * x)
    return closure


def list_parameter(xs, x):
    xs[0] += x
    return anp.sum(xs[0] * x)


def refused(f, *args, argnums=0):
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f, argnums=argnums)(*args)
    err = info.value
    lines, first = inspect.getsourcelines(f)
    line = next(k for k, text in enumerate(lines) if "] +=" in text or "] *=" in text or "] -=" in text)
    assert err.filename == __file__ and err.line == first + line, str(err)
    return str(err)


X = [np.array([0.3, -0.7, 1.1]), np.array([1.5, 0.2, -0.4])]


@pytest.mark.parametrize("f", [global_read_after, global_in_dict, global_slice, global_in_nested_list])
def test_an_array_a_global_holds_is_refused_at_the_line(f):
    before = (G.copy(), TABLE["w"].copy())
    assert "something outside" in refused(f, X[0].copy())
    np.testing.assert_array_equal(G, before[0])
    np.testing.assert_array_equal(TABLE["w"], before[1])


def test_an_array_another_name_holds_in_a_nested_list_is_refused_naming_it():
    assert "where a also holds that array" in refused(name_in_nested_list, X[0].copy())


def test_an_array_a_closure_holds_is_refused_naming_its_variable():
    assert "where h also holds that array" in refused(make_closure(), X[0].copy())


def test_an_array_the_callers_list_holds_is_refused():
    a = np.ones(3)
    assert "something outside" in refused(list_parameter, [a], X[0].copy(), argnums=1)
    assert "something outside" in refused(list_parameter, [a], X[0].copy(), argnums=0)


def gauss_seidel(x):
    acc = [x * 1.0, x * 2.0, x * 3.0]
    for i in range(3):
        for j in range(3):
            if j != i:
                acc[i] += acc[j] * x  # acc[j], read here, is on SCT's tape when acc[j] += ... runs
    return anp.sum(acc[0] * acc[1] + acc[2])


def read_then_update(x):
    xs = [x * 1.0, x * 2.0]
    y = 0.0
    for _ in range(3):
        y = y + anp.sum(anp.sin(xs[1]) * x)
    for _ in range(2):
        xs[1] += x
        xs[0] *= anp.cos(xs[1])
    return y + anp.sum(xs[0] * xs[1])


def slices_of_a_new_array(x):
    ps = list(anp.reshape(x * 1.0, (2, 3)))  # views of an array no name holds
    ps[0] += ps[1] * x[:3]
    return anp.sum(ps[0] * ps[1])


def nested_new(x):
    grid = [[x * 1.0, x * 2.0], [x * 3.0]]
    for i in range(2):
        grid[0][i] *= anp.sin(grid[1][0])
        grid[1][0] += grid[0][1 - i]
    return anp.sum(grid[0][1] * grid[1][0] + grid[0][0])


@pytest.mark.parametrize("f", [gauss_seidel, read_then_update, slices_of_a_new_array, nested_new])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_arrays_made_in_the_function_run_as_numpy_and_agree_with_jax(f, seed):
    x = np.random.default_rng(seed).normal(size=6 if f is slices_of_a_new_array else 3)
    eng = ad.engine("sct")
    value, grad = eng.value_and_grad(f)(x.copy())
    np.testing.assert_allclose(value, f(x.copy()), rtol=1e-13)
    np.testing.assert_allclose(grad, jax.grad(f)(x), rtol=1e-10, atol=1e-12)
    t = np.ones_like(x)
    np.testing.assert_allclose(eng.jvp(f, (x.copy(),), (t,))[1], jax.jvp(f, (x,), (t,))[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eng.hessian(f)(x.copy()), jax.hessian(f)(x), rtol=1e-9, atol=1e-10)
