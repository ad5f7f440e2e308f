"""Pytrees at the engine boundary: checking what goes in, completing what comes out.

Arguments, outputs, tangents and cotangents are pytrees (tuples, lists, dicts,
nested, ``None`` as an empty subtree) exactly as in JAX, flattened with
:mod:`jax.tree_util`. An engine works on leaves; this module holds the rules
every engine shares at the boundary:

* ``argnums``: any integer-like value or a sequence of them, in range, none twice;
* which leaves are differentiated (real floating point ones), and the errors for
  those that cannot be (integers under ``grad``, complex numbers anywhere);
* that tangents match their primals in structure, shape and dtype, and cotangents
  their outputs in structure, shape and dtype, as JAX checks them (a Python number
  is weakly typed: any float output takes it). Unlike JAX, a zero of any dtype is
  taken for an integer leaf, float0 or not, and inside a sweep (an engine's own
  call of a pull-back, :class:`adcompare.engine.Engine`'s ``vjp``) a cotangent of
  another float precision: an engine's own calls pass float64 next to float32, and
  0.0 for an integer, and neither changes a derivative; a nonzero tangent for an
  integer leaf is refused, since it would be dropped;
* the zero an engine leaves out (``None``) made concrete, with JAX's dtypes:
  zeros of the primal's dtype for a float leaf, ``float0`` zeros otherwise, and
  a cotangent cast back to its primal's dtype (a float32 input next to a
  float64 one gets a float32 cotangent);
* arrays owned by one side only: JAX's arrays cannot be written into, NumPy's can.
  ``vjp`` keeps its own copies of the NumPy arrays its pull-back reads (the
  primals) and hands out copies of its outputs, which the pull-back may also
  read (``exp``'s keeps its answer), so that ``y, f_vjp = vjp(f, x); y -= data;
  f_vjp(y)`` or ``x *= 2`` in between do not change the derivative; a tangent or
  cotangent handed back is never the caller's own array (``a + 1``'s cotangent
  is the one given), so writing into it changes nothing the caller passed.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Sequence
from typing import Any

import jax.dtypes
import jax.numpy as jnp
import numpy as np
from jax import tree_util

from adcompare import primitives as p
from adcompare.concrete import a_type
from adcompare.primitives import Box, masked, result_dtype, shape

tree_flatten = tree_util.tree_flatten
tree_unflatten = tree_util.tree_unflatten
tree_leaves = tree_util.tree_leaves
tree_structure = tree_util.tree_structure


def _where(path) -> str:
    return tree_util.keystr(path) if path else ""


def is_array_like(x: Any) -> bool:
    """A value the engines can carry as one leaf: a number, an array or an active value."""
    return isinstance(x, (Box, bool, int, float, complex, np.ndarray, np.generic, jax.Array)) or (
        hasattr(x, "shape") and hasattr(x, "dtype"))


def is_complex(x: Any) -> bool:
    return np.issubdtype(result_dtype(x), np.complexfloating)


def normalize_argnums(argnums: Any) -> int | tuple[int, ...]:
    """``argnums`` as an ``int`` or a tuple of ``int``s, checked where it is given (as JAX does).

    Any integer-like value (``operator.index``: ``np.int64(1)``, a 0-d integer array) is an
    int; a bool, a float or anything else is refused by name. Range and repeats are checked
    against the call's arguments by :func:`argnums_tuple`.
    """

    def index(i: Any) -> int:
        if isinstance(i, (bool, np.bool_)):
            raise TypeError(f"argnums must be an int or a tuple of ints, not the bool {i!r}")
        try:
            return operator.index(i)
        except TypeError:
            raise TypeError(f"argnums must be an int or a tuple of ints, not {argnums!r} "
                            f"({a_type(i)} is not an integer)") from None

    if isinstance(argnums, (Sequence, np.ndarray)) and not isinstance(argnums, str) and np.ndim(argnums) == 1:
        return tuple(index(i) for i in argnums)
    return index(argnums)


def argnums_tuple(argnums: Any, nargs: int | None = None) -> tuple[int, ...]:
    """``argnums`` as a tuple of non-negative positions among ``nargs`` positional arguments,
    checked: in range, none twice, not empty (without ``nargs``: not empty, no value twice)."""
    norm = normalize_argnums(argnums)
    nums = (norm,) if isinstance(norm, int) else norm
    if not nums:
        raise ValueError("argnums is empty: name at least one argument to differentiate")
    if nargs is None:  # without the call, a repeat is seen only where both have the same sign
        if len(set(nums)) != len(nums):
            raise ValueError(f"argnums={argnums!r} names the same argument twice")
        return nums
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(
                f"argnums={argnums!r} is out of range for a function called with {nargs} "
                f"positional argument(s)")
    nums = tuple(i % nargs for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"argnums={argnums!r} names the same argument twice")
    return nums


def static_argnums_tuple(argnums: Any) -> tuple[int, ...]:
    """``static_argnums``/``nondiff_argnums`` (of ``checkpoint``, ``custom_vjp``, ``custom_jvp``)
    as a tuple, possibly empty, of distinct non-negative positions (an int alone is one)."""
    norm = normalize_argnums(argnums)
    nums = (norm,) if isinstance(norm, int) else norm
    if any(i < 0 for i in nums) or len(set(nums)) != len(nums):
        raise ValueError(f"static_argnums={argnums!r}: give each position once, counted from 0 "
                         f"(negative positions are not supported here)")
    return nums


_NOT_A_VALUE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def check_callable(what: str, f: Any) -> None:
    """``f`` must be callable (checked where a derivative is asked for, as JAX does), and not a
    generator or ``async`` function: what it returns is never a value to differentiate."""
    if not callable(f):
        raise TypeError(f"{what} expects a callable (the function to differentiate), got {f!r} of type "
                        f"{type(f).__name__}")
    fn = f
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    if not hasattr(fn, "__code__") and not isinstance(fn, type):  # an object: its class's __call__ runs
        fn = type(fn).__call__  # f is callable (checked above)
    code = getattr(fn, "__code__", None)
    flags = getattr(code, "co_flags", 0)
    if flags & _NOT_A_VALUE:
        gen = bool(flags & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR))
        where = f" ({code.co_filename}, line {code.co_firstlineno})"
        kind, gives, instead = (("a generator function (it yields)", "a generator", "return the value (e.g. the sum "
                                 "of what it yields)") if gen else ("an async function", "a coroutine", "write a "
                                                                    "plain def that returns the value"))
        raise TypeError(f"{what}: {getattr(fn, '__qualname__', repr(fn))}{where} is {kind}; calling it gives "
                        f"{gives}, not a value to differentiate: {instead}")


def check_leaves(what: str, tree: Any, name: str = "argument") -> None:
    """Every leaf of ``tree`` must be an array-like value, and none complex."""
    for path, leaf in tree_util.tree_flatten_with_path(tree)[0]:
        if not is_array_like(leaf):
            raise TypeError(f"{what}: {name}{_where(path)} is {a_type(leaf)}, which is not an array, "
                            f"a number or a pytree (tuple, list, dict) of them")
        if isinstance(leaf, masked.MASKED):
            raise TypeError(f"{what}: {name}{_where(path)} is {masked.kind(leaf)}: pass np.asarray of it "
                            f"({masked.hint(leaf)})")
        if is_complex(leaf):
            raise TypeError(f"{what}: {name}{_where(path)} is complex ({result_dtype(leaf)}); adcompare "
                            f"differentiates real-valued functions of real inputs only")


def check_differentiable(what: str, args: Sequence, nums: Sequence[int]) -> None:
    """``grad``, ``jacfwd``, ``jacrev``, ``hessian``: every differentiated leaf must be a real float."""
    for i in nums:
        check_leaves(what, args[i], f"argument {i}")
        for path, leaf in tree_util.tree_flatten_with_path(args[i])[0]:
            if not p.is_float(leaf):
                raise TypeError(f"{what} requires real-valued inputs (float dtype), but argument {i}"
                                f"{_where(path)} has dtype {result_dtype(leaf)}. Pass floats (1.0, not 1), "
                                f"or leave the argument out of argnums.")


def check_tangents(primals: Any, tangents: Any) -> None:
    """Tangents must match the primals: tuples of the same pytrees, leaf by leaf in shape and dtype."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples, e.g. jvp(f, (x,), (t,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    for i, (x, t) in enumerate(zip(primals, tangents)):
        if tree_structure(x) != tree_structure(t):
            raise ValueError(f"jvp: tangent {i} has structure {tree_structure(t)} but primal {i} has "
                             f"structure {tree_structure(x)}")
        for (path, xl), tl in zip(tree_util.tree_flatten_with_path(x)[0], tree_leaves(t)):
            where = f"{i}{_where(path)}"
            if not is_array_like(tl):
                raise TypeError(f"jvp: tangent {where} is {a_type(tl)}, which is not an array or a number")
            if shape(xl) != shape(tl):
                raise ValueError(f"jvp: tangent {where} has shape {shape(tl)} but primal {where} has "
                                 f"shape {shape(xl)}")
            if p.is_float(xl) and result_dtype(xl) != result_dtype(tl):
                raise ValueError(f"jvp: tangent {where} has dtype {result_dtype(tl)} but primal {where} "
                                 f"has dtype {result_dtype(xl)}")
            if not p.is_float(xl) and _nonzero(tl):
                raise ValueError(f"jvp: tangent {where} is nonzero but primal {where} has dtype "
                                 f"{result_dtype(xl)}: an integer or bool input is not differentiated, so "
                                 f"its tangent would be dropped; pass float0 zeros, or make the input a float")


def _nonzero(t: Any) -> bool:
    """Whether a concrete tangent (a number or a NumPy or concrete JAX array) holds a nonzero."""
    if isinstance(t, (Box, jax.core.Tracer)) or result_dtype(t) == jax.dtypes.float0:
        return False  # an engine's own inner call: its tangent for an integer is a zero it made
    return bool(np.any(np.asarray(t) != 0))


def check_cotangent(y_bar: Any, y: Any, exact: bool = True) -> list:
    """The leaves of ``y_bar``, checked against the output ``y``; ``None`` for a non-float output's.
    ``exact``: a float cotangent must have its output's dtype, as in JAX (a Python number, weakly
    typed, is taken for any float output); an engine's own calls inside a sweep take another precision."""
    if tree_structure(y_bar) != tree_structure(y):
        raise ValueError(f"vjp: the cotangent has structure {tree_structure(y_bar)} but the output has "
                         f"structure {tree_structure(y)}; pass one cotangent per output leaf (not None)")
    bars = []
    for (path, yl), gl in zip(tree_util.tree_flatten_with_path(y)[0], tree_leaves(y_bar)):
        if not is_array_like(gl):
            raise TypeError(f"vjp: the cotangent{_where(path)} is {a_type(gl)}, which is not an array "
                            f"or a number")
        if not p.is_float(yl):
            bars.append(None)  # an integer output has no cotangent (JAX takes float0 here; generated code 0.0)
            continue
        if shape(gl) != shape(yl):
            raise ValueError(f"vjp: the cotangent{_where(path)} has shape {shape(gl)} but the output{_where(path)} "
                             f"has shape {shape(yl)}")
        if is_complex(gl):
            raise TypeError(f"vjp: the cotangent{_where(path)} is complex; outputs here are real")
        if type(gl) not in (float, int) and not p.is_float(gl):  # a Python number is weakly typed
            raise ValueError(f"vjp: the cotangent{_where(path)} has dtype {result_dtype(gl)} but the "
                             f"output{_where(path)} has dtype {result_dtype(yl)}: pass a float cotangent")
        if exact and type(gl) not in (float, int) and result_dtype(gl) != result_dtype(yl):
            raise ValueError(f"vjp: the cotangent{_where(path)} has dtype {result_dtype(gl)} but the "
                             f"output{_where(path)} has dtype {result_dtype(yl)}: pass a cotangent of the "
                             f"output's dtype (JAX refuses another precision too)")
        bars.append(gl)
    return bars


def _writeable(x: Any) -> bool:
    """May ``x``'s values change later: a writeable NumPy array, or a view (a read-only view of a
    writeable array changes with it)?"""
    return isinstance(x, np.ndarray) and (x.flags.writeable or x.base is not None)


def map_in_order(fn, x: Any) -> Any:
    """``tree_map(fn, x)``, a dict keeping its own order (tree_map's has its keys sorted: not the caller's)."""
    if type(x) in (tuple, list):
        return type(x)(map_in_order(fn, v) for v in x)
    if type(x) is dict:
        return {k: map_in_order(fn, v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(map_in_order(fn, v) for v in x))
    return tree_util.tree_map(fn, x)


def in_jax_order(x: Any) -> Any:
    """``x``, each plain dict's keys sorted, as JAX hands a differentiated argument over (``x`` where unchanged)."""
    if type(x) is dict:
        try:
            keys = sorted(x)
        except TypeError:  # keys that do not compare: as they are (tree_flatten refuses them later, as JAX's)
            keys = list(x)
        items = [(k, in_jax_order(x[k])) for k in keys]
        return x if keys == list(x) and all(v is x[k] for k, v in items) else dict(items)
    if type(x) not in (tuple, list) and not (isinstance(x, tuple) and hasattr(x, "_fields")):
        return x
    items = [in_jax_order(v) for v in x]
    if all(a is b for a, b in zip(items, x)):
        return x
    return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)


_NUMBERS = (float, int, np.float64, np.float32)


def snapshot(tree: Any) -> Any:
    """``tree`` with its NumPy arrays that may change copied (``tree`` itself where it holds none)."""
    if type(tree) in _NUMBERS or tree is None:  # the common outputs and arguments, without flattening
        return tree
    if type(tree) is np.ndarray:
        return tree.copy() if _writeable(tree) else tree
    return map_in_order(lambda v: v.copy() if _writeable(v) else v, tree) if any(
        _writeable(v) for v in tree_leaves(tree)) else tree


def _root(v: np.ndarray) -> int:
    while isinstance(v.base, np.ndarray):
        v = v.base
    return id(v.base if v.base is not None else v)


def passed(f: Any, args: tuple, kwargs: dict) -> Any:
    """What the caller passed ``f``: positionally, by keyword, and fixed by ``functools.partial`` (the ``given``
    of :func:`unaliased`)."""
    fixed = []
    while isinstance(f, functools.partial):
        fixed += [f.args, f.keywords]
        f = f.func
    return (args, kwargs, fixed) if kwargs or fixed else args


def unaliased(tree: Any, given: Any = ()) -> Any:
    """``tree`` with each NumPy array that may share memory with an array of ``given``, or with an
    earlier one of ``tree``, copied (``tree`` itself where none does): a result is never a view of
    what the caller passed, nor of another result (``a + b``'s two cotangents are one array)."""
    if tree is None or type(tree) in _NUMBERS or type(given) in _NUMBERS and type(tree) is tuple and len(
            tree) == 1 and (type(tree[0]) is np.ndarray or type(tree[0]) in _NUMBERS):
        return tree  # nothing to share: no aux, a number, or one array pulled back from a number
    leaves, treedef = tree_flatten(tree)
    if sum(isinstance(v, np.ndarray) for v in leaves) == 0:
        return tree
    seen: dict[int, list] = {}  # only arrays over the same memory can share it
    for v in (given,) if type(given) is np.ndarray else tree_leaves(given):
        if isinstance(v, np.ndarray):
            seen.setdefault(_root(v), []).append(v)
    fresh = []
    for v in leaves:
        if isinstance(v, np.ndarray):
            if any(np.may_share_memory(v, m) for m in seen.get(_root(v), ())):
                v = v.copy()
            seen.setdefault(_root(v), []).append(v)
        fresh.append(v)
    return tree if all(a is b for a, b in zip(fresh, leaves)) else tree_unflatten(treedef, fresh)


def float0_zeros(x: Any):
    """JAX's cotangent for an integer input: zeros of dtype float0."""
    return np.zeros(shape(x), dtype=jax.dtypes.float0)


def zero_like(x: Any) -> Any:
    """The zero tangent or cotangent of primal ``x``: zeros of its dtype, float0 if it is not a float."""
    return p.constant_like(x, 0.0) if p.is_float(x) else float0_zeros(x)


def complete(g: Any, x: Any) -> Any:
    """``g`` as the tangent or cotangent of primal ``x``: ``None`` becomes zero, the dtype becomes ``x``'s."""
    if g is None or not p.is_float(x):
        return zero_like(x)
    if isinstance(x, jax.Array) and isinstance(g, (np.ndarray, np.generic, float, int)):
        g = jnp.asarray(g)  # a NumPy direction for a JAX value: the result stays on x's backend, as JAX's
    want = result_dtype(x)
    if result_dtype(g) != want:
        if is_complex(g):  # a complex value inside f: casting would drop the imaginary part's share
            raise TypeError(f"a derivative came out complex ({result_dtype(g)}) for a real {want} value: the "
                            f"function computes with complex numbers, and adcompare differentiates "
                            f"real-valued computations only")
        return p.astype_p(g, dtype=want)
    return g
