"""The primal computation as generated code, the same in both modes.

Contract: :func:`primal_value` is a right-hand side as the primal computes it
(``/`` and ``**`` of primitives with NumPy's inf and nan, as JAX computes them);
:func:`branch_test` a branch's or loop's test (the same, where it reads
differentiated values); :func:`is_scalar` tells whether an operand is a Python
number, so broadcasting against it keeps the other operand's shape.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.activity import Activity
from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit.codegen import Linker
from adcompare.engines.sct.emit.python_checks import checked_call


def primal_value(value: ir.Expr, linker: Linker, act: Activity | None = None) -> ast.expr:
    """The right-hand side as the primal computes it. ``act``: an arithmetic operator of two names, one of them
    not varied (it may be an integer array), runs as :func:`.runtime.add` ..., in JAX's dtype; two varied
    operands are floats, which NumPy promotes as JAX does (float64 code keeps its raw operators)."""
    if isinstance(value, ir.Copy):
        return ir.atom_ast(value.src)
    if isinstance(value, ir.Op) and value.prim.name in ("divide", "power"):  # NumPy's inf and nan
        return cg.numpy_arithmetic(copy_tree(value.primal), linker.helper)
    if isinstance(value, ir.Op) and value.prim.name in ("add", "subtract", "multiply") \
            and not (act is not None and all(act.has(a) for a in value.args)):
        return cg.names_arithmetic(copy_tree(value.primal), linker.helper, set() if act is None else act.varied)
    if isinstance(value, ir.Call) and (value.callee is not None or getattr(value.func, "sct_dynamic", False)) \
            and act is not None and any(act.varies(a) for a in value.args):  # g(y) of a g known when it runs
        call = copy_tree(value.primal)  # (its result unused: a write into y would be missed; see checked_call)
        return ast.Call(cg.load(linker.constant("checked_call", checked_call)), [call.func] + call.args, call.keywords)
    if isinstance(value, (ir.Op, ir.Call)):
        return copy_tree(value.primal)
    if isinstance(value, ir.Pack):
        return ir.pack_ast(value, [ir.atom_ast(a) for a in value.elts])
    if isinstance(value, ir.Append):
        return cg.add(cg.load(value.seq), ast.List([ir.atom_ast(value.elt)], ast.Load()))
    if isinstance(value, ir.Index):
        return ast.Subscript(ir.atom_ast(value.value), copy_tree(value.index), ast.Load())
    return copy_tree(value.expr)  # Opaque


def branch_test(test: ast.expr, act: Activity, linker: Linker) -> ast.expr:
    """A branch's or loop's test as the primal evaluates it: on differentiated values with
    NumPy's inf and nan for ``/`` and ``**`` (as JAX would see them), otherwise as written."""
    if ir.names_in(test) & act.varied:
        return cg.numpy_arithmetic(copy_tree(test), linker.helper)
    return copy_tree(test)


def is_scalar(a: ir.Atom, scalars: set[str]) -> bool:
    """Is ``a`` a Python number, so broadcasting against it keeps the other operand's shape?"""
    return (isinstance(a, ir.Const) and isinstance(a.value, (int, float))) or a in scalars
