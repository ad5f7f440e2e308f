"""Callees read for what their values are: the normalized body of a plain user function that a call reaches.

Contract: :func:`normalized` answers a plain Python function's IR as SCT reads it (parsed as the
transformation parses it, :mod:`.normalize`d), for an analysis of the shapes it returns
(:mod:`..analysis.lengths`); None for anything else (a custom function, an engine's own code or
stand-in, a closure SCT moves) or for anything SCT refuses to read. What the body computes is what
the call computes, however the call is then differentiated: its transformed code computes the same
values, and a callee that changes invalidates its callers' transformations (:mod:`..validity`): the
callee itself by the caller's own guard, and what its body looks up (the functions it calls, read in
turn) by the :class:`..validity.Read` of each body read (:attr:`Reader.read`), which the caller's
transformation checks too (a call not differentiated is never transformed, so nothing else would).
"""

from __future__ import annotations

import types
from typing import Any

from adcompare.engine import is_engine_made
from adcompare.engines.sct.asttools import names
from adcompare.engines.sct.emit import codegen, second
from adcompare.engines.sct.front import closure_values, closures
from adcompare.engines.sct.front.normalize import normalize
from adcompare.engines.sct.front.parse import parse
from adcompare.engines.sct.naming import Namer
from adcompare.engines.sct.validity import Read


class Reader:
    """:func:`normalized`, each plain function read once (what one transformation asks): anything else,
    hashable or not, answered None without a look-up; ``read``: each body read, as a :class:`..validity.Read`."""

    def __init__(self):
        self.memo: dict = {}
        self.read: list[Read] = []

    def __call__(self, f: Any) -> Any:
        if type(f) is not types.FunctionType:
            return None
        if f not in self.memo:
            self.memo[f] = normalized(f, self.read)
        return self.memo[f]


def reader() -> Reader:
    return Reader()


def normalized(f: Any, read: list | None = None) -> Any:
    """``f``'s normalized body (an :class:`..ir.Function`), or None (see the module doc); ``read``, where
    given, has what the reading assumed appended (a body read: a :class:`..validity.Read`)."""
    if type(f) is not types.FunctionType or is_engine_made(f) or codegen.is_generated(f) or second.is_standin(f) \
            or closure_values.is_standin(f):
        return None
    try:
        parsed = parse(f, closures.convert)
        body = normalize(parsed, Namer(set(parsed.locals) | names(parsed.tree)), 0)
    except Exception:  # noqa: BLE001  (one SCT refuses to read: no shape is proven through it)
        return None
    if read is not None:
        read.append(Read(f, parsed.deps))
    return body
