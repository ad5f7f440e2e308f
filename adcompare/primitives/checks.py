"""Run-time checks as a statement: functions that return nothing, write nothing a derivative reads, and raise
where their arguments are refused (repeated eigenvalues, an array written in place that another name holds).

:func:`check_only` marks one. A source transformation keeps a call of a marked function written as a statement
(``_gaps(w, ...)`` in a rule, ``unshared_item(...)`` in SCT's own output) in its forward sweep, as it keeps an
``assert``, and refuses every other call statement (its side effect would not be differentiated). So code that
holds such checks (a rule's, or a first derivative's generated code) can be transformed again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["check_only", "is_check_only"]


def check_only(fn: Callable) -> Callable:
    """Mark ``fn`` as a check (see the module doc); returns ``fn``."""
    fn.check_only = True
    return fn


def is_check_only(obj: Any) -> bool:
    """Is ``obj`` a marked check, or a ``functools.partial`` of one?"""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return getattr(obj, "check_only", False) is True
