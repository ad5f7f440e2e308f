"""NumPy's ufunc methods (``np.maximum.accumulate``, ``np.add.at``, ...) asked of a primitive: a clear refusal.

``anp.maximum`` is a :class:`adcompare.primitives.Primitive`, not a NumPy ufunc, and has none of the ufunc's methods.
Asked for one, Python said only "'Primitive' object has no attribute 'accumulate'", which names neither the call
the user wrote nor their line. :class:`UfuncMethods` (a base of ``Primitive``) answers with an AttributeError that
names ``anp.<name>.<method>``, the user's file and line, and the vocabulary's way to write it.
"""

from __future__ import annotations

from adcompare.concrete import user_location

_REDUCTIONS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min", "logaddexp": "logsumexp",
               "logical_and": "all", "logical_or": "any"}
_ACCUMULATIONS = {"add": "cumsum", "multiply": "cumprod"}


def instead(name: str, method: str) -> str:
    """How the vocabulary writes NumPy's ``np.<name>.<method>``."""
    if method == "reduce" and name in _REDUCTIONS:
        return f"anp.{_REDUCTIONS[name]}(x, axis=...)"
    if method == "accumulate" and name in _ACCUMULATIONS:
        return f"anp.{_ACCUMULATIONS[name]}(x, axis=...)"
    if method == "outer":
        return f"broadcasting: anp.{name}(a[:, None], b[None, :])"
    if method == "at":
        return "a loop that writes each index in turn (for k, i in enumerate(idx): y[i] = y[i] + v[k])"
    return "a loop over the axis, collected with anp.stack"


class UfuncMethods:
    """The ufunc methods a primitive does not have, refused by name at the user's line."""

    __slots__ = ()
    METHODS = frozenset({"reduce", "accumulate", "outer", "at", "reduceat"})

    def __getattr__(self, attr: str):
        if attr in UfuncMethods.METHODS:
            name = object.__getattribute__(self, "name")
            raise AttributeError(
                f"anp.{name}.{attr} (a method of NumPy's ufunc np.{name}) is not in adcompare.numpy, at "
                f"{user_location()}: write it with {instead(name, attr)}")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")
