"""Probe 9: ``print(...)`` inside a function the SCT engine differentiates, as in JAX.

A ``print`` call statement (debugging output, common in user code) was refused by SCT as "an
expression statement (a call for its side effect)"; JAX runs it, printing its tracers, and so does
the overloading engine, printing its boxes. SCT now runs it as written in the forward sweep, as it
runs an ``assert``: first-order code prints the values themselves, once per call, and the
derivatives are JAX's (grad, jvp, vjp and the Hessian, float64, several seeds). A ``print`` that is
not the builtin stays refused.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe9_python_lists import check_against_jax

jax.config.update("jax_enable_x64", True)


def prints(x):
    y = x * 2.0
    print("debug y =", y)
    if x[0] > 0:
        print("positive first entry")
    for i in range(2):
        print(i, y[i])
    return anp.sum(y * anp.sin(y))


def test_print_is_run_and_derivatives_match_jax(capsys):
    inputs = [np.array([0.5, -1.0]), np.array([-0.25, 0.0])]
    check_against_jax(prints, inputs, seed=17)
    capsys.readouterr()
    ad.engine("sct").grad(prints)(np.array([0.5, -1.0]))
    assert capsys.readouterr().out == "debug y = [ 1. -2.]\npositive first entry\n0 1.0\n1 -2.0\n"


def _shadowed_print():
    def print(*args):  # noqa: A001  (a user function of that name: a call for its side effect)
        pass

    def prints_through_a_user_function(x):
        print(x)
        return x * x
    return prints_through_a_user_function


def test_a_print_that_is_not_the_builtin_is_refused():
    with pytest.raises(ad.SCTError, match="an expression statement"):
        ad.engine("sct").grad(_shadowed_print())(0.5)
