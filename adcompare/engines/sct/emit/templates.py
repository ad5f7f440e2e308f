"""Templates: the rule table's elementwise derivative entries as Python expressions, generated.

Contract: ``JVP[name][i]`` and ``VJP[name][i]`` are the text of an expression
that computes, operation for operation, what the ``defderiv`` entry
``prim.derivatives[i]`` of :mod:`adcompare.rules` computes, so that generated
code can inline it as native Python arithmetic (``x_bar = x_bar + g * y``)
instead of calling through the rule table. No second table is written: each
entry is *traced* once on symbolic stand-ins (a :class:`Symbol` is a box whose
trace records an ``ast`` expression per primitive application), so
``lambda g, x: mul(g, anp.cos(x))`` gives ``g * cos(x)``. ``add``,
``subtract``, ``multiply`` and ``negative`` become Python operators; ``divide``
and ``power`` become calls of SCT's :mod:`runtime` helpers (Python's operator,
with NumPy's inf and nan where Python's numbers raise); any other primitive is
called by its name, bound in :data:`HELPERS`.

Free names: ``t`` (the operand's tangent, in ``JVP``) or ``g`` (the result's
cotangent, in ``VJP``), ``ans``, ``x`` and ``y`` (operands 0 and 1) and the
helpers. ``None`` means "call the rule itself": an entry that reads primal
values (``power``, ``abs``, ``maximum``: its trace fails at the read), has
parameters, or belongs to a primitive of more than two operands. Where the
primal value it reads is a number literal in the user's code (``x ** 2``,
``2.0 ** x``), :func:`template` traces the entry again with that operand
concrete: the rule then takes its own branch (an integer exponent is JAX's
``integer_pow``, and stays an integer in the text) and the text is exactly
what the rule computes for that literal; a constant the trace makes must be a
finite Python number, or the rule is called. Two things
the rules do are left to the code generator: for a primitive in
:data:`BROADCASTING` (two operands), a VJP contribution is summed down to its
operand's shape (``runtime.unbroadcast``), and for one in
:data:`LONE_JVP_BROADCAST` a lone JVP contribution that reads neither ``ans``
nor the other operand is broadcast to the result's shape (``runtime.broadcast``).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np

from adcompare.engines.sct import ir
from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import runtime
from adcompare.primitives import PRIMITIVES, Box, Primitive, Trace, new_level
from adcompare.rules.base import reads

_OPERAND_NAMES = ("x", "y")
_OPERATORS = {"add": ast.Add, "subtract": ast.Sub, "multiply": ast.Mult}
HELPERS: dict[str, Any] = {"divide": runtime.divide, "power": runtime.power}  # grows as entries are traced


class NotSymbolic(Exception):
    """An entry read something a symbol does not have (a primal value, a shape)."""


class Symbol(Box):
    """A stand-in for a value: the expression that computes it."""

    __slots__ = ("node",)

    def __init__(self, trace: SymbolTrace, node: ast.expr):
        self._trace, self.node = trace, node

    @property
    def value(self) -> Any:
        raise NotSymbolic("the entry reads a primal value")


class SymbolTrace(Trace):
    """Records each primitive application on symbols as an ``ast`` expression. ``exact``: a
    constant the entry computes must be a Python float or int, kept as it is (an entry traced
    with a concrete operand, whose constants then come from the user's code)."""

    exact = False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Symbol:
        if params:
            raise NotSymbolic(f"{prim.name} has parameters")
        nodes = [self.node(a) for a in args]
        if prim.name in _OPERATORS and len(nodes) == 2:
            return Symbol(self, ast.BinOp(nodes[0], _OPERATORS[prim.name](), nodes[1]))
        if prim.name == "negative":
            return Symbol(self, ast.UnaryOp(ast.USub(), nodes[0]))
        HELPERS.setdefault(prim.name, prim)
        return Symbol(self, ast.Call(ast.Name(prim.name, ast.Load()), nodes, []))

    def node(self, a: Any) -> ast.expr:
        if isinstance(a, Symbol) and a._trace is self:
            return a.node
        if type(a) is int and self.exact:
            return ast.Constant(a)  # an integer stays one: ``power(x, 2)`` is JAX's integer_pow
        if type(a) in (float, int) or isinstance(a, np.floating) and not self.exact:
            if not math.isfinite(a):
                raise NotSymbolic("a constant that is not finite")  # the rule's own warnings and nan stay
            return ast.Constant(float(a))
        raise NotSymbolic(f"a constant of type {type(a).__name__}")


def generate(prim: Primitive, i: int, seed: str, constants: tuple = ()) -> str | None:
    """Operand i's entry of ``prim`` as expression text in ``seed``, ``ans``, ``x``, ``y`` (None: call the rule).
    ``constants``: ``(k, value)`` for each operand k that is a literal in the user's code; the entry is
    traced with those values concrete, so that it takes its branches (an integer exponent) as it
    would at run time, and the text does not name them."""
    entries = prim.derivatives
    if entries is None or i >= len(entries) or entries[i] is None or len(entries) > len(_OPERAND_NAMES):
        return None
    key = tuple((k, type(v), math.copysign(1.0, v), v) for k, v in constants)  # 2, 2.0 and -0.0 apart
    return _traced(entries[i], prim.operand_names, seed, key)


@cache
def _traced(scaling, operand_names: tuple, seed: str, constants: tuple = ()) -> str | None:
    where = reads(scaling, operand_names)
    concrete = {k: v for k, _, _, v in constants}
    with new_level() as level, np.errstate(all="ignore"):
        trace = SymbolTrace(level)
        trace.exact = bool(constants)

        def operand(k: int) -> Any:
            if k in concrete:
                return concrete[k]
            return Symbol(trace, ast.Name("ans" if k < 0 else _OPERAND_NAMES[k], ast.Load()))

        try:
            out = scaling(Symbol(trace, ast.Name(seed, ast.Load())), *map(operand, where))
            if not (isinstance(out, Symbol) and out._trace is trace):
                return None
            return ast.unparse(out.node)
        except Exception:  # noqa: BLE001  (any entry that cannot be traced falls back to calling the rule)
            return None


def literals(args: Sequence) -> tuple:
    """``(k, value)`` for each operand that is a number literal (not a bool) in the user's code."""
    return tuple((k, a.value) for k, a in enumerate(args)
                 if isinstance(a, ir.Const) and type(a.value) in (int, float))


class _Table(Mapping):
    """``table[name]``: one text (or None) per operand of the primitive ``name``'s entry."""

    def __init__(self, seed: str):
        self.seed = seed

    def __getitem__(self, name: str) -> tuple[str | None, ...]:
        prim = PRIMITIVES[name]
        if prim.derivatives is None:
            raise KeyError(name)
        return tuple(generate(prim, i, self.seed) for i in range(len(prim.derivatives)))

    def __iter__(self) -> Iterator[str]:
        return (name for name, prim in PRIMITIVES.items() if prim.derivatives is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


JVP = _Table("t")
VJP = _Table("g")


class _Binary:
    """The names of two-operand elementwise primitives (optionally: with an entry reading only the seed)."""

    def __init__(self, lone: bool):
        self.lone = lone

    def __contains__(self, name: str) -> bool:
        prim = PRIMITIVES.get(name)
        if prim is None or prim.derivatives is None or len(prim.derivatives) != 2:
            return False
        if not self.lone:
            return True
        return any(t is not None and uses(t) <= {"t"} | set(HELPERS) for t in JVP[name])


BROADCASTING = _Binary(lone=False)
LONE_JVP_BROADCAST = _Binary(lone=True)


@cache
def _parsed(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def template(table: Mapping, prim: Primitive, i: int, args: Sequence = ()) -> str | None:
    """Operand ``i``'s inline text for ``prim``, or None: call its rule (an unregistered primitive has none).
    ``args`` (the operation's operands): an entry that cannot be traced on symbols alone is traced
    again with the operands that are literals concrete (``x ** 2``, ``2.0 ** x``)."""
    if PRIMITIVES.get(prim.name) is not prim:
        return None
    entry = table.get(prim.name)
    if entry is None or i >= len(entry):
        return None
    if entry[i] is None:
        constants = literals(args)
        return generate(prim, i, table.seed, constants) if constants else None
    return entry[i]


@cache
def uses(text: str) -> frozenset[str]:
    """The template names (t, g, ans, x, y, helpers) an entry reads."""
    return frozenset(n.id for n in ast.walk(_parsed(text)) if isinstance(n, ast.Name))


def instantiate(text: str, mapping: dict[str, ast.expr]) -> ast.expr:
    """The template with each name replaced by a copy of ``mapping[name]`` (helpers keep theirs)."""

    def put(node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Name) and node.id in mapping:
            return copy_tree(mapping[node.id])
        todo.append(node)
        return node

    todo: list = []
    root = put(copy_tree(_parsed(text)))
    while todo:
        fields = todo.pop().__dict__
        for name, value in fields.items():  # values are replaced, keys stay
            if isinstance(value, ast.AST):
                fields[name] = put(value)
            elif type(value) is list:
                fields[name] = [put(v) if isinstance(v, ast.AST) else v for v in value]
    return root


def operand_name(i: int) -> str:
    return _OPERAND_NAMES[i]
