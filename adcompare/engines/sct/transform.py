"""The pass pipeline and its cache: function, mode and argnums in, generated functions out.

Contract: :func:`transform` runs parse → normalize → activity → forward or
reverse → codegen for ``(function, mode, active)`` (mode "forward" or
"reverse", ``active`` the positions of the differentiated parameters) and
returns an :class:`Entry` holding the generated functions and their source.
Results are cached per (function, mode, active). Calls to other user functions
are transformed on the way, recursively (a custom function's entry holds its own
rules, see :mod:`custom`); a function that is still being
transformed (recursion) is linked once it is done. If anything fails, nothing
from the failed attempt stays in the cache.
"""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass, field
from typing import Any

from adcompare.custom import CustomFunction
from adcompare.engine import cycle_collector_paused
from adcompare.engines.sct import codegen, custom
from adcompare.engines.sct.activity import analyze
from adcompare.engines.sct.flatten import names as names_in_tree
from adcompare.engines.sct.forward import forward
from adcompare.engines.sct.naming import Namer
from adcompare.engines.sct.normalize import normalize
from adcompare.engines.sct.parse import MISSING, parse
from adcompare.engines.sct.reverse import reverse, split_clobbers

MODES = ("forward", "reverse")


@dataclass(eq=False)
class Entry:
    fn: Any
    mode: str
    active: tuple[int, ...]
    source: str = ""
    functions: dict[str, Any] = field(default_factory=dict)  # "jvp", or "fwd" and "bwd"
    waiting: list = field(default_factory=list)  # (namespace, name, which) to fill when done


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_building: list[list[Entry]] = []  # entries of the transformation in progress


def clear_cache() -> None:
    _cache.clear()


def cached(fn: Any, mode: str, active: tuple[int, ...]) -> Entry | None:
    table = _cache.get(fn)
    return table.get((mode, active)) if table else None


def transform(fn: Any, mode: str, active: tuple[int, ...]) -> Entry:
    """The generated code of ``fn`` in ``mode`` for the parameters at ``active``."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'forward' or 'reverse', not {mode!r}")
    entry = cached(fn, mode, active)
    if entry is not None:
        return entry
    if isinstance(fn, CustomFunction):  # its own rules, not its source
        entry = Entry(fn, mode, active)
        entry.functions, entry.source = custom.entry(fn, mode, active)
        _cache.setdefault(fn, {})[(mode, active)] = entry
        return entry
    outermost = not _building
    if outermost:
        _building.append([])
    try:
        entry = Entry(fn, mode, active)
        _cache.setdefault(fn, {})[(mode, active)] = entry
        _building[0].append(entry)
        with cycle_collector_paused():  # many acyclic nodes: the collector would rescan them again and again
            _build(entry)
    except BaseException:
        if outermost:
            for e in _building[0]:
                table = _cache.get(e.fn)
                if table is not None:
                    table.pop((e.mode, e.active), None)
        raise
    finally:
        if outermost:
            _building.pop()
    return entry


def _build(entry: Entry) -> None:
    parsed = parse(entry.fn)
    taken = set(parsed.locals) | names_in_tree(parsed.tree)
    namer = Namer(taken)
    fn = normalize(parsed, namer)
    bad = [k for k in entry.active if k >= len(fn.params)]
    if bad:
        raise ValueError(f"{fn.name} has {len(fn.params)} parameters; cannot differentiate position {bad[0]}")
    if entry.mode == "reverse":
        split_clobbers(fn, namer)
    active_params = {fn.params[k] for k in entry.active}
    act = analyze(fn, active_params, parsed)
    linker = codegen.Linker(namer, transform)
    scalars = set()
    for name in taken - parsed.locals:
        value = parsed.lookup(name)
        if value is not MISSING:
            linker.user(name, value)
            if type(value) in (int, float):
                scalars.add(name)
    for name, value in fn.extra_globals.items():
        linker.user(name, value)
    if entry.mode == "forward":
        defs = [forward(fn, act, namer, linker, entry.active, scalars)]
        names = {"jvp": defs[0].name}
    else:
        defs = list(reverse(fn, act, namer, linker, entry.active, scalars))
        names = {"fwd": defs[0].name, "bwd": defs[1].name}
    module = ast.Module(defs, [])
    label = f"{entry.mode} {getattr(entry.fn, '__qualname__', fn.name)}"
    entry.source = codegen.compile_module(module, linker.namespace, label)
    entry.functions = {which: linker.namespace[name] for which, name in names.items()}
    for local, callee, which in linker.callees:
        if callee.functions:
            linker.namespace[local] = callee.functions[which]
        else:
            callee.waiting.append((linker.namespace, local, which))
    for namespace, local, which in entry.waiting:
        namespace[local] = entry.functions[which]
    entry.waiting.clear()


def source(fn: Any, mode: str, active: tuple[int, ...]) -> str:
    return transform(fn, mode, active).source

