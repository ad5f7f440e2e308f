"""Activity analysis: which variables carry derivatives, and what is refused.

Contract: :func:`analyze` takes a normalized function and the parameters that
are differentiated, and returns an :class:`Activity`. A variable is *varied*
if some definition of it depends differentiably on a differentiated parameter,
*useful* if the output depends differentiably on it, and *active* if both;
only active variables get tangent or adjoint code. The analysis is
flow-insensitive (a variable is active if any of its definitions is), which
is conservative: it can only add derivative code, never drop some.

Once the varied variables are known, this pass has :mod:`.refusals` refuse,
with :class:`SCTError`, every use of a varied value that the engine cannot
differentiate.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.dataflow import closure, list_targets, operands, readers
from adcompare.engines.sct.analysis.refusals import Checker
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.front.parse import CONSTANT_ATTRIBUTES, Parsed


@dataclass
class Activity:
    varied: set[str]
    useful: set[str]
    active: set[str]
    seqs: set[str]  # may hold a tuple or list (their cotangents add elementwise)

    def has(self, a: ir.Atom) -> bool:
        """Is atom ``a`` an active variable?"""
        return isinstance(a, str) and a in self.active

    def varies(self, a: ir.Atom) -> bool:
        return isinstance(a, str) and a in self.varied


def analyze(fn: ir.Function, active_params: set[str], parsed: Parsed) -> Activity:
    stmts = list(ir.walk(fn.body))
    assigns = [s for s in stmts if isinstance(s, ir.Assign)]
    unpacks = [s for s in stmts if isinstance(s, ir.Unpack)]
    packs = _packs(fn, assigns)
    who_reads = readers(assigns, unpacks, packs)  # (an element read is looked at again when its element joins)

    def element(seq: str, k: int | None, out: set[str]) -> bool:
        """Element ``k`` of ``seq`` may be varied (any element, where ``k`` is not known)."""
        if k is None or seq not in packs:
            return seq in out
        return any(isinstance(p.elts[k], str) and p.elts[k] in out for p in packs[seq])

    def joins(v, out: set[str]) -> bool:
        if isinstance(v, ir.Index) and isinstance(v.value, str):
            return element(v.value, _position(v.index, packs.get(v.value)), out)
        return any(d and a in out for a, d in operands(v))

    def unpacked(s, k: int, out: set[str]) -> bool:
        return element(s.src, k if len(s.targets) == _length(packs.get(s.src)) else None, out)

    varied = closure(set(active_params), assigns, unpacks, who_reads, joins, unpacked)
    # reading a field of a varied named tuple varies too (an index, once found): until no more such reads
    while _field_reads(assigns, varied & fn.locals, fn.extra_globals, parsed):
        who_reads = readers(assigns, unpacks, packs)
        varied = closure(varied, assigns, unpacks, who_reads, joins, unpacked)

    # useful flows backwards, from a definition's target to its varied operands: a worklist
    definitions: dict[str, list] = {}
    for s in assigns:
        definitions.setdefault(s.target, []).append(s)
    for s in unpacks:
        for t in s.targets:
            definitions.setdefault(t, []).append(s)
    useful, todo = {fn.out}, [fn.out]
    while todo:
        for s in definitions.get(todo.pop(), ()):
            found = [a for a, d in operands(s.value) if d] if isinstance(s, ir.Assign) else [s.src]
            for a in found:
                if a in varied and a not in useful:
                    useful.add(a)
                    todo.append(a)

    lists = list_targets(assigns)
    def picked(seq: str, index) -> bool | None:
        k = _position(index, packs.get(seq))
        return None if k is None else element(seq, k, varied)

    checker = Checker(parsed, varied & fn.locals, fn.extra_globals, picked)
    for s in stmts:
        checker.statement(s, lists)
    seqs = closure(set(fn.params), assigns, unpacks, who_reads, lambda v, out: isinstance(
        v, (ir.Pack, ir.Append, ir.Call)) or (isinstance(v, ir.Copy) and v.src in out) or (
        isinstance(v, ir.Index) and v.value in out))
    return Activity(varied, useful, varied & useful, seqs)


def _packs(fn: ir.Function, assigns: list) -> dict[str, list[ir.Pack]]:
    """The local variables every definition of which is a tuple or list display, with those displays:
    an element read from one by a constant position, or unpacked, is varied only if that element is
    (JAX's ``t = (a, n)`` keeps ``t[1]`` an integer, for ``range(t[1])``)."""
    defs: dict[str, list] = {}
    for s in ir.walk(fn.body):
        for t in ir.targets(s):
            defs.setdefault(t, []).append(s.value if isinstance(s, ir.Assign) else None)
    return {t: vs for t, vs in defs.items() if t not in fn.params and all(
        isinstance(v, ir.Pack) and v.kind in ("tuple", "list") for v in vs) and _length(vs) is not None}


def _length(displays: list | None) -> int | None:
    """The length every display has, if they agree."""
    lengths = {len(p.elts) for p in displays or ()}
    return lengths.pop() if len(lengths) == 1 else None


def _position(index, displays: list | None) -> int | None:
    """The element a constant integer index (``t[1]``, ``t[-1]``) reads from displays of one length."""
    n = _length(displays)
    sign = 1
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
        index, sign = index.operand, -1
    if n is None or not (isinstance(index, ast.Constant) and type(index.value) is int):
        return None
    k = sign * index.value
    return k % n if -n <= k < n else None


def _field_reads(assigns: list, varied: set[str], extra: dict, parsed: Parsed) -> bool:
    """``t = x.name`` with ``x`` varied (a named tuple's field, as users read a state's ``s.vel``) becomes the
    index ``t = x[field_index(x, 'name', ...)]``, which the sweeps differentiate as ``x[1]``; ``field_index``
    refuses, with the line, the attribute of any other value (an array's ``.real``). Whether any was found."""
    found = False
    for s in assigns:
        e = s.value.expr if isinstance(s.value, ir.Opaque) else None
        if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id in varied \
                and e.attr not in CONSTANT_ATTRIBUTES and e.attr != "T":
            extra["__field_index"] = runtime.field_index
            where = [ast.Constant(parsed.where.function), ast.Constant(parsed.where.filename), ast.Constant(s.line)]
            index = ast.Call(ast.Name("__field_index", ast.Load()), [ast.Name(e.value.id, ast.Load()),
                                                                      ast.Constant(e.attr), *where], [])
            s.value, found = ir.Index(e.value.id, index), True
    return found
