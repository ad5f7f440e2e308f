"""Probe 11 (Tangent's test programs adapted): ``del`` of a variable the function never reads, on the SCT engine.

Tangent's ``_trace_mul`` ends with ``c = 3; del c``, and JAX's users write ``del rng`` for an unused argument
(Google's Python style); SCT refused every ``del`` ("del: not supported by the SCT engine"), though JAX runs it.
A ``del`` of variables the function never reads changes no value, so SCT now takes it as nothing (front/fence,
front/anf). A ``del`` of a variable read anywhere in the function (Python would raise on a read after it, or it
frees nothing SCT keeps), and a slice ``del xs[i:j]``, stay refused by name at their line. Checked with grad,
jvp and the Hessian (both ``higher`` settings) against JAX in float64 on several seeds.
"""

from __future__ import annotations

import jax
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")
BOXES = ad.engine("sct", higher="boxes")


def _traced_mul(a, b):
    out = anp.multiply(a, b)
    c = 3
    del c
    return out


def loss(a, rng, scale=2.0):
    del rng, scale
    s = 0.0
    for k in range(3):
        t = _traced_mul(a, a) * k
        if t > 1.0:
            unused = t * 2.0
            del unused
        s = s + anp.sin(t)
    return s


@pytest.mark.parametrize("a", [-0.8, 0.3, 1.1])
def test_del_of_variables_never_read_is_jax(a):
    assert max_error(SCT.grad(loss)(a, 7), jax.grad(loss)(a, 7)) < 1e-12
    assert max_error(SCT.jvp(loss, (a, 7), (0.4, 0)), jax.jvp(lambda v: loss(v, 7), (a,), (0.4,))) < 1e-12
    if a == -0.8:  # (JAX's Hessian is the slow part: one point)
        hessian = jax.hessian(loss)(a, 7)
        assert max_error(SCT.hessian(loss)(a, 7), hessian) < 1e-10
        assert max_error(BOXES.hessian(loss)(a, 7), hessian) < 1e-10


def deletes_what_it_reads(a):
    y = a * 2.0
    del y
    y = a * 3.0
    return y


def deletes_an_element(a):
    xs = [a, a]
    del xs[0:1]  # a slice (del xs[0] of a local list: tests/test_probe12_sct_list_del.py)
    return xs[0]


@pytest.mark.parametrize("f, message", [
    (deletes_what_it_reads, "del y of a variable the function reads"),
    (deletes_an_element, r"del xs\[0:1\]"),
])
def test_other_dels_are_refused_at_their_line(f, message):
    with pytest.raises(ad.SCTError, match=message) as info:
        SCT.grad(f)(0.5)
    assert f"line {f.__code__.co_firstlineno + 2}" in str(info.value)
