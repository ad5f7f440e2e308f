"""Probe 17 (fixes): a constant NumPy masked array beside a differentiated value, in SCT's generated code.

The tape engines refuse a masked operand of any primitive (tests/test_probe16_masked_arrays.py), but SCT's
generated code runs ``x * M``, ``x + M``, ``M / x`` with Python's operators (emit/runtime's ``multiply``, ``add``,
``divide``...): NumPy's masked arithmetic ran, and the vocabulary's ``sum`` read the data under the mask, a value
that was neither NumPy's (``anp.sum(x * M)`` 2.4 for NumPy's 2.0) nor JAX's, and a masked gradient, silently; on
JAX inputs JAX's own ValueError came with no line. Each is now refused by name at the user's line, on NumPy and
JAX inputs, in grad and jvp, on every engine (a Python float or NumPy scalar beside the masked array included).
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
M = np.ma.array([1.0, 2.0, 3.0], mask=[False, True, False])
MESSAGE = "a NumPy masked array operand"


def times(x):
    return anp.sum(x * M)  # line: refused


def plus_then_square(x):
    y = x + M  # line: refused
    return anp.sum(y * y)


def divided(x):
    return anp.sum(M / x)  # line: refused


def masked_first(x):
    return anp.sum(M * x)  # line: refused


def element_times(x):
    return anp.sum(x[0] * M)  # line: refused


def powered(x):
    return anp.sum(x ** M)  # line: refused


def minus_scalar(x):
    s = anp.sum(x)
    return anp.sum(M - s)  # line: refused


PROGRAMS = [times, plus_then_square, divided, masked_first, element_times, powered, minus_scalar]


def _line(f) -> int:
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if "line: refused" in text)


def _inputs(backend: str):
    rng = np.random.default_rng(17)
    xs = [rng.uniform(0.5, 2.0, size=3) for _ in range(2)]
    return xs if backend == "numpy" else [jnp.asarray(x) for x in xs]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name", ["sct", "overloading"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_a_masked_constant_is_refused_at_the_users_line(f, name, backend):
    eng = ad.engine(name)
    where = f"{__file__.rsplit('/', 1)[-1]}"
    for x in _inputs(backend):
        for run in (lambda: eng.grad(f)(x), lambda: eng.jvp(f, (x,), (x * 0.0 + 1.0,))):
            with pytest.raises(TypeError, match=MESSAGE) as info:
                run()
            text = str(info.value) + "\n".join(getattr(info.value, "__notes__", ()))
            assert where in text and (f"line {_line(f)}" in text or f":{_line(f)} " in text), text


def test_a_python_float_beside_a_masked_constant_is_refused():
    with pytest.raises(TypeError, match=MESSAGE):
        ad.engine("sct").grad(lambda s: anp.sum(s * M))(0.5)


def test_a_masked_constant_is_refused_on_the_elemental_engine():
    with pytest.raises(TypeError, match=MESSAGE):
        ad.engine("elemental").grad(lambda x: el.sum(el.multiply(M, x)))(np.array([0.2, 0.4, 0.6]))


def test_plain_arrays_beside_them_still_run():  # the check is no refusal of the data: M.data runs as JAX's
    data = np.asarray(M.data)
    for x in _inputs("numpy"):
        want = jax.grad(lambda x: jnp.sum((x + data) ** 2 / x))(jnp.asarray(x))
        for name in ("sct", "overloading"):
            got = ad.engine(name).grad(lambda x: anp.sum((x + data) ** 2 / x))(x)
            np.testing.assert_allclose(got, want, rtol=1e-12)
