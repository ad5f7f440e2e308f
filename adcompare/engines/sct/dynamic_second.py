"""Second order through a call that generated code knows only when it runs (``v.copy()``, ``fs[0](x)``, a
function chosen by a branch and called with keywords).

Contract: first-order generated code calls :func:`.transform.call_fwd`, :func:`.transform.call_jvp` and
:func:`.transform.call_bwd` for such a call; they transform the function they are handed when they run.
Generated code transformed again (:mod:`.front.generated`) calls :func:`fwd_call` and :func:`jvp_call`
instead, with the call's keywords (constants, as in any such call) as one dict, and :func:`.transform.call_bwd`
as before. These are stand-ins (:mod:`.emit.second`): in forward mode each finds, when it runs, the
first-order code of the function it is handed (the reverse sweeps keep arrays, to be transformed again) and
takes the forward mode of that code, transformed again like any generated code (:func:`.transform.call_jvp`),
so no box is made. The residuals of :func:`fwd_call` carry that first-order entry to :func:`.transform.call_bwd`,
as :func:`.transform.call_fwd`'s do. Reverse mode over them (a Hessian by reverse over reverse) is refused
here, in SCT's own code: the caller takes that derivative on the boxes, as before.
"""

from __future__ import annotations

from typing import Any

from adcompare.engine import engine_made
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit import boxed_callee, codegen, runtime, second
from adcompare.engines.sct.errors import SCTError
from adcompare.engines.sct.front import aliases, generated

_FIXED = 3  # fwd_call's and jvp_call's leading parameters: the function, its active positions, the keywords


class _OnBoxes:
    """The first-order entry of a call of a function SCT does not transform from source (a vocabulary function,
    a primitive, one an engine made: :func:`.transform._entry_of` takes those on the boxes): its ``bwd`` pulls
    back from the arguments, kept as residuals, on the boxes (:mod:`.emit.boxed_callee`), a function of arrays
    that the boxes differentiate again (nested levels), where the boxes' own residuals (a pull-back) are not."""

    def __init__(self, fn: Any, active: tuple[int, ...], kwargs: dict):
        def bwd(args, out_bar):
            functions, _ = boxed_callee.entry(fn, "reverse", active)
            return functions["bwd"](functions["fwd"](*args, **kwargs)[1], out_bar)

        self.functions = {"bwd": engine_made(bwd)}


def _first_order(f: Any, active: tuple[int, ...], kw: dict, args: tuple, mode: str) -> tuple:
    """(the entry of ``f``'s first-order code in ``mode``, the call's arguments through partials, keywords
    as that code takes them, how many arguments a partial put in front)."""
    fn, full, active, kw, shift = transform._target(f, tuple(args), active, kw)
    aliases.check_dynamic_call(fn, full)
    entry = transform._entry_of(fn, mode, active, len(full), bool(kw), residuals="arrays")
    sweep = "fwd" if mode == "reverse" else "jvp"
    kwargs = transform._keywords(entry, sweep, kw)
    if mode == "reverse" and not codegen.is_generated(entry.functions["fwd"]):
        entry = _OnBoxes(fn, active, kwargs)
    return entry, full, kwargs, shift


def fwd_call(f: Any, active: tuple[int, ...], kw: dict, *args) -> tuple[Any, tuple]:
    """:func:`.transform.call_fwd` ``(f, active, *args, **kw)``, its reverse sweeps keeping arrays."""
    entry, full, kwargs, _ = _first_order(f, active, kw, args, "reverse")
    if isinstance(entry, _OnBoxes):
        return transform.call_fwd(f, active, *args, **kw)[0], (entry, tuple(full))
    y, residuals = entry.functions["fwd"](*full, **kwargs)
    return y, (entry, residuals)


def jvp_call(f: Any, active: tuple[int, ...], kw: dict, *args_and_dots) -> tuple[Any, Any]:
    """:func:`.transform.call_jvp` ``(f, active, *args_and_dots, **kw)``."""
    return transform.call_jvp(f, active, *args_and_dots, **kw)


def _again(sweep: Any, values: list, dots: dict, positions: dict[int, int], kwargs: dict) -> tuple[Any, Any]:
    """The forward mode of ``sweep`` at ``values``, the tangent of ``values[positions[j]]`` being ``dots[j]``: SCT's
    own code transformed again (:func:`.transform.call_jvp`); where SCT refuses its own code or a rule again, or the
    code is not SCT's, that one call on the boxes (exact: the same code, as ``higher="boxes"`` takes it)."""
    tangent = {positions[j]: d for j, d in dots.items() if j in positions}
    if not tangent:
        out = sweep(*values, **kwargs)
        return out, runtime.zeros(out)
    interleaved = []
    for k, v in enumerate(values):
        interleaved += [v, tangent[k]] if k in tangent else [v]
    try:
        return transform.call_jvp(sweep, tuple(sorted(tangent)), *interleaved, **kwargs)
    except SCTError as err:  # SCT refused its own code (a rule) again: this one call on the boxes, as before
        if not err.internal:
            raise
    return boxed_callee.entry(sweep, "forward", tuple(sorted(tangent)))[0]["jvp"](*interleaved, **kwargs)


def _inner_dot(dot: Any, inner: Any) -> Any:
    """The tangent of a dynamic call's inner residuals, out of that of ``(entry, inner)``."""
    if isinstance(dot, (tuple, list)) and len(dot) == 2:
        return dot[1]
    if type(dot) is float and dot == 0.0:  # generated code's zero placeholder
        return runtime.zeros(inner)
    raise TypeError(f"SCT internal error: the tangent of a dynamic call's residuals is {type(dot).__name__}")


def _split(args_and_dots: tuple, active: tuple[int, ...]) -> tuple[list, dict]:
    where, at = second._layout(len(args_and_dots), active)
    return [args_and_dots[i] for i in where], {k: args_and_dots[i] for k, i in at.items()}


def _forward(fn: Any, active: tuple[int, ...]) -> dict[str, Any]:
    if fn is transform.call_bwd:
        def jvp(*args_and_dots):  # call_bwd((entry, inner), out_bar): the first-order bwd, transformed again
            (residuals, out_bar), dots = _split(args_and_dots, active)
            if 0 in dots:  # the residuals' tangent: (the entry's, the inner residuals'), or the zero placeholder
                dots[0] = _inner_dot(dots[0], residuals[1])
            entry, inner = residuals
            return _again(entry.functions["bwd"], [inner, out_bar], dots, {0: 0, 1: 1}, {})
    elif fn is fwd_call:
        def jvp(*args_and_dots):
            values, dots = _split(args_and_dots, active)
            f, inner, kw, args = values[0], values[1], values[2], values[_FIXED:]
            entry, full, kwargs, shift = _first_order(f, inner, kw, args, "reverse")
            positions = {j: j - _FIXED + shift for j in range(_FIXED, len(values))}
            if isinstance(entry, _OnBoxes):  # the value's tangent on the boxes; the arguments' kept with theirs
                moving, flat = tuple(j - _FIXED for j in sorted(dots) if j >= _FIXED), []
                for k, a in enumerate(args):
                    flat += [a, dots[k + _FIXED]] if k in moving else [a]
                y, y_dot = transform.call_jvp(f, moving, *flat, **kw)
                kept = tuple(dots[k - shift + _FIXED] if k - shift in moving else runtime.zeros(a)
                             for k, a in enumerate(full))
                return (y, (entry, tuple(full))), (y_dot, (0.0, kept))
            (y, res), (y_dot, res_dot) = _again(entry.functions["fwd"], list(full), dots, positions, kwargs)
            return (y, (entry, res)), (y_dot, (0.0, res_dot))
    else:  # jvp_call: its arguments and tangents are the first-order jvp's, in order (call_jvp's layout)
        def jvp(*args_and_dots):
            values, dots = _split(args_and_dots, active)
            f, inner, kw, flat = values[0], values[1], values[2], values[_FIXED:]
            args, _ = boxed_callee.split_tangents(flat, inner)
            entry, full, kwargs, shift = _first_order(f, inner, kw, tuple(args), "forward")
            positions = {j: j - _FIXED + shift for j in range(_FIXED, len(values))}
            return _again(entry.functions["jvp"], [*full[:shift], *flat, *full[shift + len(args):]], dots, positions,
                          kwargs)
    jvp.__name__ = f"{fn.__name__}_jvp"
    return {"jvp": jvp}


def _entry(fn: Any, mode: str, active: tuple[int, ...]) -> tuple[dict[str, Any], str]:
    if mode != "forward":
        raise SCTError(f"reverse mode over {fn.__name__}, a call generated code knows only when it runs (generated "
                       "code transformed again in reverse)", fn.__name__, "<sct runtime>", 0,
                       "forward over reverse (hessian, hvp), or SCTEngine(higher='boxes')")
    return _forward(fn, active), f"# {fn.__name__}: forward mode of the code of the function it is handed\n"


second.DYNAMIC.update({transform.call_bwd: _entry, fwd_call: _entry, jvp_call: _entry})
generated.PACKED.update({transform.call_fwd: fwd_call, transform.call_jvp: jvp_call})
