"""Custom functions in SCT: a user function's own rules as the callee of generated code.

Contract: a call of an ``ad.custom_vjp`` or ``ad.custom_jvp`` function (a
:class:`adcompare.custom.CustomFunction`) is an ``ir.Call`` like a call of any
user function, but its "generated" functions come from :func:`entry`, not from
its source: in reverse mode ``fwd(*args) -> (out, residuals)`` makes one
:class:`Application`, runs the user's ``fwd`` once through it and keeps what
its pull-back keeps; ``bwd(residuals, out_bar)`` runs the user's ``bwd`` (or
transposes its JVP) once, for every active argument together. In forward mode
``jvp(x0, x0_dot, ...)`` asks the primitive's per-operand JVP rules and sums
them. A checkpointed function without Python source also comes here (its
rules recompute it on the default engine); one with source is transformed
instead, and its recomputation is emitted in the adjoint code (:mod:`reverse`).

Arguments are numbered as in the call; ``active`` holds positions in that
numbering, and a static (``nondiff_argnums``) position may not be active.
"""

from __future__ import annotations

from typing import Any

from adcompare import numpy as anp
from adcompare.custom import Application, CustomFunction, pack, unpack
from adcompare.engines.sct.emit import runtime


def _split(prim: CustomFunction, args: tuple, active: tuple[int, ...]) -> tuple[dict, tuple, tuple]:
    """(static arguments by position, operands, active operand positions)."""
    static = {k: args[k] for k in prim.static_argnums if k < len(args)}
    bad = [k for k in active if k in static]
    if bad:
        raise TypeError(f"argument {bad[0]} of {prim.kind} function {prim.__name__!r} is in its "
                        f"static (non-differentiated) arguments but got an active value")
    positions = [k for k in range(len(args)) if k not in static]
    operands = tuple(args[k] for k in positions)
    return static, operands, tuple(positions.index(k) for k in active)


def _reverse(prim: CustomFunction, active: tuple[int, ...]) -> dict[str, Any]:
    def fwd(*args):
        prim.check_defined()
        static, operands, op_active = _split(prim, args, active)
        app = Application(static, op_active, None)
        out = prim(*operands, application=app)  # the user's fwd runs here, once
        return unpack(out, app.out_shapes), (app, prim.keeps(app, operands), out)

    def bwd(residuals, out_bar):
        app, kept, out = residuals
        g = pack(runtime.final_bar(out_bar, unpack(out, app.out_shapes)))[0]
        bars = prim.backward(app, g, kept)  # the user's bwd runs here, once per cotangent
        return tuple(bars[k] for k in app.active)

    fwd.__name__, bwd.__name__ = f"{prim.__name__}_fwd", f"{prim.__name__}_bwd"
    return {"fwd": fwd, "bwd": bwd}


def _forward(prim: CustomFunction, active: tuple[int, ...]) -> dict[str, Any]:
    def jvp(*args_and_dots):
        prim.check_defined()
        args, dots, it = [], {}, iter(args_and_dots)
        for a in it:  # x0, x0_dot, x1, ...: a tangent follows each active argument
            if len(args) in active:
                dots[len(args)] = next(it)
            args.append(a)
        static, operands, op_active = _split(prim, tuple(args), active)
        app = Application(static, op_active, None)
        ans = prim(*operands, application=app)
        out_dot = None
        for k, i in zip(active, op_active):
            part = prim.jvps[i](dots[k], ans, *operands, application=app)
            out_dot = part if out_dot is None else anp.add(out_dot, part)
        return unpack(ans, app.out_shapes), unpack(out_dot, app.out_shapes)

    jvp.__name__ = f"{prim.__name__}_jvp"
    return {"jvp": jvp}


def entry(prim: CustomFunction, mode: str, active: tuple[int, ...]) -> tuple[dict[str, Any], str]:
    """The functions generated code calls for ``prim`` in ``mode``, and a line describing them."""
    make = _reverse if mode == "reverse" else _forward
    rules = "its fwd and bwd" if prim.kind == "custom_vjp" else "its JVP rule"
    text = f"# {prim.kind} function {prim.__name__!r}: {mode} mode by {rules}, not by its source\n"
    return make(prim, active), text
