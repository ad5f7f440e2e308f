"""Probe 37: custom functions and ``ad.checkpoint`` with dict outputs, and with differentiated values inside
container operands.

A custom function is one primitive with one output: a tuple output was packed into one vector, but a dict (any
other container) was not, and the overloading engine failed with an IndexError from ``primitives/shapes.py``
(SCT's Hessian of a ``custom_jvp`` with "entry not a 2- or 3- tuple" from NumPy). Any container of arrays is
packed now, and unpacked into its own structure. A differentiated value inside a container operand is refused by
name where the engine would pass the rule over (the overloading engine) or cannot transpose it (SCT's reverse mode
through ``custom_jvp``); they raised a TypeError or ValueError from inside, or a misleading "escaped" error.
Checked against JAX's own custom functions.
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
X = np.array([0.3, -1.2, 0.7])


def _program(lib, np_):
    cv = lib.custom_vjp(lambda x: {"s": np_.sin(x), "c": np_.cos(x)})
    cv.defvjp(lambda x: ({"s": np_.sin(x), "c": np_.cos(x)}, x),
              lambda x, g: (g["s"] * np_.cos(x) - g["c"] * np_.sin(x) * 0.5,))  # a surrogate: the rule must run
    cj = lib.custom_jvp(lambda x: {"s": np_.sin(x), "t": [np_.tanh(x), x * x]})
    cj.defjvp(lambda p, t: ({"s": np_.sin(p[0]), "t": [np_.tanh(p[0]), p[0] * p[0]]},
                            {"s": 2.0 * np_.cos(p[0]) * t[0], "t": [t[0] / np_.cosh(p[0]) ** 2, 2 * p[0] * t[0]]}))
    ck = lib.checkpoint(lambda x: {"a": np_.exp(x), "b": x * 3.0})

    def f(x):
        d, e, k = cv(x), cj(x), ck(x)
        return np_.sum(d["s"] * d["c"] + e["s"] * e["t"][0] + e["t"][1] * k["a"] + k["b"] ** 2)

    def forward(x):  # (custom_vjp has no forward mode, in JAX too)
        e, k = cj(x), ck(x)
        return np_.sum(e["s"] * e["t"][0] + e["t"][1] * k["a"] + k["b"] ** 2)
    return f, forward


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_dict_outputs_as_jax(name):
    (ours, ours_fwd), (theirs, theirs_fwd) = _program(ad, anp), _program(jax, jnp)
    eng = ad.engine(name)
    for x in (X, X[::-1] * 0.5):
        value, grad = eng.value_and_grad(ours)(x)
        want_value, want_grad = jax.value_and_grad(theirs)(jnp.asarray(x))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        np.testing.assert_allclose(eng.hessian(ours_fwd)(x), jax.hessian(theirs_fwd)(jnp.asarray(x)), **TOL)


def test_container_operands_are_refused_by_name():
    tj = ad.custom_jvp(lambda p: anp.sum(p[0] * p[1]))
    tj.defjvp(lambda p, t: (anp.sum(p[0][0] * p[0][1]), anp.sum(t[0][0] * p[0][1] + p[0][0] * t[0][1])))
    f = lambda x, y: tj((x, y)) * 2.0  # noqa: E731
    with pytest.raises(NotImplementedError, match="inside a tuple operand"):
        ad.engine("overloading").grad(f)(X, X + 1.0)
    with pytest.raises(ad.SCTError, match="custom_jvp function '<lambda>' with a differentiated tuple operand"):
        ad.engine("sct").grad(f)(X, X + 1.0)
    np.testing.assert_allclose(ad.engine("sct").jvp(f, (X, X + 1.0), (np.ones(3), np.zeros(3)))[1],
                               2.0 * np.sum(X + 1.0), **TOL)  # forward mode takes it


def _checkpoint_programs(lib, np_):
    on_dict = lib.checkpoint(lambda p: np_.sum(np_.sin(p["a"]) * p["b"]))

    def kw_only(x, *, k=2.0):
        return np_.sin(x) * k
    ck = lib.checkpoint(kw_only)
    return [lambda x: on_dict({"a": x, "b": 2.0 * x}),  # a container operand: it runs (not refused)
            lambda x: np_.sum(ck(x) + ck(x, k=3.0) * x),  # keyword-only parameters, as jax.checkpoint takes them
            lambda c: lib.grad(lambda x: np_.sum(lib.checkpoint(lambda y: np_.sin(y) * c)(x)))(0.7)]  # closes over
    # a value an outer derivative differentiates (only a value of the level recording the call is refused)


@pytest.mark.parametrize("name,k", [("overloading", 0), ("overloading", 1), ("overloading", 2), ("sct", 0),
                                    ("sct", 1)])  # (SCT refuses the nested grad of k = 2 by name)
def test_checkpoint_forms_jax_takes(name, k):
    eng = ad.engine(name)
    ours = _checkpoint_programs(ad, anp)[k]
    theirs = _checkpoint_programs(type("JaxLib", (), {"checkpoint": staticmethod(jax.checkpoint),
                                                      "grad": staticmethod(jax.grad)}), jnp)[k]
    if k == 2:
        ours = _checkpoint_programs(type("Ours", (), {"checkpoint": staticmethod(ad.checkpoint),
                                                      "grad": staticmethod(eng.grad)}), anp)[k]
    x = 0.4 if k == 2 else X
    np.testing.assert_allclose(eng.grad(ours)(x), jax.grad(theirs)(jnp.asarray(x)), **TOL)
