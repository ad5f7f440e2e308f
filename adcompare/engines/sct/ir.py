"""The normalized program: A-normal form over structured control flow.

Contract: after :mod:`.front.normalize`, a function is a list of statements whose
expressions have atoms (a variable name or a literal :class:`Const`) as
operands. Every differentiable step is one :class:`Assign`; what cannot be
differentiated (comparisons, ``len``, constants, indices, parameters such as
``axis``) is kept as an ``ast`` expression, evaluated as written, and read by
name. Jumps (``break``, and ``raise``) sit last on their path, returns are
gone (the function's value is the variable ``Function.out``), and ``for``
loops run over a range object held in a variable.
"""

from __future__ import annotations

import ast
import copy
import math
from dataclasses import dataclass, field
from typing import Any

from adcompare.engines.sct.asttools import names
from adcompare.primitives import Primitive


@dataclass(frozen=True)
class Const:
    """A literal operand: a number, ``None``, a string, ``True`` ..."""

    value: Any


Atom = str | Const


def is_var(a: Atom) -> bool:
    return isinstance(a, str)


def atom_ast(a: Atom) -> ast.expr:
    if isinstance(a, str):
        return ast.Name(a, ast.Load())
    v = a.value
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.copysign(1.0, v) < 0:
        # ast.unparse prints Constant(-0.3) ** 2 as -0.3 ** 2, which is -(0.3 ** 2)
        return ast.UnaryOp(ast.USub(), ast.Constant(-v))
    return ast.Constant(v)


def names_in(node: ast.AST | None) -> set[str]:
    """The names an ``ast`` expression reads."""
    return names(node)


# --- right-hand sides --------------------------------------------------------


@dataclass
class Copy:
    src: Atom


@dataclass
class Op:
    """One primitive: ``prim(*args, **params)``, written as ``primal``."""

    prim: Primitive
    args: list[Atom]
    params: dict[str, ast.expr]  # non-differentiable, evaluated as written
    primal: ast.expr  # the operation as the user wrote it, over the atoms
    diff: tuple[bool, ...]  # which operand positions have a derivative
    seq: bool = False  # the operands are the elements of the one sequence args[0]
    receiver: str | None = None  # the name an array method was called on (x of x.reshape(2, 3)), if one


@dataclass
class Pack:
    """A tuple, list or dict display: ``(a, b)``, ``[a, b]``, ``{k: a, j: b}``."""

    elts: list[Atom]  # the elements (a dict's values)
    kind: str  # "tuple", "list" or "dict"
    keys: list[Atom] | None = None  # a dict's keys, not differentiated
    named: ast.expr | None = None  # a named tuple's class (State(a, b): the tuple (a, b) made a State)


def pack_ast(value: Pack, elts: list[ast.expr]) -> ast.expr:
    """The display ``value`` with ``elts`` in place of its elements (a dict keeps its keys, a named tuple
    its class: its tangent is one too)."""
    if value.kind == "dict":
        return ast.Dict([atom_ast(k) for k in value.keys], elts)
    if value.named is not None:
        return ast.Call(copy.deepcopy(value.named), elts, [])
    return ast.List(elts, ast.Load()) if value.kind == "list" else ast.Tuple(elts, ast.Load())


@dataclass
class Append:
    """``seq.append(elt)``, kept as the value ``seq + [elt]``."""

    seq: str
    elt: Atom


@dataclass
class Index:
    """``value[index]`` on an array (the getitem primitive) or a tuple or list."""

    value: Atom
    index: ast.expr  # the subscript as written (slices included)


@dataclass
class Call:
    """A call to another user function, transformed recursively (or a custom function)."""

    func: Any  # a plain function, or a custom function (its own rules, see :mod:`.emit.custom_callee`)
    args: list[Atom]  # bound to its parameters, in order (``*args`` spread out)
    primal: ast.expr  # the call as written, over the atoms
    checkpoint: bool = False  # ad.checkpoint: the reverse sweep recomputes func's internals
    kw: tuple[str, ...] = ()  # the keyword-only parameters the last len(kw) args are passed to
    callee: str | None = None  # a variable holding the function, known only when it runs (func None)
    shallow_copy: bool = False  # ``v.copy()``: a new object, which may hold ``v``'s items (a list's, a dict's)

    @property
    def npos(self) -> int:
        """How many of ``args`` are passed by position."""
        return len(self.args) - len(self.kw)


@dataclass
class Opaque:
    """A non-differentiable expression, evaluated as written (``len(x)``, ``i < n``)."""

    expr: ast.expr


Expr = Copy | Op | Pack | Append | Index | Call | Opaque


# --- statements ----------------------------------------------------------------


@dataclass(eq=False)
class Assign:
    target: str
    value: Expr
    line: int
    text: str  # the user's statement this step comes from, for comments


@dataclass(eq=False)
class Unpack:
    targets: list[str]
    src: Atom
    line: int
    text: str


@dataclass(eq=False)
class If:
    test: ast.expr
    body: list
    orelse: list
    line: int


@dataclass(eq=False)
class For:
    target: str
    iterable: str  # a variable holding a range object
    body: list
    line: int
    has_break: bool = False
    checkpoint: bool = False  # ad.checkpointed_range: the reverse sweep recomputes segments
    every: ast.expr | None = None  # iterations per segment, as written (None: √n)


@dataclass(eq=False)
class While:
    test: ast.expr
    body: list
    line: int
    has_break: bool = False


@dataclass(eq=False)
class Break:
    line: int


@dataclass(eq=False)
class Effect:
    """``assert``, ``raise`` or a check the normalizer adds: run in the forward sweep only."""

    node: ast.stmt
    line: int
    check: bool = False  # a run-time check that passes on traced values (see .front.aliases)


Stmt = Assign | Unpack | If | For | While | Break | Effect


@dataclass
class Function:
    """``params``: the positional parameters (``*args`` spread out into one per argument), then
    the keyword-only ones; ``defaults`` holds the default values of those that have one."""

    name: str
    params: list[str]
    body: list
    out: str  # the variable holding the return value at the end of body
    npos: int = 0  # how many of params are positional
    posonly: int = 0  # how many of those are positional-only
    defaults: dict[str, Any] = field(default_factory=dict)
    spread: bool = False  # the positional parameters end with ``*args`` spread out
    locals: set[str] = field(default_factory=set)  # parameters, assigned names, temporaries
    temps: set[str] = field(default_factory=set)  # single-use temporaries made by normalize
    extra_globals: dict[str, Any] = field(default_factory=dict)  # callees' defaults, bound at transform time


def walk(block: list):
    """Every statement of ``block``, nested blocks included, in program order."""
    for s in block:
        yield s
        if isinstance(s, If):
            yield from walk(s.body)
            yield from walk(s.orelse)
        elif isinstance(s, (For, While)):
            yield from walk(s.body)


def blocks(s) -> list:
    """The blocks a statement holds: a branch's two, a loop's body."""
    if isinstance(s, If):
        return [s.body, s.orelse]
    if isinstance(s, (For, While)):
        return [s.body]
    return []


def targets(s) -> list[str]:
    if isinstance(s, Assign):
        return [s.target]
    if isinstance(s, Unpack):
        return list(s.targets)
    if isinstance(s, For):
        return [s.target]
    return []


def reads(value: Expr) -> set[str]:
    """The variables a right-hand side reads (local or global)."""
    if isinstance(value, Copy):
        return {value.src} if is_var(value.src) else set()
    if isinstance(value, Op):
        out = {a for a in value.args if is_var(a)}
        for p in value.params.values():
            out |= names_in(p)
        return out
    if isinstance(value, Pack):
        return {a for a in value.elts + (value.keys or []) if is_var(a)}
    if isinstance(value, Append):
        return {value.seq} | ({value.elt} if is_var(value.elt) else set())
    if isinstance(value, Index):
        return ({value.value} if is_var(value.value) else set()) | names_in(value.index)
    if isinstance(value, Call):
        return {a for a in value.args if is_var(a)} | ({value.callee} if value.callee else set())
    if isinstance(value, Opaque):
        return names_in(value.expr)
    raise TypeError(value)
