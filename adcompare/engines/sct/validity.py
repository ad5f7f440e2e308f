"""Does a cached transformation still hold? Checked on every call that reuses one.

Contract: :func:`holds` answers for an entry of :mod:`.transform` (its ``fn``, ``functions``,
``deps``, ``callees`` and ``guard``): True while every non-local name the transformation read
(``deps``: a path of names, ``None`` for the function itself, with the
:func:`.front.fingerprints.fingerprint` it had) still has that fingerprint, looked up as the function
would look it up now (closure, then globals, then builtins: :func:`.front.parse.lookup`), for the
entry and every entry it calls; an entry still being built holds. It runs on every call of a
cached derivative, so each entry's checks are compiled once, when first asked, into one small
function (its ``guard``): straight-line code that looks each name up once and compares it with
the object, code and defaults it had, as :func:`.front.fingerprints.matches` would. An entry's ``reads``
(:class:`Read`) are checked the same way: functions whose bodies an analysis read for its proofs
(:mod:`.front.callees`) without transforming them (a call not differentiated runs as written), so
that a name such a body looks up (the function it calls), rebound, makes the entry be made again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adcompare.engines.sct.front.fingerprints import MISSING, fingerprint, matches
from adcompare.engines.sct.front.parse import lookup


def holds(entry: Any, seen: set[int] | None = None) -> bool:
    """Does what ``entry``'s transformation assumed still hold, for it, its callees and the bodies read (``reads``)?"""
    if not entry.functions:  # being built now
        return True
    guard = entry.guard
    if guard is None:
        guard = entry.guard = compile_guard(entry.fn, entry.deps)
    if not guard():
        return False
    if entry.reads or entry.callees:
        seen = set() if seen is None else seen
        seen.update((id(entry), id(entry.fn)))  # its guard checks what a Read of its function would
        if not all(id(callee) in seen or holds(callee, seen) for callee in entry.callees):
            return False
        for r in entry.reads:  # last: each function once, unless an entry of it was checked
            if id(r.fn) not in seen:
                seen.add(id(r.fn))
                if not r.holds():
                    return False
    return True


class Read:
    """A function whose body an analysis read (:mod:`.front.callees`), with the non-local names its reading
    looked up (``deps``: dotted name -> fingerprint, :attr:`.front.parse.Parsed.deps`)."""

    def __init__(self, fn: Any, deps: dict[str, tuple]):
        self.fn, self.deps, self.guard = fn, deps_of(fn, deps), None

    def holds(self) -> bool:
        if self.guard is None:
            self.guard = compile_guard(self.fn, self.deps)
        return self.guard()


def deps_of(fn: Any, deps: dict[str, tuple]) -> list[tuple]:
    """What a guard checks (see :func:`holds`): ``fn`` itself, then each non-local name read (``deps``)."""
    return [(None, fingerprint(fn))] + [(tuple(path.split(".")), mark) for path, mark in deps.items()]


def compile_guard(fn: Any, deps: list[tuple]) -> Callable[[], bool]:
    """``deps`` (see :func:`holds`) as one function of no arguments: are they all as they were?"""
    consts: list = []

    def const(value: Any) -> str:
        consts.append(value)
        return f"k{len(consts) - 1}"

    lines, heads = [], {}
    for path, mark in deps:
        if path is None:
            value = "fn"
        else:
            head = heads.get(path[0])
            if head is None:  # looked up once, after the function's own check (its code may change)
                head = heads[path[0]] = f"h{len(heads)}"
                name = repr(path[0])
                if path[0] in getattr(getattr(fn, "__code__", None), "co_freevars", ()):
                    lines.append(f"{head} = lookup(fn, {name})")  # a closure cell
                else:
                    lines += [f"{head} = glob.get({name}, M)", f"if {head} is M:",
                              f"    {head} = lookup(fn, {name})"]  # a builtin, or missing
            value = head
            if len(path) > 1:
                lines.append(f"v = {head}")
                for attr in path[1:]:
                    lines.append(f"v = M if v is M else getattr(v, {attr!r}, M)")
                value = "v"
        kind = mark[0]
        if kind == "object":
            test = f"{value} is not {const(mark[1])}"
        elif kind == "instance":
            test = (f"{value} is not {const(mark[1])} or type({value}) is not {const(mark[2])} or "
                    f"type({value}).__call__ is not {const(mark[3])}")
        elif kind == "function":
            test = (f"{value} is not {const(mark[1])} or {value}.__code__ is not {const(mark[2])} or "
                    f"{value}.__defaults__ is not {const(mark[3])} or {value}.__kwdefaults__ is not {const(mark[4])}")
        elif kind == "scalar":
            test = f"type({value}) is not int and type({value}) is not float"
        else:
            test = f"not matches({value}, {const(mark)})"
        lines += [f"if {test}:", "    return False"]
    body = "\n".join("        " + line for line in lines + ["return True"])
    source = (f"def make(fn, glob, M, lookup, matches, {', '.join(f'k{i}' for i in range(len(consts))) or '_'}):\n"
              f"    def guard():\n{body}\n    return guard\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<sct guard>", "exec"), namespace)
    return namespace["make"](fn, getattr(fn, "__globals__", {}), MISSING, lookup, matches, *(consts or [None]))
