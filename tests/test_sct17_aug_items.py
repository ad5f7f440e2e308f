"""``xs[i] += v`` where the list (or dict) ``xs`` holds a NumPy array: NumPy changes that array in place, so every
other name for it sees the change; SCT makes a new array. Where another name shares the array (``a = xs[0]``, a
parameter put in the list, ``list(xs)``, a view), SCT gave another value and gradient with no error; it now refuses
at the user's line. Where nothing else sees the array (``grads[i] += g``), both answers are the same and SCT runs,
against JAX (whose arrays are immutable, so ``+=`` rebinds)."""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


def read_before(x):
    xs = [x * 1.0, x * 2.0]
    a = xs[0]
    xs[0] += 1.0
    return anp.sum(a * x)


def parameter_in_list(x):
    xs = [x, x * 2.0]
    xs[0] += 1.0
    return anp.sum(x * xs[1])


def list_copy(x):
    xs = [x * 1.0, x * 2.0]
    ys = list(xs)
    xs[1] *= 3.0
    return anp.sum(ys[1] * x)


def dict_item(x):
    d = {"a": x * 1.0}
    keep = d["a"]
    d["a"] *= 2.0
    return anp.sum(keep * x)


def view_of_base(x):
    base = x * 1.0
    xs = [base[:2], base[1:]]
    xs[0] += 1.0
    return anp.sum(xs[1] * x[1:])


def accumulate(x):
    grads = [x * 0.0, x * 0.0]
    for i in range(2):
        grads[i] += x * (i + 1.0)
    return anp.sum(grads[0] * grads[1])


def dict_accumulate(x):
    d = {"a": x * 1.0, "b": x * 2.0}
    d["a"] += x
    d["b"] -= anp.sin(x)
    return anp.sum(d["a"] * d["b"])


def last_of_loop(x):
    xs = [x * 1.0, x * 2.0]
    for a in xs:  # noqa: B007 (a is read after the loop: the last item)
        pass
    xs[0] += x
    return anp.sum(a * x) + anp.sum(xs[0])


X = [np.array([0.3, -0.7, 1.1]), np.array([1.5, 0.2, -0.4])]


@pytest.mark.parametrize("f", [read_before, parameter_in_list, list_copy, dict_item, view_of_base])
def test_an_in_place_operator_on_an_array_another_name_sees_is_refused_at_its_line(f):
    with pytest.raises(SCTError) as info:
        ad.engine("sct").grad(f)(X[0].copy())
    err = info.value
    line = next(k for k, text in enumerate(inspect.getsourcelines(f)[0]) if "] +=" in text or "] *=" in text)
    assert err.filename == __file__ and err.line == inspect.getsourcelines(f)[1] + line, str(err)
    assert "also holds that array" in str(err)


@pytest.mark.parametrize("f", [accumulate, dict_accumulate, last_of_loop])
@pytest.mark.parametrize("x", X)
def test_an_in_place_operator_nothing_else_sees_agrees_with_jax_and_numpy(f, x):
    eng = ad.engine("sct")
    value, grad = eng.value_and_grad(f)(x.copy())
    np.testing.assert_allclose(value, f(x.copy()), rtol=1e-13)  # NumPy's own run, in place
    np.testing.assert_allclose(grad, jax.grad(f)(x), rtol=1e-12, atol=1e-12)
    t = np.ones_like(x)
    np.testing.assert_allclose(eng.jvp(f, (x.copy(),), (t,))[1], jax.jvp(f, (x,), (t,))[1], rtol=1e-12, atol=1e-12)
