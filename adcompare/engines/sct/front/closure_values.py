"""Closures as values: a nested function with the data it captured, and the stand-ins that move them.

Contract: :mod:`.closures` rewrites a function SCT transforms so that every nested ``def``, ``lambda`` and
comprehension is a module-level function and every value a function closes over is passed explicitly. What the
rewritten code calls lives here; each is a plain function with source (so it runs as written where nothing is
differentiated) whose derivatives :func:`entry` gives by hand, in a transformed callee's calling convention:

* ``make_closure(template, *values)``: a :class:`Closure`, a tuple of the captured values that carry derivatives
  (floats, arrays, other closures), with the code (a function ``code(env, *params)``) specialized on the others
  (functions, engines, integers, strings: constants, bound by name; a value mixing both is refused); its (co)tangent
  is the tuple's.
* ``apply(g, *args)``: a call of a function known only when it runs; for a closure it is ``g.code(g, *args)``, so
  the captured values are an argument the outer transformation differentiates through like any other.
* ``derive(engine, kind, f, argnums, file, line)``: ``engine.grad(f)`` (``jacfwd``, ``jacrev``,
  ``value_and_grad``); for a closure, a closure over the same data whose code is the derivative of ``f``'s
  code (:data:`DERIVED`, an explicit program for ``SCTEngine(higher="sct")``): its tangent is ``f``'s.
* ``jvp_call(engine, f, primals, tangents, file, line)``: ``engine.jvp``, an explicit program of data and primals.
* ``engine.vjp(f, *xs)`` is ``(apply(make_closure(vjp_template(..., True), f, *xs)), make_closure(vjp_template(
  engine, n, file, line), f, *xs))``: closures of ``f`` and the primals whose code runs ``f``'s sweeps.
* ``as_tuple(xs)``: ``tuple(xs)`` of a list or tuple.

No derivative is written here: the stand-ins only move values and their (co)tangents.
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import types
from collections.abc import Callable
from typing import Any

import jax

from adcompare.engine import Engine
from adcompare.engines.sct.emit import boxed_callee, runtime
from adcompare.engines.sct.emit.boxed_callee import OPAQUE, split_tangents
from adcompare.engines.sct.errors import SCTError
from adcompare.engines.sct.front import defaults, lifted_lines
from adcompare.primitives import Box, is_float

DERIVED: Callable | None = None  # (engine, kind, code, argnums) -> code; set by ..closure_programs
JVP: Callable | None = None  # (engine, code or None for a plain function, f, n) -> code; same
VJP: Callable | None = None  # (n, file, line, value) -> a template of the pull-back (or value); same
KINDS = {"grad": "grad", "jacfwd": "jacfwd", "jacrev": "jacrev", "value_and_grad": "grad_value"}
ENV = "_sct_env"
JIT = jax.jit  # jax.jit(f) is f: jit compiles and SCT's output runs as is (a Closure cannot be jitted: no weakref)
_serial = itertools.count(1)


class Closure(tuple):
    """A nested function as a value: the tuple of its captured data, and ``code(env, *args)``."""

    def __new__(cls, data: Any = (), code: Callable | None = None):
        self = super().__new__(cls, data)
        self.code = code  # None for a tangent or cotangent
        return self

    def __call__(self, *args, **kwargs):
        args, kwargs = defaults.positional(self, args, kwargs)
        return self.code(self, *args, **kwargs)

    def __repr__(self) -> str:
        return f"Closure({getattr(self.code, '__name__', None)}, {tuple(self)!r})"


boxed_callee.CLOSURE = Closure


def _leaf_kind(v: Any) -> str:
    if isinstance(v, (Box, float, complex)):
        return "data"
    if type(v) in (int, bool, str) or v is None:
        return "neutral"
    if hasattr(v, "dtype") and hasattr(v, "shape"):
        try:
            return "data" if is_float(v) else "static"
        except TypeError:
            return "static"
    return "static"


def kind(v: Any) -> str:
    """"data" (carries derivatives), "static" (a constant: bound into the code) or "mixed"."""
    if isinstance(v, Closure):
        return "data"
    if type(v) in (tuple, list) or (isinstance(v, tuple) and hasattr(v, "_fields")):
        kinds = {kind(c) for c in v}
    elif type(v) is dict:
        kinds = {kind(c) for c in v.values()}
    else:
        leaf = _leaf_kind(v)
        return "static" if leaf == "neutral" else leaf
    kinds.discard("neutral")
    if "mixed" in kinds or kinds == {"data", "static"}:
        return "mixed"
    return "data" if "data" in kinds else "static"


def _static_key(v: Any) -> tuple:
    return ("value", v) if type(v) in (int, bool, str) or v is None else ("id", id(v))


def define(fdef: ast.FunctionDef, module: dict, bound: dict, filename: str) -> Callable:
    """``fdef``, its source in ``linecache`` (``filename``), reading ``module`` live and ``bound`` as its scope."""
    names = sorted(bound)
    maker = ast.FunctionDef("_sct_define", ast.arguments([], [ast.arg(n) for n in names], None, [], [], None, []),
                            [fdef, ast.Return(ast.Name(fdef.name, ast.Load()))], [], None, None)
    text = ast.unparse(ast.fix_missing_locations(ast.Module([maker], []))) + "\n"
    lifted_lines.cache(filename, text, fdef)
    scratch: dict = {}
    exec(compile(text, filename, "exec"), scratch)  # noqa: S102  (the user's own code, lifted)
    made = types.FunctionType(scratch["_sct_define"].__code__, module, "_sct_define")(*(bound[n] for n in names))
    made.sct_params = getattr(fdef, "sct_params", None)  # (names, how many have defaults): see defaults
    return made


class Template:
    """``name_lifted(env, *params)`` before it is specialized on what it captured (``cells``: the user's closure)."""

    def __init__(self, node: ast.FunctionDef, free: list[str], module: dict, cells: dict, origin: str):
        self.node, self.free, self.module, self.cells, self.origin = node, free, module, cells, origin
        self.specs: dict[tuple, tuple[Callable, list]] = {}

    def split(self, values: tuple) -> list[bool]:
        """Which captured values are data (the others are bound into the code)."""
        out = []
        for name, v in zip(self.free, values):
            k = kind(v)
            if k == "mixed":
                raise SCTError(f"a nested function capturing {name!r}, which mixes numbers with functions or "
                               "other objects", self.node.name, self.origin, 0,
                               "capture the numbers and the functions in separate variables")
            out.append(k == "data")
        return out

    def code(self, values: tuple, data: list[bool]) -> Callable:
        statics = [v for v, d in zip(values, data) if not d]
        key = (tuple(data), tuple(_static_key(v) for v in statics))
        found = self.specs.get(key)
        if found is None:
            found = self.specs[key] = (self._specialize(data, statics), statics)  # keeps the statics alive
        return found[0]

    def _specialize(self, data: list[bool], statics: list) -> Callable:
        node = copy.deepcopy(self.node)
        names = [n for n, d in zip(self.free, data) if d]
        if names:
            target = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
            node.body.insert(0, ast.Assign([target], ast.Name(ENV, ast.Load())))
        bound = dict(self.cells)
        bound.update(zip([n for n, d in zip(self.free, data) if not d], statics))
        return define(node, self.module, bound, f"<sct lifted {self.node.name} #{next(_serial)} from {self.origin}>")


# --- the stand-ins (run as written where nothing is differentiated) ---------------------------


def make_closure(template, *values):
    data = template.split(values)
    return Closure([v for v, d in zip(values, data) if d], template.code(values, data))


def apply(g, *args):
    return g(*args)


apply.sct_dynamic = True  # a call of a function known only when it runs (see emit.primal's write checks)


def derive(engine, kind_, f, argnums, filename, line):
    if not isinstance(f, Closure):
        return getattr(engine, kind_)(f) if argnums is None else getattr(engine, kind_)(f, argnums=argnums)
    return Closure(f, _derived(engine, kind_, f, 0 if argnums is None else argnums, filename, line))


def jvp_call(engine, f, primals, tangents, filename, line):
    if not isinstance(f, Closure) and not (isinstance(engine, Engine) and isinstance(f, types.FunctionType)):
        return engine.jvp(f, primals, tangents)
    callee, positions = _jvp_target(engine, f, (engine, f, primals, tangents, filename, line))
    return callee(*(a for k, a in enumerate((engine, f, primals, tangents)) if k in positions))


def as_tuple(xs):
    return tuple(xs)


def vjp_template(engine, n, filename, line, value=False, aux=False):
    """The template of ``engine.vjp(f, *xs, has_aux=aux)``'s pull-back (or value), a closure of ``(f, *xs)``."""
    _check_engine(engine, "vjp", filename, line)
    return VJP(n, filename, line, value, aux)


STANDINS = (make_closure, apply, derive, jvp_call, as_tuple)


def _refuse(construct: str, filename: str, line: int, hint: str) -> SCTError:
    return SCTError(construct, "<nested derivative>", filename, line, hint)


def _derived(engine, kind_, f: Closure, argnums, filename, line) -> Callable:
    code = f.code.__code__  # argument 0 is the captured data; a negative argnums counts from the last parameter
    nums = argnums if type(argnums) is tuple and argnums and code.co_filename.startswith("<sct lifted") else (argnums,)
    if kind_ not in KINDS or any(type(k) is not int or k < 0 and (k < 1 - code.co_argcount or code.co_flags
                                                                  & inspect.CO_VARARGS) for k in nums):
        raise _refuse(f"{kind_}(..., argnums={argnums!r}) of a nested function inside code SCT transforms",
                      filename, line, "take grad, jacfwd, jacrev or value_and_grad with integer argnums (a tuple "
                                      "only of the nested function itself, not of its derivative)")
    _check_engine(engine, kind_, filename, line)
    nums = tuple(k + (1 if k >= 0 else code.co_argcount) for k in nums)
    return DERIVED(engine, KINDS[kind_], f.code, nums if type(argnums) is tuple else nums[0])


def _check_engine(engine, what: str, filename, line) -> None:
    """The derivative of a closure is an explicit program only for ``SCTEngine(higher="sct")``."""
    if getattr(engine, "name", None) != "sct" or getattr(engine, "higher", None) != "sct":
        name = getattr(engine, "name", None) or type(engine).__name__
        raise _refuse(f"{what} by the {name} engine of a nested def or lambda inside code SCT transforms",
                      filename, line, "take derivatives inside transformed code with SCTEngine(higher='sct'), "
                                      "or define the function at module level")


def _jvp_target(engine, f, args: tuple) -> tuple[Callable, tuple[int, ...]]:
    filename, line = args[4], args[5]
    if isinstance(f, Closure) or not isinstance(engine, Engine):
        _check_engine(engine, "jvp", filename, line)
    if type(args[2]) not in (tuple, list) or type(args[3]) not in (tuple, list):
        raise _refuse("jvp with primals or tangents that are not a tuple", filename, line,
                      "pass them as tuples, as jax.jvp takes them")
    closure = isinstance(f, Closure)
    code = JVP(engine, f.code if closure else f, closure, len(args[2]))
    return code, ((1, 2, 3) if closure else (2, 3))


def _target(fn: Callable, args: tuple) -> tuple[Callable, tuple[int, ...]]:
    """The function a forwarding stand-in calls, and the positions of its arguments among ``args``."""
    if fn is apply:
        g = args[0]
        if isinstance(g, Closure):
            return g.code, tuple(range(len(args)))
        return g, tuple(range(1, len(args)))
    if fn is derive:
        if not isinstance(args[2], Closure) and not callable(args[2]):
            raise _refuse(f".{args[1]}() of a differentiated {type(args[2]).__name__}", args[4], args[5],
                          "only a function's derivative is taken inside code SCT transforms")
        return None, (2,)
    return _jvp_target(args[0], args[1], args)


# --- their derivatives ------------------------------------------------------------------------


def _closure_entry(mode: str, active: tuple[int, ...]) -> dict[str, Callable]:
    if mode == "forward":
        def jvp(*args_and_dots):
            args, dots = split_tangents(args_and_dots, active)
            data = args[0].split(tuple(args[1:]))
            dot = [dots[k] if k in dots else runtime.zeros(args[k]) for k, d in enumerate(data, 1) if d]
            return make_closure(*args), Closure(dot)

        return {"jvp": jvp}

    def fwd(*args):
        return make_closure(*args), args[0].split(tuple(args[1:]))

    def bwd(data, out_bar):
        places = list(itertools.accumulate(data))
        return tuple(runtime.item_bar(out_bar, places[k - 1] - 1, sum(data)) if data[k - 1] else 0.0
                     for k in active)

    return {"fwd": fwd, "bwd": bwd}


def _forwarding_entry(fn: Callable, mode: str, active: tuple[int, ...], dynamic: dict) -> dict[str, Callable]:
    """A stand-in that calls a function of some of its arguments (see :func:`_target`)."""
    if mode == "forward":
        def jvp(*args_and_dots):
            args, dots = split_tangents(args_and_dots, active)
            callee, positions = _target(fn, tuple(args))
            if callee is None:  # derive: the derivative shares f's data, and so its tangent
                return derive(*args), dots[2] if isinstance(args[2], Closure) else Closure()
            inner = tuple(j for j, k in enumerate(positions) if k in active)
            flat = []
            for k in positions:
                flat += [args[k], dots[k]] if k in active else [args[k]]
            return dynamic["jvp"](callee, inner, *flat)

        return {"jvp": jvp}

    def fwd(*args):
        callee, positions = _target(fn, args)
        if callee is None:
            return derive(*args), None
        inner = tuple(j for j, k in enumerate(positions) if k in active)
        y, residuals = dynamic["fwd"](callee, inner, *(args[k] for k in positions))
        return y, (residuals, positions)

    def bwd(residuals, out_bar):
        if residuals is None:  # derive
            return tuple(out_bar if k == 2 else 0.0 for k in active)
        inner_res, positions = residuals
        bars = iter(dynamic["bwd"](inner_res, out_bar))
        return tuple(next(bars) if k in positions else 0.0 for k in active)

    return {"fwd": fwd, "bwd": bwd}


def _tuple_entry(mode: str, active: tuple[int, ...]) -> dict[str, Callable]:
    def check(xs):
        if type(xs) not in (tuple, list):
            raise SCTError(f"tuple() of a differentiated {type(xs).__name__}", "as_tuple", "<sct closures>", 0,
                           "index the array, or build the tuple from a list")

    if mode == "forward":
        def jvp(xs, xs_dot):
            check(xs)
            return tuple(xs), tuple(runtime.item_bar(xs_dot, i, len(xs)) for i in range(len(xs)))

        return {"jvp": jvp}

    def fwd(xs):
        check(xs)
        return tuple(xs), xs

    def bwd(xs, out_bar):
        if runtime.is_zero(out_bar):
            return (0.0,)
        return (runtime._rebuild(xs, [runtime.item_bar(out_bar, i, len(xs)) for i in range(len(xs))]),)

    return {"fwd": fwd, "bwd": bwd}


def is_standin(fn: Any) -> bool:
    return any(fn is s for s in STANDINS)  # by identity: a stand-in is never compared by value


def entry(fn: Callable, mode: str, active: tuple[int, ...], dynamic: dict) -> tuple[dict[str, Callable], str]:
    """The functions generated code calls for the stand-in ``fn`` in ``mode``, and a line about them.
    ``dynamic``: the driver's calls of a function known when it runs (``fwd``, ``bwd``, ``jvp``)."""
    if fn is make_closure:
        functions = _closure_entry(mode, active)
    elif fn is as_tuple:
        functions = _tuple_entry(mode, active)
    else:
        functions = _forwarding_entry(fn, mode, active, dynamic)
    if fn is not as_tuple:  # the others' sweeps keep closures and callees (see boxed_callee.OPAQUE)
        OPAQUE.update(functions.values())
    return functions, f"# {fn.__name__}: {mode} mode moves the captured values' derivatives\n"
