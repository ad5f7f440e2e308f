"""NumPy's and JAX's numerics at the edges: 0, -0, negative, inf, nan, ties.

Values follow NumPy (inf or nan, never an exception or a complex number) on
every backend, the scalar fast path for Python floats included. Derivatives,
first and second, forward and reverse, follow JAX's rules at the same points
(``jax.jvp``/``jax.vjp``, composed the same way), compared with ``equal_nan``:
where JAX gives nan or inf, so must the engines.
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

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import primitives as p

inf, nan = math.inf, math.nan
EDGE = (0.0, -0.0, 0.5, -0.5, 1.0, 2.0, -2.0, inf, -inf, nan)
GRID = tuple(g.ravel() for g in np.meshgrid(EDGE, EDGE))  # every pair of edge points
BACKENDS = ("float", "numpy", "jax")
ENGINES = ("overloading", "elemental")
HOWS = ("fwd", "rev", "fwd-fwd", "fwd-rev", "rev-rev")

UNARY = {"negative": jnp.negative, "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "exp": jnp.exp,
         "log": jnp.log, "log1p": jnp.log1p, "expm1": jnp.expm1, "sqrt": jnp.sqrt, "tanh": jnp.tanh,
         "abs": jnp.abs, "sigmoid": jax.nn.sigmoid}
BINARY = {"add": jnp.add, "subtract": jnp.subtract, "multiply": jnp.multiply, "divide": jnp.divide,
          "power": jnp.power, "maximum": jnp.maximum, "minimum": jnp.minimum}


@pytest.fixture(autouse=True)
def quiet():
    """NumPy warns on inf and nan results; these tests make them on purpose."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def same(ours, theirs) -> bool:
    """Equal shapes; nan where JAX has nan, the same inf, and within 1e-12 elsewhere."""
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.isclose(a, b, rtol=1e-12, atol=1e-14, equal_nan=True)))


def mismatches(ours, theirs, points) -> list:
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return [f"shape {a.shape} != {b.shape}"]
    bad = ~np.isclose(a, b, rtol=1e-12, atol=1e-14, equal_nan=True)
    return [(tuple(float(q[i]) for q in points), float(a[i]), float(b[i])) for i in np.flatnonzero(bad)]


# --------------------------------------------------------------------------
# Derivatives composed the same way from an engine's jvp/vjp and from JAX's


def derivative(jvp, vjp, f, x, how: str):
    """``f``'s elementwise derivative at ``x`` (first or second order), from ``jvp`` and ``vjp``."""
    if how == "fwd":
        return jvp(f, (x,), (ones_like(x),))[1]
    if how == "rev":
        y, f_vjp = vjp(f, x)
        return f_vjp(ones_like(y))[0]
    outer, inner = how.split("-")
    return derivative(jvp, vjp, lambda v: derivative(jvp, vjp, f, v, inner), x, outer)


def ones_like(x):
    x = p.primal(x)
    if isinstance(x, float):
        return 1.0
    return jnp.ones_like(x) if isinstance(x, jax.Array) else np.ones_like(x)


def as_backend(values, backend):
    """Points as one array (NumPy or JAX), or a list of Python floats."""
    if backend == "float":
        return [float(v) for v in values]
    return np.asarray(values, dtype=np.float64) if backend == "numpy" else jnp.asarray(values, jnp.float64)


def ours(eng, f, points, how, backend):
    """The engine's derivative at every point: point by point for Python floats."""
    d = lambda x: derivative(eng.jvp, eng.vjp, f, x, how)  # noqa: E731
    xs = as_backend(points, backend)
    if backend == "float":
        out = [d(x) for x in xs]
        assert all(type(v) is float for v in out), [type(v) for v in out]
        return np.array(out)
    return d(xs)


def oracle(f_jax, points, how):
    return derivative(jax.jvp, jax.vjp, f_jax, jnp.asarray(points, jnp.float64), how)


@functools.cache
def unary_oracle(name: str, how: str):
    return oracle(UNARY[name], np.array(EDGE), how)


@functools.cache
def integer_power_oracle(n: int, how: str):
    return oracle(lambda x: x ** n, np.array(EDGE), how)


def form(engine_name: str, name: str):
    """The vocabulary call ``name`` in the engine's form (the elemental library for elemental)."""
    return getattr(el if engine_name == "elemental" else anp, name)


# --------------------------------------------------------------------------
# Values: NumPy's inf and nan, on Python floats too


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_at_the_edges(name):
    prim, points = p.PRIMITIVES[name], np.array(EDGE)
    expected = UNARY[name](jnp.asarray(points))
    on_floats = [prim(x) for x in EDGE]
    assert all(type(v) is float for v in on_floats)
    for got in (np.array(on_floats), prim(points), prim(jnp.asarray(points))):
        assert not mismatches(got, expected, (points,))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_at_the_edges(name):
    prim, (x, y) = p.PRIMITIVES[name], GRID
    expected = BINARY[name](jnp.asarray(x), jnp.asarray(y))
    on_floats = [prim(a, b) for a, b in zip(x.tolist(), y.tolist())]
    assert all(type(v) is float for v in on_floats), {type(v) for v in on_floats}
    for got in (np.array(on_floats), prim(x, y), prim(jnp.asarray(x), jnp.asarray(y))):
        assert not mismatches(got, expected, (x, y))


def test_python_float_edge_cases_by_name():
    assert math.isnan(anp.power(-4.0, 0.5)) and type(anp.power(-4.0, 0.5)) is float
    assert anp.power(0.0, -1.0) == inf and anp.power(-0.0, -1) == -inf
    assert anp.divide(1.0, 0.0) == inf and anp.divide(-1.0, 0.0) == -inf
    assert math.isnan(anp.divide(0.0, 0.0))
    assert anp.log(0.0) == -inf and math.isnan(anp.log(-1.0)) and math.isnan(anp.sqrt(-1.0))
    assert anp.exp(1000.0) == inf and anp.power(10.0, 400.0) == inf
    for a, b in [(1.0, nan), (nan, 1.0), (nan, nan)]:
        assert math.isnan(anp.maximum(a, b)) and math.isnan(anp.minimum(a, b))
    assert anp.maximum(1, 2.5) == 2.5 and type(anp.maximum(3, 2.5)) is float
    assert anp.gammaln(0.0) == inf and anp.gammaln(-1.0) == inf


def test_gammaln_values_at_the_edges():
    points = np.array(EDGE + (-3.0, 3.5))
    expected = jsp.gammaln(jnp.asarray(points))
    for got in (np.array([anp.gammaln(float(x)) for x in points]), anp.gammaln(points),
                anp.gammaln(jnp.asarray(points))):
        assert not mismatches(got, expected, (points,))


# --------------------------------------------------------------------------
# Derivatives of the elementwise rules, first and second order, against JAX


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives_at_the_edges(name, engine_name, backend):
    eng, f = ad.engine(engine_name), form(engine_name, name)
    points = np.array(EDGE)
    bad = {how: mismatches(ours(eng, f, points, how, backend), unary_oracle(name, how), (points,))
           for how in HOWS}
    assert not any(bad.values()), {h: b for h, b in bad.items() if b}


MIXED = ("fwd-fwd", "rev-fwd", "rev-rev")


def partials(jvp, vjp, f, x, y, pointwise: bool) -> dict:
    """(how, which) -> each operand's first and second partials, and the mixed second ones.

    ``pointwise``: one point at a time (Python floats), else all at once (arrays).
    """
    def at_each(d):
        return [d(a, b) for a, b in zip(x, y)] if pointwise else d(x, y)

    out = {}
    for how in HOWS:
        out[how, "x"] = at_each(lambda a, b: derivative(jvp, vjp, lambda v: f(v, b), a, how))
        out[how, "y"] = at_each(lambda a, b: derivative(jvp, vjp, lambda v: f(a, v), b, how))
    for how in MIXED:
        outer, inner = how.split("-")
        out[how, "xy"] = at_each(lambda a, b: derivative(
            jvp, vjp, lambda w: derivative(jvp, vjp, lambda v: f(v, w), a, inner), b, outer))
    return out


@functools.cache
def binary_oracle(name: str) -> dict:
    x, y = (jnp.asarray(v, jnp.float64) for v in GRID)
    return partials(jax.jvp, jax.vjp, BINARY[name], x, y, pointwise=False)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivatives_at_the_edges(name, engine_name, backend):
    eng = ad.engine(engine_name)
    x, y = (as_backend(v, backend) for v in GRID)
    got = partials(eng.jvp, eng.vjp, form(engine_name, name), x, y, pointwise=backend == "float")
    if backend == "float":
        assert all(type(v) is float for d in got.values() for v in d), {type(v) for d in got.values() for v in d}
    bad = {key: mismatches(d, binary_oracle(name)[key], GRID) for key, d in got.items()}
    assert not any(bad.values()), {k: b[:6] for k, b in bad.items() if b}


def test_both_operands_at_once_at_the_edges():
    """Both operands active together: JAX's tangents and cotangents (0 * inf is nan in both)."""
    x, y = GRID
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    t = (np.linspace(-1.0, 1.0, len(x)), np.linspace(2.0, 0.0, len(x)))
    for engine_name in ENGINES:
        eng = ad.engine(engine_name)
        for name, f_jax in BINARY.items():
            _, f_vjp = eng.vjp(form(engine_name, name), x, y)
            _, f_vjp_jax = jax.vjp(f_jax, xj, yj)
            for got, want in zip(f_vjp(np.ones_like(x)), f_vjp_jax(jnp.ones(len(x)))):
                assert not mismatches(got, want, GRID), (engine_name, name)
            got = eng.jvp(form(engine_name, name), (x, y), t)[1]
            want = jax.jvp(f_jax, (xj, yj), tuple(map(jnp.asarray, t)))[1]
            assert not mismatches(got, want, GRID), (engine_name, name)


# --------------------------------------------------------------------------
# Powers with integer exponents: JAX's integer_pow (x ** 0 has derivative 0 at 0)


INTEGER_EXPONENTS = (0, 1, 2, 3, -1, -2)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("n", INTEGER_EXPONENTS)
def test_integer_powers_at_the_edges(n, engine_name, backend):
    eng, power = ad.engine(engine_name), form(engine_name, "power")
    points = np.array(EDGE)
    bad = {how: mismatches(ours(eng, lambda x: power(x, n), points, how, backend),
                           integer_power_oracle(n, how), (points,)) for how in HOWS}
    assert not any(bad.values()), {h: b for h, b in bad.items() if b}


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ENGINES)
def test_integer_array_exponents_at_the_edges(engine_name, backend):
    eng, power = ad.engine(engine_name), form(engine_name, "power")
    x, n = (g.ravel() for g in np.meshgrid(EDGE, INTEGER_EXPONENTS))
    n = n.astype(np.int64)
    n_b = n if backend == "numpy" else jnp.asarray(n)
    bad = {how: mismatches(ours(eng, lambda v: power(v, n_b), x, how, backend),
                           oracle(lambda v: jnp.power(v, jnp.asarray(n)), x, how), (x, n)) for how in HOWS}
    assert not any(bad.values()), {h: b for h, b in bad.items() if b}


@pytest.mark.parametrize("n", [0, 1, 2, -1])
def test_traced_integer_exponents_under_jit(n):
    """A traced integer exponent is JAX's ``pow`` (not ``integer_pow``), as in ``jnp.power``."""
    eng = ad.engine("overloading")
    x = jnp.asarray(EDGE)

    def ours_(x, n):
        return derivative(eng.jvp, eng.vjp, lambda v: anp.power(v, n), x, "fwd-rev")

    def jax_(x, n):
        return derivative(jax.jvp, jax.vjp, lambda v: jnp.power(v, n), x, "fwd-rev")

    assert not mismatches(jax.jit(ours_)(x, n), jax.jit(jax_)(x, n), (x,))


def test_power_operator_on_the_overloading_engine():
    eng = ad.engine("overloading")
    assert eng.grad(lambda x: x ** 0)(0.0) == 0.0
    assert eng.hessian(lambda x: x ** 2)(0.0) == jax.hessian(lambda x: x ** 2)(0.0) == 2.0
    assert eng.hessian(lambda x: x ** 3, mode="rev-rev")(0.0) == jax.hessian(lambda x: x ** 3)(0.0)
    assert eng.grad(lambda x: x ** 3)(-2.0) == jax.grad(lambda x: x ** 3)(-2.0) == 12.0
    assert math.isnan(eng.grad(lambda y: (-2.0) ** y)(2.0))  # log of a negative base, as JAX
    assert math.isnan(eng.grad(lambda x: x ** 0.5)(-4.0))


# --------------------------------------------------------------------------
# Reductions, where, and linear algebra on arrays holding inf, nan and ties


REDUCTION_ROWS = [[1.0, 1.0, 0.0], [nan, 1.0, 2.0], [inf, 1.0, 2.0], [inf, inf, 1.0], [-inf, -inf, -inf],
                  [-inf, 0.0, 1.0], [0.0, -0.0, 0.0], [2.0, nan, nan]]
REDUCTIONS = {"sum": (anp.sum, jnp.sum), "mean": (anp.mean, jnp.mean), "max": (anp.max, jnp.max),
              "logsumexp": (anp.logsumexp, jsp.logsumexp)}


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions_at_the_edges(name, engine_name, backend):
    eng = ad.engine(engine_name)
    ours_fn, jax_fn = REDUCTIONS[name]
    rows = np.array(REDUCTION_ROWS)
    for axis in (None, 1):
        f = lambda x, axis=axis: ours_fn(x, axis=axis)  # noqa: E731
        f_jax = lambda x, axis=axis: jax_fn(x, axis=axis)  # noqa: E731
        x, xj = as_backend(rows, backend), jnp.asarray(rows)
        t = np.linspace(0.5, 1.5, rows.size).reshape(rows.shape)
        tb = t if backend == "numpy" else jnp.asarray(t)
        y, y_dot = eng.jvp(f, (x,), (tb,))
        y_jax, y_dot_jax = jax.jvp(f_jax, (xj,), (jnp.asarray(t),))
        assert same(y, y_jax) and same(y_dot, y_dot_jax), (axis, y_dot, y_dot_jax)
        y_bar = np.linspace(1.0, 2.0, np.size(y_jax)).reshape(np.shape(y_jax))
        (x_bar,) = eng.vjp(f, x)[1](y_bar if backend == "numpy" else jnp.asarray(y_bar))
        (x_bar_jax,) = jax.vjp(f_jax, xj)[1](jnp.asarray(y_bar))
        assert same(x_bar, x_bar_jax), (axis, x_bar, x_bar_jax)
    f = lambda x: ours_fn(x, axis=1)  # noqa: E731
    for how in HOWS:  # along a direction of ones, composed as for JAX
        got = derivative(eng.jvp, eng.vjp, f, as_backend(rows, backend), how)
        want = derivative(jax.jvp, jax.vjp, lambda x: jax_fn(x, axis=1), jnp.asarray(rows), how)
        assert same(got, want), (how, got, want)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_where_passes_nan_from_the_unselected_branch_as_jax(engine_name):
    """``where(x > 0, sqrt(x), 0)`` at x <= 0: JAX's gradient is nan (0 times sqrt's inf or nan)."""
    eng = ad.engine(engine_name)
    sqrt, where = form(engine_name, "sqrt"), form(engine_name, "where")
    points = np.array(EDGE)

    def f(x):
        return where(p.primal(x) > 0, sqrt(x), 0.0)

    def f_jax(x):
        return jnp.where(x > 0, jnp.sqrt(x), 0.0)

    for how in HOWS:
        assert not mismatches(ours(eng, f, points, how, "numpy"), oracle(f_jax, points, how), (points,))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_matmul_with_inf_and_nan_entries(engine_name):
    eng, matmul = ad.engine(engine_name), form(engine_name, "matmul")
    a = np.array([[inf, 1.0], [0.0, nan], [2.0, -inf]])
    b = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, inf]])
    for got, want in zip(eng.vjp(matmul, a, b)[1](np.ones((3, 3))),
                         jax.vjp(jnp.matmul, jnp.asarray(a), jnp.asarray(b))[1](jnp.ones((3, 3)))):
        assert same(got, want)
    tangents = (np.ones_like(a), np.ones_like(b))
    assert same(eng.jvp(matmul, (a, b), tangents)[1],
                jax.jvp(jnp.matmul, (jnp.asarray(a), jnp.asarray(b)), tuple(map(jnp.asarray, tangents)))[1])


@pytest.mark.parametrize("scale", [1.0, 1e20, 1e76])
def test_logsumexp_derivatives_keep_their_weights_at_large_magnitude(scale):
    """exp(x - logsumexp(x)) loses the weights once logsumexp(x) + log(n) rounds to it (random programs found it)."""
    x = scale * np.array([1.0, 1.0, 1.0]) + np.array([0.0, 0.5, -0.25])  # the offsets vanish at 1e76
    t = np.array([0.3, -1.2, 2.0])
    _, t_jax = jax.jvp(jsp.logsumexp, (jnp.asarray(x),), (jnp.asarray(t),))
    g_jax = jax.grad(jsp.logsumexp)(jnp.asarray(x))
    for name in ("overloading", "elemental"):
        eng = ad.engine(name)
        f = el.logsumexp if name == "elemental" else anp.logsumexp
        assert np.allclose(eng.jvp(f, (x,), (t,))[1], t_jax, rtol=1e-12, atol=0)
        assert np.allclose(eng.grad(f)(x), g_jax, rtol=1e-12, atol=0)
