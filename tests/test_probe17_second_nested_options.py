"""Options of a derivative taken inside code SCT transforms, of a nested function reading differentiated values.

Probe 17: ``E.grad(inner, 0)(y)`` (argnums by position, as JAX's signature allows), ``E.jacfwd(inner, 0, False)``
and ``E.hessian(inner, 0, "rev-rev")`` of a nested def or lambda closing over the outer differentiated value
were left "as written" by the closure conversion (only keywords were read), so SCT differentiated the engine's
own ``grad`` method with the closure as its argument and stopped with "vjp: output is a function, which is not
an array..." (``hessian``: "an expression statement" in adcompare/engine.py). They are now read as the keyword
forms, and computed as JAX computes them. ``has_aux=True`` of such a function is not spelled out: it stopped
with the same TypeError (``value_and_grad``: a refusal naming SCTEngine's code); it is now refused at the
user's line, naming the option. ``has_aux`` of a function reading no differentiated value, and ``E.jvp(...,
has_aux=True)`` of a closure, ran before and are guarded here. JAX (float64) is the oracle, several seeds.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, SCTError

jax.config.update("jax_enable_x64", True)

E = SCTEngine()
TOL = dict(rtol=1e-10, atol=1e-12)


class Jax:
    grad, jacfwd, jvp, value_and_grad = jax.grad, jax.jacfwd, jax.jvp, jax.value_and_grad

    @staticmethod
    def hessian(f, argnums=0, mode="fwd-rev"):  # (the engines' third parameter is the composition)
        return jax.hessian(f, argnums)


def positional_argnums(E, m):
    def f(x):
        def inner(y):
            return m.sum(y ** 3 * x)

        return m.sum(E.grad(inner, 0)(x * 0.5)) + m.sum(E.jacfwd(inner, 0, False)(x) * x)

    return f


def positional_hessian(E, m):
    def f(x):
        return m.sum(E.hessian(lambda y: m.sum(m.sin(y) * y * x), 0, "rev-rev")(x)) \
            + E.value_and_grad(lambda a, b: m.sum(a * b * x), 1)(x, x * x)[1][0]

    return f


def aux_without_closure(E, m):
    def f(x):
        g, aux = E.grad(lambda y: (m.sum(y ** 3), m.sum(y)), has_aux=True)(x * 0.5)
        return m.sum(g) * aux

    return f


def jvp_aux_of_a_closure(E, m):
    def f(x):
        _, t, aux = E.jvp(lambda y: (m.sin(y * x), y * x), (x,), (x,), has_aux=True)
        return m.sum(t * aux)

    return f


@pytest.mark.parametrize("program", [positional_argnums, positional_hessian, aux_without_closure,
                                     jvp_aux_of_a_closure], ids=lambda p: p.__name__)
def test_options_of_a_nested_derivative_against_jax(program):
    agree_to_second_order(program(E, anp), program(Jax, jnp))


def agree_to_second_order(ours, theirs, seeds=(0, 1)):
    """grad, hessian and hvp by SCT (``higher="sct"``) of ``ours`` against JAX's of ``theirs``, at random x and v."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        x, v = rng.normal(size=3), rng.normal(size=3)
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        np.testing.assert_allclose(E.grad(ours)(x), jax.grad(theirs)(xj), **TOL)
        np.testing.assert_allclose(E.hessian(ours)(x), jax.hessian(theirs)(xj), **TOL)
        np.testing.assert_allclose(E.hvp(ours, (x,), (v,)), jax.jvp(jax.grad(theirs), (xj,), (vj,))[1], **TOL)


def aux_grad(x):
    def inner(y):
        return anp.sum(y ** 3 * x), anp.sum(y)

    g, aux = E.grad(inner, has_aux=True)(x * 0.5)
    return anp.sum(g) * aux


def aux_jacfwd(x):
    J, aux = E.jacfwd(lambda y: (anp.sin(y * x), y), has_aux=True)(x)
    return anp.sum(J * aux)


def aux_value_and_grad(x):
    (v, aux), g = E.value_and_grad(lambda y: (anp.sum(y ** 3 * x), anp.sum(y)), has_aux=True)(x)
    return v * aux * anp.sum(g)


@pytest.mark.parametrize("f, kind", [(aux_grad, "grad"), (aux_jacfwd, "jacfwd"),
                                     (aux_value_and_grad, "value_and_grad")], ids=lambda a: getattr(a, "__name__", a))
def test_has_aux_of_a_closure_over_differentiated_values_is_refused_at_the_users_line(f, kind):
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "has_aux=True" in text)
    x = np.array([0.3, -0.5, 0.7])
    for take in (lambda: E.grad(f)(x), lambda: E.jvp(f, (x,), (x,)), lambda: E.hessian(f)(x)):
        with pytest.raises(SCTError, match=rf"{kind}\(f, \.\.\.\) of a function f that reads differentiated values "
                           r"\(a nested def or lambda\), with has_aux") as caught:
            take()
        assert f"test_probe17_second_nested_options.py, line {line}" in str(caught.value)


def test_positional_argnums_on_the_boxes_composition_is_refused_at_the_users_line():
    """``higher="boxes"`` takes no derivative of a closure over differentiated values inside transformed code; with
    ``argnums`` by position the call stopped with "vjp: output is a function" (now refused, naming the option)."""
    boxes = SCTEngine(higher="boxes")
    f = positional_argnums(boxes, anp)
    with pytest.raises(SCTError, match=r"grad\(f, \.\.\.\) of a function f that reads differentiated values .* "
                                       r"or by an engine with higher='boxes'"):
        boxes.grad(f)(np.array([0.3, -0.5, 0.7]))
