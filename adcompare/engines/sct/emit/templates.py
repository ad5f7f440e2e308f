"""Templates: the rule table's elementwise rules, written as Python expressions.

Contract: ``JVP[name][i]`` and ``VJP[name][i]`` are expressions that compute,
operation for operation, what ``prim.jvps[i]`` and ``prim.vjps[i]`` of
:mod:`adcompare.rules` compute, so that generated code can inline them as
native Python arithmetic (``x_bar = x_bar + g * y``) instead of calling
through the rule table. Their free names are ``t`` (the operand's tangent),
``g`` (the result's cotangent), ``ans`` (the result), ``x`` and ``y``
(operands 0 and 1), and the helpers of :data:`HELPERS`. Two things the rules
do are left to the code generator: for a primitive in :data:`BROADCASTING`,
a VJP contribution is summed down to its operand's shape
(``runtime.unbroadcast``), and a lone JVP contribution of ``add`` or
``subtract`` is broadcast to the result's shape (``runtime.broadcast``).
``None`` means "call the rule itself" (``power``, whose rule has cases at 0).
Division is ``divide(a, b)``: Python's ``/`` with NumPy's inf and nan where
Python's floats raise. ``tests/test_sct_templates.py`` checks
every entry against the rule table, numerically, on floats, NumPy and JAX.
"""

from __future__ import annotations

import ast
from functools import cache

from adcompare import numpy as anp
from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import runtime

JVP: dict[str, tuple[str | None, ...]] = {
    "add": ("t", "t"),
    "subtract": ("t", "-t"),
    "multiply": ("t * y", "x * t"),
    "divide": ("divide(t, y)", "-(t * divide(ans, y))"),
    "power": (None, None),
    "negative": ("-t",),
    "sin": ("t * cos(x)",),
    "cos": ("-(t * sin(x))",),
    "tan": ("t * (1.0 + ans * ans)",),
    "exp": ("t * ans",),
    "log": ("divide(t, x)",),
    "log1p": ("divide(t, 1.0 + x)",),
    "expm1": ("t * (ans + 1.0)",),
    "sqrt": ("divide(t, 2.0 * ans)",),
    "tanh": ("t * (1.0 - ans * ans)",),
    "sigmoid": ("t * (ans * (1.0 - ans))",),
}

VJP: dict[str, tuple[str | None, ...]] = {
    "add": ("g", "g"),
    "subtract": ("g", "-g"),
    "multiply": ("g * y", "x * g"),
    "divide": ("divide(g, y)", "-(g * divide(ans, y))"),
    "power": (None, None),
    "negative": ("-g",),
    "sin": ("g * cos(x)",),
    "cos": ("-(g * sin(x))",),
    "tan": ("g * (1.0 + ans * ans)",),
    "exp": ("g * ans",),
    "log": ("divide(g, x)",),
    "log1p": ("divide(g, 1.0 + x)",),
    "expm1": ("g * (ans + 1.0)",),
    "sqrt": ("divide(g, 2.0 * ans)",),
    "tanh": ("g * (1.0 - ans * ans)",),
    "sigmoid": ("g * (ans * (1.0 - ans))",),
}

BROADCASTING = frozenset({"add", "subtract", "multiply", "divide", "power"})
LONE_JVP_BROADCAST = frozenset({"add", "subtract"})
HELPERS = {"cos": anp.cos, "sin": anp.sin, "divide": runtime.divide}
_OPERAND_NAMES = ("x", "y")


@cache
def _parsed(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def template(table: dict, name: str, i: int) -> str | None:
    entry = table.get(name)
    return entry[i] if entry is not None and i < len(entry) else None


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
