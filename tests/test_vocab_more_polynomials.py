"""More vocabulary (h11): polynomial coefficient arrays. ``polyadd``, ``polysub`` (either operand the longer),
``polymul``, ``polyder`` and ``polyint`` (orders 0 to 3, integration constants active), ``polyfit`` (one and
two columns, weights, differentiated in x, y and w), against JAX in float64; refusals by name.
"""

from __future__ import annotations

import numpy as np
import pytest
from vocab_more_check import program_tests

import adcompare.numpy as anp


def polynomials(np_):
    def f(x, y):
        p, q = x[:4], y[:2]
        out = np_.sum(np_.polyadd(p, q) ** 2) + np_.sum(np_.polysub(q, p * q[0]) ** 3)
        out = out + np_.sum(np_.polymul(p, q) ** 2) + np_.sum(np_.polyder(p) * p[1:])
        out = out + np_.sum(np_.polyder(p, 3) ** 2) + np_.sum(np_.polyder(p, 0) * y[:4])
        out = out + np_.sum(np_.polyint(p) ** 2) + np_.sum(np_.polyint(p, 2, k=q) ** 2)
        return out + np_.sum(np_.polyint(p, 3, k=y[0]) ** 2)
    return f


def fits(np_):
    def f(x, y):
        t = np_.cumsum(np_.exp(x * 0.3))
        out = np_.sum(np_.polyfit(t, y, 2) ** 2) + np_.sum(np_.polyfit(t, y, 1, w=np_.exp(y)) ** 2)
        return out + np_.sum(np_.polyfit(t, np_.stack([y, x * y], axis=1), 2, w=np_.exp(x)) ** 2)
    return f


test_programs_against_jax = program_tests([polynomials, fits], [(7,), (7,)])


def test_refusals():
    x = np.linspace(0.0, 1.0, 5)
    with pytest.raises(NotImplementedError, match="polyfit: rcond=0.9.*cuts a singular value"):  # (h14: full, cov
        anp.polyfit(x, x, 1, rcond=0.9)  # and an rcond that cuts nothing are taken, in tests/test_vocab14_polyfit.py)
    with pytest.raises(ValueError, match="polyint: k"):
        anp.polyint(x, 2, k=[1.0, 2.0, 3.0])
