"""Owned lists: the lists that forward mode may grow in place.

Contract: :func:`owned_lists` returns the local lists of a normalized function
that an ``append`` (``seq = seq + [v]`` in the IR, :class:`..ir.Append`) may
grow in place, ``seq.append(v)``, without any reader seeing a difference:
each is defined only by list displays and appends, is not a parameter, and no
other reference to it exists while it still grows. A reference is anything but
reading it as a whole in an operation (``anp.stack(seq)``), taking an element
or slice (``seq[i]``), unpacking it, or appending to it: a copy, a display or
call holding it, its use as an element, a loop over it, or any read of it in an
expression the IR keeps as written. A copy or display holding it is allowed
only at the top level of the function after its last append (the residual
tuple a reverse sweep returns its stacks in). A reverse sweep never grows in
place (it saves earlier values of the list, which must not change), so only the
forward transform asks; this makes the stacks of SCT's own reverse sweep, and
user lists, cost amortized O(1) per append instead of a copy of the list.
"""

from __future__ import annotations

from adcompare.engines.sct import ir


def _appends(block: list) -> set[str]:
    return {s.value.seq for s in ir.walk(block) if isinstance(s, ir.Assign) and isinstance(s.value, ir.Append)}


def owned_lists(fn: ir.Function) -> set[str]:
    grown = _appends(fn.body)
    bad = set(fn.params)
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign):
            v = s.value
            if s.target in grown and not (isinstance(v, ir.Append) or (isinstance(v, ir.Pack) and v.kind == "list")):
                bad.add(s.target)
            if isinstance(v, ir.Append):
                bad |= {v.elt} if ir.is_var(v.elt) else set()
            elif isinstance(v, (ir.Copy, ir.Pack)):
                pass  # judged below, by where they stand
            elif isinstance(v, ir.Op):
                bad |= set().union(*[ir.names_in(p) for p in v.params.values()])
            elif isinstance(v, ir.Index):
                bad |= ir.names_in(v.index)
            else:  # a call (it may keep its argument), or an expression kept as written
                bad |= ir.reads(v)
        elif isinstance(s, ir.Unpack):
            bad |= set(s.targets) & grown
        elif isinstance(s, ir.For):
            bad |= {s.iterable, s.target}
        elif isinstance(s, (ir.If, ir.While)):
            bad |= ir.names_in(s.test)
        elif isinstance(s, ir.Effect):
            bad |= ir.names_in(s.node)
    # copies and displays holding a list: only at the top level, after its last append
    for k, s in enumerate(fn.body):
        later = _appends(fn.body[k + 1:])
        for inner in ir.walk([s]):
            if isinstance(inner, ir.Assign) and isinstance(inner.value, (ir.Copy, ir.Pack)):
                held = ir.reads(inner.value) & grown
                bad |= held if inner is not s else held & (later | _appends([s]))
    return grown - bad
