"""Nested derivatives inside code SCT transforms (``SCTEngine(higher="sct")``): closure conversion.

A nested ``def`` differentiated inside the outer function (``E.grad(inner)(y)``,
``E.jacfwd(inner)(y)``) is lifted with the outer values it reads as explicit
inputs, so the outer derivative runs through them and no perturbation is
confused with another (Siskind and Pearlmutter's test), against JAX.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, SCTError
from adcompare.oracle import max_error

sct = SCTEngine(higher="sct")


def confusion(x):
    def shift(y):
        return x + y

    return x * sct.grad(shift)(1.0)


def test_no_perturbation_confusion():
    """d/dx [x * d/dy (x + y)] at y = 1 is 1 (a confused tool gives 2)."""
    def theirs(x):
        return x * jax.grad(lambda y: x + y)(1.0)

    for x in (2.0, -0.5, 3.25):
        y, y_dot = sct.jvp(confusion, (x,), (1.0,))
        assert max_error((y, y_dot), jax.jvp(theirs, (x,), (1.0,))) == 0.0
        assert y_dot == 1.0


def mixed(x, w):
    def inner(y):
        return anp.sin(x * y) * anp.sum(w * y)

    return x * sct.grad(inner)(0.7) + sct.jacfwd(inner)(0.3)


def mixed_jax(x, w):
    def inner(y):
        return jnp.sin(x * y) * jnp.sum(w * y)

    return x * jax.grad(inner)(0.7) + jax.jacfwd(inner)(0.3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_through_an_inner_gradient_and_jacobian(seed):
    rng = numpy.random.default_rng(seed)
    x, w, t = float(rng.normal()), rng.normal(size=3), float(rng.normal())
    ours = sct.jvp(lambda x: mixed(x, w), (x,), (t,))
    theirs = jax.jvp(lambda x: mixed_jax(x, jnp.asarray(w)), (x,), (t,))
    assert max_error(ours, theirs) < 1e-12


def through_jacfwd(x):
    def inner(y):
        return anp.sin(x * y) * y

    return x * sct.jacfwd(inner)(0.3)


def test_reverse_through_an_inner_forward_derivative():
    for x in (0.4, -1.2):
        expected = jax.grad(lambda x: x * jax.jacfwd(lambda y: jnp.sin(x * y) * y)(0.3))(x)
        assert max_error(sct.grad(through_jacfwd)(x), expected) < 1e-12


def test_reverse_through_an_inner_gradient():
    """Reverse over reverse: the outer gradient of the confusion test is 1 as well."""
    for x in (2.0, -0.5):
        assert sct.grad(confusion)(x) == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_reverse_through_an_inner_gradient_and_jacobian(seed):
    rng = numpy.random.default_rng(seed)
    x, w = float(rng.normal()), rng.normal(size=3)
    assert max_error(sct.grad(mixed)(x, w), jax.grad(mixed_jax)(x, jnp.asarray(w))) < 1e-12


def test_higher_boxes_still_refuses_a_nested_def():
    boxes = SCTEngine(higher="boxes")

    def f(x):
        def shift(y):
            return x + y

        return x * boxes.grad(shift)(1.0)

    with pytest.raises(SCTError, match="nested def"):
        boxes.grad(f)(2.0)


def cubic_sine(x):
    return anp.sum(anp.sin(x) * x * x)


grad_cubic_sine = sct.grad(cubic_sine)  # made at module level, called inside transformed code
V = numpy.linspace(0.5, 1.5, 3)


def grad_dot_v(x):
    return anp.sum(grad_cubic_sine(x) * V)


def test_a_derivative_made_outside_and_called_inside(monkeypatch):
    """Hv by reverse over reverse (the gradient of <grad f, v>) and forward over reverse, with no trace."""
    from adcompare.engines.sct.emit.templates import SymbolTrace
    from adcompare.primitives import core

    def theirs(x):
        return jnp.sum(jax.grad(lambda x: jnp.sum(jnp.sin(x) * x * x))(x) * jnp.asarray(V))

    original = core.Trace.__init__

    def refuse(self, *args, **kwargs):
        assert isinstance(self, SymbolTrace), f"a {type(self).__name__} was made"
        original(self, *args, **kwargs)

    monkeypatch.setattr(core.Trace, "__init__", refuse)
    for x in (numpy.linspace(-1.0, 1.0, 3), numpy.linspace(0.2, 0.9, 3)):
        assert max_error(sct.grad(grad_dot_v)(x), jax.grad(theirs)(x)) < 1e-12
        assert max_error(sct.jvp(grad_dot_v, (x,), (V,)), jax.jvp(theirs, (x,), (V,))) < 1e-12


# --------------------------------------------------------------------------
# jvp and vjp inside transformed code, on a closure over outer differentiated values


def via_jvp(x, w):
    def inner(y):
        return anp.sin(x * y) * anp.sum(w * y)

    y, y_dot = sct.jvp(inner, (0.7,), (x,))  # the tangent is an outer value too
    return y * y_dot


def via_jvp_jax(x, w):
    def inner(y):
        return jnp.sin(x * y) * jnp.sum(w * y)

    y, y_dot = jax.jvp(inner, (0.7,), (x,))
    return y * y_dot


def via_vjp(x, w):
    def inner(y):
        return anp.sin(x * y) * anp.sum(w * y)

    y, pullback = sct.vjp(inner, 0.4)
    (bar,) = pullback(x)
    return y + bar * x


def via_vjp_jax(x, w):
    def inner(y):
        return jnp.sin(x * y) * jnp.sum(w * y)

    y, pullback = jax.vjp(inner, 0.4)
    (bar,) = pullback(x)
    return y + bar * x


@pytest.mark.parametrize(("ours", "theirs"), [(via_jvp, via_jvp_jax), (via_vjp, via_vjp_jax)],
                         ids=["jvp", "vjp"])
@pytest.mark.parametrize("seed", [0, 1])
def test_jvp_and_vjp_of_a_closure_inside(ours, theirs, seed):
    rng = numpy.random.default_rng(seed)
    x, w, t = float(rng.normal()), rng.normal(size=3), float(rng.normal())
    wj = jnp.asarray(w)
    assert max_error(ours(x, w), theirs(x, wj)) < 1e-12
    assert max_error(sct.grad(ours)(x, w), jax.grad(theirs)(x, wj)) < 1e-12
    assert max_error(sct.jvp(lambda x: ours(x, w), (x,), (t,)), jax.jvp(lambda x: theirs(x, wj), (x,), (t,))) < 1e-12


# --------------------------------------------------------------------------
# Perturbation confusion (Siskind and Pearlmutter) in every outer/inner pair


def _inner_derivative(kind):
    """d/dy (x + y) at y = 1 inside a function of x, taken by ``kind``, through a helper and a lambda."""
    def take(engine, f):
        if kind == "grad":
            return engine.grad(f)(1.0)
        if kind == "jacfwd":
            return engine.jacfwd(f)(1.0)
        if kind == "jvp":
            return engine.jvp(f, (1.0,), (1.0,))[1]
        return engine.vjp(f, 1.0)[1](1.0)[0]

    def outer(x):
        return x * take(sct, lambda y: x + y)

    return outer


@pytest.mark.parametrize("inner", ["grad", "jacfwd", "jvp", "vjp"])
@pytest.mark.parametrize("outer", ["grad", "jvp", "jacfwd"])
def test_no_perturbation_confusion_in_any_pair(outer, inner):
    f = _inner_derivative(inner)
    for x in (2.0, -0.5):
        if outer == "jvp":
            got = sct.jvp(f, (x,), (1.0,))[1]
        else:
            got = getattr(sct, outer)(f)(x)
        assert float(got) == 1.0  # a confused tool gives 2


# --------------------------------------------------------------------------
# Closures as values: through helpers, comprehensions, lambdas; captured functions and closures


def descend(f, grad_f, x, steps):
    """A helper that calls the functions it is given (as GradBench's argmin does)."""
    for _ in range(steps):
        x = tuple(xi - 0.1 * gi for xi, gi in zip(x, grad_f(x)))
    return f(x)


def helper_derivative(engine, mode, f):
    return engine.jacfwd(f) if mode == "f" else engine.grad(f)


def through_helpers(a, mode):
    scale = [a * c for c in (1.0, 2.0)]
    square = anp.square

    def loss(p):
        return sum_of([square(p[i] - scale[i]) for i in range(2)])

    return descend(lambda p: a * loss(p), helper_derivative(sct, mode, loss), (0.5, -0.25), 3)


def sum_of(xs):
    total = 0.0
    for x in xs:
        total = total + x
    return total


def through_helpers_jax(a, mode):
    scale = [a * c for c in (1.0, 2.0)]

    def loss(p):
        return sum(jnp.square(p[i] - scale[i]) for i in range(2))

    grad_f = jax.jacfwd(loss) if mode == "f" else jax.grad(loss)
    x = (0.5, -0.25)
    for _ in range(3):
        x = tuple(xi - 0.1 * gi for xi, gi in zip(x, grad_f(x)))
    return a * loss(x)


@pytest.mark.parametrize("mode", ["f", "r"])
def test_closures_through_helpers_comprehensions_and_lambdas(mode):
    for a in (0.3,):  # one point: three derivative programs per mode (CI time)
        assert max_error(through_helpers(a, mode), through_helpers_jax(a, mode)) < 1e-12
        expected = jax.grad(through_helpers_jax)(a, mode)
        assert max_error(sct.grad(through_helpers)(a, mode), expected) < 1e-12
        assert max_error(sct.jvp(lambda a: through_helpers(a, mode), (a,), (1.0,))[1], expected) < 1e-12


# --------------------------------------------------------------------------
# What is refused, by message, with the user's file and line


def reads_a_later_value(x):
    y = x

    def inner(v):
        return v * y  # y is assigned again below: Python would read the later value

    y = 2.0 * x
    return sct.grad(inner)(1.0)


def recursive_inner(x):
    def inner(v):
        return v if v < 1.0 else inner(v / 2.0) * x

    return sct.grad(inner)(3.0)


def default_parameter(x):
    def inner(v, k=2.0):
        return v * k * x

    return sct.grad(inner)(1.0)


def mixes_numbers_and_functions(x):
    pair = (anp.sin, x)

    def inner(v):
        return pair[0](v) * pair[1]

    return sct.grad(inner)(1.0)


def tuple_argnums(x):
    def inner(u, v):
        return u * v * x

    return sct.grad(inner, argnums=(0, 1))(1.0, 2.0)[0]


def test_a_nested_function_with_a_default():
    """Once refused ("with defaults"); the default is captured when the def runs (probe 11): d/dx (k x) = k."""
    numpy.testing.assert_allclose(sct.value_and_grad(default_parameter)(0.5), (1.0, 2.0), rtol=1e-15)


def test_tuple_argnums_of_a_nested_function():
    """Once refused; a tuple of derivatives as JAX's (tests/test_probe10_nest3_tuple_argnums.py): d/dx (v x) = v."""
    numpy.testing.assert_allclose(sct.grad(tuple_argnums)(0.5), 2.0, rtol=1e-15)


def test_a_nested_def_only_differentiated_at_once_reads_its_variables_when_called():
    """Once refused ("assigned again after it is defined", "mixes numbers with functions"): a def read only by
    ``sct.grad(inner)(v)`` is lifted (:mod:`adcompare.engines.sct.front.direct_defs`) and takes ``y`` (``pair``) as
    an argument at the call, as Python reads it then: d/dx (1.0 * 2x) = 2, d/dx (cos(1) x) = cos(1)."""
    for f in (reads_a_later_value, mixes_numbers_and_functions):
        on_jax = types.FunctionType(f.__code__, {**f.__globals__, "sct": jax, "anp": jnp}, f.__name__)
        for x in (0.5, -1.25):
            numpy.testing.assert_allclose(sct.grad(f)(x), jax.grad(on_jax)(x), rtol=1e-14)


@pytest.mark.parametrize(("f", "message"), [
    (recursive_inner, "which calls itself"),
])
def test_refusals_name_the_construct_and_the_line(f, message):
    with pytest.raises(SCTError, match=message) as info:
        sct.grad(f)(0.5)
    assert __file__ in str(info.value)


def reads_a_list_appended_later(x):
    xs = [x]
    last = lambda: xs[-1]  # noqa: E731  (Python reads xs as it is when last runs)
    xs.append(2.0 * x)
    return last()


def reads_a_list_appended_later_as_a_value(x):
    xs = [x]
    last = lambda: xs[-1]  # noqa: E731
    xs.append(2.0 * x)
    return [last][0]()


def test_a_lambda_over_a_list_written_later_is_refused():
    """Only called, the lambda is lifted (:mod:`adcompare.engines.sct.front.direct_defs`) and takes xs at the call,
    where SCT refuses a list appended to and passed on, as it does for a module-level callee; read as a value it is
    a closure, which would read xs when it is made."""
    with pytest.raises(SCTError, match="a second reference to the list 'xs'"):
        sct.grad(reads_a_list_appended_later)(0.5)
    with pytest.raises(SCTError, match="reads 'xs', assigned again after it is defined"):
        sct.grad(reads_a_list_appended_later_as_a_value)(0.5)


def other_derivatives(x):
    def inner(u, v):
        return anp.sin(u * v * x) + u

    def rows(w):
        return anp.sin(w * x)

    value, g = sct.value_and_grad(inner)(0.2, 0.5)
    return sct.grad(inner, argnums=1)(0.3, 0.7) * x + value * g + anp.sum(sct.jacrev(rows)(anp.ones(3) * x))


def other_derivatives_jax(x):
    def inner(u, v):
        return jnp.sin(u * v * x) + u

    def rows(w):
        return jnp.sin(w * x)

    value, g = jax.value_and_grad(inner)(0.2, 0.5)
    return jax.grad(inner, argnums=1)(0.3, 0.7) * x + value * g + jnp.sum(jax.jacrev(rows)(jnp.ones(3) * x))


def test_argnums_value_and_grad_and_jacrev_of_a_closure():
    for x in (0.4,):  # one point: each derivative here is a second-order program (CI time)
        assert max_error(other_derivatives(x), other_derivatives_jax(x)) < 1e-12
        assert max_error(sct.grad(other_derivatives)(x), jax.grad(other_derivatives_jax)(x)) < 1e-12
        assert max_error(sct.jvp(other_derivatives, (x,), (1.0,)), jax.jvp(other_derivatives_jax, (x,), (1.0,))) < 1e-12
