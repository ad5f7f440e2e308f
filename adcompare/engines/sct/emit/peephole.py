"""Peephole: small rewrites of the generated reverse sweep, for speed and reading.

Contract: :func:`peephole` returns an equivalent block (nested blocks
included) in which a cotangent reset to ``0.0`` and then, with nothing in
between reading or writing it, accumulated into (``v_bar = v_bar + e`` or
``add_bar(v_bar, e)``) is assigned ``e`` directly, and an accumulation of an
index's cotangent (``v_bar = add_bar(v_bar, getitem_bar(g, x, idx))``) becomes
``v_bar = getitem_bar_into(g, x, idx, v_bar)``, and any other ``v_bar = add_bar(v_bar, e)``
``v_bar = add_bar_into(v_bar, e)`` (only for the cotangent names given:
code that is transformed again, or run by ``lax.scan``, keeps the plain sum). A cotangent set once
to ``-e`` and read once, later in its block, is set to ``e`` and its negation moves into the sum
that reads it (:func:`fold_negations`). Only generated cotangent
names follow the pattern, so user code is never touched. One pass over each
block: the time is linear in the size of the code (times its nesting depth).
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import NamedTuple

from adcompare.engines.sct.asttools import copy_tree, names
from adcompare.engines.sct.emit import codegen as cg


class Into(NamedTuple):
    """Where index cotangents are accumulated in place: the cotangent names (the transform's own,
    never a variable of the code it transforms) and the names its code calls the two helpers by."""
    names: frozenset
    getitem_bar: str
    getitem_bar_into: str
    add_bar: str = "add_bar"
    add_bar_into: str | None = None


def peephole(block: list, into: Into | None = None, bars: frozenset = frozenset(),
             linear: frozenset = frozenset()) -> list:
    """A function's body, rewritten as the module says (see :func:`_block` and :func:`fold_negations`;
    ``linear``: the names generated code calls helpers by that are linear in their first argument)."""
    return fold_negations(_block(block, into, bars), bars, linear)


def _block(block: list, into: Into | None = None, bars: frozenset = frozenset(),
           zero: frozenset = frozenset()) -> list:
    """``v_bar = 0.0`` followed, with nothing in between touching v_bar, by
    ``v_bar = v_bar + e`` becomes ``v_bar = e``; with ``into``, index cotangents of its
    names are accumulated by ``getitem_bar_into``. Of the cotangent names ``bars``, an
    accumulation into one that holds ``0.0`` there (see :func:`_zero_after`; ``zero``: those
    that hold it when the block starts) is an assignment too: a loop body that starts with
    the placeholder (it ends each iteration reset) does not add each contribution to ``0.0``."""
    out = list(block)
    pending: dict[str, int] = {}  # name -> position of its `name = 0.0`, untouched since
    dropped: set[int] = set()
    for j, s in enumerate(out):
        acc = _accumulation(s)
        if acc is not None and acc[0] in pending:
            name, rest = acc
            dropped.add(pending.pop(name))
            out[j] = cg.assign(name, rest)
        if pending:
            for name in names(s):
                pending.pop(name, None)
        name = _zero_assign(s)
        if name is not None:
            pending[name] = j
    out = [s for j, s in enumerate(out) if j not in dropped]
    held = set(zero)  # the names of ``bars`` that hold 0.0 before statement j
    for j, s in enumerate(out):
        if isinstance(s, (ast.For, ast.While, ast.If)):
            inside = _loop_entry(s, held, bars) if not isinstance(s, ast.If) else held - _stores(s.test)
            s.body = _block(s.body, into, bars, frozenset(inside))
            if s.orelse:
                s.orelse = _block(s.orelse, into, bars, frozenset(inside if isinstance(s, ast.If) else ()))
        acc = _accumulation(s)
        if acc is not None and acc[0] in held:
            out[j] = cg.assign(*acc)
        elif acc is not None and acc[0] in bars and isinstance(s.value, ast.BinOp) \
                and isinstance(acc[1], ast.UnaryOp) and isinstance(acc[1].op, ast.USub):
            # v + (-e) is v - e exactly (IEEE subtraction is addition of the negation): one pass less
            out[j] = cg.assign(acc[0], ast.BinOp(cg.load(acc[0]), ast.Sub(), acc[1].operand))
        held = _zero_after(out[j], held, bars)
    return [_into(s, into) for s in out] if into else out


def _stores(node: ast.AST | None) -> set[str]:
    """The names ``node`` assigns (or deletes) anywhere in it: only these can stop holding ``0.0``
    (a float is never changed in place, whatever reads it)."""
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}


def _zero_after(s: ast.stmt, held: set, bars: frozenset) -> set:
    """Of ``bars``, the names that hold ``0.0`` after ``s`` runs, given ``held`` before it."""
    name = _zero_assign(s)
    if name is not None:
        return held | ({name} & bars)
    if isinstance(s, ast.If):
        inside = held - _stores(s.test)
        return _through(s.body, inside, bars) & _through(s.orelse, inside, bars)
    if isinstance(s, (ast.For, ast.While)) and not s.orelse \
            and not any(isinstance(n, ast.Break) for n in ast.walk(s)):
        return _loop_entry(s, held, bars)  # it leaves at the start of an iteration, the state each starts in
    return held - _stores(s)


def _through(block: list, held: set, bars: frozenset) -> set:
    for s in block:
        held = _zero_after(s, held, bars)
    return held


def _loop_entry(loop: ast.For | ast.While, held: set, bars: frozenset) -> set:
    """The names that hold ``0.0`` at the start of every iteration of ``loop`` (entered with
    ``held``): the largest such set that one pass through the body (its target set first) keeps.
    A body that may ``continue`` skips its end: none."""
    if any(isinstance(n, ast.Continue) for n in ast.walk(loop)):
        return set()
    head = _stores(loop.target if isinstance(loop, ast.For) else loop.test)
    if isinstance(loop, ast.For):
        head |= _stores(loop.iter)
    inv = set(held) - head
    while True:
        kept = inv & _through(loop.body, inv, bars) - head
        if kept == inv:
            return inv
        inv = kept


def _into(s: ast.stmt, into: Into) -> ast.stmt:
    """``v_bar = add_bar(v_bar, getitem_bar(g, x, idx))`` (or ``v_bar + ...``) becomes
    ``v_bar = getitem_bar_into(g, x, idx, v_bar)``: the same sum, which the runtime may add in place."""
    acc = _accumulation(s)
    if acc is None or acc[0] not in into.names:
        return s
    name, rest = acc
    if isinstance(rest, ast.Call) and isinstance(rest.func, ast.Name) and rest.func.id == into.getitem_bar \
            and len(rest.args) == 3 and not rest.keywords:
        return cg.assign(name, ast.Call(cg.load(into.getitem_bar_into), rest.args + [cg.load(name)], []))
    v = s.value
    if into.add_bar_into is not None and isinstance(v, ast.Call) and isinstance(v.func, ast.Name) \
            and v.func.id == into.add_bar:  # a sum of cotangents (a callee's, say): in place where it may be
        return cg.assign(name, ast.Call(cg.load(into.add_bar_into), [cg.load(name), rest], []))
    return s


def _zero_assign(s: ast.stmt) -> str | None:
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
            and isinstance(s.value, ast.Constant) and s.value.value == 0.0 \
            and type(s.value.value) is float:
        return s.targets[0].id
    return None


def _accumulation(s: ast.stmt) -> tuple[str, ast.expr] | None:
    """``(name, e)`` if ``s`` is ``name = name + e`` or ``name = add_bar(name, e)`` and e does not read name."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)):
        return None
    name, v = s.targets[0].id, s.value
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and isinstance(v.left, ast.Name) \
            and v.left.id == name:
        rest = v.right
    elif isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id.startswith("add_bar") \
            and len(v.args) == 2 and isinstance(v.args[0], ast.Name) and v.args[0].id == name:
        rest = v.args[1]
    else:
        return None
    if name in names(rest):
        return None
    return name, rest


# --- negations moved into the sums that read them ------------------------------------------


def fold_negations(body: list, bars: frozenset, linear: frozenset = frozenset()) -> list:
    """Of the cotangent names ``bars``, one that ``body`` (a whole function's) sets once, to ``-e``, and
    reads once, in a later statement of the same block that is not a loop or branch, is set to ``e``
    instead, and its read becomes ``-name`` with the negation moved out through products and quotients
    and the first argument of the helpers named ``linear`` (``unbroadcast(-u, x)`` is
    ``-unbroadcast(u, x)``: the sum of negations is the negated sum) into the sum that takes it
    (``a + -(w)`` is ``a - w``, ``a - -(w)`` is ``a + w``), where it
    costs no pass of its own. Each of these is exact in IEEE arithmetic (its rounding is symmetric
    in sign) and nothing is evaluated in another order. Where the negation
    would stay on the name itself (an argument of a call), nothing changes."""
    loads: Counter = Counter()
    stores: Counter = Counter()
    for s in body:
        for node in ast.walk(s):
            if type(node) is ast.Name:
                (loads if isinstance(node.ctx, ast.Load) else stores)[node.id] += 1
    _fold(body, bars, linear, loads, stores)
    return body


def _fold(block: list, bars: frozenset, linear: frozenset, loads: Counter, stores: Counter) -> None:
    for j, s in enumerate(block):
        for inner in ("body", "orelse"):
            if isinstance(s, (ast.For, ast.While, ast.If)):
                _fold(getattr(s, inner), bars, linear, loads, stores)
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and type(s.targets[0]) is ast.Name
                and isinstance(s.value, ast.UnaryOp) and isinstance(s.value.op, ast.USub)):
            continue
        v = s.targets[0].id
        if v not in bars or loads[v] != 1 or stores[v] != 1:
            continue
        use = next((k for k in range(j + 1, len(block)) if v in names(block[k])), None)
        if use is None or not isinstance(block[use], (ast.Assign, ast.Expr, ast.Return)) \
                or block[use].value is None:
            continue
        value, negated = _negated_read(copy_tree(block[use].value), v, linear)
        if negated:
            value = ast.UnaryOp(ast.USub(), value)
        if any(isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and type(n.operand) is ast.Name
               and n.operand.id == v for n in ast.walk(value)):
            continue  # the negation would stay on the name: no pass saved
        s.value = s.value.operand
        block[use].value = value


def _negated_read(node: ast.expr, v: str, linear: frozenset) -> tuple[ast.expr, bool]:
    """``node`` with its read of ``v`` negated, as (node', n): its value is ``-node'`` where n, else ``node'``."""
    if type(node) is ast.Name:
        return node, node.id == v
    if v not in names(node):
        return node, False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner, n = _negated_read(node.operand, v, linear)
        return (inner, False) if n else (ast.UnaryOp(ast.USub(), inner), False)
    if isinstance(node, ast.BinOp):
        left, nl = _negated_read(node.left, v, linear)
        right, nr = _negated_read(node.right, v, linear)
        op = node.op
        if isinstance(op, (ast.Mult, ast.Div)) and (nl or nr):
            return ast.BinOp(left, op, right), True  # (-a) * b and a / (-b) are -(a * b) and -(a / b)
        if isinstance(op, (ast.Add, ast.Sub)) and nr:
            return ast.BinOp(left, ast.Sub() if isinstance(op, ast.Add) else ast.Add(), right), False
        if isinstance(op, ast.Sub) and nl:
            return ast.BinOp(left, ast.Add(), right), True  # -a - b is -(a + b)
        if nl:
            left = ast.UnaryOp(ast.USub(), left)
        if nr:
            right = ast.UnaryOp(ast.USub(), right)
        return ast.BinOp(left, op, right), False
    if isinstance(node, ast.Call) and type(node.func) is ast.Name and node.func.id in linear and node.args \
            and not isinstance(node.args[0], ast.Starred) and v in names(node.args[0]) and not node.keywords:
        first, n = _negated_read(node.args[0], v, linear)
        node.args[0] = first
        return node, n  # helper(-u, ...) is -helper(u, ...)
    for field, value in ast.iter_fields(node):  # any other expression: the negation stays where it is
        if isinstance(value, ast.expr):
            child, n = _negated_read(value, v, linear)
            setattr(node, field, ast.UnaryOp(ast.USub(), child) if n else child)
        elif type(value) is list:
            out = []
            for u in value:
                child, n = _negated_read(u, v, linear) if isinstance(u, ast.expr) else (u, False)
                out.append(ast.UnaryOp(ast.USub(), child) if n else child)
            setattr(node, field, out)
    return node, False
