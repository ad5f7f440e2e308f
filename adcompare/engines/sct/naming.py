"""Every name the generated code introduces comes from here.

Contract: a :class:`Namer` is made with the names a function already uses
(its locals, parameters and the globals it reads). It hands out names that
collide with none of them and with no earlier answer: ``x_dot`` for the tangent
of ``x``, ``x_bar`` for its cotangent, ``_t1`` for temporaries, and helper
names as close to the requested one as the user's names allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def ident(fn: Any) -> str:
    """A function's name as a Python identifier (``<lambda>`` is ``lambda``)."""
    name = re.sub(r"\W", "", getattr(fn, "__name__", "") or "")
    return name if name.isidentifier() else f"f{name}"


class Namer:
    def __init__(self, taken: Iterable[str]):
        self.taken = set(taken)
        self._derived: dict[tuple[str, str], str] = {}
        self._counters: dict = {}  # prefix (numbered) or ("fresh", base): last number
        self.temporaries: set[str] = set()  # every temp() handed out: names the user never wrote

    def fresh(self, base: str) -> str:
        """``base`` itself if free, else ``base_2``, ``base_3``, ..."""
        name, k = base, self._counters.get(("fresh", base), 1)
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self._counters[("fresh", base)] = k  # the next search for base starts here
        self.taken.add(name)
        return name

    def numbered(self, prefix: str) -> str:
        """``prefix1``, ``prefix2``, ...: for temporaries and records."""
        while True:
            self._counters[prefix] = self._counters.get(prefix, 0) + 1
            name = f"{prefix}{self._counters[prefix]}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def _derive(self, var: str, suffix: str) -> str:
        key = (var, suffix)
        if key not in self._derived:
            self._derived[key] = self.fresh(f"{var}_{suffix}")
        return self._derived[key]

    def dot(self, var: str) -> str:
        """The tangent of ``var``."""
        return self._derive(var, "dot")

    def bar(self, var: str) -> str:
        """The cotangent (adjoint) of ``var``."""
        return self._derive(var, "bar")

    def temp(self) -> str:
        name = self.numbered("_t")
        self.temporaries.add(name)
        return name
