"""The elemental library's engine: explicit (value, tangent) pairs and a tape of library calls.

The user writes the program with :mod:`adcompare.elemental` calls only
(``el.multiply(x, y)``, never ``x * y``). A library call checks its arguments
itself and hands the call to the ``process`` of its highest-level active value's
trace: there is no operator dispatch anywhere on the way. The values are the two
kinds below; they refuse every Python operator and comparison with a
``TypeError`` that names the library call to use instead.

* **Forward**: a :class:`Pair` is an explicit ``(value, tangent)`` pair. Each
  library call on pairs returns the pair of its value and of the output
  tangent the joint JVP rule (``prim.jvp``) gives.
* **Reverse**: a :class:`Var` is a value plus its position on the engine's
  :class:`CallTape`. Each library call records *itself* there: the primitive,
  its operands, its result and its parameters. The joint VJP rule
  (``prim.vjp``) is applied to that record only when the reverse sweep (a plain
  loop, no recursion) reaches it with a cotangent, and each cotangent is
  dropped once pulled back. Unlike a tape of closures, a record keeps every
  operand and the result alive. (A primitive whose rule computes its value, a
  custom function, is recorded with the pull-back that rule returned.)

Nested derivatives work as in every engine: each ``jvp``/``vjp`` opens a new
level, and values of outer levels are constants to inner traces. Values point
to their tape, the tape never points back, so no reference cycles form, and
recording and sweeping pause the cycle collector, which has nothing to find.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adcompare import numpy as anp
from adcompare.concrete import user_location
from adcompare.operators import array_ufunc
from adcompare.primitives import Box, Primitive, Trace, constant_like
from adcompare.tape_engine import TapeEngine, missing_rule, split_operands

# --------------------------------------------------------------------------
# Elemental values: no operators


def _refuse(symbol: str, call: str) -> Callable:
    def operator(*_, **__):  # a method's keywords (`x.sum(axis=0)`) are refused the same way
        raise TypeError(f"{symbol} is not defined on elemental values (at {user_location(2)}): "
                        f"use {call}")

    return operator


def _refuse_comparison(*_):
    raise TypeError(f"elemental values cannot be compared or tested for truth (at {user_location(2)}): "
                    "compare el.primal(x) instead, e.g. `if el.primal(x) < 0.5:`")


class Elemental(Box):
    """An active value of the elemental library: only library calls accept it.

    Conversions to constants (``float(x)``, ``np.asarray(x)``) are refused by
    :class:`Box`, naming the library calls to use instead.
    """

    __slots__ = ()
    vocabulary = "el"
    write_hint = "`y = el.index_update(y, i, v)`"
    compare_hint = "For control flow use el.primal(x) (a constant, on purpose)"
    __hash__ = object.__hash__
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _refuse_comparison
    __len__ = _refuse("len()", "el.shape(x)")
    __getitem__ = _refuse("indexing", "el.getitem(x, idx)")
    __setitem__ = _refuse("item assignment", "y = el.index_update(y, idx, v)")
    __iter__ = _refuse("iteration", "el.getitem(x, i)")
    __add__ = __radd__ = _refuse("operator +", "el.add(x, y)")
    __sub__ = __rsub__ = _refuse("operator -", "el.subtract(x, y)")
    __mul__ = __rmul__ = _refuse("operator *", "el.multiply(x, y)")
    __truediv__ = __rtruediv__ = _refuse("operator /", "el.divide(x, y)")
    __pow__ = __rpow__ = _refuse("operator **", "el.power(x, y)")
    __matmul__ = __rmatmul__ = _refuse("operator @", "el.matmul(x, y)")
    __mod__ = __rmod__ = _refuse("operator %", "el.remainder(x, y)")
    __floordiv__ = __rfloordiv__ = _refuse("operator //", "el.floor_divide(x, y)")
    __divmod__ = __rdivmod__ = _refuse("divmod()", "el.floor_divide(x, y) and el.remainder(x, y)")
    __round__ = _refuse("round()", "el.round(x, ndigits)")
    __neg__ = _refuse("unary -", "el.negative(x)")
    __array_ufunc__ = array_ufunc  # `a + x` on an ndarray a reaches the refusals above; `acc += x` is refused
    __abs__ = _refuse("abs()", "el.abs(x)")
    T = property(_refuse("the attribute .T", "el.transpose(x)"))
    at = property(_refuse("JAX's .at[...] update", "y = el.index_update(x, idx, v)"))


# Array methods belong to the natural form; the library call says the same.
# (The list follows the methods of adcompare.operators.Operators.)
_LIBRARY_CALL = {"flatten": "ravel", "conjugate": "conj"}
for _m in ("reshape", "ravel", "flatten", "squeeze", "astype", "sum", "mean", "max", "min", "prod", "dot", "clip",
           "var", "std", "cumsum", "cumprod", "swapaxes", "conj", "conjugate", "diagonal", "repeat",
           "transpose", "trace", "argmax", "argmin", "argsort", "round"):
    setattr(Elemental, _m, _refuse(f"the method .{_m}()", f"el.{_LIBRARY_CALL.get(_m, _m)}(x, ...)"))
for _m in ("any", "all", "nonzero", "tolist", "item"):  # of the primal value: a constant, on purpose
    setattr(Elemental, _m, _refuse(f"the method .{_m}()", f"el.primal(x).{_m}() (a constant)"))
Elemental.real = property(_refuse("the attribute .real", "el.real(x)"))
Elemental.imag = property(_refuse("the attribute .imag", "el.imag(x)"))


# --------------------------------------------------------------------------
# Forward mode


class Pair(Elemental):
    __slots__ = ("value", "tangent")

    def __init__(self, trace: PairTrace, value: Any, tangent: Any):
        self._trace, self.value, self.tangent = trace, value, tangent

    def __repr__(self) -> str:
        return f"Pair({self.value!r}, {self.tangent!r})"


class PairTrace(Trace):
    def process(self, prim: Primitive, args: tuple, params: dict) -> Pair:
        if prim.jvp is None:
            raise missing_rule(prim, "JVP")
        values, tangents = split_operands(self, args, "tangent")
        if prim.value_and_jvp is not None:  # the rule gives the value too (a custom_jvp's)
            return Pair(self, *prim.value_and_jvp(tangents, *values, **params))
        ans = prim(*values, **params)
        return Pair(self, ans, prim.jvp(tangents, ans, *values, **params))

    def constant(self, value: Any) -> Pair:
        return Pair(self, value, constant_like(value, 0.0))


# --------------------------------------------------------------------------
# Reverse mode


class Var(Elemental):
    __slots__ = ("value", "index")

    def __init__(self, tape: CallTape, value: Any, index: int):
        self._trace, self.value, self.index = tape, value, index

    def __repr__(self) -> str:
        return f"Var({self.value!r}, index={self.index})"


# (prim, operands, ans, params, parents, pullback): parents holds the tape position of each operand
# (None for a constant); pullback is None unless the rule computed the value (custom_vjp)
Call = tuple


class CallTape(Trace):
    """The engine's tape: entry k is the k-th library call (``None`` for an input)."""

    def __init__(self, level: int):
        super().__init__(level)
        self.calls: list[Call | None] = []

    def leaf(self, x: Any) -> Var:
        self.calls.append(None)
        return Var(self, x, len(self.calls) - 1)

    constant = leaf  # a leaf no input is: its cotangent is never read

    def process(self, prim: Primitive, args: tuple, params: dict) -> Var:
        if prim.vjp is None:
            raise missing_rule(prim, "VJP")
        operands, parents = split_operands(self, args, "index")
        if prim.value_and_vjp is None:
            ans, pullback = prim(*operands, **params), None
        else:  # the rule computes the value (a custom_vjp's fwd): its pull-back is recorded with it
            ans, pullback = prim.value_and_vjp([i is not None for i in parents], *operands, **params)
        self.calls.append((prim, operands, ans, params, parents, pullback))
        return Var(self, ans, len(self.calls) - 1)

    def backward(self, bars: list) -> None:
        """Sweep the cotangents ``bars`` (by tape position) back, in place: only the inputs' are kept."""
        for k in range(len(bars) - 1, -1, -1):
            call, y_bar = self.calls[k], bars[k]
            if call is None or y_bar is None:
                continue  # an input keeps its cotangent; an unreached call costs nothing
            bars[k] = None
            prim, operands, ans, params, parents, pullback = call
            if pullback is None:
                pullback = prim.vjp([i is not None for i in parents], ans, *operands, **params)
            x_bars = pullback(y_bar)
            for parent, x_bar in zip(parents, x_bars):
                if parent is not None:
                    bars[parent] = x_bar if bars[parent] is None else anp.add(bars[parent], x_bar)

    def __len__(self) -> int:
        return len(self.calls)


# --------------------------------------------------------------------------
# The engine


class ElementalEngine(TapeEngine):
    """Differentiates elemental-form functions (``adcompare.elemental`` calls only)."""

    name = "elemental"
    source_form = "elemental"

    dual, forward_trace, tape = Pair, PairTrace, CallTape
