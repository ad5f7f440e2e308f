"""Python's ``and``, ``or`` and ``not`` in the test of a loop or branch that ``control="lax"`` hands to JAX.

Contract: :func:`lowered` rewrites such a test (as :func:`.primal.branch_test` made it) so that a traced
condition (under ``jax.jit``) is combined by JAX instead of by Python's ``bool()``, which a tracer refuses:
``not a`` becomes :func:`test_not` ``(a)``; ``a and b`` (``or``) whose operands after the first have no effects
(names, constants, comparisons, arithmetic, ``.shape``) becomes :func:`test_and` ``(a, lambda: b)``
(:func:`test_or`), which follow Python exactly on concrete values (a later operand evaluated only where Python's
short cut evaluates it: ``s is not None and s > 1`` with s None, ``n != 0 and 1 / n > 2`` with n 0; the value of
the operand that decides, as ``and`` gives it) and are ``jnp.logical_and`` (``logical_or``) once an operand is
traced. An ``and``/``or`` with another operand (a call, an index: ``i < n and xs[i] > 0``) keeps Python's short
cut, each deciding operand passed through :func:`bool_operand`, which refuses a traced one with
:class:`SCTError` naming the user's line and the rewrite (``anp.logical_and``), the refusal a while loop's
test that Python takes as True or False gets (:func:`.lax_runtime.truth_refusal`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit.lax_runtime import truth_refusal

_PLAIN = (ast.Name, ast.Constant, ast.Compare, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.operator,
          ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context)
_CONSTANT_ATTRIBUTES = {"shape", "ndim", "size", "dtype"}


def _tracer(value: Any) -> bool:
    """A traced value itself (a list of them is true by its length, in Python and here)."""
    return isinstance(value, jax.core.Tracer)


def _plain(e: ast.expr) -> bool:
    """Does evaluating ``e`` have no effect, and no error that Python's short cut would have skipped?"""
    return all(isinstance(n, _PLAIN) or (isinstance(n, ast.Attribute) and n.attr in _CONSTANT_ATTRIBUTES)
               for n in ast.walk(e))


def lowered(test: ast.expr, original: ast.expr, helper: Callable[[str], str], place: ast.expr) -> ast.expr:
    """``test`` (made from the user's ``original``, whose ``and``/``or``/``not`` it keeps in place) with them
    lowered as the module says; ``helper(name)`` names this module's functions in the generated code."""
    if isinstance(original, ast.UnaryOp) and isinstance(original.op, ast.Not):
        return cg.call(helper("test_not"), lowered(test.operand, original.operand, helper, place))
    if not isinstance(original, ast.BoolOp):
        return test
    values = [lowered(t, o, helper, place) for t, o in zip(test.values, original.values)]
    word = "and" if isinstance(original.op, ast.And) else "or"
    if all(_plain(o) for o in original.values[1:]):  # the later operands as thunks: run where Python runs them
        return cg.call(helper(f"test_{word}"), values[0], *(_thunk(v) for v in values[1:]))
    checked = [cg.call(helper("bool_operand"), v, place, cg.const(word)) for v in values[:-1]]
    return ast.BoolOp(original.op, checked + values[-1:])


def _thunk(e: ast.expr) -> ast.Lambda:
    return ast.Lambda(ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                                    kwarg=None, defaults=[]), e)


def test_and(first: Any, *later: Callable[[], Any]) -> Any:
    """Python's ``first and later[0]() and ...``, each later operand evaluated only where Python evaluates it
    (``x is not None and x > 0`` with x None reads no ``None > 0``); ``jnp.logical_and`` from the first traced
    operand on (all later ones then evaluated: no short cut decides on a traced value)."""
    result = first
    for thunk in later:
        if _tracer(result):
            result = jnp.logical_and(result, thunk())
        elif not result:
            return result
        else:
            result = thunk()
    return result


def test_or(first: Any, *later: Callable[[], Any]) -> Any:
    """Python's ``first or later[0]() or ...`` as :func:`test_and` is ``and``; ``jnp.logical_or`` once traced."""
    result = first
    for thunk in later:
        if _tracer(result):
            result = jnp.logical_or(result, thunk())
        elif result:
            return result
        else:
            result = thunk()
    return result


def test_not(value: Any) -> Any:
    return jnp.logical_not(value) if _tracer(value) else not value


def bool_operand(value: Any, where: tuple, word: str) -> Any:
    """An operand of ``and``/``or`` whose short cut skips operands that may have effects: refused if traced."""
    if _tracer(value):
        raise truth_refusal(where, f"a loop or branch on a traced value, with `{word}` before an operand Python's "
                            "short cut may skip (a call or an index),")
    return value
