"""The reductions beyond the core (issue 15), against JAX in float64.

``min``, ``prod``, ``cumsum`` and ``cumprod`` are primitives: their JVP and VJP
rules alone against ``jax.jvp``/``jax.vjp`` over axes and ``keepdims``, with
zeros (``prod`` and ``cumprod`` then take their exact rule) and ties (``min``
splits them). Every name (the composites ``var``, ``std``, ``average`` and
``logsumexp``'s axes too, and the constants ``argmax``/``argmin``) runs on every
engine on NumPy and JAX inputs, and has a forward-over-reverse second
derivative against JAX's.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.oracle import max_error

TOL = 1e-12
COVERED = {"min", "prod", "cumsum", "cumprod"}
AXES = [((2, 3), None), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), (0, 2)), ((3,), 0), ((2, 3, 4), 1)]
ZEROS = {"none": (), "one": ((0, 1),), "two in a slice": ((0, 1), (0, 2)), "everywhere": ((0, 0), (1, 1), (1, 2))}


def _draw(shape, seed, zeros=()):
    x = np.random.default_rng(seed).uniform(0.5, 1.5, size=shape) * np.where(
        np.random.default_rng(seed + 7).uniform(size=shape) < 0.3, -1.0, 1.0)
    for idx in zeros:
        x[idx[:len(shape)] if len(shape) > 1 else idx[-1:]] = 0.0
    return x


def _reduction_cases():
    cases = []
    for prim, fn in [(p.min_p, jnp.min), (p.prod_p, jnp.prod)]:
        for shp, axis in AXES:
            for keepdims in (False, True):
                params = {"axis": axis, "keepdims": keepdims}
                cases += [pytest.param(prim, shp, functools.partial(fn, **params), params, zeros,
                                       id=f"{prim.name}-{shp}-{params}-{z}")
                          for z, zeros in ZEROS.items() if prim is p.prod_p or z == "none"]
    for prim, fn in [(p.cumsum_p, jnp.cumsum), (p.cumprod_p, jnp.cumprod)]:
        for shp, axis in [((5,), 0), ((2, 3), 0), ((2, 3), 1), ((2, 3, 4), -2)]:
            params = {"axis": axis}
            cases += [pytest.param(prim, shp, functools.partial(fn, **params), params, zeros,
                                   id=f"{prim.name}-{shp}-{axis}-{z}")
                      for z, zeros in ZEROS.items() if prim is p.cumprod_p or z == "none"]
    return cases


@pytest.mark.parametrize("prim, shape, jax_fn, params, zeros", _reduction_cases())
def test_rule_against_jax(prim, shape, jax_fn, params, zeros):
    for seed in range(3):
        x = _draw(shape, seed, zeros)
        rng = np.random.default_rng(100 + seed)
        t = rng.normal(size=shape)
        ans = prim(x, **params)
        y_jax, y_dot_jax = jax.jvp(jax_fn, (jnp.asarray(x),), (jnp.asarray(t),))
        assert max_error(ans, y_jax) < TOL
        assert max_error(prim.jvps[0](t, ans, x, **params), y_dot_jax) < TOL
        g = rng.normal(size=np.shape(ans))
        bar = prim.vjps[0](ans, x, **params)(g)
        assert max_error(bar, jax.vjp(jax_fn, jnp.asarray(x))[1](jnp.asarray(g))[0]) < TOL


def test_min_splits_ties_as_jax_does():
    x = np.array([[1.0, 0.5, 0.5], [2.0, 2.0, 3.0]])
    ans = p.min_p(x, axis=1)
    expected = jax.vjp(lambda v: jnp.min(v, axis=1), jnp.asarray(x))[1](jnp.ones(2))[0]
    assert max_error(p.min_p.vjps[0](ans, x, axis=1)(np.ones(2)), expected) == 0


# --------------------------------------------------------------------------
# Every name, on every engine, first and second order

NAMES = {
    "min": (anp.min, jnp.min, [{}, {"axis": 0}, {"axis": 1, "keepdims": True}]),
    "amin": (anp.amin, jnp.amin, [{"axis": -1}]),
    "prod": (anp.prod, jnp.prod, [{}, {"axis": 0}, {"axis": (0, 1), "keepdims": True}]),
    "cumsum": (anp.cumsum, jnp.cumsum, [{}, {"axis": 0}, {"axis": -1}]),
    "cumprod": (anp.cumprod, jnp.cumprod, [{}, {"axis": 1}]),
    "var": (anp.var, jnp.var, [{}, {"axis": 0}, {"axis": 1, "ddof": 1, "keepdims": True}]),
    "std": (anp.std, jnp.std, [{}, {"axis": 1}, {"axis": 0, "ddof": 1, "keepdims": True}]),
    "average": (anp.average, jnp.average, [{}, {"axis": 1, "keepdims": True}]),
    "logsumexp": (anp.logsumexp, jsp.logsumexp, [{}, {"axis": 0}, {"axis": (0, 1)}, {"axis": -1, "keepdims": True}]),
}
CASES = [pytest.param(name, kw, id=f"{name}-{kw}") for name, (_, _, kws) in NAMES.items() for kw in kws]


def natural(op, x):
    return anp.sum(anp.sin(op(x)) * anp.exp(op(x)))


def elemental(op, x):
    return el.sum(el.multiply(el.sin(op(x)), el.exp(op(x))))


def _form(engine_name, name, kw):
    if engine_name == "elemental":
        return functools.partial(elemental, functools.partial(getattr(el, name), **kw))
    return functools.partial(natural, functools.partial(NAMES[name][0], **kw))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ad.ENGINES)
@pytest.mark.parametrize("name, kw", CASES)
def test_name_on_every_engine(name, kw, engine_name, backend):
    eng, f = ad.engine(engine_name), _form(engine_name, name, kw)
    as_input = jnp.asarray if backend == "jax" else np.asarray
    for seed in range(2):
        x, t, (grad_jax, jvp_jax, hvp_jax) = _name_references(name, kw, seed)
        g = eng.grad(f)(as_input(x))
        assert isinstance(g, jax.Array) == (backend == "jax")
        assert max_error(g, grad_jax) < 1e-11
        got = eng.jvp(f, (as_input(x),), (as_input(t),))
        assert max_error(got, jvp_jax) < 1e-11
        hvp = eng.jvp(eng.grad(f), (as_input(x),), (as_input(t),))[1]  # forward over reverse
        assert max_error(hvp, hvp_jax) < 1e-10


_REFERENCES: dict = {}


def _name_references(name, kw, seed: int):
    """The seed's input and direction, and JAX's gradient, JVP and HVP there, computed once per case and seed:
    every engine and both backends share them."""
    key = (name, repr(kw), seed)
    if key not in _REFERENCES:
        jax_fn = functools.partial(lambda op, kw, v: jnp.sum(jnp.sin(op(v, **kw)) * jnp.exp(op(v, **kw))),
                                   NAMES[name][1], kw)  # the oracle is JAX's own function
        x = _draw((2, 3), seed, ZEROS["one"] if seed and name in ("prod", "cumprod") else ())
        t = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        xj, tj = jnp.asarray(x), jnp.asarray(t)
        _REFERENCES[key] = x, t, (jax.grad(jax_fn)(xj), jax.jvp(jax_fn, (xj,), (tj,)),
                                  jax.jvp(jax.grad(jax_fn), (xj,), (tj,))[1])
    return _REFERENCES[key]


@pytest.mark.parametrize("zeros", sorted(ZEROS))
@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_hessian_with_zeros_is_jax_s(name, zeros):
    """Second derivatives through the exact rule (no division by a zero), on every engine."""
    x = _draw((4,), 3, ZEROS[zeros])
    if zeros == "two in a slice":
        x[1] = x[2] = 0.0
    jax_fn = {"prod": jnp.prod, "cumprod": lambda v: jnp.sum(jnp.cumprod(v) ** 2)}[name]
    for engine_name in ad.ENGINES:
        eng = ad.engine(engine_name)
        if engine_name == "elemental":
            f = el.prod if name == "prod" else (lambda v: el.sum(el.square(el.cumprod(v))))
        else:
            f = anp.prod if name == "prod" else (lambda v: anp.sum(anp.cumprod(v) ** 2))
        for how in ("fwd-rev", "rev-rev"):
            assert max_error(eng.hessian(f, mode=how)(x), jax.hessian(jax_fn)(jnp.asarray(x))) < 1e-12, \
                (engine_name, how)


def test_average_with_weights_and_returned():
    rng = np.random.default_rng(4)
    a, w, w1 = rng.normal(size=(2, 3)), rng.uniform(0.5, 1.5, size=(2, 3)), rng.uniform(0.5, 1.5, size=3)
    for engine_name in ("overloading", "sct"):
        eng = ad.engine(engine_name)
        for axis, keepdims, weights in [(None, False, w), (0, False, w), (1, False, w1), (1, True, w1)]:
            def f(a, w, axis=axis, keepdims=keepdims):
                avg, total = anp.average(a, axis, w, True, keepdims)  # SCT differentiates positional arguments
                return anp.sum(anp.sin(avg) * total)

            def f_jax(a, w, axis=axis, keepdims=keepdims):
                avg, total = jnp.average(a, axis, w, True, keepdims)
                return jnp.sum(jnp.sin(avg) * total)

            assert max_error(eng.grad(f, (0, 1))(a, weights),
                             jax.grad(f_jax, (0, 1))(jnp.asarray(a), jnp.asarray(weights))) < 1e-12


def test_argmax_and_argmin_are_constants():
    x = np.array([[0.5, 2.0, 2.0], [3.0, -1.0, 0.0]])
    for engine_name in ("overloading", "sct"):
        eng = ad.engine(engine_name)

        def f(x):
            return x[0, anp.argmax(x[0])] + x[1, anp.argmin(x, axis=1)[1]] * anp.sum(anp.argmax(x, axis=0))

        assert max_error(eng.grad(f)(x), jax.grad(lambda v: v[0, jnp.argmax(v[0])] + v[1, jnp.argmin(v, axis=1)[1]]
                                                  * jnp.sum(jnp.argmax(v, axis=0)))(jnp.asarray(x))) == 0
    assert anp.argmax(x, axis=1, keepdims=True).shape == (2, 1)
