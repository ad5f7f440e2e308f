"""Elementwise names: arithmetic (broadcasting) and functions of one array."""

from __future__ import annotations

from adcompare import primitives as _p

add = _p.add_p
subtract = _p.subtract_p
multiply = _p.multiply_p
divide = _p.divide_p
negative = _p.negative_p
power = _p.power_p
maximum = _p.maximum_p
minimum = _p.minimum_p
sin = _p.sin_p
cos = _p.cos_p
tan = _p.tan_p
exp = _p.exp_p
log = _p.log_p
log1p = _p.log1p_p
expm1 = _p.expm1_p
sqrt = _p.sqrt_p
tanh = _p.tanh_p
abs = _p.abs_p
sigmoid = _p.sigmoid_p
gammaln = _p.gammaln_p


def where(condition, x, y):
    return _p.where_p(_p.primal(_p.pack(condition)), x, y)  # the condition is never differentiated


def sign(x):
    x = _p.primal(x)
    return _p.namespace((x,)).sign(x)
