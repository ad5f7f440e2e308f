"""The pass pipeline and its cache: function, mode and argnums in, generated functions out.

Contract: :func:`transform` runs parse → normalize → activity → forward or reverse → codegen
for ``(function, mode, active)`` (mode "forward" or "reverse", ``active`` the positions of the
differentiated parameters; for a function with ``*args``, also the number of positional
arguments it is called with) and returns an :class:`Entry` holding the generated functions
and their source. The generated functions read the function's globals, closure cells and
builtins when they run, as the function does. Results are cached per (function, mode, active,
arguments), and a cached result is used only while what the transformation concluded from the
function's non-local names still holds (the same function called under a name, the same code,
defaults, and kind of value: see :func:`.front.parse.fingerprint`), for it and every function
it calls; otherwise it is transformed again (a caller that keeps an entry asks :func:`still`).
Calls to other user functions are transformed on the way, recursively (a custom function's
entry holds its own rules, see :mod:`.emit.custom_callee`; a function an engine made runs on
boxes, see :mod:`.emit.boxed_callee`); a function that is still being transformed (recursion)
is linked once it is done. If anything fails, nothing from the failed attempt stays in the
cache. One lock serializes transformations, so threads may share the cache. :func:`call_fwd`,
:func:`call_bwd` and :func:`call_jvp` are what generated code calls for a function it knows
only when it runs: they transform it then (through ``functools.partial``; any other callable,
such as a primitive in a variable, runs on boxes, see :mod:`.emit.boxed_callee`).
"""

from __future__ import annotations

import functools
import inspect
import threading
import types
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adcompare.custom import CustomFunction
from adcompare.engine import engine_made, is_engine_made
from adcompare.engines.sct.analysis import ranks, shapes
from adcompare.engines.sct.analysis.activity import analyze
from adcompare.engines.sct.asttools import check_reads
from adcompare.engines.sct.asttools import names as names_in_tree
from adcompare.engines.sct.emit import boxed_callee, codegen, custom_callee, second, specialize
from adcompare.engines.sct.emit.clobbers import split_clobbers
from adcompare.engines.sct.emit.forward import forward
from adcompare.engines.sct.emit.structured import Structured, init_unbound
from adcompare.engines.sct.emit.structured_reverse import structured_reverse
from adcompare.engines.sct.front import aliases, callees, closure_values, closures, defaults, generated, rule_source
from adcompare.engines.sct.front.normalize import normalize, var_keywords
from adcompare.engines.sct.front.parse import MISSING, classify, parse
from adcompare.engines.sct.naming import Namer
from adcompare.engines.sct.validity import deps_of
from adcompare.engines.sct.validity import holds as _holds
from adcompare.numpy import constants
from adcompare.tape_engine import cycle_collector_paused

MODES = ("forward", "reverse")


@dataclass(eq=False)
class Entry(boxed_callee.HeldAside):
    fn: Any
    mode: str
    active: tuple[int, ...]
    nvar: int | None = None  # how many arguments ``*args`` takes (None: no ``*args``)
    source: str = ""
    functions: dict[str, Any] = field(default_factory=dict)  # "jvp", or "fwd" and "bwd"
    waiting: list = field(default_factory=list)  # (cell, which) to fill when done
    deps: list[tuple] = field(default_factory=list)  # (path or None for fn itself, fingerprint)
    callees: list[Entry] = field(default_factory=list)
    reads: list = field(default_factory=list)  # bodies read, not transformed (.validity.Read: checked as deps)
    control: str = "python"  # "lax": loops and branches as lax calls (see .emit.structured)
    residuals: str = "closures"  # "arrays": values only (see residuals_for)
    guard: Any = None  # ``deps`` compiled into one check (see .validity), made when first asked
    repeats: bool = True  # do its functions loop or call generated code (see codegen.repeats)? True: unknown
    into: bool = False  # its ``bwd`` takes the caller's cotangents to add into (see .emit.into)
    zero_out: bool = True  # may its ``jvp``'s output tangent be a symbolic zero (see .emit.zero_tangents)?


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_building: list[list[Entry]] = []  # entries of the transformation in progress
_lock = threading.RLock()
_cleared = [0]  # how many times the cache was cleared (see ``still``)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _cleared[0] += 1


def _nvar(fn: Any, active: tuple[int, ...], nargs: int | None) -> int | None:
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or not code.co_flags & inspect.CO_VARARGS:
        return None
    if nargs is None:
        nargs = max(active, default=-1) + 1
    return max(0, nargs - code.co_argcount)


def residuals_for(mode: str, control: str, residuals: str) -> str:
    """What a reverse sweep's residuals may be, chosen here only: "closures" (rule pull-backs and
    ``shape_of`` stand-ins, the least kept) or "arrays" (values only, the rules called in the
    reverse sweep), which code to be transformed again (``higher="sct"``, asked for by
    :mod:`..programs`) and code whose loops ``lax.scan`` stacks (``control="lax"``) need."""
    if residuals not in ("closures", "arrays"):
        raise ValueError(f"residuals must be 'closures' or 'arrays', not {residuals!r}")
    if mode == "forward":
        return "closures"  # no residuals: one entry whoever asks
    return "arrays" if control == "lax" else residuals


def _key(fn: Any, mode: str, active: tuple[int, ...], nargs: int | None, control: str, residuals: str) -> tuple:
    return mode, active, _nvar(fn, active, nargs), control, residuals_for(mode, control, residuals)


def cached(fn: Any, mode: str, active: tuple[int, ...], nargs: int | None = None,
           control: str = "python", residuals: str = "closures") -> Entry | None:
    with _lock:
        return _cache.get(fn, {}).get(_key(fn, mode, active, nargs, control, residuals))


def kept(fn: Any, mode: str, active: tuple[int, ...], nargs: int | None = None) -> tuple[int, Entry]:
    """For a caller that keeps :func:`transform`'s entry (control "python"): the cache's clear count, then it."""
    return _cleared[0], transform(fn, mode, active, nargs)  # the count read first


def still(entry: Entry, cleared: int) -> bool:
    """May a caller that :func:`kept` ``entry`` call it again? Yes while the cache was not cleared since
    and what its transformation assumed holds (else it asks again): the direct path's check on every call."""
    return cleared == _cleared[0] and _holds(entry)


def transform(fn: Any, mode: str, active: tuple[int, ...], nargs: int | None = None,
              control: str = "python", residuals: str = "closures") -> Entry:
    """The generated code of ``fn`` in ``mode`` for the parameters at ``active``.

    ``nargs``: the number of positional arguments of the call, which matters only to a
    function with ``*args`` (the generated code takes each of them as a parameter).
    ``control``: "python" (plain loops and branches) or "lax" (see :mod:`.emit.structured`).
    ``residuals``: "closures" or "arrays" (see :func:`residuals_for`).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'forward' or 'reverse', not {mode!r}")
    active = (active,) if isinstance(active, int) else tuple(active)
    try:
        weakref.ref(fn)
    except TypeError:  # a ufunc, a builtin: it has no cache entry, and parse refuses it by name
        parse(fn)
        raise
    with _lock:
        key = _key(fn, mode, active, nargs, control, residuals)
        residuals = key[4]
        table = _cache.get(fn)
        entry = table.get(key) if table else None
        if entry is not None and _holds(entry):
            return entry
        standin, moves = second.is_standin(fn), closure_values.is_standin(fn)
        if isinstance(fn, CustomFunction) or standin or moves or (is_engine_made(fn) and not codegen.is_generated(fn)):
            entry = Entry(fn, mode, active)  # its own rules, not its source
            make = (functools.partial(custom_callee.entry, residuals=key[4]) if isinstance(fn, CustomFunction)
                    else second.entry if standin else
                    functools.partial(closure_values.entry, dynamic=DYNAMIC) if moves else boxed_callee.entry)
            entry.functions, entry.source = _made(*make(fn, mode, active))
            _cache.setdefault(fn, {})[key] = entry
            return entry
        outermost = not _building
        if outermost:
            _building.append([])
        previous, start = entry, len(_building[0])
        try:
            entry = Entry(fn, mode, active, key[2], control=control, residuals=residuals)
            _cache.setdefault(fn, {})[key] = entry
            _building[0].append(entry)
            with cycle_collector_paused():  # many acyclic nodes: the collector would rescan them again and again
                _build(entry)
        except BaseException:  # what this call made goes (a caller may take a program it refused on the boxes)
            for e in _building[0][start:]:
                table = _cache.get(e.fn)
                if table is not None:
                    table.pop((e.mode, e.active, e.nvar, e.control, e.residuals), None)
            del _building[0][start:]
            if previous is not None:
                _cache.setdefault(fn, {})[key] = previous
            raise
        finally:
            if outermost:
                _building.pop()
        return entry


def _build(entry: Entry) -> None:
    ours = codegen.is_generated(entry.fn) or entry.fn in rule_source.MADE  # SCT's own output, or a rule made here
    parsed = parse(entry.fn, _prepare_generated if ours else closures.convert)
    taken = set(parsed.locals) | names_in_tree(parsed.tree)
    namer = Namer(taken)
    fn = normalize(parsed, namer, entry.nvar or 0)
    bad = [k for k in entry.active if k >= fn.npos]
    if bad:
        raise ValueError(f"{fn.name} has {fn.npos} positional parameters; cannot differentiate position {bad[0]}")
    if entry.mode == "reverse":
        split_clobbers(fn, namer)
    active_params = {fn.params[k] for k in entry.active}
    act = analyze(fn, active_params, parsed)
    linker = codegen.Linker(namer, functools.partial(_linked, control=entry.control, residuals=entry.residuals),
                            DYNAMIC)
    # a cotangent that SCT's own code or a rule (taken at second order) computes and drops is a symbolic zero
    linker.zero_guards = ours or (getattr(entry.fn, "__module__", None) or "").startswith("adcompare.rules")
    lax = Structured(fn, parsed.where, namer, linker) if entry.control == "lax" else None
    scalars = set()
    for name in taken - parsed.locals:
        value = parsed.lookup(name)
        if value is not MISSING and type(value) in (int, float):
            scalars.add(name)  # broadcasting against it keeps the other operand's shape
    linker.cells.update(fn.extra_globals)
    scalars |= ranks.rank0(fn, scalars)  # locals that hold numbers whatever the inputs
    ints = frozenset(ranks.range_targets(fn)) if "range" not in parsed.locals and "range" in taken \
        and parsed.lookup("range") is range else frozenset()
    late, read = [], callees.reader()
    if entry.mode == "forward":
        defs = [forward(fn, act, namer, linker, entry.active, scalars, lax)]
        names = {"jvp": defs[0].name}
        entry.zero_out = defs[0].zero_out
    else:
        likes = shapes.like_calls(fn, lambda node: _keeps_shape(parsed.resolve(node)))
        defs, late = (specialize.reverse_sweeps(fn, act, namer, linker, entry.active, scalars, ints, entry.residuals
                                                == "arrays", likes, read, entry) if lax is None
                      else (list(structured_reverse(fn, act, namer, linker, entry.active, scalars, lax)), []))
        # its bwd adds into its caller's cotangents (see .emit.into) only if every specialized one does too
        entry.into = all(getattr(d, "takes_into", False) for d in defs[1::2])
        names = {"fwd": defs[0].name, "bwd": defs[1].name}
    if lax is not None:
        defs = [init_unbound(d) for d in defs]
    check_reads(defs, fn.locals, set(linker.cells))
    entry.repeats = codegen.repeats(defs, linker)
    label = f"{entry.mode} {getattr(entry.fn, '__qualname__', fn.name)}"
    entry.source, made, cells = codegen.compile_module(defs, linker.cells, entry.fn, label)
    entry.deps, entry.reads = deps_of(entry.fn, parsed.deps), read.read
    entry.callees = [callee for _, callee, _ in linker.callees]
    for local, callee, which in linker.callees:
        if local not in cells:
            continue  # no generated line calls it
        if callee.functions:
            cells[local].cell_contents = callee.functions[which]
        else:
            callee.waiting.append((cells[local], which))
    for local, name in late:  # the specialized sweeps, as made (their closures set)
        cells[local].cell_contents = made[name]
    entry.functions = {which: made[name] for which, name in names.items()}
    for cell, which in entry.waiting:
        cell.cell_contents = entry.functions[which]
    entry.waiting.clear()


def _keeps_shape(f: Any) -> bool:
    """Is ``f`` a constructor whose value has its one argument's shape (``anp.ones_like``)?"""
    return any(f is g for g in (constants.ones_like, constants.zeros_like, np.ones_like, np.zeros_like))


def _prepare_generated(parsed) -> None:
    closures.made_calls(parsed)  # generated code has no nested functions or calls of variables to convert
    generated.prepare(parsed)


def _target(f: Any, args: tuple, active: tuple[int, ...], kwargs: dict) -> tuple:
    """(function, arguments, active positions, keywords, how many arguments it put in front) of a call of ``f``
    through partials; a closure as its code, the closure first (inactive: one that is not is called by ``apply``)."""
    front = 0
    while isinstance(f, functools.partial):
        args, kwargs, f, front = f.args + args, {**f.keywords, **kwargs}, f.func, front + len(f.args)
    args, kwargs = defaults.positional(f, args, kwargs)  # a lifted closure's keywords, by position
    if isinstance(f, closure_values.Closure) and f.code is not None:
        f, args, front = f.code, (f, *args), front + 1
    return f, args, tuple(k + front for k in active), kwargs, front


def _made(functions: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """A stand-in's functions, marked as made by an engine (an engine differentiates them by running them)."""
    for f in functions.values():
        engine_made(f)
    return functions, text


def _linked(fn: Any, mode: str, active: tuple[int, ...], nargs: int | None, control: str, residuals: str) -> Entry:
    """A callee's entry for generated code that calls it by name: its transform, or where it is a derivative's
    program (``E.grad(f)(x)`` inside, :mod:`.front.direct_defs`) and SCT refuses its own code or a rule in it again,
    that call on the boxes (exact), as for a call known only when it runs (:func:`_entry_of`)."""
    entry = boxed_callee.transformed(functools.partial(transform, control=control, residuals=residuals), fn, mode,
                                     active, nargs)
    return entry if entry is not None else _boxed(fn, mode, active)


def _boxed(f: Any, mode: str, active: tuple[int, ...]) -> Entry:
    entry = Entry(f, mode, active)  # any other callable (a primitive, a vocabulary function): on boxes
    entry.functions, entry.source = _made(*boxed_callee.entry(f, mode, active))
    return entry


def _entry_of(f: Any, mode: str, active: tuple[int, ...], nargs: int, keywords: bool = False, residuals="closures"):
    program = closures.MADE_PROGRAM(f, nargs) if closures.MADE_PROGRAM is not None and not keywords else None
    if program is not None:  # a derivative SCTEngine(higher="sct") made (no keywords): its program, transformed again
        entry = boxed_callee.transformed(functools.partial(transform, residuals=residuals), program, mode, active,
                                         nargs, program=True)
        if entry is not None and not boxed_callee.reaches_opaque(entry):
            return entry  # else the made function on boxes, for this call only
    elif isinstance(f, CustomFunction) or second.is_standin(f) or (isinstance(f, types.FunctionType)
                                                                and classify(f) is None):
        entry = boxed_callee.transformed(functools.partial(transform, residuals=residuals), f, mode, active, nargs)
        if entry is not None and not boxed_callee.reaches_opaque(entry):
            return entry  # else on boxes: SCT refused its own code again, or it moves closures
    return _boxed(f, mode, active)


def _keywords(entry: Entry, which: str, kwargs: dict) -> dict:
    """Keywords packed for the ``**kw`` of the code generated from ``entry.fn`` (a made derivative's program)."""
    return var_keywords(entry.fn, kwargs) if codegen.is_generated(entry.functions[which]) else kwargs


def call_fwd(f: Any, active: tuple[int, ...], *args, **kwargs) -> tuple[Any, tuple]:
    """The forward sweep of a call of ``f``, a function generated code knows only when it runs."""
    fn, args, active, kwargs, _ = _target(f, args, active, kwargs)
    aliases.check_dynamic_call(fn, args)
    entry = _entry_of(fn, "reverse", active, len(args), bool(kwargs))
    y, residuals = entry.functions["fwd"](*args, **_keywords(entry, "fwd", kwargs))
    return y, (entry, residuals)


def call_bwd(residuals: tuple, out_bar: Any) -> tuple:
    entry, inner = residuals
    return entry.functions["bwd"](inner, out_bar)


def call_jvp(f: Any, active: tuple[int, ...], *args_and_dots, **kwargs) -> tuple[Any, Any]:
    """The forward mode of a call of ``f``, a function generated code knows only when it runs."""
    args, by_position = boxed_callee.split_tangents(args_and_dots, active)
    dots = list(by_position.values())
    fn, full, active, kwargs, _ = _target(f, tuple(args), active, kwargs)
    aliases.check_dynamic_call(fn, full)
    entry = _entry_of(fn, "forward", active, len(full), bool(kwargs))
    interleaved = []
    for k, a in enumerate(full):
        interleaved.append(a)
        if k in active:
            interleaved.append(dots[active.index(k)])
    return entry.functions["jvp"](*interleaved, **_keywords(entry, "jvp", kwargs))


DYNAMIC = {"fwd": call_fwd, "bwd": call_bwd, "jvp": call_jvp}


def source(fn: Any, mode: str, active: tuple[int, ...], control: str = "python") -> str:
    return transform(fn, mode, active, control=control).source
