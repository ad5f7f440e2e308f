"""Probe 11: nested functions with default parameter values (``lambda t, i=i: t * i`` in a loop), on SCT.

SCT refused a lambda or nested def with defaults ("a lambda with defaults, **kwargs, keywords or decorators"),
so the idiom that captures a loop variable by value, ``fs.append(lambda t, i=i: t * i)``, could not be
written at all. Python evaluates defaults when the ``def`` or ``lambda`` runs, so a default is one more value
the closure captures when it is made (front/defaults.py): differentiated if it is (``lambda t, s=x[0]: ...``),
overridden by an argument given by position. A lambda in a loop reading the loop variable without a default
(late binding: Python reads the variable when the function runs) stays refused at its line. Checked with grad,
jvp, vjp and the Hessian (higher="sct" and "boxes") against JAX float64 and the overloading engine.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines


def loop_defaults(x):
    fs = []
    for i in range(3):
        fs.append(lambda t, i=i: t * i + x[i])
    return anp.sum(fs[0](x) + fs[1](x) * x + fs[2](x) ** 2)


def differentiated_default(x):
    scale = x[0] * 2.0
    g = lambda t, s=scale: t * s  # noqa: E731
    scale = 100.0  # the default was evaluated before: g keeps x[0] * 2
    return anp.sum(g(x)) + g(x[1], x[2]) * scale / 100.0


def nested_def_defaults(x):
    def inner(u, power=2, shift=x[1]):
        return u ** power + shift

    return anp.sum(inner(x) + inner(x, 3) * inner(x[2], 1, x[0]))


@pytest.mark.parametrize("f", [loop_defaults, differentiated_default, nested_def_defaults])
def test_defaults_are_jaxs(f):
    rng = np.random.default_rng(sum(map(ord, f.__name__)))
    check_engines(f, [rng.normal(size=3) for _ in range(2)], 7)


def too_many(x):
    g = lambda t, i=1.0: t * i  # noqa: E731
    return g(x, 2.0, 3.0)


def test_too_many_arguments_raise_pythons_type_error():
    with pytest.raises(TypeError):
        too_many(np.ones(2))
    with pytest.raises(TypeError, match="at most 2 positional arguments"):
        ad.engine("sct").grad(lambda x: anp.sum(too_many(x)))(np.ones(2))


def default_with_a_call(x):
    g = lambda t, s=anp.sum(x): t * s  # noqa: E731, B008  (refused: here)
    return anp.sum(g(x))


def late_binding(x):
    fs = []
    for i in range(3):
        fs.append(lambda t: t * i)  # refused: here
    return anp.sum(fs[0](x))


@pytest.mark.parametrize("f, match", [(default_with_a_call, "with the default anp.sum\\(x\\)"),
                                      (late_binding, "reads 'i', assigned again")])
def test_refused_at_its_line(f, match):
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(ad.SCTError, match=match) as info:
        ad.engine("sct").grad(f)(np.array([0.5, -1.5, 2.0]))
    assert (info.value.filename, info.value.line) == (__file__, line)
