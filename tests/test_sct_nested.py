"""Nested derivatives inside code SCT transforms (``SCTEngine(higher="sct")``): closure conversion.

A nested ``def`` differentiated inside the outer function (``E.grad(inner)(y)``,
``E.jacfwd(inner)(y)``) is lifted with the outer values it reads as explicit
inputs, so the outer derivative runs through them and no perturbation is
confused with another (Siskind and Pearlmutter's test), against JAX.
"""

from __future__ import annotations

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


def test_the_default_engine_still_refuses_a_nested_def():
    boxes = SCTEngine()

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
