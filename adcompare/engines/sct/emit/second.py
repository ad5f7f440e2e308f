"""Second order: what SCT's own runtime helpers are when SCT transforms its generated code again.

Contract: generated code calls a few helpers of :mod:`.runtime` besides the
vocabulary. When the transform meets one in generated code it is transforming
again (forward over forward, forward over reverse), :func:`entry` gives the
functions the new code calls in its place, with a transformed callee's calling
convention (forward ``jvp(x0, x0_dot, x1, ...) -> (out, out_dot)``; reverse
``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, out_bar)``). No
derivative is written here:

* a *linear* helper (``unbroadcast(g, like)``, ``add_bar(a, b)``, ``final_bar``, the
  reductions' ``rules.spread(g, xshape, axis)`` (whose NumPy fast path is no code to transform),
  ...: each is linear in the cotangents it moves, ``like`` and indices only give
  shapes) has as its tangent the helper applied to the tangents;
* a *constant* helper (``zeros``, the gradient's seed) has a zero tangent;
* ``divide`` and ``power`` (Python's ``/`` and ``**``) are their primitives, whose
  joint rules the rule table gives.

In reverse mode the constant helpers and ``divide``/``power`` (by their
primitives' VJP rules) are taken; a linear helper would need its transpose,
which is not in the rule table: it is refused (:class:`SCTError`). ``seq_vjp``
and ``seq_jvp`` are linear only for ``stack`` and ``concatenate`` (whose rules
read only shapes) and refused for other primitives; checkpoint ``segments``
is not a stand-in (transformed from source, or refused there). The pull-backs and
shape stand-ins of "closures" residuals (``pull``, ``pull_each``, ``seq_pullback``, ``shape_of``)
are refused in both modes: code meant to be transformed again is emitted with
"arrays" residuals (see :func:`..transform.residuals_for`).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from adcompare import numpy as anp
from adcompare import rules, trees
from adcompare.engines.sct.emit import accumulate, joint, runtime, symbolic
from adcompare.engines.sct.emit.transposes import TRANSPOSE
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.primitives import (
    add_p,
    concatenate_p,
    divide_p,
    is_float,
    multiply_p,
    namespace,
    power_p,
    shape,
    stack_p,
    subtract_p,
)
from adcompare.rules.base import spread


def seed_like(out: Any) -> Any:
    """The gradient's seed: 1 shaped like the real scalar ``out`` (refused otherwise, as ``grad`` refuses)."""
    if shape(out) != () or not is_float(out):
        raise TypeError(f"grad requires a real scalar output, not one of shape {shape(out)}")
    return 1.0 if type(out) is float else anp.ones_like(out)


def one_array(x: Any) -> None:
    """Refuses ``x`` unless it is one real array: a Jacobian program stacks one array per row or column."""
    if isinstance(x, (tuple, list, dict)) or not is_float(x):
        raise TypeError("SCTEngine(higher='sct'): a Jacobian (jacrev, jacfwd) whose output or input is not "
                        f"one real array ({a_type(x)}) is not supported; use higher='boxes'")


def output_basis(out: Any) -> list:
    """One-hot values shaped like the array ``out``, in row-major order (a Jacobian's rows or columns)."""
    one_array(out)
    if type(out) is float:
        return [1.0]
    xp, n = namespace((out,)), math.prod(shape(out))
    flat = xp.reshape(xp.eye(n, dtype=out.dtype), (n,) + tuple(shape(out)))
    return [flat[i] for i in range(n)]


def aux_bar(aux: Any) -> Any:
    """The cotangent of a ``has_aux`` function's auxiliary output: the zero placeholder at each leaf."""
    leaves, tree = trees.tree_flatten(aux)
    return trees.tree_unflatten(tree, [0.0] * len(leaves))


# helper -> positions it is linear in (the others give only shapes or indices)
LINEAR = {runtime.unbroadcast: (0,), runtime.broadcast: (0,), runtime.materialize: (0,),
          runtime.add_bar: (0, 1), runtime.item_bar: (0,), runtime.last_bar: (0,), runtime.drop_last: (0,),
          runtime.getitem_bar: (0,), runtime.unpack_bar: (0,), runtime.final_bar: (0,),
          rules.unbroadcast: (0,), spread: (0,), runtime.seq_vjp: (1,), runtime.seq_jvp: (1,)}
# helper -> positions that give only shapes, indices or structure (never differentiated: the front end
# reads them through ``primal`` when it takes generated code again, see :mod:`..front.generated`)
SHAPE_ONLY = {runtime.unbroadcast: (1,), runtime.broadcast: (1,), runtime.materialize: (1,),
              runtime.item_bar: (1, 2), runtime.getitem_bar: (1, 2), runtime.unpack_bar: (1,),
              runtime.final_bar: (1,), rules.unbroadcast: (1,), spread: (1, 2), runtime.seq_vjp: (0, 2, 3, 4),
              runtime.seq_jvp: (0, 2, 3, 4)}
CONSTANT = (runtime.zeros, seed_like, output_basis, one_array, aux_bar, runtime.discard)
PRIMITIVE = {runtime.divide: divide_p, runtime.power: power_p, runtime.add: add_p, runtime.subtract: subtract_p,
             runtime.multiply: multiply_p}
# of residuals="closures": refused
CLOSURES = (runtime.pull, runtime.seq_pullback, runtime.shape_of, accumulate.getitem_bar_into,
            accumulate.add_bar_into, accumulate.getitem_bar_tiled, joint.pull_each)


# stack and concatenate place each operand in a region of the result: their rules (rules/shapes.py,
# _placement_rules) read only shapes, so the helpers that apply them are linear in the (co)tangents
_PLACEMENT = (stack_p, concatenate_p)


def _placement_only(fn: Any, args: list) -> None:
    if fn in (runtime.seq_vjp, runtime.seq_jvp) and args[0] not in _PLACEMENT:
        raise SCTError(f"{fn.__name__} of the primitive {getattr(args[0], 'name', args[0])} (generated code "
                       "transformed again)", fn.__name__, "<sct runtime>", 0, "use SCTEngine(higher='boxes')")


# the calls generated code knows only when it runs (..transform.call_bwd, ..dynamic_second's): fn -> its entry maker
DYNAMIC: dict = {}


def is_standin(fn: Any) -> bool:
    try:
        return fn in LINEAR or fn in CONSTANT or fn in PRIMITIVE or fn in CLOSURES or fn in DYNAMIC
    except TypeError:
        return False


@functools.cache
def _layout(total: int, active: tuple[int, ...]) -> tuple[tuple[int, ...], dict[int, int]]:
    """Where a call's arguments and tangents stand among its ``total`` values (each active
    argument followed by its tangent): the arguments' positions, and argument -> its tangent's."""
    args, dots, i = [], {}, 0
    while i < total:
        k = len(args)
        args.append(i)
        if k in active and i + 1 < total:
            dots[k] = i + 1
            i += 1
        i += 1
    return tuple(args), dots


def _forward(fn: Any, active: tuple[int, ...]):
    if fn in LINEAR:
        linear, placement = LINEAR[fn], fn in (runtime.seq_vjp, runtime.seq_jvp)

        def jvp(*args_and_dots, **kwargs):
            where, dots = _layout(len(args_and_dots), active)
            args = [args_and_dots[i] for i in where]
            if placement:
                _placement_only(fn, args)
            if all(k not in dots or symbolic.is_symbolic_zero(args_and_dots[dots[k]]) for k in linear):
                ans = fn(*args, **kwargs)  # a linear function of symbolic zeros: one too (as in JAX)
                return ans, runtime.zeros(ans)
            tangents = list(args)
            for k in linear:  # a linear argument without a tangent contributes zero
                if k < len(args):
                    tangents[k] = args_and_dots[dots[k]] if k in dots else 0.0
            return fn(*args, **kwargs), fn(*tangents, **kwargs)
    elif fn in PRIMITIVE:
        prim = PRIMITIVE[fn]

        def jvp(*args_and_dots, **kwargs):
            where, dots = _layout(len(args_and_dots), active)
            args = [args_and_dots[i] for i in where]
            ans = fn(*args)
            # the zero placeholder is a symbolic zero (as JAX's): 0 * inf at a pole stays out of the sum
            tangents = tuple(None if k not in dots or symbolic.is_symbolic_zero(args_and_dots[dots[k]])
                             else args_and_dots[dots[k]] for k in range(len(args)))
            if all(t is None for t in tangents):
                return ans, runtime.zeros(ans)
            return ans, prim.jvp(tangents, ans, *args)
    else:
        def jvp(*args_and_dots, **kwargs):
            where, _ = _layout(len(args_and_dots), active)
            ans = fn(*[args_and_dots[i] for i in where], **kwargs)
            return ans, runtime.zeros(ans)

    jvp.__name__ = f"{fn.__name__}_jvp"
    return {"jvp": jvp}


def _reverse(fn: Any, active: tuple[int, ...]):
    if fn in PRIMITIVE:
        prim = PRIMITIVE[fn]

        def fwd(*args):
            ans = fn(*args)
            return ans, (ans, args)

        def bwd(residuals, out_bar):
            if symbolic.is_symbolic_zero(out_bar):  # a value computed and dropped: no 0 * inf (as ``pull``)
                return (0.0,) * len(active)
            ans, args = residuals
            mask = tuple(k in active for k in range(len(args)))
            bars = prim.vjp(mask, ans, *args)(runtime.materialize(out_bar, ans))
            return tuple(runtime.unbroadcast(bars[k], args[k]) for k in active)
    elif fn in TRANSPOSE:
        transpose, linear = TRANSPOSE[fn], LINEAR[fn]

        def fwd(*args):
            ans = fn(*args)
            return ans, (ans, args)

        pick = tuple(linear.index(k) if k in linear else -1 for k in active)  # -1: shapes only, no cotangent

        def bwd(residuals, out_bar):
            if max(pick, default=-1) < 0:
                return (0.0,) * len(pick)
            ans, args = residuals
            bars = transpose(out_bar, ans, *args)
            bars = bars if len(linear) > 1 else (bars,)
            return tuple(bars[j] if j >= 0 else 0.0 for j in pick)
    elif fn in CONSTANT:
        def fwd(*args, **kwargs):
            return fn(*args, **kwargs), ()

        def bwd(residuals, out_bar):
            return tuple(0.0 for _ in active)
    else:
        raise SCTError(f"reverse mode over SCT's runtime helper {fn.__name__} (generated code "
                       "transformed again in reverse)", fn.__name__, "<sct runtime>", 0,
                       "use SCTEngine(higher='boxes') for reverse over reverse of this program, "
                       "or forward over reverse (hessian, hvp)")
    return {"fwd": fwd, "bwd": bwd}


def closures_refused(what: str) -> SCTError:
    """The refusal of generated code made to run, not to be transformed again (it keeps pull-backs
    and shapes, or adds into its caller's cotangents): ``what`` names what gave it away."""
    return SCTError(f"SCT's generated code keeping pull-backs and shapes ({what}) transformed again",
                    what, "<sct runtime>", 0, "differentiate the derivatives SCTEngine(higher='sct') makes "
                    "(grad, jacrev, hvp, hessian: their sweeps keep arrays), or use higher='boxes'")


def entry(fn: Any, mode: str, active: tuple[int, ...]) -> tuple[dict[str, Any], str]:
    """The functions generated code calls for the runtime helper ``fn`` in ``mode``, and a line about them."""
    if fn in CLOSURES:
        raise closures_refused(fn.__name__)
    if fn in DYNAMIC:
        return DYNAMIC[fn](fn, mode, active)
    make = _forward if mode == "forward" else _reverse
    return make(fn, active), f"# runtime helper {fn.__name__}: {mode} mode by its linearity or its primitive\n"
