"""Codegen: generated ``ast`` in, readable source and live functions out.

Contract: :class:`Linker` owns the generated module's namespace: the globals
and closure values the user's function reads (resolved now, read-only), the
runtime helpers, rule tables and primitives the derivative code calls, and
the generated functions of other user functions it calls (linked once they
exist, which makes recursion work). :func:`compile_module` unparses the
module, turns comment markers into ``#`` comments, registers the text with
``linecache`` under a unique filename (so tracebacks and pdb show generated
lines), and executes it in that namespace. The small ``ast`` builders at the
top are what the transform passes write code with.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import linecache
import re
from typing import Any

from adcompare.engines.sct import runtime, templates
from adcompare.engines.sct.naming import Namer

_COMMENT = "__sct_comment__"
FILENAME_PREFIX = "<sct "
_serial = itertools.count(1)

# --- ast builders ------------------------------------------------------------


def load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def store(name: str) -> ast.Name:
    return ast.Name(name, ast.Store())


def const(value: Any) -> ast.Constant:
    return ast.Constant(value)


def assign(target: str | list[str], value: ast.expr) -> ast.Assign:
    if isinstance(target, str):
        return ast.Assign([store(target)], value)
    return ast.Assign([ast.Tuple([store(t) for t in target], ast.Store())], value)


def call(func: str | ast.expr, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    func = load(func) if isinstance(func, str) else func
    return ast.Call(func, list(args), [ast.keyword(k, v) for k, v in kwargs.items()])


def add(a: ast.expr, b: ast.expr) -> ast.expr:
    return ast.BinOp(a, ast.Add(), b)


def tuple_(elts: list[ast.expr]) -> ast.Tuple:
    return ast.Tuple(elts, ast.Load())


def comment(text: str) -> ast.Expr:
    return ast.Expr(ast.Constant(_COMMENT + text))


def is_comment(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str) and stmt.value.value.startswith(_COMMENT))


def body(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """A block Python accepts: ``pass`` if it holds only comments, or nothing."""
    return stmts if any(not is_comment(s) for s in stmts) else stmts + [ast.Pass()]


def index_value(index: ast.expr, slice_name: str = "slice") -> ast.expr:
    """A subscript as a value: ``x[1:, j]`` indexes with ``(slice(1, None), j)``."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        return call(slice_name, *[p if p is not None else const(None) for p in parts])
    if isinstance(index, ast.Tuple):
        return tuple_([index_value(e, slice_name) for e in index.elts])
    return index


_NUMPY_ARITHMETIC = {ast.Div: "divide", ast.Pow: "power"}


def numpy_arithmetic(expr: ast.expr, helper) -> ast.expr:
    """``expr`` with each ``a / b`` and ``a ** b`` a call of :func:`runtime.divide` or
    :func:`runtime.power` (named by ``helper(name)``): NumPy's inf and nan where Python's floats
    would raise or turn complex. Rewrites in place; returns the new root."""
    def convert(node: ast.AST) -> ast.AST:
        if isinstance(node, ast.BinOp) and type(node.op) in _NUMPY_ARITHMETIC:
            return call(helper(_NUMPY_ARITHMETIC[type(node.op)]), node.left, node.right)
        return node

    root = convert(expr)
    todo = [root]
    while todo:
        fields = todo.pop().__dict__
        for name, value in fields.items():  # values are replaced, keys stay
            if isinstance(value, ast.AST):
                fields[name] = convert(value)
                todo.append(fields[name])
            elif type(value) is list:
                fields[name] = [convert(v) if isinstance(v, ast.AST) else v for v in value]
                todo += [v for v in fields[name] if isinstance(v, ast.AST)]
    return root


# --- namespace ------------------------------------------------------------------

_RUNTIME = {name: getattr(runtime, name) for name in (
    "unbroadcast", "broadcast", "materialize", "zeros", "add_bar", "item_bar", "last_bar",
    "drop_last", "getitem_bar", "unpack_bar", "seq_vjp", "seq_jvp", "segments", "discard", "divide", "power")}


class Linker:
    """The generated module's namespace, and the names code refers to it by."""

    def __init__(self, namer: Namer, request):
        self.namer = namer
        self.request = request  # (function, mode, active) -> driver entry
        self.namespace: dict[str, Any] = {"__builtins__": builtins}
        self._names: dict[Any, str] = {}
        self.callees: list[tuple[str, Any, str]] = []  # (local name, entry, which function)

    def bind(self, key: Any, base: str, value: Any) -> str:
        if key not in self._names:
            name = self.namer.fresh(base)
            self._names[key] = name
            self.namespace[name] = value
        return self._names[key]

    def user(self, name: str, value: Any) -> None:
        """A global or closure value the user's code reads, under its own name."""
        self.namespace[name] = value

    def helper(self, name: str) -> str:
        if name in _RUNTIME:
            return self.bind(("helper", name), name, _RUNTIME[name])
        if name in templates.HELPERS:
            return self.bind(("helper", name), name, templates.HELPERS[name])
        return self.bind(("helper", name), name, getattr(builtins, name))

    def rules(self, prim, kind: str) -> str:
        """``sin_vjps``: the rule table's entries for ``prim``, ``kind`` "jvps" or "vjps"."""
        return self.bind((prim.name, kind), f"{prim.name}_{kind}", getattr(prim, kind))

    def primitive(self, prim) -> str:
        return self.bind((prim.name, "p"), f"{prim.name}_p", prim)

    def callee(self, fn, mode: str, active: tuple[int, ...], which: str) -> str:
        """The local name of another function's generated ``which`` ("jvp", "fwd", "bwd")."""
        key = ("callee", fn, mode, active, which)
        if key not in self._names:
            entry = self.request(fn, mode, active)
            name = self.namer.fresh(f"{fn.__name__}_{which}")
            self._names[key] = name
            self.callees.append((name, entry, which))
        return self._names[key]


def compile_module(module: ast.Module, namespace: dict, label: str) -> str:
    """Unparse, register with linecache, and execute ``module`` in ``namespace``; returns the text."""
    _number_statements(module)
    text = unparse(module)
    filename = f"{FILENAME_PREFIX}{label} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    exec(compile(text, filename, "exec"), namespace)
    return text


def _number_statements(module: ast.Module) -> None:
    """Give every statement a line number, which ``ast.unparse`` reads (expressions need none)."""
    todo = list(module.body)
    while todo:
        s = todo.pop()
        if not hasattr(s, "lineno"):
            s.lineno = 1
        todo += getattr(s, "body", []) + getattr(s, "orelse", [])


_COMMENT_LINE = re.compile(r"^(\s*)((['\"]).*)$")


def unparse(module: ast.Module) -> str:
    lines = []
    for line in ast.unparse(module).splitlines():
        m = _COMMENT_LINE.match(line)
        if m and _COMMENT in line:
            try:
                value = ast.literal_eval(m.group(2))
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, str) and value.startswith(_COMMENT):
                line = f"{m.group(1)}# {value[len(_COMMENT):]}"
        lines.append(line)
    return "\n".join(lines) + "\n"
