"""The elemental library: ``import adcompare.elemental as el``.

A program for the elemental engine is written with these calls only, e.g.
``el.subtract(el.add(el.log(x1), el.multiply(x1, x2)), el.sin(x2))``. The
names and signatures are those of :mod:`adcompare.numpy`, plus
:func:`primal`.

Each differentiable function *is* the vocabulary's primitive: calling it looks
at its arguments directly, and when one of them is an active value it hands the
call to the trace of the highest-level one (the engine's pair trace or tape, in
:mod:`adcompare.engines.elemental`); otherwise it just computes. No Python
operator is involved: elemental values refuse them all, with a ``TypeError``
naming the call to use. Any argument may be a constant (a Python number, a
NumPy or JAX array), and the backend follows the arguments as everywhere.

Control flow tests :func:`primal` values, e.g. ``if el.primal(x) < 0.5:``.
"""

from __future__ import annotations

from adcompare.numpy import (
    abs,
    add,
    broadcast_to,
    concatenate,
    cos,
    divide,
    dot,
    exp,
    expm1,
    gammaln,
    getitem,
    log,
    log1p,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    minimum,
    multiply,
    ndim,
    negative,
    newaxis,
    ones,
    ones_like,
    pi,
    power,
    reshape,
    shape,
    sigmoid,
    sign,
    sin,
    sqrt,
    stack,
    subtract,
    sum,
    tan,
    tanh,
    transpose,
    where,
    zeros,
    zeros_like,
)
from adcompare.primitives import primal

__all__ = [
    "abs", "add", "broadcast_to", "concatenate", "cos", "divide", "dot", "exp", "expm1",
    "gammaln", "getitem", "log", "log1p", "logsumexp", "matmul", "max", "maximum", "mean",
    "minimum", "multiply", "ndim", "negative", "newaxis", "ones", "ones_like", "pi", "power",
    "primal", "reshape", "shape", "sigmoid", "sign", "sin", "sqrt", "stack", "subtract", "sum",
    "tan", "tanh", "transpose", "where", "zeros", "zeros_like",
]
