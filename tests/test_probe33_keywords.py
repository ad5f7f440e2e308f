"""Probe 33: NumPy's less common keyword options against JAX in float64 on every engine. What it found: SCT refused
``nanargmax``/``nanargmin`` wherever their index met a differentiated value (the helper rebound its parameter to the
primal, and SCT takes a variable once differentiated as differentiated); ``var``/``std`` refused JAX's ``mean=``,
``correction=`` and ``dtype=`` (and ``out=`` by Python's words), ``trace`` refused ``dtype=``. Programs use calls only
(no operators), so the elemental library runs them as written.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import close, seeded

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

MASK = np.random.default_rng(3).normal(size=(2, 3, 4)) > -0.5


def index_of_nan_max(np_):
    def f(x):
        at = np_.take_along_axis(x, np_.nanargmax(x, axis=1, keepdims=True), axis=1)
        return np_.sum(np_.multiply(np_.sin(at), np_.take_along_axis(x, np_.nanargmin(x, -1, keepdims=True), axis=-1)))
    return f


def variances(np_):
    def f(x):
        m = np_.mean(np_.sin(x), axis=-1, keepdims=True)
        a = np_.var(x, axis=-1, mean=m, correction=1)  # deviations from a given (differentiated) mean
        b = np_.std(x, axis=(0, 2), keepdims=True, dtype=np_.float64, correction=2)
        c = np_.var(x, axis=1, where=MASK, mean=np_.mean(x, axis=1, keepdims=True, where=MASK), ddof=1)
        d = np_.trace(x, offset=1, axis1=2, axis2=1, dtype=np_.float64)
        return np_.sum(np_.sin(a)) + np_.sum(b) + np_.sum(np_.multiply(c, c)) + np_.sum(np_.cos(d))
    return f


def variances_el(np_):  # (no +: elemental values take calls only)
    def f(x):
        m = np_.mean(np_.sin(x), axis=-1, keepdims=True)
        a = np_.var(x, axis=-1, mean=m, correction=1)
        b = np_.std(x, axis=(0, 2), keepdims=True, dtype=np_.float64, correction=2)
        return np_.add(np_.sum(np_.sin(a)), np_.sum(np_.multiply(b, np_.trace(x, 1, 2, 1, dtype=np_.float64))))
    return f


@pytest.mark.parametrize("program, engine", [(index_of_nan_max, "elemental"), (variances_el, "elemental")] + [
    (p, e) for p in (index_of_nan_max, variances) for e in ("overloading", "sct")])
def test_keyword_options_against_jax(program, engine):
    eng, f, g = ad.engine(engine), program(el if engine == "elemental" else anp), program(jnp)
    for (x,) in seeded([(2, 3, 4)]):
        t = np.cos(x)
        close(eng.value_and_grad(f)(x), jax.value_and_grad(g)(x))
        close(eng.jvp(f, (x,), (t,))[1], jax.jvp(g, (x,), (t,))[1])


def test_keyword_refusals_name_the_line():
    x = seeded([(3, 4)])[0][0]
    with pytest.raises(ValueError, match="(?s)ddof and correction.*test_probe33_keywords.py"):
        anp.var(x, ddof=1, correction=1)
    with pytest.raises(TypeError, match="(?s)std\\(\\) got the keyword out=.*test_probe33_keywords.py"):
        anp.std(x, axis=0, out=np.zeros(4))
    with pytest.raises(TypeError, match="(?s)var\\(\\) got the keyword out=.*test_probe33_keywords.py"):
        ad.engine("overloading").grad(lambda v: anp.sum(anp.var(v, 0, out=np.zeros(4))))(x)
    index = np.zeros(4, np.intp)  # NumPy's third positional parameter of argmax is out= (it was taken as keepdims)
    for call in (lambda: anp.argmax(x, 0, index), lambda: anp.nanargmin(x, 0, index),
                 lambda: ad.engine("overloading").grad(lambda v: anp.sum(v[v.argmax(0, index)]))(x)):
        with pytest.raises(TypeError, match="(?s)arg(max|min)\\(\\) got the keyword out=.*test_probe33_keywords.py"):
            call()


def test_array_methods_take_the_new_keywords():
    def f(v):
        return v.var(axis=1, mean=v.mean(axis=1, keepdims=True) * 0.5, correction=1).sum() + v.std(0, ddof=1).sum()

    def f_jax(v):
        m = jnp.mean(v, axis=1, keepdims=True) * 0.5
        return jnp.sum(jnp.var(v, axis=1, mean=m, correction=1)) + jnp.sum(jnp.std(v, axis=0, ddof=1))

    x = seeded([(3, 4)])[0][0]
    for engine in ("overloading", "sct"):
        close(ad.engine(engine).grad(f)(x), jax.grad(f_jax)(x))
