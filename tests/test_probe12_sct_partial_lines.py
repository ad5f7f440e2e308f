"""Probe 12: ``functools.partial(OV.grad, argnums=0)(closure)`` inside code SCT transforms names the user's line.

Found last stop: the refusal of another engine's derivative of a nested function, reached through
``functools.partial``, named engine.py's line. On this tree it names the user's file and line in every
spelling tried (the partial called at once, held in a name and called on a closure a helper made or a nested
def, ``jacrev`` with a tuple of argnums), with the default second order and ``higher="boxes"``; these checks
keep it so.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe12_sct_list_del import refused_at_mark

OV = ad.engine("overloading")


def _closure(c):
    return lambda y: anp.sum(anp.sin(y) * c)


def at_once(x):
    return anp.sum(functools.partial(OV.grad, argnums=0)(lambda y: anp.sum(anp.sin(y) * x))(x))  # refused: here


def made_by_a_helper(x):
    g = functools.partial(OV.grad, argnums=0)(_closure(x))  # refused: here
    return anp.sum(g(x))


def held_in_a_name(x):
    dg = functools.partial(OV.grad, argnums=0)

    def inner(y):
        return anp.sum(anp.sin(y) * x)

    return anp.sum(dg(inner)(x))  # refused: here


def jacrev_of_a_tuple(x):
    return anp.sum(functools.partial(OV.jacrev, argnums=(0,))(lambda y: anp.sin(y) * x)(x)[0])  # refused: here


@pytest.mark.parametrize("f", [at_once, made_by_a_helper, held_in_a_name, jacrev_of_a_tuple])
def test_another_engines_derivative_through_partial_is_refused_at_the_users_line(f):
    for sct in (ad.engine("sct"), ad.engine("sct", higher="boxes")):
        error = refused_at_mark(f, np.array([0.3, 1.2, -0.7]), "by the overloading engine", sct)
        assert "engine.py" not in str(error)
