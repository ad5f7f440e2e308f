"""Does a user function call a custom function (``ad.custom_jvp``, ``ad.custom_vjp``, ``ad.checkpoint``)?

Contract: :func:`calls_custom` looks at the names a function's code (nested lambdas and comprehensions too) reads
as globals and the values its closure holds, following the user functions among them a few calls deep: True where
one of them is a custom function. The reverse transform asks it of a checkpointed callee (:mod:`..emit.sweeps`):
such a callee's value is then taken from its transformed forward sweep, so that a custom rule inside is applied
at SCT's level, as it is without the checkpoint. A call it cannot see (an attribute of a module, an argument)
is not followed.
"""

from __future__ import annotations

import types
from typing import Any

from adcompare.checkpoint import closure_values
from adcompare.custom import CustomFunction
from adcompare.engines.sct.front.parse import is_user_function

_DEPTH = 4


def calls_custom(fn: Any) -> bool:
    return _reaches(fn, _DEPTH, set())


def _reaches(fn: Any, depth: int, seen: set[int]) -> bool:
    code = getattr(fn, "__code__", None)
    if code is None or id(fn) in seen or depth < 0:
        return False
    seen.add(id(fn))
    values = [fn.__globals__.get(n) for n in _names(code)]
    values += closure_values(fn)
    return any(isinstance(v, CustomFunction) or is_user_function(v) and _reaches(v, depth - 1, seen) for v in values)


def _names(code: types.CodeType) -> set[str]:
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out |= _names(c)
    return out

