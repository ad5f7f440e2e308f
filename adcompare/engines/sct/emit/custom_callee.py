"""Custom functions in SCT: a user function's own rules as the callee of generated code.

Contract: a call of an ``ad.custom_vjp`` or ``ad.custom_jvp`` function (a
:class:`adcompare.custom.CustomFunction`) is an ``ir.Call`` like a call of any
user function, but its "generated" functions come from :func:`entry`, not from
its source, and use its primitive's joint rules: in reverse mode
``fwd(*args) -> (out, residuals)`` runs the rule's forward part once (the
user's ``fwd``, or the function) and keeps its pull-back, whose closure is
what is kept; ``bwd(residuals, out_bar)`` calls that pull-back once, for every
active argument together (the user's ``bwd``, or the transposed JVP). Code
that is transformed again (``residuals="arrays"``) keeps the call's arguments
instead of a pull-back, and ``bwd`` rebuilds the pull-back from them: both are
then functions of arrays, which the outer derivative runs as one engine-made
call (:mod:`.boxed_callee`: the custom rule is a primitive to it, applied exactly). In
forward mode ``jvp(x0, x0_dot, ...)`` calls the joint JVP rule once. A
checkpointed function without Python source also comes here (its rules
recompute it on the default engine); one with source is transformed instead,
and its recomputation is emitted in the adjoint code (:mod:`reverse`).

Arguments are numbered as in the call; ``active`` holds positions in that
numbering, and a static (``nondiff_argnums``) position may not be active.
"""

from __future__ import annotations

from typing import Any

from adcompare.custom import CustomFunction
from adcompare.custom_outputs import pack, packed_shapes, unpack, unpacked
from adcompare.engines.sct import located
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.emit.boxed_callee import split_tangents
from adcompare.engines.sct.errors import SCTError
from adcompare.primitives import primal
from adcompare.trees import is_array_like


def _split(prim: CustomFunction, args: tuple, active: tuple[int, ...], reverse: bool = True) -> tuple:
    """(operands, static arguments as (position, value) pairs, activity per operand)."""
    static = {k for k in prim.static_argnums if k < len(args)}
    bad = [k for k in active if k in static]
    if bad:
        raise TypeError(f"argument {bad[0]} of {prim.kind} function {prim.__name__!r} is in its "
                        f"static (non-differentiated) arguments but got an active value")
    operands, static_pairs = prim.split(args)
    positions = [k for k in range(len(args)) if k not in static]
    mask = tuple(k in active for k in positions)
    if prim.kind == "custom_jvp" and reverse and any(m and not is_array_like(x) for x, m in zip(operands, mask)):
        x = next(x for x, m in zip(operands, mask) if m and not is_array_like(x))
        raise SCTError(f"reverse mode through custom_jvp function {prim.__name__!r} with a differentiated "
                       f"{type(x).__name__} operand", *located.caller((prim.__name__, "<sct runtime>", 0)),
                       "pass its arrays as separate arguments, or differentiate in forward mode (jvp, jacfwd)")
    return operands, static_pairs, mask


def _reverse(prim: CustomFunction, active: tuple[int, ...]) -> dict[str, Any]:
    rules = prim.prim

    def fwd(*args):
        prim.check_defined()
        operands, static, mask = _split(prim, args, active)
        if rules.value_and_vjp is not None:  # the rule computes the value: the user's fwd runs here, once
            flat, pullback = rules.value_and_vjp(mask, *operands, static=static, engine=None)
        else:
            flat = rules(*operands, static=static, engine=None)
            pullback = rules.vjp(mask, flat, *operands, static=static, engine=None)
        out = unpacked(flat)
        return out, (pullback, mask, out)

    def bwd(residuals, out_bar):
        pullback, mask, out = residuals
        bars = pullback(pack(runtime.final_bar(out_bar, out)))  # the user's bwd runs here, once per cotangent
        return tuple(bar for bar, a in zip(bars, mask) if a)

    fwd.__name__, bwd.__name__ = f"{prim.__name__}_fwd", f"{prim.__name__}_bwd"
    return {"fwd": fwd, "bwd": bwd}


def _reverse_arrays(prim: CustomFunction, active: tuple[int, ...]) -> dict[str, Any]:
    """The "arrays" residuals (code to be transformed again): ``fwd`` keeps the call's arguments,
    and ``bwd`` builds the pull-back from them and applies it, so that each is a function of
    arrays, which the outer derivative differentiates as a whole (see :mod:`.boxed_callee`)."""
    rules = prim.prim

    def fwd(*args):
        prim.check_defined()
        operands, static, mask = _split(prim, args, active)
        if rules.value_and_vjp is not None:  # the value is the user's fwd's, differentiated as written
            return unpacked(rules.value_and_vjp(mask, *operands, static=static, engine=None)[0]), args
        return unpacked(rules(*operands, static=static, engine=None)), args

    def bwd(args, out_bar):
        # an outer derivative differentiates the kept arguments as a whole: a static one arrives boxed,
        # though fwd found it constant (an active one is refused there); it stays a constant
        args = tuple(primal(a) if k in prim.static_argnums else a for k, a in enumerate(args))
        operands, static, mask = _split(prim, args, active)
        if rules.value_and_vjp is not None:
            flat, pullback = rules.value_and_vjp(mask, *operands, static=static, engine=None)
        else:
            flat = rules(*operands, static=static, engine=None)
            pullback = rules.vjp(mask, flat, *operands, static=static, engine=None)
        bars = pullback(pack(runtime.final_bar(out_bar, unpacked(flat))))
        return tuple(bar for bar, a in zip(bars, mask) if a)

    fwd.__name__, bwd.__name__ = f"{prim.__name__}_fwd", f"{prim.__name__}_bwd"
    return {"fwd": fwd, "bwd": bwd}


def _forward(prim: CustomFunction, active: tuple[int, ...]) -> dict[str, Any]:
    rules = prim.prim

    def jvp(*args_and_dots):
        prim.check_defined()
        args, dots = split_tangents(args_and_dots, active)
        operands, static, mask = _split(prim, tuple(args), active, reverse=False)
        tangents = iter(dots[k] for k in sorted(dots))
        tangents = tuple(next(tangents) if a else None for a in mask)
        if rules.value_and_jvp is not None:  # the rule gives the value too (a custom_jvp's)
            ans, out_dot = rules.value_and_jvp(tangents, *operands, static=static, engine=None)
            return unpacked(ans), unpacked(out_dot)
        ans = rules(*operands, static=static, engine=None)
        ans_shapes = packed_shapes()
        out_dot = rules.jvp(tangents, ans, *operands, static=static, engine=None)
        return unpack(ans, ans_shapes), unpack(out_dot, ans_shapes)

    jvp.__name__ = f"{prim.__name__}_jvp"
    return {"jvp": jvp}


def entry(prim: CustomFunction, mode: str, active: tuple[int, ...],
          residuals: str = "closures") -> tuple[dict[str, Any], str]:
    """The functions generated code calls for ``prim`` in ``mode`` (with ``residuals``, see
    :func:`..transform.residuals_for`), and a line describing them."""
    make = _forward if mode != "reverse" else _reverse_arrays if residuals == "arrays" else _reverse
    rules = "its fwd and bwd" if prim.kind == "custom_vjp" else "its JVP rule"
    text = f"# {prim.kind} function {prim.__name__!r}: {mode} mode by {rules}, not by its source\n"
    return make(prim, active), text
