"""Engine-made functions called by a transformed function: run on the overloading engine's boxes.

Contract: a function an engine made (``grad_f = eng.grad(f)``, a ``jacrev``,
SCT's own generated code: each marked by :func:`adcompare.engine.engine_made`)
has no source worth transforming: its source is the engine's plumbing. When a
transformed function calls one, :func:`entry` gives the functions the generated
code calls in its place, with the same calling
convention as a transformed callee: in reverse mode ``fwd(*args) -> (out,
residuals)``, the residuals being the overloading engine's pull-back, and
``bwd(residuals, out_bar)`` the cotangents of the ``active`` arguments; in
forward mode ``jvp(x0, x0_dot, x1, ...)``, a tangent after each active
argument. Nested levels keep the inner derivative apart from the outer one, as
they do for any nested derivative (:mod:`adcompare.primitives`).

:data:`OPAQUE` holds the sweeps that cannot be run so (their results hold
closures and transformed callees, not arrays); :func:`reaches_opaque` says
whether a derivative would differentiate one, so that its caller takes that
whole derivative on the boxes instead.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from jax import tree_util

from adcompare import numpy as anp
from adcompare.engine import Engine
from adcompare.engines.overloading import OverloadingEngine
from adcompare.engines.sct import located
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import is_float

_boxes = OverloadingEngine()
# Sweeps whose results hold objects, not arrays (closures, transformed callees: the closure stand-ins'
# sweeps, see ..front.closure_values): the boxes cannot take their derivative, and they have none of their own
OPAQUE: weakref.WeakSet = weakref.WeakSet()
CLOSURE: type | None = None  # a nested function as a value (its data a tuple, and code): set by ..front.closure_values


def reaches_opaque(entry: Any) -> bool:
    """Does a transform entry's generated code, or any it calls, differentiate an :data:`OPAQUE`
    sweep (second order of a function with a nested def or lambda)? Such a derivative is taken
    on the boxes as a whole instead (the same generated code, differentiated operation by operation)."""
    return _reaches(entry, _opaque, lambda e: e.fn in OPAQUE)


def reaches_generated(entry: Any) -> bool:
    """Does a transform entry's generated code, or any it calls, differentiate code that is not the
    user's own source: a derivative or closure program SCT made (its code's file is ``<...>``) or the
    engines' own helpers (a nested ``jvp`` call)? That code tests its tangents for the placeholder
    ``0.0``, so a real Python-float zero must not reach it."""
    return _reaches(entry, _generated, _not_users)


def _not_users(e: Any) -> bool:
    return _made_here(e.fn)


def _made_here(fn: Any) -> bool:
    """Is ``fn`` code SCT generated or one of the engines' helpers (not the user's source)?"""
    code = getattr(fn, "__code__", None)
    return code is None or code.co_filename.startswith("<") \
        or (getattr(fn, "__module__", None) or "").startswith("adcompare.engines.")


_opaque: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # entry -> reaches_opaque(entry)
_generated: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # entry -> reaches_generated(entry)


def _reaches(entry: Any, cache: weakref.WeakKeyDictionary, test: Callable) -> bool:
    known = cache.get(entry)
    if known is None:
        todo, seen, known = [entry], set(), False
        while todo and not known:
            e = todo.pop()
            if id(e) not in seen:
                seen.add(id(e))
                known = test(e)
                todo.extend(e.callees)
        cache[entry] = known
    return known


def transformed(transform: Callable, fn: Callable, mode: str, active: tuple[int, ...], nargs: int,
                program: bool = False) -> Any:
    """``transform(fn, ...)``, or None where ``fn`` is a program SCT made (a derivative's ``program``, a
    closure program: a vjp's pull-back; its file ``<sct ... program ...>``) and SCT refuses its own code or a
    rule in it, not the user's code (a ``vjp`` of a pull-back through a rule SCT cannot transform again): the
    caller takes that one call on the boxes (exact: the same code); so too where ``fn`` is a function of
    adcompare's own (the vocabulary's ``histogram`` with differentiated bins) whose code SCT refuses to transform.
    Generated sweeps the user calls directly stay refused."""
    try:
        return transform(fn, mode, active, nargs)
    except SCTError as err:
        filename = getattr(getattr(fn, "__code__", None), "co_filename", "")
        made = program or (filename.startswith("<sct ") and " program" in filename)
        if err.internal and (made or os.path.abspath(filename).startswith(_VOCABULARY)):
            return None
        raise


class HeldAside:
    """A base for SCT's own objects among generated code's residuals (the entry of a call known only when it ran,
    :class:`..transform.Entry`): constants to the boxes, as a slice is."""


# Leaves of generated code's residuals that are neither arrays nor numbers (an index's slice): constants,
# which the boxes do not take as a leaf; held aside for them, in arguments (_data, _like) and outputs (_Held)
_VOCABULARY = os.path.dirname(os.path.abspath(anp.__file__)) + os.sep  # adcompare.numpy's files
_CONSTANTS = (slice, range, type(Ellipsis), str, np.dtype, type, HeldAside)


def _data(a: Any) -> Any:
    """An argument as the boxes take it: a nested function's value as the tuple of its data, at any depth
    (a vjp's pull-back closes over the closure it differentiates)."""
    if CLOSURE is not None and isinstance(a, CLOSURE):
        return tuple(_data(v) for v in a)
    if isinstance(a, _CONSTANTS):  # a placeholder for the boxes; _like puts it back
        return 0.0
    if type(a) in (tuple, list):
        return type(a)(_data(v) for v in a)
    return {k: _data(v) for k, v in a.items()} if type(a) is dict else a


def _like(x: Any, a: Any, zeros: bool = False) -> Any:
    """``x``, the boxes' value of :func:`_data` ``(a)``, with ``a``'s nested functions (their code) again;
    with ``zeros`` (``a`` given to code SCT made, which tests for it), the placeholder zero ``0.0`` again,
    not a box: on a box the code would take it for a scalar cotangent (a rule's pull-back broadcasting it
    against the wrong shape)."""
    if CLOSURE is not None and isinstance(a, CLOSURE):
        return CLOSURE([_like(v, w, zeros) for v, w in zip(x, a)], a.code)
    if isinstance(a, _CONSTANTS) or (zeros and type(a) is float and a == 0.0):
        return a
    if type(a) in (tuple, list):
        return type(a)(_like(v, w, zeros) for v, w in zip(x, a))
    return {k: _like(x[k], w, zeros) for k, w in a.items()} if type(a) is dict else x


def _aligned(dot: Any, a: Any) -> Any:
    """``dot`` with None where ``a`` holds None (generated code gives an absent residual a zero tangent)."""
    if a is None:
        return None
    if type(a) in (tuple, list) and type(dot) in (tuple, list) and len(dot) == len(a):
        return type(a)(_aligned(d, v) for d, v in zip(dot, a))
    return {k: _aligned(dot[k], v) for k, v in a.items()} if type(a) is dict and type(dot) is dict else dot


def split_tangents(args_and_dots: tuple, active: tuple[int, ...]) -> tuple[list, dict]:
    """``(x0, x0_dot, x1, ...)``, a tangent after each active argument, as (arguments, the
    tangents by argument position, in order)."""
    args, dots, it = [], {}, iter(args_and_dots)
    for a in it:
        if len(args) in active:
            dots[len(args)] = next(it)
        args.append(a)
    return args, dots


def _of_active(fn: Callable, args: tuple, active: tuple[int, ...], kwargs: dict) -> Callable:
    zeros = getattr(fn, "__code__", None) is not None and _made_here(fn)

    def fn_active(*xs):
        full = list(args)
        for k, x in zip(active, xs):
            full[k] = _like(x, args[k], zeros)
        return fn(*full, **kwargs)

    return fn_active


class _Held:
    """``fn`` giving the boxes only its output's values, where it also holds :data:`_CONSTANTS` (a ``slice``
    among the residuals of generated code whose derivative is taken again): they are kept here and put back."""

    def __init__(self, fn: Callable):
        self.fn, self.tree, self.kinds = fn, None, None

    def __call__(self, *xs):
        y = self.fn(*xs)
        leaves, tree = tree_util.tree_flatten(y)
        if any(callable(v) and not isinstance(v, _CONSTANTS) for v in leaves):  # a pull-back among residuals
            raise SCTError("a derivative of a derivative through first-order code that keeps pull-backs "
                           "(functions the boxes cannot differentiate) among its residuals, as a call known only "
                           "when it runs (f = table[k]; f(*args)) does",
                           getattr(self.fn, "__name__", "(generated code)"), "<sct runtime>", 0,
                           "call the function by its name, or take this program's second derivatives with the "
                           "overloading engine (ad.engine('overloading'))")
        kinds = [not isinstance(v, _CONSTANTS) for v in leaves]
        if all(kinds):
            return y
        self.tree, self.kinds, self.others = tree, kinds, leaves
        return [v for v, k in zip(leaves, kinds) if k]

    def rebuild(self, arrays: list, other: Any = None) -> Any:
        it = iter(arrays)
        return self.tree.unflatten([next(it) if k else (v if other is None else other)
                                    for v, k in zip(self.others, self.kinds)])

    def arrays(self, bar: Any) -> list:
        return [b for b, k in zip(self.tree.flatten_up_to(bar), self.kinds) if k]


def _refuse_opaque(fn: Callable) -> None:
    """An :data:`OPAQUE` sweep asked of the boxes: refused, not run into a type error. A backstop: the callers
    take a derivative that reaches one on the boxes whole (:func:`reaches_opaque`: api, direct, transform)."""
    if fn in OPAQUE:
        raise SCTError("a nested function (def or lambda) closing over differentiated values, differentiated "
                       "inside a derivative that is itself differentiated (three nested levels)",
                       "(a closure's sweep, made by SCT)", "<sct runtime>", 0,
                       "take this program's derivatives with the overloading engine (ad.engine('overloading'))")


_OPERATORS = {"grad", "value_and_grad", "jacfwd", "jacrev", "hessian"}  # an engine's, making a function


def _refuse_engine_call(fn: Callable, args: tuple, active: tuple[int, ...]) -> None:
    """An engine's ``vjp`` (``eng.vjp(f, x, has_aux=True)`` run as written) on differentiated values: its value
    holds the pull-back, a function, which the boxes cannot differentiate (SCT's own is transformed). So does
    an engine's derivative operator (``grad``, ``jacrev``, ...) of a nested function closing over differentiated
    values, reached through a value SCT does not follow from the source (``pick()(g)``, ``OPS["grad"](g)``):
    refused by name at the user's line, as the spelled-out ``E.grad(g)`` of such an engine is."""
    engine = getattr(fn, "__self__", None) or (args[0] if args else None)
    name = getattr(fn, "__name__", None)
    if not isinstance(engine, Engine):
        return
    if name == "vjp":
        raise SCTError(f"vjp by the {engine.name} engine of differentiated values inside code SCT transforms",
                       *located.caller(("vjp", "<sct runtime>", 0)),
                       "take it with SCTEngine(higher='sct'), or with the overloading engine throughout")
    if name in _OPERATORS and any(callable(args[k]) for k in active if k < len(args)):
        raise SCTError(f"{name} by the {engine.name} engine, reached through a value SCT does not follow from the "
                       f"source (a function's result, an item of a dict or list), of a nested def or lambda closing "
                       f"over differentiated values, inside code SCT transforms",
                       *located.caller((name, "<sct runtime>", 0)),
                       "call the engine's operator by name (E.grad(g)(y), or d = E.grad; d(g)(y)) with "
                       "SCTEngine(higher='sct'), or take this program's derivatives with the overloading engine")


def entry(fn: Callable, mode: str, active: tuple[int, ...]) -> tuple[dict[str, Any], str]:
    """The functions generated code calls for ``fn`` in ``mode``, and a line describing them."""
    if mode == "reverse":
        def fwd(*args, **kwargs):  # keyword arguments are constants, as in any dynamic call
            _refuse_opaque(fn)
            _refuse_engine_call(fn, args, active)
            # what NumPy would give: the output may be an input, or a view of one (_vjp_of copies nothing)
            held = _Held(_of_active(fn, args, active, kwargs))
            y, pullback, _ = _boxes._vjp_of(held, tuple(_data(args[k]) for k in active), False)
            if held.tree is None:
                return y, (pullback, y)
            return held.rebuild(y), (lambda bar: pullback(held.arrays(bar)), held.rebuild(y, 0.0))

        def bwd(residuals, out_bar):
            pullback, y = residuals
            return pullback(runtime.final_bar(out_bar, y))

        functions = {"fwd": fwd, "bwd": bwd}
        OPAQUE.update(functions.values())  # its residuals hold the boxes' pull-back: a derivative of it is theirs
    else:
        def jvp(*args_and_dots, **kwargs):  # keyword arguments are constants, as in any dynamic call
            _refuse_opaque(fn)
            args, dots = split_tangents(args_and_dots, active)
            _refuse_engine_call(fn, args, active)
            held = _Held(_of_active(fn, tuple(args), active, kwargs))
            y, y_dot = _boxes._jvp_of(held, tuple(_data(args[k]) for k in active),
                                      tuple(_data(_aligned(dots[k], args[k])) for k in active), False)
            # an integer output's tangent: JAX's float0 outside, the zero generated code adds inside
            y_dot = tree_util.tree_map(lambda v, t: t if is_float(v) else runtime.zeros(v), y, y_dot)
            return (y, y_dot) if held.tree is None else (held.rebuild(y), held.rebuild(y_dot, 0.0))

        functions = {"jvp": jvp}
    name = getattr(fn, "__qualname__", repr(fn))
    return functions, f"# {name}, made by an engine: {mode} mode on the overloading engine's boxes\n"
