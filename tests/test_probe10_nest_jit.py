"""``jax.jit`` of a lambda or nested def inside code SCT transforms.

SCT makes a nested function a value of its own (a ``Closure``, a tuple of its captured data and its code).
``jax.jit`` of one raised JAX's "cannot create weak reference to 'Closure' object" when called (JAX keeps a
weak reference to what it compiles), whether the call's arguments were differentiated or not, on NumPy and
JAX inputs; making it sometimes crashed the interpreter (a segmentation fault in JAX's C++ ``jit``). ``jit``
only compiles: inside code SCT transforms, ``jax.jit(f, ...)`` is now ``f``, which SCT differentiates as any
(as JAX differentiates through ``jit``); SCT's output can be jitted as a whole. A ``jit`` of a module-level
function called on a differentiated value was refused (JAX cannot take the engine's values): it is
differentiated now too. ``@jax.jit`` on a nested def (refused here) is the def since probe 11.
Oracle: the same functions differentiated by JAX (float64).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

C = np.array([1.5, -0.5])


def jit_called_on_active(x):
    return anp.sum(jax.jit(lambda u: u * anp.sin(u))(x) * x)


def jit_kept_in_a_variable(x):
    sq = jax.jit(lambda u: u * u)
    return anp.sum(sq(x) * sq(C))


def jit_on_constants(x):
    return anp.sum(x * jax.jit(lambda u: anp.exp(u) * 3.0)(C))


def jit_static_argnums(x):
    return anp.sum(jax.jit(lambda u, n: u ** n, static_argnums=1)(x, 3) * x)


def jit_of_a_nested_def(x):
    def inner(u):
        return anp.tanh(u) * C

    fast = jax.jit(inner)
    return anp.sum(fast(x) * x)


def jit_capturing_active(x):
    return anp.sum(jax.jit(lambda u: u * x)(C) * x)


def module_level(u):
    return anp.cos(u) * u


def jit_of_a_module_function(x):
    return anp.sum(jax.jit(module_level)(x) * C)


def jit_decorating_a_nested_def(x):
    @jax.jit
    def inner(u):
        return u * 2.0

    return anp.sum(inner(x))


SCT = ad.engine("sct")
CASES = [(f, "grad") for f in (jit_called_on_active, jit_kept_in_a_variable, jit_on_constants, jit_static_argnums,
                               jit_of_a_nested_def, jit_capturing_active, jit_of_a_module_function,
                               jit_decorating_a_nested_def)]  # (@jax.jit on a nested def: taken, probe 11)
CASES += [(jit_kept_in_a_variable, "jacfwd")]  # forward mode


@pytest.mark.parametrize("f, kind", CASES, ids=lambda v: getattr(v, "__name__", v))
def test_jit_of_a_nested_function_is_the_function(f, kind):
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=2)
        want = getattr(jax, kind)(f)(jnp.asarray(x))
        for xs in (x, jnp.asarray(x)):
            np.testing.assert_allclose(np.asarray(getattr(SCT, kind)(f)(xs)), np.asarray(want), rtol=1e-10,
                                       atol=1e-12)
