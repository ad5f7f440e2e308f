"""Probe 9: methods of user objects called with differentiated arguments, on the SCT engine.

``M.predict(x)``, ``M`` a module-level object of a user class, was refused as "a call to M.predict,
which is neither a vocabulary primitive nor a function with source" (a bound method is neither a
function nor a primitive, though its function has source); JAX runs it as Python. It is now a call of
the method's function with ``M`` as its first argument, transformed as any user function, and the
transformation is kept while ``M.predict`` is the same object's same method (it was made again on
every call, a bound method being a new object at each attribute access); rebinding ``M`` or changing
its attributes is followed. ``self.predict(x)`` inside a method, an object SCT cannot resolve before
it runs, was refused, its hint naming the form SCT takes (``m = self.predict``, then ``m(x)``); it is now
taken in that form (probe 14).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe9_python_lists import check_against_jax

jax.config.update("jax_enable_x64", True)


class Layer:
    def __init__(self, w, shift):
        self.w = w
        self.shift = shift

    def predict(self, x, power=2):
        return anp.tanh(x * self.w + self.shift) ** power

    def loss(self, x):
        return anp.sum(self.predict(x))  # self is known only when it runs: the bound method is called then

    def loss_by_variable(self, x):
        predict = self.predict
        return anp.sum(predict(x))


LAYER = Layer(np.array([0.5, -1.5, 2.0]), 0.1)


def calls_method(x):
    return anp.sum(LAYER.predict(x) * x) + anp.sum(LAYER.predict(x, power=3))


def calls_method_by_variable(x):
    return LAYER.loss_by_variable(x * x)


INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in range(2)] + [np.array([0.0, -1.0, 0.0])]


@pytest.mark.parametrize("f", [calls_method, calls_method_by_variable])
def test_method_of_a_global_object_matches_jax(f):
    check_against_jax(f, INPUTS, seed=13)


def test_the_object_is_read_when_the_function_runs():
    global LAYER
    sct, x = ad.engine("sct"), INPUTS[0]
    saved = LAYER
    try:
        for layer in (Layer(np.array([1.0, 2.0, 3.0]), -0.5), Layer(np.array([-0.3, 0.0, 0.7]), 0.2)):
            LAYER = layer
            assert np.abs(sct.grad(calls_method)(x) - jax.grad(calls_method)(jax.numpy.asarray(x))).max() < 1e-12
            layer.w = layer.w * 2.0
            assert np.abs(sct.grad(calls_method)(x) - jax.grad(calls_method)(jax.numpy.asarray(x))).max() < 1e-12
    finally:
        LAYER = saved


def test_method_of_self_is_called_as_the_method_it_reads_when_it_runs():
    # it was refused ("called on an object SCT cannot resolve"); it is now the call m(x) of m = self.predict
    # (tests/test_sct14_probe_programs.py); checked against JAX on the inputs above
    check_against_jax(lambda x: LAYER.loss(x * 1.5), INPUTS, seed=13)
