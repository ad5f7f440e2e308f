"""Jumps: control flow rewritten so that every jump is the last step on its path.

Contract: on a function's ``ast`` body, before A-normal form:

* :func:`lower_loop_returns` turns ``return v`` inside a loop into
  ``out = v; flag = True; break``, and tests the flag after each loop that
  contains one (``break`` again inside an outer loop, ``return out`` outside);
* :func:`restructure` moves the code that follows an ``if`` which may jump
  (``break``, ``continue``, ``return``, ``raise``) into the branches that fall
  through, drops dead code after a jump, and deletes the ``continue`` that is
  now the end of a loop body.

The result computes the same thing, and the reverse transform needs no jump
of its own: a branch that ended its loop early is replayed like any other.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct.asttools import copy_tree

_JUMPS = (ast.Break, ast.Continue, ast.Return, ast.Raise)


def _may_jump(block: list) -> bool:
    """Can some path through ``block`` leave it by a jump (loops keep their own)?"""
    for s in block:
        if isinstance(s, _JUMPS):
            return True
        if isinstance(s, ast.If) and (_may_jump(s.body) or _may_jump(s.orelse)):
            return True
    return False


def always_jumps(block: list) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, _JUMPS):
        return True
    return isinstance(last, ast.If) and always_jumps(last.body) and always_jumps(last.orelse)


def append_rest(block: list, rest: list) -> list:
    """``block`` followed by ``rest`` on every path that falls through."""
    if not block:
        return copy_tree(rest)
    last = block[-1]
    if isinstance(last, _JUMPS):
        return block
    if isinstance(last, ast.If) and _may_jump([last]):
        last.body = append_rest(last.body, rest)
        last.orelse = append_rest(last.orelse, rest)
        return block
    return block + copy_tree(rest)


def restructure(block: list) -> list:
    """Move the code after a possible jump into the branches that fall through."""
    out = []
    for i, s in enumerate(block):
        if isinstance(s, ast.If):
            s.body, s.orelse = restructure(s.body), restructure(s.orelse)
            if _may_jump([s]):
                rest = restructure(block[i + 1:])
                if rest:
                    s.body, s.orelse = append_rest(s.body, rest), append_rest(s.orelse, rest)
                out.append(s)
                return out
        elif isinstance(s, (ast.For, ast.While)):
            s.body = _drop_tail_continue(restructure(s.body))
        out.append(s)
        if isinstance(s, _JUMPS):
            return out  # what follows is dead code
    return out


def _drop_tail_continue(block: list) -> list:
    if not block:
        return block
    last = block[-1]
    if isinstance(last, ast.Continue):
        return block[:-1]
    if isinstance(last, ast.If):
        last.body, last.orelse = _drop_tail_continue(last.body), _drop_tail_continue(last.orelse)
    return block


def has_return(block: list) -> bool:
    return any(isinstance(n, ast.Return) for s in block for n in ast.walk(s))


def lower_loop_returns(block: list, in_loop: bool, out: str, flag: str) -> list:
    """``return v`` inside loops becomes ``out = v; flag = True; break`` plus tests after loops."""
    new = []
    for s in block:
        if isinstance(s, ast.Return) and in_loop:
            value = s.value if s.value is not None else ast.Constant(None)
            new += [located(ast.Assign([ast.Name(out, ast.Store())], value), s),
                    located(ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(True)), s),
                    located(ast.Break(), s)]
            continue
        if isinstance(s, ast.If):
            s.body = lower_loop_returns(s.body, in_loop, out, flag)
            s.orelse = lower_loop_returns(s.orelse, in_loop, out, flag)
        elif isinstance(s, (ast.For, ast.While)) and has_return(s.body):
            s.body = lower_loop_returns(s.body, True, out, flag)
            jump = ast.Break() if in_loop else ast.Return(ast.Name(out, ast.Load()))
            new += [s, located(ast.If(ast.Name(flag, ast.Load()), [located(jump, s)], []), s)]
            continue
        new.append(s)
    return new


def located(node: ast.AST, like: ast.AST) -> ast.AST:
    for n in ast.walk(node):
        ast.copy_location(n, like)
        n.end_lineno = getattr(like, "end_lineno", None)
    return node


def loop_has_break(body: list) -> bool:
    stack = list(body)
    while stack:
        s = stack.pop()
        if isinstance(s, ast.Break):
            return True
        if isinstance(s, ast.If):
            stack += s.body + s.orelse
    return False
