"""A ``jax.numpy`` (or ``jax.lax``, ``jax.jit``) call on an active value names the problem and the user's line.

On the overloading and elemental engines, ``jnp.sin(x)`` of a box raised JAX's own ``TypeError``
("Argument 'Node(...)' of type <class ...Node> is not a valid JAX type", or "stack requires ndarray
or scalar arguments"), saying nothing of what to do and nothing of the user's file and line. JAX
cannot see inside a box, nor the engine inside JAX, so the only right answer is an error: it is now
an ``ad.ConcretizationTypeError`` naming the user's file, line and source, and the vocabulary to use
(``anp.sin``, ``el.sin`` on the elemental engine). Told by where JAX raised it and the box's type in
its message: a user's own ``TypeError`` is left alone, and JAX constants mixed with active values by
operators still work. SCT refused these already, naming the line.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def sin_of(x):
    return jnp.sum(jnp.sin(x) * x)  # LINE sin_of


def lax_of(x):
    return jax.lax.sin(x) * 2.0  # LINE lax_of


def stacked(x):
    return jnp.sum(jnp.stack([x, x]))  # LINE stacked


def jitted(x):
    return jax.jit(lambda u: u * u)(x)  # LINE jitted


def helper(x):
    return jnp.tanh(x)  # LINE helper


def calls_helper(x):
    return anp.sum(helper(x) * x)


PROGRAMS = {sin_of: "sin_of", lax_of: "lax_of", stacked: "stacked", jitted: "jitted", calls_helper: "helper"}


def line_of(tag: str) -> int:
    with open(__file__) as source:
        return next(k for k, text in enumerate(source, 1) if text.rstrip().endswith(f"# LINE {tag}"))


def check(exc_info, tag: str, vocabulary: str = "anp") -> None:
    text = str(exc_info.value)
    assert f"{__file__}:{line_of(tag)}" in text, text
    assert "JAX function" in text and f"{vocabulary}.sin(x), not jnp.sin(x)" in text, text


@pytest.mark.parametrize("engine", ["overloading", "elemental"])
@pytest.mark.parametrize("program", list(PROGRAMS), ids=list(PROGRAMS.values()))
@pytest.mark.parametrize("x", [0.5, np.linspace(0.1, 0.4, 3), jnp.linspace(0.1, 0.4, 3)], ids=["float", "np", "jax"])
def test_jax_function_on_an_active_value_names_the_users_line(engine, program, x):
    eng = ad.engine(engine)
    f = (lambda z: anp.sum(program(z))) if engine == "overloading" else program
    vocabulary = "anp" if engine == "overloading" else "el"
    with pytest.raises(ad.ConcretizationTypeError) as exc_info:
        eng.grad(f)(x)
    check(exc_info, PROGRAMS[program], vocabulary)
    with pytest.raises(ad.ConcretizationTypeError) as exc_info:
        eng.jvp(program, (x,), (x,))
    check(exc_info, PROGRAMS[program], vocabulary)


def test_nested_derivatives_and_rules_name_the_users_line():
    eng = ad.engine("overloading")
    with pytest.raises(ad.ConcretizationTypeError) as exc_info:
        eng.grad(eng.grad(lax_of))(0.5)
    check(exc_info, "lax_of")
    with pytest.raises(ad.ConcretizationTypeError) as exc_info:
        eng.hessian(sin_of)(np.linspace(0.1, 0.4, 3))
    check(exc_info, "sin_of")


def test_a_users_own_type_error_and_jax_constants_are_left_alone():
    def own(x):
        raise TypeError(f"my own error about {type(x)}")

    with pytest.raises(TypeError, match="my own error about <class"):
        ad.engine("overloading").grad(own)(0.5)

    def mixed(x):
        return anp.sum(jnp.ones(3) * x + x * jnp.arange(3.0))

    x = jnp.linspace(0.1, 0.4, 3)
    for name in ("overloading", "sct"):
        assert np.allclose(ad.engine(name).grad(mixed)(x), jax.grad(mixed)(x), rtol=1e-12, atol=0)


def test_sct_names_the_line_too():
    with pytest.raises(ad.SCTError) as exc_info:
        ad.engine("sct").grad(sin_of)(np.linspace(0.1, 0.4, 3))
    assert "jnp.sin" in str(exc_info.value) and f"line {line_of('sin_of')}" in str(exc_info.value)


def test_a_jitted_function_passed_in_names_where_the_engine_was_called():
    jitted_sum = jax.jit(lambda u: jnp.sum(u * 2.0))
    with pytest.raises(ad.ConcretizationTypeError) as exc_info:
        ad.engine("overloading").grad(jitted_sum)(np.ones(2))  # LINE passed_in
    check(exc_info, "passed_in")
