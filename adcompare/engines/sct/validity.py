"""Does a cached transformation still hold? Checked on every call that reuses one.

Contract: :func:`holds` answers for an entry of :mod:`.transform` (its ``fn``, ``functions``,
``deps`` and ``callees``): True while every non-local name the transformation read (``deps``:
a path of names, ``None`` for the function itself, with the :func:`.front.parse.fingerprint` it
had) still has that fingerprint, as the function would look it up now (closure, then globals,
then builtins), for the entry and every entry it calls; an entry still being built holds.
It runs on every call of a cached derivative, so the commonest cases are written inline.
"""

from __future__ import annotations

from typing import Any

from adcompare.engines.sct.front.parse import MISSING, lookup, matches


def holds(entry: Any, seen: set[int] | None = None) -> bool:
    """Does what ``entry``'s transformation assumed still hold, for it and its callees?"""
    if not entry.functions:  # being built now
        return True
    fn = entry.fn
    glob = free = None
    heads: dict[str, Any] = {}  # each non-local name looked up once (``anp`` for ``anp.sin``, ``anp.cos``)
    for path, mark in entry.deps:
        if path is None:
            value = fn
        else:
            head = path[0]
            value = heads.get(head, heads)
            if value is heads:
                if glob is None:  # read after the function's own check (its code may have changed)
                    glob, free = fn.__globals__, fn.__code__.co_freevars
                value = glob.get(head, MISSING) if head not in free else MISSING
                if value is MISSING:  # a closure cell, a builtin, or missing: the general lookup
                    value = lookup(fn, head)
                heads[head] = value
            for attr in path[1:]:
                if value is MISSING:
                    break
                value = getattr(value, attr, MISSING)
        kind = mark[0]  # the commonest fingerprints first (see ``fingerprint`` and ``matches``)
        if kind == "object":
            if value is not mark[1]:
                return False
        elif kind == "function":
            if value is not mark[1] or value.__code__ is not mark[2] or value.__defaults__ is not mark[3] \
                    or value.__kwdefaults__ is not mark[4]:
                return False
        elif not (type(value) in (int, float) if kind == "scalar" else matches(value, mark)):
            return False
    if entry.callees:
        seen = set() if seen is None else seen
        seen.add(id(entry))
        return all(id(callee) in seen or holds(callee, seen) for callee in entry.callees)
    return True
