"""Codegen: generated ``ast`` in, readable source and live functions out.

Contract: the generated functions read the user's globals, closure cells and
builtins when they run, exactly as the user's function does: they share its
``__globals__`` and its closure cells. What the transformation adds (runtime
helpers, rule tables, primitives, default values, and the generated functions
of other user functions, linked once they exist, which makes recursion work)
is held by :class:`Linker` as closure cells of their own, under names from the
:class:`Namer`. :func:`compile_module` unparses the definitions, turns comment
markers into ``#`` comments, registers the text with ``linecache`` under a
unique filename (so tracebacks and pdb show generated lines), and makes the
functions. :func:`parameters` gives a generated function the user's signature
(defaults and keyword-only parameters included). The small ``ast`` builders at
the top are what the transform passes write code with.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import linecache
import re
import types
import weakref
from typing import Any

from adcompare.engine import engine_made
from adcompare.engines.sct import ir, located, naming
from adcompare.engines.sct.emit import accumulate, joint, runtime, symbolic, templates
from adcompare.engines.sct.errors import LIFTED
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


def parameters(fn, linker: Linker, dots: dict[int, str] | None = None) -> ast.arguments:
    """The user's signature for a generated function of ``fn`` (an ``ir.Function``): its
    positional parameters, each differentiated one followed by its tangent (``dots``, by
    position), its keyword-only ones, and the defaults of those the caller may leave out."""
    dots = dots or {}
    positional: list[ast.arg] = []
    for k, name in enumerate(fn.params[:fn.npos]):
        positional.append(ast.arg(name))
        if k in dots:
            positional.append(ast.arg(dots[k]))
    split = fn.posonly + sum(1 for k in dots if k < fn.posonly)

    def default(name: str) -> ast.expr:
        return load(linker.bind(("default", name), f"{name}_default", fn.defaults[name]))

    defaults = []
    if not fn.spread:  # the parameters after the last differentiated one may be left out
        for name in reversed(fn.params[max(dots, default=-1) + 1:fn.npos]):
            if name not in fn.defaults:
                break
            defaults.insert(0, default(name))
    kwonly = fn.params[fn.npos:]
    kw_defaults = [default(n) if n in fn.defaults else None for n in kwonly]
    return ast.arguments(positional[:split], positional[split:], None, [ast.arg(n) for n in kwonly],
                         kw_defaults, None, defaults)


def call_arguments(call) -> tuple[list[ast.expr], dict[str, ast.expr]]:
    """An ``ir.Call``'s arguments as a generated call passes them: (positional, keywords)."""
    positional = [ir.atom_ast(a) for a in call.args[:call.npos]]
    return positional, {k: ir.atom_ast(a) for k, a in zip(call.kw, call.args[call.npos:])}


_NUMPY_ARITHMETIC = {ast.Div: "divide", ast.Pow: "power"}
_NAMES_ARITHMETIC = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply"}


def names_arithmetic(expr: ast.expr, helper, varied: set) -> ast.expr:
    """``a + b``, ``a - b``, ``a * b`` of two names, not both ``varied`` (a varied value is a float), as a call
    of :func:`.runtime.add` ... (named by ``helper(name)``): JAX's dtype where an integer array meets a
    float32 one. Where one is varied, the call is behind the other's test for a Python float (weak in both:
    NumPy's operator, with no call, as a loop over a tuple of floats runs)."""
    if not (isinstance(expr, ast.BinOp) and type(expr.op) in _NAMES_ARITHMETIC and isinstance(expr.left, ast.Name)
            and isinstance(expr.right, ast.Name)):
        return expr
    fixed = [e for e in (expr.left, expr.right) if e.id not in varied]
    promoting = call(helper(_NAMES_ARITHMETIC[type(expr.op)]), load(expr.left.id), load(expr.right.id))  # new nodes
    if len(fixed) != 1:
        return promoting
    weak = ast.Compare(ast.Attribute(load(fixed[0].id), "__class__", ast.Load()), [ast.Is()], [load(helper("float"))])
    return ast.IfExp(weak, expr, promoting)


def numpy_arithmetic(expr: ast.expr, helper) -> ast.expr:
    """``expr`` with each ``a / b`` and ``a ** b`` a call of :func:`.runtime.divide` or
    :func:`.runtime.power` (named by ``helper(name)``): NumPy's inf and nan where Python's floats
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
    "unbroadcast", "broadcast", "materialize", "zeros", "add_bar", "item_bar", "last_bar", "drop_last",
    "getitem_bar", "unpack_bar", "shape_of", "pull", "seq_pullback", "seq_vjp", "seq_jvp", "segments", "discard",
    "divide", "power", "add", "subtract", "multiply")}
_RUNTIME["getitem_bar_into"] = accumulate.getitem_bar_into
_RUNTIME["getitem_bar_tiled"] = accumulate.getitem_bar_tiled
_RUNTIME["add_bar_into"] = accumulate.add_bar_into
_RUNTIME["pull_each"] = joint.pull_each
_RUNTIME["is_symbolic_zero"] = symbolic.is_symbolic_zero


class Linker:
    """What the generated functions close over, and the names code refers to it by.

    The generated functions read the user's globals, closure cells and builtins
    live, exactly as the user's function does (their ``__globals__`` is its
    ``__globals__``, their closure holds its cells); everything the
    transformation adds (runtime helpers, rule tables, primitives, default
    values, the generated functions of callees) is a closure cell of its own,
    under a name from the :class:`Namer`.
    """

    def __init__(self, namer: Namer, request, dynamic: dict[str, Any] | None = None):
        self.namer = namer
        self.request = request  # (function, mode, active, nargs) -> driver entry
        self.dynamic_calls = dynamic or {}  # "fwd", "bwd", "jvp": calls of a function known when it runs
        self.cells: dict[str, Any] = {}  # generated name -> value
        self._names: dict[Any, str] = {}
        self.callees: list[tuple[str, Any, str]] = []  # (local name, entry, which function)
        self.calls_unknown = False  # does the code call a function it knows only when it runs?
        self.zero_guards = False  # reverse code leaves out a symbolic zero cotangent's rules (see adjoints)

    def bind(self, key: Any, base: str, value: Any) -> str:
        if key not in self._names:
            name = self.namer.fresh(base)
            self._names[key] = name
            self.cells[name] = value
        return self._names[key]

    def constant(self, base: str, value: Any) -> str:
        """A value fixed at transformation time (a callee's default argument), under a new name."""
        return self.bind(("constant", id(value), base), base, value)

    def bound_helper(self, name: str) -> str | None:
        """The name the code already calls the helper ``name`` by, or None where it calls it nowhere yet."""
        return self._names.get(("helper", name))

    def helper(self, name: str) -> str:
        if name in _RUNTIME:
            return self.bind(("helper", name), name, _RUNTIME[name])
        if name in templates.HELPERS:
            return self.bind(("helper", name), name, templates.HELPERS[name])
        return self.bind(("helper", name), name, getattr(builtins, name))

    def rules(self, prim, kind: str) -> str:
        """``sin_vjps``: the rule table's entries for ``prim``, ``kind`` "jvps" or "vjps"; "jvps_skipping"
        is "jvps" leaving out an operand whose tangent is a symbolic zero (see :class:`.symbolic.SkippingZeros`)."""
        if kind == "jvps_skipping":
            return self.bind((prim.name, kind), f"{prim.name}_jvps", symbolic.SkippingZeros(prim, runtime.zeros))
        return self.bind((prim.name, kind), f"{prim.name}_{kind}", getattr(prim, kind))

    def primitive(self, prim) -> str:
        return self.bind((prim.name, "p"), f"{prim.name}_p", prim)

    def dynamic(self, which: str) -> str:
        """The driver's ``call_<which>``, for a call of a function the code knows only when it runs."""
        self.calls_unknown = True
        return self.bind(("dynamic", which), f"call_{which}", self.dynamic_calls[which])

    def callee(self, fn, mode: str, active: tuple[int, ...], which: str, nargs: int | None = None) -> str:
        """The local name of another function's generated ``which`` ("jvp", "fwd", "bwd")."""
        key = ("callee", fn, mode, active, nargs, which)
        if key not in self._names:
            entry = self.request(fn, mode, active, nargs)
            name = self.namer.fresh(f"{naming.ident(fn)}_{which}")
            self._names[key] = name
            self.cells[name] = None  # filled once the callee's generated code exists
            self.callees.append((name, entry, which))
        return self._names[key]


_REPEATING = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)


def repeats(defs: list[ast.FunctionDef], linker: Linker) -> bool:
    """Do the generated functions ``defs`` (linked by ``linker``) loop, or call other generated
    code (a callee's, or a function's known only when it runs), so that how many objects a call
    makes is not bounded by the code's length? Straight-line code that calls only helpers makes
    a bounded number (what the direct gradient path's cycle-collector pause depends on)."""
    if linker.callees or linker.calls_unknown:
        return True
    return any(isinstance(node, _REPEATING) for d in defs for node in ast.walk(d))


_FACTORY = "__sct_factory"
GENERATED: weakref.WeakSet = weakref.WeakSet()  # every function compile_module made


def is_generated(fn: Any) -> bool:
    """Was ``fn`` made by :func:`compile_module` (so its source is registered and it can be
    transformed again)?"""
    try:
        return fn in GENERATED
    except TypeError:
        return False


# generated file -> (function, file, first line) of the user's function it was generated from
# (through generated code transformed again), for refusals met when it runs
ORIGIN: dict[str, tuple[str, str, int]] = {}


def compile_module(defs: list[ast.FunctionDef], cells: dict[str, Any], user_fn: Any,
                   label: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Unparse ``defs``, register the text with linecache, and make the functions.

    Returns the text, the functions by name, and the closure cells by name (a
    callee's cell is filled once its generated code exists). The functions share
    ``user_fn``'s globals and closure cells, so they read what it reads, when they run.
    """
    module = ast.Module(defs, [])
    _number_statements(module)
    text = unparse(module)
    filename = f"{FILENAME_PREFIX}{label} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    user_code = user_fn.__code__
    origin = (getattr(user_fn, "__qualname__", label), user_code.co_filename, user_code.co_firstlineno)
    if user_code.co_filename in LIFTED:  # a nested function SCT lifted: the user's function, file and line
        function, user_file, lines = LIFTED[user_code.co_filename]
        origin = (function, user_file, lines.get(user_code.co_firstlineno + 1, min(lines.values(), default=0)))
    ORIGIN[filename] = ORIGIN.get(user_code.co_filename) or origin
    user_cells = dict(zip(user_code.co_freevars, user_fn.__closure__ or ()))
    names = list(cells) + [n for n in user_cells if n not in cells]
    tree = ast.parse(text, filename)  # line numbers of the text, for tracebacks
    located.record(filename, module.body, tree.body, is_comment, origin)
    made = [d.name for d in tree.body if isinstance(d, ast.FunctionDef)]
    factory = ast.FunctionDef(_FACTORY, ast.arguments([], [ast.arg(n) for n in names], None, [], [], None, []),
                              tree.body + [ast.Return(tuple_([load(n) for n in made]))], [], None, None)
    code = compile(ast.fix_missing_locations(ast.Module([factory], [])), filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    make = types.FunctionType(factory_code, user_fn.__globals__, _FACTORY)
    functions = make(*(cells[n] if n in cells else None for n in names))
    shared: dict[str, Any] = {}
    out = {}
    for name, f in zip(made, functions):
        closure = tuple(user_cells.get(v, c) if v not in cells else c
                        for v, c in zip(f.__code__.co_freevars, f.__closure__ or ()))
        g = types.FunctionType(f.__code__, f.__globals__, name, f.__defaults__, closure or None)
        g.__kwdefaults__, g.__qualname__ = f.__kwdefaults__, name
        out[name] = engine_made(g)
        GENERATED.add(g)
        shared.update((v, c) for v, c in zip(f.__code__.co_freevars, closure) if v in cells)
    return text, out, shared


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
