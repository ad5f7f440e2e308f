"""Probe 11: ``getattr(E, "grad")(f)`` and other spellings of a derivative call inside code SCT transforms.

``getattr(E, "grad")(f)(x)`` inside a function SCT differentiates ran the engine's own ``grad`` on SCT's
stand-in for the nested function, and failed with "vjp: output is a function". ``getattr(v, "name")`` with
a constant name is ``v.name`` in Python, so the front end now writes it so (front/derivative_calls.py) and
the call is a derivative call spelled out, as ``E.grad(f)`` is (an alias ``g = getattr(E, "jacfwd")`` too).
A name known only when the code runs (``getattr(E, k)``) is refused at the user's line, and so is the engine's
method reached through a value (``E.__getattribute__("grad")``, ``operator.attrgetter``, a dict of methods),
which failed as above; ``functools.partial(E.grad, argnums=0)(f)`` (which failed inside SCTEngine.grad's own
source) is ``E.grad(f, argnums=0)``. Checked against
JAX float64: first derivatives on SCT (higher="sct" and "boxes") and the overloading engine, the Hessian on
SCT's own transform.
"""

from __future__ import annotations

import functools
import inspect
import operator

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)

E = ad.engine("sct")
C = np.array([0.5, -1.5, 2.0])


def by_getattr(x):
    return anp.sum(getattr(E, "grad")(lambda u: anp.sum(anp.sin(u) * x))(x) * C)  # noqa: B009


def by_getattr_alias(x):
    jac = getattr(E, "jacfwd")  # noqa: B009
    return anp.sum(jac(lambda u: anp.sin(u) * x)(x) @ C)


def by_partial(x):
    return anp.sum(functools.partial(E.grad, argnums=0)(lambda u: anp.sum(anp.sin(u) * x))(x) * C)


def getattr_of_values(x):
    return anp.sum(getattr(x, "T") * getattr(anp, "cos")(x))  # noqa: B009


def jax_version(x):  # the inner gradient (and the Jacobian's diagonal) is cos(u) * x, written out: JAX's
    return jnp.sum(jnp.cos(x) * x * C)  # Hessian of its own nested grad takes seconds


def test_the_oracle_is_jaxs_nested_derivative():
    x = jnp.asarray(C[::-1])
    nested = jnp.sum(jax.grad(lambda u: jnp.sum(jnp.sin(u) * x))(x) * C)
    assert max_error(nested, jax_version(x)) < 1e-14
    assert max_error(jnp.sum(jax.jacfwd(lambda u: jnp.sin(u) * x)(x) @ C), jax_version(x)) < 1e-14


def jax_values(x):
    return jnp.sum(x.T * jnp.cos(x))


@pytest.mark.parametrize("f, oracle", [(by_getattr, jax_version), (by_getattr_alias, jax_version),
                                       (by_partial, jax_version),
                                       (getattr_of_values, jax_values)])
def test_a_constant_getattr_is_the_attribute(f, oracle):
    rng = np.random.default_rng(11)
    grad, hessian = jax.jit(jax.grad(oracle)), jax.jit(jax.hessian(oracle))
    for k in range(3):
        x = rng.normal(size=3)
        expected = grad(jnp.asarray(x))
        for eng in (E, ad.engine("sct", higher="boxes"), ad.engine("overloading")):
            if f is not getattr_of_values and eng.name == "overloading":
                continue  # E is SCT: its derivatives of a closure run inside SCT's code only
            assert max_error(eng.grad(f)(x), expected) < 1e-12
            assert max_error(eng.value_and_grad(f)(x)[0], oracle(jnp.asarray(x))) < 1e-12
        if k == 0:
            for eng in (E, ad.engine("sct", higher="boxes")):
                assert max_error(eng.hessian(f)(x), hessian(jnp.asarray(x))) < 1e-10


def by_a_name_known_later(x):
    kind = "grad" if x.shape[0] > 1 else "jacfwd"
    return anp.sum(getattr(E, kind)(lambda u: anp.sum(anp.sin(u) * x))(x))  # refused: here


def test_a_derivative_chosen_by_a_name_known_later_is_refused_at_its_line():
    lines, first = inspect.getsourcelines(by_a_name_known_later)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(ad.SCTError, match="getattr") as info:
        E.grad(by_a_name_known_later)(C)
    assert (info.value.filename, info.value.line) == (__file__, line)


def by_getattribute(x):
    return anp.sum(E.__getattribute__("grad")(lambda u: anp.sum(anp.sin(u) * x))(x))  # refused: here


def by_attrgetter(x):
    return anp.sum(operator.attrgetter("jacfwd")(E)(lambda u: anp.sin(u) * x)(x))  # refused: here


def by_a_dict_of_methods(x):
    table = {"g": E.grad}
    return anp.sum(table["g"](lambda u: anp.sum(anp.sin(u) * x))(x))  # refused: here


@pytest.mark.parametrize("f", [by_getattribute, by_attrgetter, by_a_dict_of_methods])
def test_a_derivative_reached_through_a_value_is_refused_at_its_line(f):
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(ad.SCTError, match="reached through a value SCT does not follow from the source") as info:
        E.grad(f)(C)
    assert (info.value.filename, info.value.line) == (__file__, line)
