"""Sharing: which expressions may hold the memory of which names, and which make new objects (for :mod:`.aliases`).

Contract: :func:`may_share` says, flow-insensitively, whether an expression's value may share memory with one of
some names (a name itself, an index or slice of it, a view method or function, a user function's result, which
may be one of its arguments); :func:`fresh_maker` whether an opaque expression, a primitive called as written or a
vocabulary function NumPy documents as returning a new array builds a new object.
"""

from __future__ import annotations

import ast

from adcompare import numpy as anp
from adcompare.engines.sct import ir
from adcompare.engines.sct.front.parse import CONSTANT_ATTRIBUTES, MISSING, classify, is_user_function
from adcompare.primitives import primal

_VIEW_METHODS = {"reshape", "ravel", "squeeze", "transpose", "swapaxes", "view", "T", "real", "flat"}
_VIEW_FUNCTIONS = {getattr(anp, n) for n in (
    "reshape", "ravel", "squeeze", "transpose", "swapaxes", "moveaxis", "expand_dims", "asarray", "broadcast_to",
    "atleast_1d", "atleast_2d", "atleast_3d", "real", "flip", "fliplr", "flipud", "rot90", "diagonal", "split",
    "array_split", "hsplit", "vsplit", "broadcast_arrays", "asfortranarray", "ascontiguousarray", "asanyarray",
    "require", "asarray_chkfinite") if hasattr(anp, n)}
# vocabulary functions NumPy documents as returning a new array whatever their operands (without ``out=``)
_COPYING = {id(getattr(anp, n)) for n in (
    "copy", "append", "concatenate", "stack", "vstack", "hstack", "column_stack", "dstack", "pad", "tile",
    "repeat", "insert", "delete", "roll", "sort", "clip", "cumsum", "cumprod", "outer", "kron", "tril",
    "triu", "astype", "full_like", "where", "positive", "choose", "block", "meshgrid") if hasattr(anp, n)} | {
    id(anp.shapes._flattened)}  # (x.flatten())


def fresh_maker(resolve):
    """``fresh(value)`` for :func:`..analysis.aliasing.seen_writes`: does an opaque expression, or
    a view primitive called as written, or a vocabulary function SCT transforms as a callee, build a
    new object (``anp.zeros(n)``, ``len(x)``, ``x.copy()``, ``anp.array(x)``, ``anp.copy(x)``)?"""
    def fresh(value) -> bool:
        if isinstance(value, ir.Op):
            return isinstance(value.primal, ast.Call) and resolve(value.primal.func) is anp.array
        if isinstance(value, ir.Call):
            return id(value.func) in _COPYING and isinstance(value.primal, ast.Call) \
                and all(k.arg != "out" and (k.arg != "copy" or getattr(k.value, "value", None) is True)
                        for k in value.primal.keywords)  # x.astype(t, copy=False) may be x itself
        return _fresh(value.expr, resolve)
    return fresh


def _fresh(e: ast.expr, resolve) -> bool:
    if isinstance(e, (ast.Constant, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.JoinedStr)):
        return True
    if isinstance(e, ast.Attribute):
        return e.attr in CONSTANT_ATTRIBUTES
    if isinstance(e, ast.Call):
        if isinstance(e.func, ast.Attribute) and e.func.attr == "copy":
            return True
        f = resolve(e.func)
        vocab = classify(f) if f is not MISSING else None
        return vocab is not None and vocab.kind in ("constant", "nondiff") and f not in (primal, anp.stop_gradient)
    return False


def may_share(v: ast.expr, names: set[str], resolve) -> bool:
    """May the value of the expression ``v`` share memory with one of ``names`` (flow-insensitive)?"""
    if isinstance(v, ast.Name):
        return v.id in names
    if isinstance(v, (ast.Subscript, ast.Starred)):
        return may_share(v.value, names, resolve)
    if isinstance(v, ast.Attribute):
        return v.attr in _VIEW_METHODS and may_share(v.value, names, resolve)
    if isinstance(v, (ast.Tuple, ast.List)):
        return any(may_share(e, names, resolve) for e in v.elts)
    if isinstance(v, ast.IfExp):
        return may_share(v.body, names, resolve) or may_share(v.orelse, names, resolve)
    if isinstance(v, ast.Call):
        f = resolve(v.func)
        viewing = isinstance(v.func, ast.Attribute) and v.func.attr in _VIEW_METHODS
        if viewing and f is MISSING:  # y.reshape(n): a method of a local value, a view of it
            return may_share(v.func.value, names, resolve)
        if _new_array(v, f):  # anp.zeros_like(x), anp.concatenate([x, y]): a vocabulary function, but a new array
            return False
        if viewing or f in _VIEW_FUNCTIONS or is_user_function(f):  # anp.reshape(y, n), np.ravel(y), helper(y)
            return any(may_share(a, names, resolve) for a in v.args)
    return False


def _new_array(call: ast.Call, f) -> bool:
    """Does the vocabulary function ``f``, called as ``call``, return a new array whatever its operands
    (a constant maker such as ``zeros_like`` but ``stop_gradient``, which hands its operand back, or a
    copying function without ``out=``)?"""
    if f is MISSING or f is anp.stop_gradient:
        return False
    if id(f) in _COPYING:
        return all(k.arg not in ("out", "copy") for k in call.keywords)
    vocab = classify(f)
    return vocab is not None and vocab.kind == "constant"
