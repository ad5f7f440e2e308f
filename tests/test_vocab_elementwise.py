"""The elementwise names beyond the core (issue 15), against JAX in float64.

Each new primitive's JVP and VJP rule alone against ``jax.jvp``/``jax.vjp``
(binary ones with broadcasting), one forward-over-reverse second derivative
each, the values and derivatives at the edges (0, -0, ties, inf, nan; first
and second order, on Python floats, NumPy and JAX) with the machinery of
``test_numerics.py``, and every name on every engine (the elemental engine
through its library call) on NumPy and JAX inputs.
"""

from __future__ import annotations

import functools
import math
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest
import test_numerics as tn

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.oracle import max_error

TOL = 1e-12
inf, nan = math.inf, math.nan


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


WIDE, UNIT, POSITIVE = (-2.0, 2.0), (-0.9, 0.9), (0.2, 3.0)
# name -> (primitive, JAX's function, domain of the seeded inputs)
UNARY = {
    "square": (p.square_p, jnp.square, WIDE), "reciprocal": (p.reciprocal_p, jnp.reciprocal, (0.3, 2.0)),
    "cbrt": (p.cbrt_p, jnp.cbrt, WIDE), "exp2": (p.exp2_p, jnp.exp2, WIDE),
    "log2": (p.log2_p, jnp.log2, POSITIVE), "log10": (p.log10_p, jnp.log10, POSITIVE),
    "sinh": (p.sinh_p, jnp.sinh, WIDE), "cosh": (p.cosh_p, jnp.cosh, WIDE),
    "arcsin": (p.arcsin_p, jnp.arcsin, UNIT), "arccos": (p.arccos_p, jnp.arccos, UNIT),
    "arctan": (p.arctan_p, jnp.arctan, WIDE), "arcsinh": (p.arcsinh_p, jnp.arcsinh, WIDE),
    "arccosh": (p.arccosh_p, jnp.arccosh, (1.1, 3.0)), "arctanh": (p.arctanh_p, jnp.arctanh, UNIT),
    "deg2rad": (p.deg2rad_p, jnp.deg2rad, WIDE), "rad2deg": (p.rad2deg_p, jnp.rad2deg, WIDE),
    "real": (p.real_p, jnp.real, WIDE), "conj": (p.conj_p, jnp.conj, WIDE),
    "nan_to_num": (p.nan_to_num_p, jnp.nan_to_num, WIDE), "sinc": (p.sinc_p, jnp.sinc, WIDE),
    "erf": (p.erf_p, jsp.erf, WIDE), "gammaln": (p.gammaln_p, jsp.gammaln, POSITIVE),
    "erfc": (p.erfc_p, jsp.erfc, WIDE), "erfinv": (p.erfinv_p, jsp.erfinv, UNIT),
    "i0": (p.i0_p, jnp.i0, WIDE),
}
BINARY = {
    "arctan2": (p.arctan2_p, jnp.arctan2, WIDE),
    "logaddexp": (p.logaddexp_p, jnp.logaddexp, WIDE), "logaddexp2": (p.logaddexp2_p, jnp.logaddexp2, WIDE),
    "fmax": (p.fmax_p, jnp.fmax, WIDE), "fmin": (p.fmin_p, jnp.fmin, WIDE),
    "remainder": (p.remainder_p, jnp.remainder, (0.3, 3.0)),
    "fmod": (p.fmod_p, jnp.fmod, (0.3, 3.0)),
}
# polygamma has an order parameter; sinc_taylor (sinc's derivatives at 0) is checked by nesting, below; i1 (i0's
# derivative, no NumPy name) by i0's second derivatives (test_vocab14_floats)
ORDERED = [(p.polygamma_p, {"n": n}, functools.partial(jsp.polygamma, n), POSITIVE) for n in (0, 1, 2)]
COVERED = {v[0].name for v in (*UNARY.values(), *BINARY.values())} | {"polygamma", "sinc_taylor", "i1"}

UNARY_SHAPES = [(), (3,), (2, 3)]
BROADCAST = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1))]


def _rule_cases():
    cases = [pytest.param(prim, (s,), fn, {}, dom, id=f"{name}-{s}")
             for name, (prim, fn, dom) in UNARY.items() for s in UNARY_SHAPES]
    cases += [pytest.param(prim, s, fn, {}, dom, id=f"{name}-{s}")
              for name, (prim, fn, dom) in BINARY.items() for s in BROADCAST]
    for prim, params, fn, dom in ORDERED:
        cases += [pytest.param(prim, (s,), fn, params, dom, id=f"{prim.name}-{params}-{s}") for s in UNARY_SHAPES]
    return cases


@pytest.mark.parametrize("prim, shapes, jax_fn, params, domain", _rule_cases())
def test_rule_against_jax(prim, shapes, jax_fn, params, domain):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        xs = [rng.uniform(*domain, size=s) for s in shapes]
        ts = [rng.normal(size=s) for s in shapes]
        ans = prim(*xs, **params)
        y_jax, y_dot_jax = jax.jvp(jax_fn, tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts)))
        y_dot = sum(prim.jvps[i](t, ans, *xs, **params) for i, t in enumerate(ts))
        assert max_error(ans, y_jax) < TOL
        assert max_error(np.broadcast_to(y_dot, np.shape(ans)), y_dot_jax) < TOL
        g = rng.normal(size=np.shape(ans))
        _, f_vjp = jax.vjp(jax_fn, *map(jnp.asarray, xs))
        bars = tuple(prim.vjps[i](ans, *xs, **params)(g) for i in range(len(xs)))
        assert [np.shape(b) for b in bars] == [np.shape(x) for x in xs]
        assert max_error(bars, f_vjp(jnp.asarray(g))) < TOL


def _second_cases():
    cases = [pytest.param(getattr(anp, name), fn, (dom,), id=name) for name, (_, fn, dom) in UNARY.items()]
    cases += [pytest.param(getattr(anp, name), fn, (dom, dom), id=name) for name, (_, fn, dom) in BINARY.items()]
    cases += [pytest.param(functools.partial(anp.polygamma, n), functools.partial(jsp.polygamma, n), (POSITIVE,),
                           id=f"polygamma-{n}") for n in (0, 1)]
    return cases


@pytest.mark.parametrize("fn, jax_fn, domains", _second_cases())
def test_second_derivative_forward_over_reverse(fn, jax_fn, domains):
    """jvp of grad (forward over reverse) of sum(f * sin(f)), on the overloading engine and by JAX."""
    eng = ad.engine("overloading")
    shapes = [(2, 3), (3,)][:len(domains)]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        xs = tuple(rng.uniform(*d, size=s) for d, s in zip(domains, shapes))
        ts = tuple(rng.normal(size=s) for s in shapes)
        every = tuple(range(len(xs)))
        ours = eng.jvp(eng.grad(lambda *v: anp.sum(fn(*v) * anp.sin(fn(*v))), every), xs, ts)[1]
        theirs = jax.jvp(jax.grad(lambda *v: jnp.sum(jax_fn(*v) * jnp.sin(jax_fn(*v))), every),
                         tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts)))[1]
        assert max_error(ours, theirs) < 1e-11


# --------------------------------------------------------------------------
# The edges: values on every backend (Python floats too), derivatives of first and second order

EDGE_UNARY = {name: fn for name, (_, fn, _) in UNARY.items()}
EDGE_BINARY = {name: fn for name, (_, fn, _) in BINARY.items()} | {"hypot": jnp.hypot}  # hypot: composite


@pytest.mark.parametrize("name", sorted(EDGE_UNARY))
def test_unary_values_at_the_edges(name):
    prim, points = getattr(anp, name), np.array(tn.EDGE)
    expected = EDGE_UNARY[name](jnp.asarray(points))
    on_floats = np.array([prim(x) for x in tn.EDGE], dtype=np.float64)
    for got in (on_floats, prim(points), prim(jnp.asarray(points))):
        assert not tn.mismatches(got, expected, (points,))


@pytest.mark.parametrize("name", sorted(EDGE_BINARY))
def test_binary_values_at_the_edges(name):
    prim, (x, y) = getattr(anp, name), tn.GRID
    expected = EDGE_BINARY[name](jnp.asarray(x), jnp.asarray(y))
    on_floats = np.array([prim(a, b) for a, b in zip(x.tolist(), y.tolist())], dtype=np.float64)
    for got in (on_floats, prim(x, y), prim(jnp.asarray(x), jnp.asarray(y))):
        assert not tn.mismatches(got, expected, (x, y))


@functools.cache
def _unary_oracle(name: str, how: str):
    return tn.oracle(EDGE_UNARY[name], np.array(tn.EDGE), how)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", tn.ENGINES)
@pytest.mark.parametrize("name", sorted(EDGE_UNARY))
def test_unary_derivatives_at_the_edges(name, engine_name, backend):
    eng, f = ad.engine(engine_name), tn.form(engine_name, name)
    points = np.array(tn.EDGE)
    bad = {how: tn.mismatches(tn.ours(eng, f, points, how, backend), _unary_oracle(name, how), (points,))
           for how in tn.HOWS}
    assert not any(bad.values()), {h: b for h, b in bad.items() if b}


@functools.cache
def _binary_oracle(name: str) -> dict:
    x, y = (jnp.asarray(v, jnp.float64) for v in tn.GRID)
    return tn.partials(jax.jvp, jax.vjp, EDGE_BINARY[name], x, y, pointwise=False)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", tn.ENGINES)
@pytest.mark.parametrize("name", sorted(EDGE_BINARY))
def test_binary_derivatives_at_the_edges(name, engine_name, backend):
    eng = ad.engine(engine_name)
    x, y = (tn.as_backend(v, backend) for v in tn.GRID)
    got = tn.partials(eng.jvp, eng.vjp, tn.form(engine_name, name), x, y, pointwise=False)
    bad = {key: tn.mismatches(d, _binary_oracle(name)[key], tn.GRID) for key, d in got.items()}
    assert not any(bad.values()), {k: b[:6] for k, b in bad.items() if b}


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_sinc_derivatives_at_zero_are_jax_s(order):
    """JAX's Maclaurin terms at 0 (e.g. -pi**2 / 3 for the second), on every engine, nested."""
    f_jax = jnp.sinc
    for _ in range(order):
        f_jax = jax.grad(f_jax)
    for name in ad.ENGINES:
        eng = ad.engine(name)
        f = el.sinc if name == "elemental" else anp.sinc
        for _ in range(order):
            f = eng.grad(f)
        assert max_error(f(0.0), f_jax(0.0)) < 1e-13, name


def test_the_gammaln_rule_is_digamma_and_nan_at_poles_as_jax():
    x = jnp.asarray([0.0, -1.0, -1.5, 0.5, 2.5, 7.0])
    eng = ad.engine("overloading")
    for backend in (np.asarray, jnp.asarray):
        grad = eng.jvp(anp.gammaln, (backend(x),), (np.ones(6),))[1]
        assert not tn.mismatches(grad, jax.jvp(jsp.gammaln, (x,), (jnp.ones(6),))[1], (x,))
        hess = tn.derivative(eng.jvp, eng.vjp, anp.gammaln, backend(x), "fwd-rev")
        assert not tn.mismatches(hess, tn.derivative(jax.jvp, jax.vjp, jsp.gammaln, x, "fwd-rev"), (x,))


# --------------------------------------------------------------------------
# Composite names and constants: clip, angle, sign, floor, ceil, round, imag

COMPOSITES = {
    "clip": (lambda x: anp.clip(x, -0.5, 1.0), lambda x: el.clip(x, -0.5, 1.0), lambda x: jnp.clip(x, -0.5, 1.0)),
    "clip-min": (lambda x: anp.clip(x, 0.0, None), lambda x: el.clip(x, 0.0, None), lambda x: jnp.clip(x, 0.0)),
    "angle": (anp.angle, el.angle, jnp.angle),
    "sign": (lambda x: anp.multiply(anp.sign(x), x), lambda x: el.multiply(el.sign(x), x),
             lambda x: jnp.sign(x) * x),
    "floor-ceil-round": (lambda x: anp.floor(x) + anp.ceil(x) * x + anp.round(x) + anp.around(x) * x,
                         lambda x: el.add(el.add(el.floor(x), el.multiply(el.ceil(x), x)),
                                          el.add(el.round(x), el.multiply(el.around(x), x))),
                         lambda x: jnp.floor(x) + jnp.ceil(x) * x + jnp.round(x) + jnp.round(x) * x),
    "imag": (lambda x: anp.add(anp.imag(x), x), lambda x: el.add(el.imag(x), x), lambda x: jnp.imag(x) + x),
}
BOUNDS = np.array([-2.0, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5, 2.0])  # ties at clip's bounds, angle at 0


@pytest.mark.parametrize("engine_name", tn.ENGINES)
@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composites_and_constants_at_the_edges(name, engine_name):
    natural, elemental, f_jax = COMPOSITES[name]
    eng = ad.engine(engine_name)
    f = elemental if engine_name == "elemental" else natural
    for backend in ("numpy", "jax"):
        got = {how: tn.ours(eng, f, BOUNDS, how, backend) for how in tn.HOWS}
        bad = {how: tn.mismatches(got[how], tn.oracle(f_jax, BOUNDS, how), (BOUNDS,)) for how in tn.HOWS}
        assert not any(bad.values()), {h: b for h, b in bad.items() if b}


def test_complex_arguments_are_refused_by_name():
    for fn, name in ((anp.real, "real"), (anp.conj, "conj"), (el.real, "real")):
        with pytest.raises(TypeError, match=f"{name}: complex arguments are not supported"):
            fn(np.array([1.0 + 2.0j]))


def test_nan_to_num_replaces_with_constants():
    x = np.array([nan, inf, -inf, 1.5, -2.0])
    eng = ad.engine("overloading")
    for kw in ({}, {"nan": 1.0, "posinf": 5.0, "neginf": -5.0}):
        assert not tn.mismatches(anp.nan_to_num(x, **kw), jnp.nan_to_num(jnp.asarray(x), **kw), (x,))
        got = eng.grad(lambda v, kw=kw: anp.sum(anp.square(anp.nan_to_num(v, **kw))))(x)
        want = jax.grad(lambda v, kw=kw: jnp.sum(jnp.square(jnp.nan_to_num(v, **kw))))(jnp.asarray(x))
        assert not tn.mismatches(got, want, (x,))


# --------------------------------------------------------------------------
# Every name on every engine (elemental through its library call), on NumPy and JAX inputs

ALIASES = {"absolute": "abs", "fabs": "abs", "true_divide": "divide", "mod": "remainder",
           "radians": "deg2rad", "degrees": "rad2deg", "conjugate": "conj"}
UNARY_NAMES = sorted(UNARY) + ["absolute", "fabs", "radians", "degrees", "conjugate", "digamma"]
BINARY_NAMES = sorted(BINARY) + ["hypot", "true_divide", "mod"]
JAX_NAMES = {"digamma": jsp.digamma, "conjugate": jnp.conjugate, "erf": jsp.erf, "gammaln": jsp.gammaln,
             "erfc": jsp.erfc, "erfinv": jsp.erfinv}


def _domain(name):
    name = ALIASES.get(name, name)
    return (UNARY.get(name) or BINARY.get(name) or (None, None, (0.5, 3.0)))[2]


def natural_unary(op, x):
    return anp.sum(anp.sin(op(x)) * x)


def elemental_unary(op, x):
    return el.sum(el.multiply(el.sin(op(x)), x))


def natural_binary(op, x, y):
    return anp.sum(anp.sin(op(x, y)))


def elemental_binary(op, x, y):
    return el.sum(el.sin(op(x, y)))


def _run_everywhere(engine_name, backend, natural, elemental, jax_fn, xs):
    eng = ad.engine(engine_name)
    f = elemental if engine_name == "elemental" else natural
    as_input = jnp.asarray if backend == "jax" else np.asarray
    inputs = tuple(as_input(x) for x in xs)
    every = tuple(range(len(xs)))
    grads = eng.grad(f, every)(*inputs)
    assert all(isinstance(g, jax.Array) == (backend == "jax") for g in grads)
    assert max_error(grads, jax.grad(jax_fn, every)(*map(jnp.asarray, xs))) < 1e-11
    ts = tuple(np.linspace(-1.0, 1.0, np.size(x)).reshape(np.shape(x)) for x in xs)
    got = eng.jvp(f, inputs, tuple(as_input(t) for t in ts))
    assert max_error(got, jax.jvp(jax_fn, tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts)))) < 1e-11


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ad.ENGINES)
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_name_on_every_engine(name, engine_name, backend):
    jax_op = JAX_NAMES.get(name) or getattr(jnp, name)
    x = np.random.default_rng(0).uniform(*_domain(name), size=(2, 3))
    _run_everywhere(engine_name, backend, functools.partial(natural_unary, getattr(anp, name)),
                    functools.partial(elemental_unary, getattr(el, name)),
                    lambda v: jnp.sum(jnp.sin(jax_op(v)) * v), (x,))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ad.ENGINES)
@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_name_on_every_engine(name, engine_name, backend):
    jax_op = getattr(jnp, name)
    rng = np.random.default_rng(1)
    x, y = rng.uniform(*_domain(name), size=(2, 3)), rng.uniform(*_domain(name), size=(3,))
    _run_everywhere(engine_name, backend, functools.partial(natural_binary, getattr(anp, name)),
                    functools.partial(elemental_binary, getattr(el, name)),
                    lambda a, b: jnp.sum(jnp.sin(jax_op(a, b))), (x, y))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ad.ENGINES)
@pytest.mark.parametrize("name", sorted(COMPOSITES) + ["nan_to_num-keywords"])
def test_composite_name_on_every_engine(name, engine_name, backend):
    natural, elemental, f_jax = COMPOSITES.get(name) or (
        lambda x: anp.nan_to_num(x, nan=1.0), lambda x: el.nan_to_num(x, nan=1.0),
        lambda x: jnp.nan_to_num(x, nan=1.0))
    x = np.random.default_rng(2).uniform(-2.0, 2.0, size=(2, 3))
    _run_everywhere(engine_name, backend, functools.partial(natural_unary, natural),
                    functools.partial(elemental_unary, elemental),
                    lambda v: jnp.sum(jnp.sin(f_jax(v)) * v), (x,))


def modulo(x, y):
    return anp.sum(anp.sin(x % y) + 3.0 % y + x % 2.0)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ["overloading", "sct"])
def test_the_modulo_operator_is_remainder(engine_name, backend):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-3.0, 3.0, size=(2, 3)), rng.uniform(0.5, 2.0, size=(3,))
    _run_everywhere(engine_name, backend, modulo, None, modulo, (x, y))


def test_the_modulo_operator_is_refused_on_elemental_values():
    eng = ad.engine("elemental")
    with pytest.raises(TypeError, match=r"operator % is not defined on elemental values.*el\.remainder"):
        eng.grad(lambda x: x % 2.0)(1.5)
