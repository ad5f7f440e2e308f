"""Shapes: the variables that hold a value of one parameter's shape (or its rows' shape) whenever they hold one.

Contract: :func:`shape_classes` answers, for a normalized function, which names provably hold a
value whose shape is ``P.shape[k:]`` every time they are bound (the class ``(P, k)``), given that
each parameter ``P`` never bound again (a root) holds a NumPy array of numbers (a guard checks
it, once per call: :func:`..emit.specialize.agree`), that the names in ``scalars`` hold rank-0
values (:mod:`.ranks`), and that the classes in each group of ``same`` have one shape (guarded
too). Two operands of one class have one shape, so broadcasting one against the other keeps it:
an adjoint need not sum a cotangent down to that operand's shape (:mod:`..emit.adjoints`).

The answer is flow-insensitive and a greatest fixed point, as :func:`.ranks.rank0`'s: a name
has the class c if every statement that binds it gives a value of class c when the names it
reads have theirs; by induction over the statements run, each value it holds has that shape.
A statement gives class c when it copies a value of class c, applies an elementwise primitive
(the rule table's ``defderiv`` entries, no parameters) to operands of class c and rank-0 ones
(``scalars``, number literals), indexes a value of class ``(P, k)`` with an integer (an ``int``
by :func:`.ranks.is_int`: class ``(P, k + 1)``), or is one of ``likes`` (statements such as
``ones_like(v)``, the caller resolves which) of a value of class c. Anything else is not.
Where an elementwise primitive's operands or a name's bindings meet two different classes, the
pair is a conflict: assumed equal (``same``, behind the guard), both keep their class.
"""

from __future__ import annotations

import ast
from numbers import Number

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.ranks import binding_statements, is_int, settle

Class = tuple  # (root parameter, depth)
_TOP, _BOT, _NEUTRAL = "top", "bottom", "neutral"  # not known yet, none, rank-0 (fits any class)
_MAX_DEPTH = 4
_LIKES = ("ones_like", "zeros_like")


def like_calls(fn: ir.Function, is_like) -> set[int]:
    """The statements ``v = f(a)`` (by id) whose ``f`` is a ``*_like`` constructor that keeps its
    argument's shape: ``is_like(node)`` tells of the callee's expression (the caller resolves it,
    asked only of one spelled ``ones_like`` or ``zeros_like``)."""
    out = set()
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Opaque):
            e = s.value.expr
            if isinstance(e, ast.Call) and len(e.args) == 1 and not e.keywords \
                    and isinstance(e.args[0], ast.Name) and _spelled(e.func) in _LIKES and is_like(e.func):
                out.add(id(s))
    return out


def _spelled(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def shape_classes(fn: ir.Function, scalars: set[str], ints: frozenset[str] = frozenset(),
                  likes: set[int] = frozenset(), same: tuple = ()) -> tuple[dict[str, Class], set[frozenset]]:
    """(each classed name's class, a representative of its group in ``same``; the conflicts: the
    classes an elementwise primitive meets, as frozensets). The roots those names' bindings read
    are classed too (as themselves): the guard checks each one of them."""
    parent: dict = {}

    def find(c):
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for group in same:
        first, *rest = sorted(group)
        for c in rest:
            parent[find(c)] = find(first)
    binders = binding_statements(fn)
    roots = {p for p in fn.params if p not in binders and p not in scalars}
    cls = {n: _TOP for n in binders if n not in fn.params and n not in scalars}

    def get(a):
        if isinstance(a, ir.Const):
            return _NEUTRAL if isinstance(a.value, Number) and not isinstance(a.value, complex) else _BOT
        if a in scalars:
            return _NEUTRAL
        if a in cls:
            c = cls[a]
            return c if c in (_TOP, _BOT) else find(c)
        return find((a, 0)) if a in roots else _BOT

    conflicts: set[frozenset] = set()  # kept from every round: a class that falls later only adds a guard

    def gives(s):
        if not isinstance(s, ir.Assign):
            return _BOT
        v = s.value
        if isinstance(v, ir.Copy):
            c = get(v.src)
            return _BOT if c == _NEUTRAL else c
        if isinstance(v, ir.Index):
            c = get(v.value) if is_int(v.index, ints) else _BOT
            if c in (_TOP, _BOT, _NEUTRAL):
                return _BOT if c == _NEUTRAL else c
            return find((c[0], c[1] + 1)) if c[1] < _MAX_DEPTH else _BOT
        if isinstance(v, ir.Opaque):
            return get(v.expr.args[0].id) if id(s) in likes else _BOT
        if not isinstance(v, ir.Op) or v.seq or v.params or getattr(v.prim, "derivatives", None) is None:
            return _BOT
        found = {get(a) for a in v.args}
        known = found - {_TOP, _NEUTRAL}
        if _BOT in known:
            return _BOT
        if len(known) > 1:
            conflicts.add(frozenset(known))
            return _BOT
        return known.pop() if known else (_TOP if _TOP in found else _BOT)

    def meet(a, b):  # two bindings of one name: two classes met there are a conflict too
        if a == _TOP or b == _TOP or a == b:
            return b if a == _TOP else a
        if _BOT not in (a, b):
            conflicts.add(frozenset({a, b}))
        return _BOT

    settle(cls, binders, lambda n: _TOP, meet, gives, _TOP, _BOT)  # classes only fall: top, a class, bottom
    out = {n: find(c) for n, c in cls.items() if c != _BOT}
    read = {r for n in out for s in binders[n] for r in ir.reads(s.value)}
    out.update({r: find((r, 0)) for r in roots & read})
    return out, conflicts


def groups(same) -> list[set]:
    """The pairs of classes in ``same`` joined into groups that share a member (what the guard checks)."""
    out: list[set] = []
    for pair in same:
        joined = [g for g in out if g & pair]
        merged = set(pair).union(*joined)
        out = [g for g in out if not g & pair] + [merged]
    return out
