"""Array methods on active values (``x.dot(y)``, ``x.std(0)``, ...): NumPy's meaning, JAX's derivatives.

The overloading engine's boxes answer them by the vocabulary calls of the same
names (:mod:`adcompare.operators`), SCT maps them to those calls in the
transformed code (``parse.METHODS``), and the elemental engine refuses each,
naming the library call. Index- and truth-valued methods (``argmax``, ``any``,
``nonzero``) read the primal value; conversions to Python values
(``tolist``, ``item``) and unsupported methods are refused by name.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

TOL = dict(rtol=1e-10, atol=1e-12)
SEEDS = (0, 1, 2)
Y = np.random.default_rng(7).standard_normal((3, 3))

# name: (program on an active x, the same program on a jax array); both use methods
PROGRAMS = {
    "dot": lambda np_: lambda x: np_.sum(np_.sin(x.dot(Y))),
    "clip": lambda np_: lambda x: np_.sum(x.clip(-0.5, 0.5) ** 2),
    "std": lambda np_: lambda x: x.std(0, ddof=1).sum() + x.std(),
    "var": lambda np_: lambda x: x.var(axis=1, keepdims=True).sum(),
    "cumsum": lambda np_: lambda x: np_.sum(np_.sin(x.cumsum(1))),
    "cumprod": lambda np_: lambda x: np_.sum(x.cumprod()),
    "swapaxes": lambda np_: lambda x: np_.sum(x.swapaxes(0, 1) * Y),
    "transpose": lambda np_: lambda x: (np_.sum(x.transpose(1, 0) * Y) + np_.sum(x.transpose((1, 0)) * x)
                                        + np_.sum(x.transpose() * Y)),
    "diagonal": lambda np_: lambda x: np_.sum(x.diagonal(1) ** 3) + np_.sum(x.diagonal() ** 2),
    "repeat": lambda np_: lambda x: np_.sum(x.repeat(2, axis=0) ** 2 * 1.5),
    "conj": lambda np_: lambda x: np_.sum(x.conj() * x.conjugate()),
    "constants": lambda np_: lambda x: (x[x.argmax() // 3, x.argmin() % 3] * x.sum()
                                        + x.round().sum() * x.sum() + x[x.nonzero()].sum()
                                        + x.sum() * (2.0 if (x > 0).any() and not (x > 5).all() else 1.0)),
    "copy": lambda np_: lambda x: (x.copy() * x).sum(),
}
# .copy() is chosen when it runs on SCT (tests/test_sct16_copy_method.py); .argmax() and the other constants it
# calls on the primal value (tests/test_probe11_gradbench_kmeans.py)
SCT_REFUSED: set = set()


def _x(seed):
    return np.random.default_rng(seed).standard_normal((3, 3))


@pytest.mark.parametrize("engine", ("overloading", "sct"))
@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("seed", SEEDS)
def test_method_matches_jax(engine, name, seed):
    if engine == "sct" and name in SCT_REFUSED:
        pytest.skip("refused by SCT (test_sct_refuses_constant_methods_by_name)")
    f, fj = PROGRAMS[name](anp), PROGRAMS[name](jnp)
    x, t = _x(seed), _x(seed + 10)
    eng = ad.engine(engine)
    np.testing.assert_allclose(f(x), fj(x), **TOL)  # plain NumPy says the same as the JAX program
    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(fj)(x), **TOL)
    np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(fj, (x,), (t,))[1], **TOL)
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(x), **TOL)


def test_copy_then_write_leaves_the_original_alone():
    def f(x):
        c = x.copy()
        c[0] = 0.0
        c *= 2.0
        return anp.sum(c * x)

    def fj(x):
        return jnp.sum(x.at[0].set(0.0) * 2.0 * x)

    for seed in SEEDS:
        x = np.random.default_rng(seed).standard_normal(4)
        for name in ("overloading", "sct"):
            np.testing.assert_allclose(ad.engine(name).grad(f)(x), jax.grad(fj)(x), **TOL)
            np.testing.assert_allclose(ad.engine(name).hessian(f)(x), jax.hessian(fj)(x), **TOL)


@pytest.mark.parametrize("prog, message", [
    (lambda x: x.tolist()[0], r"\.tolist\(\) of an active value .*test_array_methods\.py"),
    (lambda x: x.item(), r"\.item\(\) of an active value .*test_array_methods\.py"),
    (lambda x: x.put(0, 0.0), r"array attribute \.put is not supported .*test_array_methods\.py"),
    (lambda x: x.partition(1), r"array attribute \.partition is not supported .*test_array_methods\.py"),
])
def test_overloading_refuses_by_name(prog, message):
    with pytest.raises((TypeError, AttributeError, ValueError), match=message):
        ad.engine("overloading").grad(lambda x: anp.sum(prog(x)))(np.ones(4))


def test_missing_attribute_is_still_an_attribute_error():
    box_has = []
    ad.engine("overloading").grad(lambda x: box_has.append((hasattr(x, "no_such_thing"), hasattr(x, "put")))
                                  or anp.sum(x))(np.ones(2))
    assert box_has == [(False, False)]


@pytest.mark.parametrize("method, call", [("dot", "el.dot"), ("std", "el.std"), ("diagonal", "el.diagonal"),
                                          ("any", r"el.primal\(x\).any"), ("transpose", "el.transpose")])
def test_elemental_refuses_methods_naming_the_library_call(method, call):
    with pytest.raises(TypeError, match=rf"\.{method}\(\) is not defined on elemental values .*use {call}"):
        ad.engine("elemental").grad(lambda x: getattr(x, method)())(np.ones(3))


@pytest.mark.parametrize("seed", SEEDS)
def test_sct_trace_method(seed):
    f = lambda x: x.trace() ** 2 + x.reshape(3, 3).transpose(1, 0).dot(x).trace()  # noqa: E731
    x = _x(seed)
    np.testing.assert_allclose(ad.engine("sct").grad(f)(x), jax.grad(f)(jnp.asarray(x)), **TOL)
