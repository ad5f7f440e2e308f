"""Probe 9: a function decorated with a ``functools.wraps`` wrapper, on the SCT engine.

SCT read the source of the function the wrapper wraps (``inspect`` follows ``__wrapped__``) and
compared it with the wrapper's code, so it refused every such function as "source that does not
match the running function", telling the user that the file had changed since it was imported,
which it had not. SCT now reads the source of the code that runs, the wrapper's: a wrapper with
plain parameters is differentiated like JAX's (grad, jvp, vjp, Hessian, float64, several seeds, as
the function itself and as a callee); one that forwards ``*args`` (refused at its own line until probe 10) too.
"""

from __future__ import annotations

import functools

import jax
import numpy as np
import pytest

import adcompare.numpy as anp
from tests.test_probe9_python_lists import check_against_jax

jax.config.update("jax_enable_x64", True)


def scaled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return fn(x) * 2.0 + x[0]
    return wrapper


def forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args) * 2.0
    return wrapper


@scaled
def decorated(x):
    return anp.sum(anp.sin(x) * x)


def calls_decorated(x):
    return decorated(x * x) * x[0]


@forwarding
def forwarded(x):
    return anp.sum(x * x)


INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in range(2)] + [np.array([0.0, -1.0, 0.0])]


@pytest.mark.parametrize("f", [decorated, calls_decorated, forwarded])  # forwarding *args: probe10 takes it
def test_wrapped_function_matches_jax(f):
    check_against_jax(f, INPUTS, seed=11)
