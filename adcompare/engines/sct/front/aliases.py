"""Aliases: the writes SCT refuses because another name may see the array or list written.

Contract: SCT writes functionally (``y[i] = v`` makes a new array, as JAX's
``.at[].set``; ``seq.append(x)`` makes a new list), so a write is correct only
where no other name holds the same object. :func:`shared_names` finds the names
that may share an array (a plain copy, an element of a display, an appended
value), :func:`parameter_written` the parameter a callee writes into (the
caller's array), and :func:`check_lists` refuses an append to a list that is not
a local list nobody else sees; each refusal names the line and a rewrite.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.asttools import statements, walk
from adcompare.engines.sct.errors import Where
from adcompare.engines.sct.front.parse import parse


def shared_names(tree: ast.FunctionDef) -> set[str]:
    """The names whose array another name in the function may hold too: both sides of a plain
    copy ``z = y``, and names put into an assigned display or appended to a list. An index write
    into one of them is refused: SCT's writes are functional. (A parameter is the caller's name:
    a call of a function that writes into one is refused at the call, see :func:`parameter_written`.)"""
    out: set[str] = set()
    for s in statements(tree.body):
        values = []
        if isinstance(s, ast.Assign):
            for t in s.targets:
                if isinstance(t, ast.Name) and isinstance(s.value, ast.Name):
                    out |= {t.id, s.value.id}
            values = [s.value]
        elif isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute) \
                and s.value.func.attr in ("append", "extend", "insert"):
            out |= {v.id for v in s.value.args if isinstance(v, ast.Name)}
        while values:
            v = values.pop()
            if isinstance(v, (ast.Tuple, ast.List, ast.Set)):
                values += v.elts
            elif isinstance(v, ast.Dict):
                values += v.values
            elif isinstance(v, ast.Name) and v is not s.value:
                out.add(v.id)
    return out


def parameter_written(fn) -> str | None:
    """The parameter of user function ``fn`` that it writes into by index (``p[i] = v``), if any."""
    try:
        tree = parse(fn).tree
    except Exception:  # no source, or refused: its own transform (if it comes) says why
        return None
    a = tree.args
    params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    for st in statements(tree.body):
        targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.AugAssign) else []
        for t in targets:
            for n in walk(t):
                if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id in params:
                    return n.value.id
    return None


def check_lists(fn: ir.Function, where: Where) -> None:
    """``seq.append`` rewrites seq as a new list: seq must be a local list nobody else sees."""
    grown = {s.value.seq: s for s in ir.walk(fn.body)
             if isinstance(s, ir.Assign) and isinstance(s.value, ir.Append)}
    for name, at in grown.items():
        defs = [s for s in ir.walk(fn.body) if name in ir.targets(s)]
        started = any(isinstance(s, ir.Assign) and isinstance(s.value, ir.Pack) and s.value.kind == "list"
                      for s in defs)  # a global or closed-over list has no display here
        if name in fn.params or not started or not all(
                isinstance(s, ir.Assign) and (isinstance(s.value, ir.Append) or (
                    isinstance(s.value, ir.Pack) and s.value.kind == "list")) for s in defs):
            raise where.refuse(f"{name}.append on a value that is not a local list", at.line,
                               "start the list in this function with a display, e.g. "
                               f"{name} = []")
        for s in ir.walk(fn.body):
            aliases = (isinstance(s, ir.Assign) and (
                (isinstance(s.value, ir.Copy) and s.value.src == name and s.target != fn.out)
                or (isinstance(s.value, ir.Pack) and name in s.value.elts)
                or (isinstance(s.value, ir.Call) and name in s.value.args)))
            if aliases:
                raise where.refuse(f"a second reference to the list {name!r}, which is "
                                        "appended to", s.line,
                                        "SCT treats append as building a new list; copy the "
                                        "elements into a tuple instead")
