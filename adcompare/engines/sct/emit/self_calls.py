"""Self calls: a specialized sweep's recursive calls go straight to the specialized sweep when its guard holds.

Contract: a recursive function's specialized forward sweep (:mod:`.specialize`) calls the function's
general forward sweep, which checks the guard again, runs the first specialized sweep whose guard
holds and marks its residuals (:class:`.specialize.Specialized`); the reverse sweep's call of the
general reverse sweep reads the mark and hands the residuals on. That is two calls and a marked
tuple more per recursive call than the recursion itself. :func:`route` rewrites specialized pair
``k``'s calls of its own function (the general pair's linked names, same active parameters):
``out, res = f_fwd(x)`` becomes ``out, res = spec_fwd(x) if guard(x) else routed(f_fwd(x))``, the
guard being pair ``k``'s checks of ``x`` in place of the parameters (each specialized sweep is
correct wherever its guard holds, as the general sweep's routing assumes), and ``f_bwd(res, g, ...)``
becomes ``f_bwd(res[0], g, ...) if type(res) is Routed else spec_bwd(res, g, ...)``. A general call's
residuals are wrapped in :class:`Routed` (only where the guard fails), so the two kinds never meet.
The rewrite takes every such call or none: a call with keyword or starred arguments, arguments that
are not names or constants (read twice), or any other use of the two names leaves the pair as made.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from adcompare.engines.sct.asttools import copy_tree
from adcompare.engines.sct.emit import codegen as cg


class Routed(tuple):
    """A self call's residuals from the general forward sweep (its guard did not hold): ``(residuals,)``."""

    __slots__ = ()


def routed(pair: tuple) -> tuple:
    """The general forward sweep's ``(out, residuals)`` with the residuals marked as :class:`Routed`."""
    return pair[0], Routed((pair[1],))


def route(sfwd: ast.FunctionDef, sbwd: ast.FunctionDef, names: tuple[str, str], params: list[str],
          test: Callable[[Callable[[str], ast.expr]], ast.expr], to: tuple[str, str], handed: bool, linker) -> bool:
    """Rewrite pair ``(sfwd, sbwd)``'s self calls in place (see the module doc); did it?

    ``names``: the general pair's linked names (fwd, bwd); ``params``: the function's parameters, all
    positional; ``test(load)``: the pair's guard, reading parameter ``p`` as ``load(p)``; ``to``: the
    names the specialized pair is reached by; ``handed``: does the specialized reverse sweep take ``into``."""
    fwd_name, bwd_name = names
    plans: list[tuple[ast.AST, str, Any]] = []
    for tree in (sfwd, sbwd):
        for node in ast.walk(tree):
            for field, value in ast.iter_fields(node):
                for k, child in enumerate(value if isinstance(value, list) else [value]):
                    plan = _plan(child, fwd_name, bwd_name, params, test, to, handed, linker)
                    if plan is False:
                        return False
                    if plan is not None:
                        plans.append((node, field, (k if isinstance(value, list) else None, plan)))
    if not plans:
        return False
    uses = sum(isinstance(n, ast.Name) and n.id in names for t in (sfwd, sbwd) for n in ast.walk(t))
    if uses != len(plans):  # a use the rewrite does not know: leave the pair as made
        return False
    for node, field, (k, new) in plans:
        if k is None:
            setattr(node, field, new)
        else:
            getattr(node, field)[k] = new
    return True


def _plan(node: Any, fwd_name: str, bwd_name: str, params: list[str], test, to: tuple[str, str], handed: bool,
          linker) -> ast.expr | None | bool:
    """The rewritten expression for ``node`` if it is a self call, None if it is not one, False if it is one
    the rewrite cannot take."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (fwd_name, bwd_name)):
        return None
    if node.keywords or not all(isinstance(a, (ast.Name, ast.Constant)) for a in node.args):
        return False
    if node.func.id == fwd_name:
        if len(node.args) != len(params):
            return False
        given = dict(zip(params, node.args))
        general = cg.call(linker.bind(("self_calls", "routed"), "routed", routed), copy_tree(node))
        return ast.IfExp(test(lambda p: copy_tree(given[p])), cg.call(to[0], *[copy_tree(a) for a in node.args]),
                         general)
    if len(node.args) not in (2, 3) or not isinstance(node.args[0], ast.Name):
        return False
    res, bar = node.args[0], node.args[1]
    into = [copy_tree(node.args[2])] if len(node.args) == 3 and handed else []
    if len(node.args) == 3 and not handed:
        return False  # the general sweep would add into the caller's list; the specialized one cannot
    marked = linker.bind(("self_calls", "Routed"), "Routed", Routed)
    is_routed = ast.Compare(cg.call(linker.helper("type"), copy_tree(res)), [ast.Is()], [cg.load(marked)])
    general = cg.call(bwd_name, ast.Subscript(copy_tree(res), cg.const(0), ast.Load()),
                      *[copy_tree(a) for a in node.args[1:]])
    return ast.IfExp(is_routed, general, cg.call(to[1], copy_tree(res), copy_tree(bar), *into))
