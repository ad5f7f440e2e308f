"""Reductions (``axis``, ``keepdims``)."""

from __future__ import annotations

from adcompare import primitives as _p


def sum(x, axis=None, keepdims=False):
    return _p.sum_p(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _p.mean_p(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return _p.max_p(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return _p.logsumexp_p(x, axis=axis, keepdims=keepdims)
