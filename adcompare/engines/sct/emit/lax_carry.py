"""Carried state for structured control flow: what a traced body keeps, gives back, and grows into.

Contract: the mechanics :mod:`.lax_runtime` builds loops and branches on. A
carried state is a pytree whose leaves are traced, except a cotangent's zero
placeholder ``0.0`` (see :mod:`.runtime`), kept as a Python value while it
stays one (:func:`split`). :func:`trace` runs a function once under
``jax.eval_shape`` and describes its result (avals for traced leaves, Python
values for the rest); :func:`grow` brings a value to a description where that
keeps its meaning (``None``, a placeholder becoming zeros, a Python number a 0-d
array); :func:`fits` says whether a body keeps its carry's structure, shapes
and types; :func:`settle` iterates the two to the carry a ``lax`` loop needs (or
None); :func:`scan` is ``lax.scan`` over such a carry (its loop-invariant saves
kept once with :mod:`.lax_hoist`); :func:`join` is one
description two branches' results both fit; :class:`Statics` splits a body's
saves into arrays and the constants of its trace.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax, tree_util

from adcompare.engines.sct.emit import lax_hoist
from adcompare.engines.sct.errors import SCTError

DYNAMIC = object()  # a traced leaf's place in a described tree


class CarryChanged(Exception):
    """A traced body gave back a carry whose traced leaves differ from those it took (a zero placeholder
    became an array in this iteration, not in the one the carry was settled on): the loop stays Python's."""


def traced(x: Any) -> bool:
    return any(isinstance(leaf, jax.core.Tracer) for leaf in tree_util.tree_leaves(x))


def is_array(x: Any) -> bool:
    """An array, a traced value, or an aval (what :func:`trace` describes a traced leaf by)."""
    return isinstance(x, (jax.Array, jax.ShapeDtypeStruct)) or (hasattr(x, "__array__") and hasattr(x, "dtype"))


def is_number(x: Any) -> bool:
    return type(x) in (int, float, bool) or is_array(x)


def placeholder(x: Any) -> bool:
    return type(x) is float and x == 0.0


def aval(x: Any) -> jax.ShapeDtypeStruct:
    return x if isinstance(x, jax.ShapeDtypeStruct) else jax.ShapeDtypeStruct(jnp.shape(x), jnp.result_type(x))


def zeros(like: Any) -> Any:
    """Zeros shaped like ``like`` (arrays, avals, or a tree of them; other leaves kept)."""
    return tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype) if hasattr(a, "shape") else a, like)


# --- carried state: which leaves are traced, what the body gives back --------------


def is_kept(leaf: Any, bars: bool) -> bool:
    """Is this leaf of a carried state kept as a Python value (the zero placeholder of a
    cotangent), rather than traced?"""
    return bars and placeholder(leaf)


def split(x: Any, bars: bool) -> tuple[list, Any]:
    """(traced leaves, rebuild(traced leaves) -> x)."""
    leaves, tree = tree_util.tree_flatten(x)
    kept = [is_kept(v, bars) for v in leaves]

    def rebuild(dynamic: list) -> Any:
        it = iter(dynamic)
        return tree_util.tree_unflatten(tree, [v if k else next(it) for v, k in zip(leaves, kept)])

    return [v for v, k in zip(leaves, kept) if not k], rebuild


def trace(fn, x: Any, bars: bool) -> Any:
    """What ``fn(x)`` gives back, traced once: a tree of avals (traced leaves) and Python values."""
    dynamic, rebuild = split(x, bars)
    box: dict = {}

    def run(dyn):
        leaves, box["tree"] = tree_util.tree_flatten(fn(rebuild(dyn)))
        box["leaves"] = [DYNAMIC if is_array(v) else v for v in leaves]
        return [v for v in leaves if is_array(v)]

    avals = iter(jax.eval_shape(run, dynamic))
    return tree_util.tree_unflatten(box["tree"], [next(avals) if v is DYNAMIC else v for v in box["leaves"]])


def grow(value: Any, like: Any, bars: bool) -> Any:
    """``value`` made to fit ``like`` (an aval tree, or the values it replaces) where that keeps
    its meaning: ``None`` (not yet bound) and, for a cotangent, the placeholder ``0.0``
    become zeros; a Python number becomes a 0-d array; a weak-typed array takes ``like``'s type."""
    if (value is None or (bars and placeholder(value))) and like is not None and not placeholder(like) \
            and not isinstance(like, (int, float, bool, str, range)):
        return zeros(like)
    if type(value) in (tuple, list) and type(like) is type(value) and len(value) == len(like):
        return type(value)(grow(v, a, bars) for v, a in zip(value, like))
    if isinstance(value, tuple) and hasattr(value, "_fields") and type(like) is type(value):
        return type(value)(*(grow(v, a, bars) for v, a in zip(value, like)))
    if type(value) is dict and type(like) is dict and value.keys() == like.keys():
        return {k: grow(value[k], like[k], bars) for k in value}
    if type(value) in (int, float, bool) and getattr(like, "shape", None) == ():
        return jnp.asarray(value, jnp.result_type(value, like.dtype))
    if is_array(value) and hasattr(like, "shape") and jnp.shape(value) == like.shape \
            and jnp.result_type(value) != like.dtype and getattr(aval(value), "weak_type", False):
        return jnp.asarray(value).astype(like.dtype)
    return value


def fits(carry: Any, out: Any, bars: bool) -> bool:
    """Does a body that gives back ``out`` (described by :func:`trace`) keep ``carry``'s
    structure, shapes and types (up to the coercions of :func:`grow`)?"""
    a, ta = tree_util.tree_flatten(carry)
    b, tb = tree_util.tree_flatten(out)
    if ta != tb:
        return False
    for x, y in zip(a, b):
        if is_kept(x, bars):
            if not placeholder(y):
                return False
        elif not is_number(x):
            return False
        elif bars and placeholder(y):
            continue
        elif not is_number(y):
            return False
        else:
            ax, ay = aval(x) if is_array(x) else aval(jnp.asarray(x)), aval(y) if is_array(y) else None
            if ay is not None and (ax.shape != ay.shape or ax.dtype != ay.dtype):
                return False
            if ay is None and ax.shape != ():
                return False
    return True


def settle(step, carry: Any, bars: bool) -> Any:
    """The carry as the structured loop needs it (fixed structure, shapes and types), or
    None if the body's carried state changes across iterations, or it cannot be traced."""
    for _ in range(4):
        try:
            out = trace(step, carry, bars)
        except (TypeError, ValueError, IndexError, SCTError):  # a concrete value needed (JAX's tracer
            return None  # errors are TypeErrors, SCT's refusals SCTErrors), or shapes that do not fit: the
            # Python loop runs it, exactly, and raises the error again if it is genuine
        if fits(carry, out, bars):
            return carry
        grown = grow(carry, out, bars)
        if tree_util.tree_structure(grown) == tree_util.tree_structure(carry) and all(
                x is y for x, y in zip(tree_util.tree_leaves(grown), tree_util.tree_leaves(carry))):
            return None
        carry = grown
    return None


def scan(body, start: Any, xs: Any, bars: bool, reverse: bool = False, hoist: bool = False) -> tuple:
    """``lax.scan`` of ``body(carry, x) -> (carry, ys)`` from a settled carry (its placeholders kept);
    with ``hoist`` (``ys`` a list of arrays), :func:`.lax_hoist.scan`: ``(carry, ys, mask)``, the
    saves that do not change across iterations kept once."""
    dynamic, rebuild = split(start, bars)
    tree = tree_util.tree_structure(start)

    def step(dyn, x):
        c = rebuild(dyn)
        out, ys = body(c, x)
        out = grow(out, c, bars)
        if tree_util.tree_structure(out) != tree:
            raise AssertionError("SCT internal error: a settled loop's carry changed structure")
        new = split(out, bars)[0]
        if [(jnp.shape(v), jnp.result_type(v)) for v in new] != [(jnp.shape(v), jnp.result_type(v)) for v in dyn]:
            raise CarryChanged
        return new, ys

    if hoist:
        dynamic, ys, mask = lax_hoist.scan(step, dynamic, xs, reverse=reverse)
        return rebuild(dynamic), ys, mask
    dynamic, ys = lax.scan(step, dynamic, xs, reverse=reverse)
    return rebuild(dynamic), ys


class _Slot(int):
    """The place of a save among a body's distinct arrays."""


class Statics:
    """Saves of a traced body split into arrays (stacked by the scan) and everything else (kept
    once). An array saved twice (a list saved again with one more element) is stacked once."""

    def __init__(self):
        self.tree = None
        self.static: list = []

    def split(self, saves: Any) -> list:
        leaves, self.tree = tree_util.tree_flatten(saves)
        distinct: list = []
        seen: dict[int, int] = {}
        self.static = []
        for v in leaves:
            if is_array(v):
                if id(v) not in seen:
                    seen[id(v)] = len(distinct)
                    distinct.append(v)
                v = _Slot(seen[id(v)])
            self.static.append(v)
        return distinct

    def join(self, arrays: list) -> Any:
        return tree_util.tree_unflatten(self.tree, [arrays[v] if type(v) is _Slot else v for v in self.static])


def join(a: Any, b: Any, bars: bool, unbound: bool = False) -> Any:
    """One description both sides' results fit (see :func:`trace`), or ``DYNAMIC`` if none does.
    ``unbound`` (SCT's own generated code, transformed again): ``None`` stands for a residual not
    bound on that side (set before the branch that binds it), which :func:`grow` makes zeros; a
    branch flag set to ``True`` on one side and ``False`` on the other is a traced boolean."""
    if unbound and type(a) is bool and type(b) is bool and a != b:
        return jax.ShapeDtypeStruct((), jnp.bool_)  # which side ran: generated code's branch flag
    if unbound and (a is None) != (b is None) and is_number(b if a is None else a):
        other = b if a is None else a
        return aval(jnp.asarray(other) if not is_array(other) else other)
    if bars and placeholder(a):
        return b
    if bars and placeholder(b):
        return a
    if type(a) in (tuple, list) and type(b) is type(a) and len(a) == len(b):
        parts = [join(x, y, bars, unbound) for x, y in zip(a, b)]
        return DYNAMIC if any(p is DYNAMIC for p in parts) else type(a)(parts)
    if isinstance(a, tuple) and hasattr(a, "_fields") and type(b) is type(a):
        parts = [join(x, y, bars, unbound) for x, y in zip(a, b)]
        return DYNAMIC if any(p is DYNAMIC for p in parts) else type(a)(*parts)
    if type(a) is dict and type(b) is dict and a.keys() == b.keys():
        parts = {k: join(a[k], b[k], bars, unbound) for k in a}
        return DYNAMIC if any(p is DYNAMIC for p in parts.values()) else parts
    if a is None and b is None:
        return None
    if not (is_number(a) and is_number(b)):
        return a if type(a) is type(b) and a == b else DYNAMIC
    x, y = aval(jnp.asarray(a) if not is_array(a) else a), aval(jnp.asarray(b) if not is_array(b) else b)
    if x.shape != y.shape:
        return DYNAMIC
    return jax.ShapeDtypeStruct(x.shape, jnp.result_type(x, y))
