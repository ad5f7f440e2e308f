"""Lengths: each variable's shape as linear forms over the parameters' dimensions on entry, and what that assumed.

Contract: :func:`lengths` answers, for a normalized function, which names provably hold a value
of one symbolic shape every time they are bound: a tuple of linear forms (integer coefficients)
over the symbols ``(P, i)``, ``P.shape[i]`` of a parameter ``P`` on entry, given that each
parameter in ``arrays`` holds a NumPy array of numbers of that many dimensions and each name in
``scalars`` a number (shape ``()``). Unlike :mod:`.shapes`' classes, a shape may be made: a slice
with literal bounds (``y[:-1]`` has ``len(y) - 1``), an ``int`` index, ``concatenate`` (lengths
add up), and a call of a user function, whose body is analysed with its parameters bound to the
arguments' shapes (the callee's IR comes from ``callee_ir``; what it assumes is assumed here, in
the caller's symbols), so a loop that calls one can prove what the callee returns. Where a proof
needs a fact the shapes do not give (two lengths equal where an elementwise primitive broadcasts
them, a slice's bound within its length), it assumes it and records it in :class:`Facts`: the
caller checks every fact once, on entry (:class:`..emit.specialize.Lengths`), and runs the
general code where one fails. An assumed equality is solved for one symbol and substituted
everywhere (a new round), so that names it makes equal get one shape.

The answer is flow-insensitive and a greatest fixed point, as :func:`.ranks.ndims`': a name has
shape s if every statement that binds it (and, for a parameter bound again, its value on entry)
gives s when the names it reads have theirs. A statement gives a shape when it copies one,
applies an elementwise primitive (the rule table's ``defderiv`` entries, no parameters: NumPy's
broadcasting, right-aligned), reduces over all axes, indexes or slices as above, concatenates
along axis 0, is one of ``likes`` (``ones_like(v)``), or calls a plain function so analysed
(at most :data:`_DEPTH` deep). Anything else (other primitives, containers, unpacking, globals
other than ``scalars``, statements run as written) has none.
"""

from __future__ import annotations

import ast
from numbers import Number

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.ranks import binding_statements, is_int, reduces_all, settle

_TOP, _BOT = "top", "bottom"
_ROUNDS = 6  # rounds of substitution at most
_DEPTH = 3  # callees analysed within callees at most


class Facts:
    """What a proof assumed: ``arrays`` (parameter -> its number of dimensions; it holds a NumPy array of
    numbers), ``eqs`` (linear forms that are 0), ``ges`` (linear forms that are >= 0), and ``subs``,
    the equalities solved (symbol -> linear form), applied to every form made."""

    def __init__(self, arrays: dict[str, int]):
        self.arrays, self.eqs, self.ges, self.subs = dict(arrays), set(), set(), {}
        self.used: set[str] = set()  # the parameters in arrays whose shapes a proof read
        self.grew = False  # a substitution was added this round
        self.calls: dict = {}  # (callee, its parameters' shapes) -> its result's shape, this round

    def form(self, terms: dict, const: int = 0) -> tuple:
        """The canonical linear form ``const + Σ c·s`` (substitutions applied): ``(const, ((s, c), ...))``."""
        out: dict = {}
        for s, c in terms.items():
            if s in self.subs:
                k, more = self.subs[s]
                const += c * k
                for t, d in more:
                    out[t] = out.get(t, 0) + c * d
            else:
                out[s] = out.get(s, 0) + c
        return const, tuple(sorted((s, c) for s, c in out.items() if c))

    def combine(self, a: tuple, b: tuple, k: int = 1) -> tuple:
        """``a + k·b``."""
        terms = dict(a[1])
        for s, c in b[1]:
            terms[s] = terms.get(s, 0) + k * c
        return self.form(terms, a[0] + k * b[0])

    def equal(self, a: tuple, b: tuple) -> bool:
        """Assume ``a == b`` (solved for a symbol of coefficient ±1 and substituted); False where it cannot hold."""
        d = self.combine(a, b, -1)
        if not d[1]:
            return d[0] == 0
        unit = [s for s, c in d[1] if abs(c) == 1]
        if not unit:
            return False
        s = unit[-1]
        c = dict(d[1])[s]
        rest = self.form({t: -c * e for t, e in d[1] if t != s}, -c * d[0])  # s = -(d - c·s) / c
        self.eqs.add(d)
        self.subs[s] = rest
        for t, (k, more) in list(self.subs.items()):
            self.subs[t] = self.form(dict(more), k)
        self.grew = True
        return True

    def at_least(self, a: tuple, k: int) -> bool:
        """Assume ``a >= k``; False where it cannot hold."""
        d = self.combine(a, (k, ()), -1)
        if not d[1]:
            return d[0] >= 0
        self.ges.add(d)
        return True


def lengths(fn: ir.Function, scalars: set[str], arrays: dict[str, int], ints: frozenset[str], likes: set[int],
            callee_ir) -> tuple[dict[str, tuple], Facts] | None:
    """(each name's shape, where it has one; the facts assumed), or None where the substitutions do not settle."""
    facts = Facts(arrays)
    for _ in range(_ROUNDS):
        facts.grew, facts.used, facts.calls = False, set(), {}
        entry = {p: tuple(facts.form({(p, i): 1}) for i in range(d)) for p, d in arrays.items()}
        entry.update({p: () for p in fn.params if p in scalars})
        found = _Analysis(facts, scalars, ints, likes, callee_ir, 0).run(fn, entry)
        if not facts.grew:  # a parameter no proof read is not checked: no shape of it is claimed
            return {n: c for n, c in found.items() if n not in arrays or n in facts.used}, facts
    return None


class _Analysis:
    def __init__(self, facts: Facts, scalars: set[str], ints: frozenset[str], likes: set[int], callee_ir, depth: int):
        self.facts, self.scalars, self.ints, self.likes = facts, scalars, ints, likes
        self.callee_ir, self.depth = callee_ir, depth

    def run(self, fn: ir.Function, entry: dict[str, tuple]) -> dict[str, tuple]:
        """The fixed point over ``fn``, its parameters holding ``entry``'s shapes on entry (others: none)."""
        binders = binding_statements(fn)
        self.params = set(fn.params)
        self.entry = entry
        self.cls = cls = {n: _TOP for n in binders}
        start = lambda n: self.entry_of(n) if n in self.params else _TOP  # noqa: E731
        settle(cls, binders, start, self.meet, self.gives, _TOP, _BOT)  # shapes only fall: top, a shape, bottom
        out = {n: c for n, c in cls.items() if c != _BOT}
        out.update({p: self.canon(entry[p]) for p in self.params - set(binders) if p in entry})  # read or not
        return out

    def entry_of(self, p: str):
        if p in self.entry:
            if p in self.facts.arrays and self.depth == 0:
                self.facts.used.add(p)
            return self.canon(self.entry[p])
        return _BOT

    def canon(self, shape: tuple) -> tuple:
        return tuple(self.facts.form(dict(d[1]), d[0]) for d in shape)

    def get(self, a):
        if isinstance(a, ir.Const):
            return () if isinstance(a.value, Number) and not isinstance(a.value, complex) else _BOT
        if a in self.cls:
            c = self.cls[a]
            return c if c in (_TOP, _BOT) else self.canon(c)
        if a in self.params:
            return self.entry_of(a)
        return () if a in self.scalars and self.depth == 0 else _BOT

    def meet(self, a, b):
        if a == _TOP or b == _TOP:
            return b if a == _TOP else a
        if a == _BOT or b == _BOT or len(a) != len(b):
            return _BOT
        if all(x == y or self.facts.equal(x, y) for x, y in zip(a, b)):
            return self.canon(a)
        return _BOT

    def gives(self, s):
        if not isinstance(s, ir.Assign):
            return _BOT
        v = s.value
        if isinstance(v, ir.Copy):
            return self.get(v.src)
        if isinstance(v, ir.Index):
            c = self.get(v.value)
            return c if c in (_TOP, _BOT) else self.index(c, v.index)
        if isinstance(v, ir.Opaque):
            return self.get(v.expr.args[0].id) if id(s) in self.likes and self.depth == 0 else _BOT
        if isinstance(v, ir.Call):
            return self.call(v)
        if not isinstance(v, ir.Op) or v.seq:
            return _BOT
        found = [self.get(a) for a in v.args]
        if _BOT in found:
            return _BOT
        if _TOP in found:
            return _TOP
        name = v.prim.name
        if reduces_all(v):
            return ()
        if name == "concatenate":
            return self.concatenate(found, v.params)
        if v.params or getattr(v.prim, "derivatives", None) is None:
            return _BOT
        out = ()
        for c in found:
            out = self.broadcast(out, c)
            if out == _BOT:
                return _BOT
        return out

    def broadcast(self, a: tuple, b: tuple):
        """NumPy's broadcast of two shapes, right-aligned; lengths that differ, neither the literal 1, assumed equal."""
        if len(a) < len(b):
            a, b = b, a
        lead, out = len(a) - len(b), list(a[:len(a) - len(b)])
        for x, y in zip(a[lead:], b):
            if x == y or y == (1, ()):
                out.append(x)
            elif x == (1, ()):
                out.append(y)
            elif self.facts.equal(x, y):
                out.append(x)
            else:
                return _BOT
        return self.canon(tuple(out))

    def concatenate(self, found: list, params: dict):
        if set(params) - {"axis"} or any(not (isinstance(p, ast.Constant) and type(p.value) is int and p.value == 0)
                                          for p in params.values()):
            return _BOT
        if not found or any(len(c) == 0 for c in found):
            return _BOT
        first = found[0]
        total = first[0]
        for c in found[1:]:
            if self.meet(first[1:], c[1:]) == _BOT:
                return _BOT
            total = self.facts.combine(total, c[0])
        return self.canon((total,) + first[1:])

    def index(self, c: tuple, index: ast.expr):
        if not c:
            return _BOT
        if is_int(index, self.ints):
            return c[1:]
        if not isinstance(index, ast.Slice) or index.step is not None:
            return _BOT
        bounds = [_literal(b) for b in (index.lower, index.upper)]
        if _BOT in bounds:
            return _BOT
        n, f = c[0], self.facts
        start = (0, ()) if bounds[0] is None else f.combine(n, (bounds[0], ())) if bounds[0] < 0 else (bounds[0], ())
        stop = n if bounds[1] is None else f.combine(n, (bounds[1], ())) if bounds[1] < 0 else (bounds[1], ())
        length = f.combine(stop, start, -1)  # within 0 <= start <= stop <= n, assumed
        for low, high in ((start, (0, ())), (stop, start), (n, stop)):
            if not f.at_least(f.combine(low, high, -1), 0):
                return _BOT
        return self.canon((length,) + c[1:])

    def call(self, v: ir.Call):
        if v.func is None or v.callee is not None or v.shallow_copy or self.depth >= _DEPTH:
            return _BOT
        callee = self.callee_ir(v.func)
        if callee is None or callee.spread or len(v.args) != len(callee.params) or v.kw != tuple(
                callee.params[callee.npos:]) and v.kw:
            return _BOT
        found = [self.get(a) for a in v.args]
        if _TOP in found:
            return _TOP
        entry = {p: c for p, c in zip(callee.params, found) if c != _BOT}
        key = (id(callee), tuple(sorted(entry.items())))
        if key not in self.facts.calls:  # its own names' ints and likes are not the caller's: none assumed
            inner = _Analysis(self.facts, frozenset(), frozenset(), frozenset(), self.callee_ir, self.depth + 1)
            self.facts.calls[key] = inner.run(callee, entry).get(callee.out, _BOT)
        out = self.facts.calls[key]
        return out if out == _BOT else self.canon(out)


def _literal(e: ast.expr | None):
    """A slice bound: None, a literal int (``-1`` too), else bottom."""
    if e is None:
        return None
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
        inner = _literal(e.operand)
        return -inner if isinstance(inner, int) else _BOT
    return e.value if isinstance(e, ast.Constant) and type(e.value) is int else _BOT
