"""Callees read for what their values are: the normalized body of a plain user function that a call reaches.

Contract: :func:`normalized` answers a plain Python function's IR as SCT reads it (parsed as the
transformation parses it, :mod:`.normalize`d), for an analysis of the shapes it returns
(:mod:`..analysis.lengths`); None for anything else (a custom function, an engine's own code or
stand-in, a closure SCT moves) or for anything SCT refuses to read. What the body computes is what
the call computes, however the call is then differentiated: its transformed code computes the same
values, and a callee that changes invalidates its callers' transformations (:mod:`..validity`).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from adcompare.engine import is_engine_made
from adcompare.engines.sct.asttools import names
from adcompare.engines.sct.emit import codegen, second
from adcompare.engines.sct.front import closure_values, closures
from adcompare.engines.sct.front.normalize import normalize
from adcompare.engines.sct.front.parse import parse
from adcompare.engines.sct.naming import Namer


def reader() -> Callable[[Any], Any]:
    """:func:`normalized`, each plain function read once (what one transformation asks): anything else,
    hashable or not, answered None without a look-up."""
    memo: dict = {}

    def read(f: Any) -> Any:
        if type(f) is not types.FunctionType:
            return None
        if f not in memo:
            memo[f] = normalized(f)
        return memo[f]
    return read


def normalized(f: Any) -> Any:
    """``f``'s normalized body (an :class:`..ir.Function`), or None (see the module doc)."""
    if type(f) is not types.FunctionType or is_engine_made(f) or codegen.is_generated(f) or second.is_standin(f) \
            or closure_values.is_standin(f):
        return None
    try:
        parsed = parse(f, closures.convert)
        return normalize(parsed, Namer(set(parsed.locals) | names(parsed.tree)), 0)
    except Exception:  # noqa: BLE001  (one SCT refuses to read: no shape is proven through it)
        return None
