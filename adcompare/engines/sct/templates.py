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
``None`` means "call the rule itself". ``tests/test_sct_templates.py`` checks
every entry against the rule table, numerically, on floats, NumPy and JAX.
"""

from __future__ import annotations

import ast
import copy
from functools import cache

from adcompare import numpy as anp

JVP: dict[str, tuple[str | None, ...]] = {
    "add": ("t", "t"),
    "subtract": ("t", "-t"),
    "multiply": ("t * y", "x * t"),
    "divide": ("t / y", "-(t * (ans / y))"),
    "power": ("t * (y * x ** (y - 1.0))", None),
    "negative": ("-t",),
    "sin": ("t * cos(x)",),
    "cos": ("-(t * sin(x))",),
    "tan": ("t * (1.0 + ans * ans)",),
    "exp": ("t * ans",),
    "log": ("t / x",),
    "log1p": ("t / (1.0 + x)",),
    "expm1": ("t * (ans + 1.0)",),
    "sqrt": ("t / (2.0 * ans)",),
    "tanh": ("t * (1.0 - ans * ans)",),
    "sigmoid": ("t * (ans * (1.0 - ans))",),
}

VJP: dict[str, tuple[str | None, ...]] = {
    "add": ("g", "g"),
    "subtract": ("g", "-g"),
    "multiply": ("g * y", "x * g"),
    "divide": ("g / y", "-(g * (ans / y))"),
    "power": ("g * (y * x ** (y - 1.0))", None),
    "negative": ("-g",),
    "sin": ("g * cos(x)",),
    "cos": ("-(g * sin(x))",),
    "tan": ("g * (1.0 + ans * ans)",),
    "exp": ("g * ans",),
    "log": ("g / x",),
    "log1p": ("g / (1.0 + x)",),
    "expm1": ("g * (ans + 1.0)",),
    "sqrt": ("g / (2.0 * ans)",),
    "tanh": ("g * (1.0 - ans * ans)",),
    "sigmoid": ("g * (ans * (1.0 - ans))",),
}

BROADCASTING = frozenset({"add", "subtract", "multiply", "divide", "power"})
LONE_JVP_BROADCAST = frozenset({"add", "subtract"})
HELPERS = {"cos": anp.cos, "sin": anp.sin}
_OPERAND_NAMES = ("x", "y")


@cache
def _parsed(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def template(table: dict, name: str, i: int) -> str | None:
    entry = table.get(name)
    return entry[i] if entry is not None and i < len(entry) else None


def uses(text: str) -> set[str]:
    """The template names (t, g, ans, x, y, helpers) an entry reads."""
    return {n.id for n in ast.walk(_parsed(text)) if isinstance(n, ast.Name)}


def instantiate(text: str, mapping: dict[str, ast.expr]) -> ast.expr:
    """The template with each name replaced by ``mapping[name]`` (helpers keep theirs)."""

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            return copy.deepcopy(mapping[node.id]) if node.id in mapping else node

    return Substitute().visit(copy.deepcopy(_parsed(text)))


def operand_name(i: int) -> str:
    return _OPERAND_NAMES[i]
