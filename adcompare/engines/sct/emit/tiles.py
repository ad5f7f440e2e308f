"""Cotangents of slices that tile an array, joined in one step (issue 14 item 5).

Contract: :func:`tile` rewrites, in each block of a reverse sweep that is run (code transformed
again keeps no ``getitem_bar_into``), a run of statements

    v = getitem_bar(g0, x, slice(L0, H0, None))
    ...
    v = getitem_bar_into(g1, x, slice(L1, H1, None), v)
    ...
    v = getitem_bar_into(gk, x, slice(Lk, Hk, None), v)

of one cotangent name ``v`` of the transform's own and one name ``x``, whose slices are written
to tile an axis: one starts at ``None``, one stops at ``None``, and each other bound is spelled
alike as the stop of one and the start of the next (lstm's gates: ``sigmoids[:b]``,
``sigmoids[b:2 * b]``, ``sigmoids[2 * b:]``; the bounds are names, numbers and arithmetic on them),
where no statement from the first to the last reads or writes ``v`` (but these), writes ``x``
or a name the bounds read, or may leave the block early (``break``, ``continue``, ``return``).
Each ``gi`` but the last is bound to a new name where it was, and the last statement becomes

    v = getitem_bar_tiled(x, (B1, ..., Bm), order, p0, ..., pm)

(the pieces in the axis' order, ``order``: the order the statements took them in).
:func:`.accumulate.getitem_bar_tiled` gives what the run gave: one concatenation where the
bounds, read at run time, are ordered and within ``x`` and the pieces fit (a guard), the same
statements' sums otherwise. A new name keeps each piece, so nothing adds into one in place
meanwhile (the in-place helpers add only into an array that the caller's variable alone refers to).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from adcompare.engines.sct.asttools import names
from adcompare.engines.sct.emit import codegen as cg

_PURE = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Load, ast.operator, ast.unaryop)


class Member(NamedTuple):
    name: str  # the cotangent
    x: str  # the sliced value
    first: bool  # getitem_bar (it starts a run), else getitem_bar_into (it continues one)
    g: ast.expr
    lo: ast.expr
    hi: ast.expr


def tile(block: list, bars: frozenset, helpers: dict, fresh) -> list:
    """``block`` (and the blocks nested in it) with each run rewritten as the module says; ``bars``:
    the cotangent names it may rewrite; ``helpers``: the names the code calls ``getitem_bar``,
    ``getitem_bar_into`` and ``slice`` by, and a callable giving ``getitem_bar_tiled``'s
    (bound only where a run is rewritten); ``fresh(base)``: a new local name."""
    runs: dict[str, list] = {}  # name -> [x, positions of its members]

    def close(v: str) -> None:
        x, at = runs.pop(v)
        ms = [_member(block[j], bars, helpers) for j in at]
        chain = _chain(ms) if len(at) > 1 else None
        if chain is None:
            return
        bounds = [ms[k].hi for k in chain[:-1]]
        read = set().union(*(names(b) for b in bounds))
        if any(read & _stores(s) for s in block[at[0]:at[-1] + 1]):
            return
        pieces = {}
        for k, j in enumerate(at[:-1]):
            pieces[k] = cg.load(fresh(f"{v}_piece"))
            block[j] = ast.copy_location(cg.assign(pieces[k].id, ms[k].g), block[j])
        pieces[len(at) - 1] = ms[-1].g
        order = cg.const(tuple(chain.index(k) for k in range(len(at))))
        value = cg.call(helpers["getitem_bar_tiled"](), cg.load(x), cg.tuple_(bounds), order,
                        *[pieces[k] for k in chain])
        block[at[-1]] = ast.copy_location(cg.assign(v, value), block[at[-1]])

    for j, s in enumerate(block):
        if isinstance(s, (ast.For, ast.While, ast.If)):
            s.body = tile(s.body, bars, helpers, fresh)
            s.orelse = tile(s.orelse, bars, helpers, fresh) if s.orelse else s.orelse
        m = _member(s, bars, helpers)
        read, stored = names(s), _stores(s)
        leaves = any(isinstance(n, (ast.Break, ast.Continue, ast.Return)) for n in ast.walk(s))
        for v, (x, _) in list(runs.items()):
            continues = m is not None and not m.first and m.name == v and m.x == x
            if not continues and (v in read or x in stored or leaves):
                close(v)
        if m is not None:
            if m.first:
                runs[m.name] = [m.x, [j]]
            elif m.name in runs:
                runs[m.name][1].append(j)
    for v in list(runs):
        close(v)
    return block


def _chain(ms: list) -> list | None:
    """The members' positions in the order of their slices along the axis, where the slices are
    written to tile it (see the module), else None."""
    starts = [k for k, m in enumerate(ms) if _none(m.lo)]
    if len(starts) != 1 or sum(_none(m.hi) for m in ms) != 1:
        return None
    chain, left = starts, set(range(len(ms))) - set(starts)
    while not _none(ms[chain[-1]].hi):
        want = ast.dump(ms[chain[-1]].hi)
        nxt = [k for k in left if ast.dump(ms[k].lo) == want]
        if len(nxt) != 1:
            return None
        chain.append(nxt[0])
        left.discard(nxt[0])
    return chain if not left else None


def _member(s: ast.stmt, bars: frozenset, helpers: dict) -> Member | None:
    """``v = getitem_bar(g, x, slice(lo, hi, None))`` or ``v = getitem_bar_into(g, x, slice(lo, hi,
    None), v)`` (``v`` of ``bars``, ``x`` a name other than ``v``, ``g`` not reading ``v``, bounds
    ``None`` or pure arithmetic on names and numbers), else None."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name) and not s.value.keywords):
        return None
    v, call = s.targets[0].id, s.value
    first = call.func.id == helpers["getitem_bar"]
    if v not in bars or not first and call.func.id != helpers["getitem_bar_into"]:
        return None
    args = call.args
    if len(args) != (3 if first else 4) or any(isinstance(a, ast.Starred) for a in args):
        return None
    if not first and not (isinstance(args[3], ast.Name) and args[3].id == v):
        return None
    g, x, idx = args[:3]
    if not isinstance(x, ast.Name) or x.id == v or v in names(g):
        return None
    if not (isinstance(idx, ast.Call) and isinstance(idx.func, ast.Name) and idx.func.id == helpers["slice"]
            and len(idx.args) == 3 and not idx.keywords and _none(idx.args[2])):
        return None
    lo, hi = idx.args[:2]
    if v in names(lo) | names(hi) or not all(isinstance(n, _PURE) for b in (lo, hi) for n in ast.walk(b)):
        return None
    return Member(v, x.id, first, g, lo, hi)


def _none(e: ast.expr) -> bool:
    return isinstance(e, ast.Constant) and e.value is None


def _stores(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
