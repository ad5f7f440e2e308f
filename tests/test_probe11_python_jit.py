"""Probe 11: ``jax.jit`` inside code SCT transforms, with static arguments, through ``functools.partial``, as a
decorator, and with side effects.

SCT took ``jax.jit(f, ...)`` as ``f`` and dropped its options: a static argument that cannot be hashed (a
list) was accepted where JAX raises ValueError, and a differentiated value passed as a static argument was
taken as a constant (a gradient of [0.1, 0.3, 0.3] where JAX raises: it cannot hash its tracer).
``functools.partial(jax.jit, static_argnums=1)(f)`` failed with JAX's "cannot create weak reference to
'Closure' object", ``@partial(jax.jit, ...)`` on a nested def was refused (decorators), and a call of a
module-level function decorated with ``@jax.jit`` on a differentiated value was refused. Now (front/jit_calls.py)
each is the function it wraps, and each static argument of a call of it passes through a check that hashes it
as JAX does: JAX's ValueError, or a refusal at the user's line for a differentiated value. Side effects: SCT
runs the jitted function's Python at each call (JAX traces it once and shows tracers): a print inside shows
the values of the call, once per first-order derivative call. Values, first and second derivatives
(higher="sct" and "boxes") against JAX float64.
"""

from __future__ import annotations

import functools
import inspect
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)

C = np.array([1.5, -0.5, 0.25])


@jax.jit
def module_jitted(u):
    return u * anp.sin(u)


@partial(jax.jit, static_argnums=1, static_argnames=("scale",))
def module_static(u, n, scale=1.0):
    return scale * u ** n


def partial_of_jit(x):
    cube = functools.partial(jax.jit, static_argnums=(1,))(lambda u, n: u ** n)
    return anp.sum(cube(x, 3) * C)


def decorated_nested_def(x):
    @partial(jax.jit, static_argnums=1)
    def inner(u, n):
        return anp.tanh(u) ** n * x

    return anp.sum(inner(x, 2) + inner(C, 1))


def module_level_jitted(x):
    return anp.sum(module_jitted(x) * C) + anp.sum(module_static(x, 2, scale=3.0))


def static_argnames_given(x):
    g = jax.jit(lambda u, k: u * k, static_argnames="k")
    return anp.sum(g(x, k=2.0) * x)


@pytest.mark.parametrize("f", [partial_of_jit, decorated_nested_def, module_level_jitted, static_argnames_given])
def test_jitted_functions_are_differentiated_as_jax(f):
    rng = np.random.default_rng(sum(map(ord, f.__name__)))
    engines = (ad.engine("sct"), ad.engine("sct", higher="boxes"))
    for k in range(2):
        x = rng.normal(size=3)
        xj = jnp.asarray(x)
        want, want_grad = jax.jit(jax.value_and_grad(f))(xj)
        for eng in engines:
            value, grad = eng.value_and_grad(f)(x)
            assert max_error(value, want) < 1e-12 and max_error(grad, want_grad) < 1e-12
            assert max_error(eng.jvp(f, (x,), (C,))[1], want_grad @ C) < 1e-12
            if k == 0:
                assert max_error(eng.hessian(f)(x), jax.jit(jax.hessian(f))(xj)) < 1e-10


def unhashable_at_once(x):
    return anp.sum(jax.jit(lambda u, n: u * n[0], static_argnums=1)(x, [2.0]))


def unhashable_in_a_variable(x):
    g = jax.jit(lambda u, n: u * n[0], static_argnums=(1,))
    return anp.sum(g(x, [2.0]))


def unhashable_decorated(x):
    @partial(jax.jit, static_argnums=1)
    def inner(u, n):
        return u * n[0]

    return anp.sum(inner(x, [2.0]))


def unhashable_module_level(x):
    return anp.sum(module_static(x, [2]))


def unhashable_named_given_by_position(x):
    g = jax.jit(lambda u, n: u * n[0], static_argnames="n")  # JAX finds n's position in the signature
    return anp.sum(g(x, [2.0]))


def unhashable_numbered_given_by_keyword(x):
    @partial(jax.jit, static_argnums=1)
    def inner(u, n):
        return u * n[0]

    return anp.sum(inner(x, n=[2.0]))


@pytest.mark.parametrize("f", [unhashable_at_once, unhashable_in_a_variable, unhashable_decorated,
                               unhashable_module_level, unhashable_named_given_by_position,
                               unhashable_numbered_given_by_keyword])
def test_an_unhashable_static_argument_raises_jaxs_error(f):
    with pytest.raises(ValueError, match="Non-hashable static arguments are not supported") as jax_error:
        jax.grad(f)(jnp.asarray(C))
    with pytest.raises(ValueError, match="Non-hashable static arguments are not supported") as ours:
        ad.engine("sct").grad(f)(C)
    assert str(ours.value).splitlines()[0].split(". ")[0] == str(jax_error.value).splitlines()[0].split(". ")[0]


def differentiated_static(x):
    return anp.sum(jax.jit(lambda u, n: u * n, static_argnums=1)(x, x[0]))  # refused: here


def differentiated_static_name(x):
    g = jax.jit(lambda u, n: u * n, static_argnames=("n",))
    return anp.sum(g(x, n=x[1] * 2.0))  # refused: here


@pytest.mark.parametrize("f", [differentiated_static, differentiated_static_name])
def test_a_differentiated_static_argument_is_refused_at_its_line(f):
    with pytest.raises(ValueError):  # JAX: its tracer cannot be hashed
        jax.grad(f)(jnp.asarray(C))
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(ad.SCTError, match="static argument of jax.jit") as info:
        ad.engine("sct").grad(f)(C)
    assert (info.value.filename, info.value.line) == (__file__, line)


def prints_inside(x):
    def inner(u):
        print("inside jit:", u)
        return u * 2.0

    return anp.sum(jax.jit(inner)(x) * x)


def test_a_print_inside_shows_the_values_once_per_derivative_call(capsys):
    x = np.array([0.5, 1.5, -2.0])
    eng = ad.engine("sct")
    for call in (lambda: eng.grad(prints_inside)(x), lambda: eng.jvp(prints_inside, (x,), (C,)),
                 lambda: eng.vjp(prints_inside, x)[1](1.0)):
        capsys.readouterr()
        call()
        assert capsys.readouterr().out == f"inside jit: {x}\n"
