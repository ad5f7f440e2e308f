"""Normalize: desugar a parsed function and put it into A-normal form (:mod:`..ir`).

The work is in four parts, each a module of its own: :mod:`.anf` (statements and
expressions into single steps), :mod:`.desugar` (loops, index writes, list operands),
:mod:`.calls` (what each call is) and :mod:`.aliases` (the writes SCT refuses because
another name may see them); :class:`Normalizer` holds their state and runs them.

Contract: :func:`normalize` returns an :class:`ir.Function` computing the same
values as the source, in which

* nested expressions are split into single steps on fresh temporaries
  (``y = 0.5 * (y + x / y)`` becomes ``_t1 = x / y``, ``_t2 = y + _t1``,
  ``y = 0.5 * _t2``); augmented, chained and tuple assignments are split too;
* jumps are last on their path (see :mod:`.jumps`);
* returns are gone: the value is left in ``Function.out``;
* ``for`` loops run over a range object in a variable (an array or tuple is
  iterated by index; ``ad.checkpointed_range(...)`` becomes ``range(...)`` on a
  loop marked ``checkpoint``; a loop variable the body assigns to is copied
  from a variable of the loop's own), and ``seq.append(x)`` becomes
  ``seq = seq + [x]``;
* conditional expressions become ``if`` statements;
* the parameters are the user's, with ``*args`` spread into one parameter per
  argument (the tuple is packed from them first) and ``**kwargs`` one parameter
  holding the dict (see :meth:`.calls.Calls.user_call`);
* builtins the normalized code calls (``range``, ``len``) go by names no user
  variable shadows.

Tests, indices and parameters such as ``axis=`` stay ``ast`` expressions,
evaluated as written. Calls are classified by :mod:`.calls`.
"""

from __future__ import annotations

import ast
import builtins
import inspect
from typing import Any

from adcompare.engine import is_engine_made
from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.aliasing import Write
from adcompare.engines.sct.analysis.dataflow import empty_sequences, list_variables
from adcompare.engines.sct.asttools import copy_tree, statements
from adcompare.engines.sct.front.aliases import check_lists, check_writes
from adcompare.engines.sct.front.anf import ANF
from adcompare.engines.sct.front.calls import Calls
from adcompare.engines.sct.front.desugar import Desugar
from adcompare.engines.sct.front.flatten import split_deep
from adcompare.engines.sct.front.jumps import (
    always_jumps,
    append_rest,
    has_return,
    located,
    lower_loop_returns,
    restructure,
)
from adcompare.engines.sct.front.parse import Parsed
from adcompare.engines.sct.naming import Namer


def normalize(parsed: Parsed, namer: Namer, nvar: int = 0) -> ir.Function:
    """``nvar``: how many arguments the function's ``*args`` receives (each becomes a parameter)."""
    return Normalizer(parsed, namer, nvar).run()


class Normalizer(ANF, Desugar, Calls):
    """One function's normalization: the state the parts share, and the steps in order."""

    def __init__(self, parsed: Parsed, namer: Namer, nvar: int):
        self.p, self.where, self.namer, self.nvar = parsed, parsed.where, namer, nvar
        self.builtins: dict[str, str] = {}
        self.out: list = []
        self.temps: set[str] = set()
        self.extra: dict = dict(parsed.extra)
        self.node: ast.stmt | None = None  # the user statement being normalized
        self.loops = 0  # how many loops enclose the statement being normalized
        self._text_of: tuple = (None, "")  # the last statement given a text, and its text
        self.writes: dict[int, list[Write]] = {}  # the writes in place, by the id of their statement
        self.call_writes: dict[int, tuple] = {}  # a call of a function writing into a parameter: (callee, args)
        self.rebuilt: set[int] = set()  # the ids of the statements rebuilding a list: seq.pop(), seq[i] = v

    def run(self) -> ir.Function:
        body = copy_tree(self.p.tree.body)
        body, cut = split_deep(body, self.namer.temp, self.where)
        self.temps |= cut
        self.p.locals |= cut
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        loops_return = any(isinstance(n, (ast.For, ast.While)) and has_return(n.body) for n in statements(body))
        if loops_return:
            out = self.namer.fresh("out")
            flag = self.namer.fresh("returned")
            start = located(ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(False)), self.p.tree)
            body = [start] + lower_loop_returns(body, False, out, flag)
        body = restructure(body)
        if not always_jumps(body):
            body = append_rest(body, [located(ast.Return(None), body[-1] if body else self.p.tree)])
        if not loops_return:
            out = self._output_name(body)
        if not any(isinstance(n, ast.Return) for n in statements(body)):  # it always raises: out is never set
            body = [located(ast.Assign([ast.Name(out, ast.Store())], ast.Constant(None)), self.p.tree)] + body
        self.out_var = out
        fn = self.signature()
        ir_body = self.spread_args(fn) + self.block(body)
        ir_body = self.pack_lists(ir_body, list_variables(ir_body) - empty_sequences(ir_body))
        fn.body, fn.out = ir_body, out
        fn.locals = set(self.p.locals) | {out} | {t for s in ir.walk(ir_body) for t in ir.targets(s)}
        fn.temps = self.temps
        fn.extra_globals = self.extra
        if not self.p.generated:
            check_lists(fn, self.where, self.rebuilt)
            self.calls_writing(fn.body)
            check_writes(fn, self.writes, self.where, self.p.resolve, self.bound, self.namer.temporaries)
        return fn

    def write(self, kind: str, name: str) -> None:
        """The statement just emitted writes into ``name`` in place (see :mod:`.aliases`)."""
        self.writes.setdefault(id(self.out[-1]), []).append(Write(kind, name, self.line()))

    def calls_writing(self, block: list) -> None:
        """The calls of functions that write into a parameter in place, as writes into the arguments."""
        for s in ir.walk(block):
            if isinstance(s, ir.Assign) and id(s.value) in self.call_writes:
                callee, args = self.call_writes[id(s.value)]
                self.writes.setdefault(id(s), []).extend(Write("call", a, s.line, callee) for a in args)

    def signature(self) -> ir.Function:
        """The parameters: positional ones, ``*args`` spread out, keyword-only ones; defaults."""
        args, fun = self.p.tree.args, self.p.fn
        named = [a.arg for a in args.posonlyargs + args.args]
        spread = [self.namer.fresh(f"{args.vararg.arg}_{i}") for i in range(self.nvar)] if args.vararg else []
        kwonly = [a.arg for a in args.kwonlyargs]
        defaults = dict(zip(named[len(named) - len(fun.__defaults__ or ()):], fun.__defaults__ or ()))
        defaults.update(fun.__kwdefaults__ or {})
        last = [args.kwarg.arg] if args.kwarg and not args.vararg else []
        if args.kwarg:  # **kwargs: one parameter, the dict, the last positional one (keyword-only after *args)
            kwonly += [] if last else [args.kwarg.arg]
            defaults[args.kwarg.arg] = {}
        return ir.Function(self.p.tree.name, named + spread + last + kwonly, [], "",
                           len(named) + len(spread) + len(last), len(args.posonlyargs), defaults, bool(spread))

    def spread_args(self, fn: ir.Function) -> list:
        """``args = (args_0, args_1)``: the tuple ``*args`` from the parameters it was spread into."""
        vararg = self.p.tree.args.vararg
        if vararg is None:
            return []
        spread = fn.params[fn.npos - self.nvar:fn.npos]
        return [ir.Assign(vararg.arg, ir.Pack(spread, "tuple"), self.where.line(self.p.tree), f"*{vararg.arg}")]

    def builtin(self, name: str) -> ast.Name:
        """A builtin the normalized code calls, under a name no user variable shadows."""
        if name not in self.builtins:
            self.builtins[name] = self.namer.fresh(name)
            self.extra[self.builtins[name]] = getattr(builtins, name)
        return ast.Name(self.builtins[name], ast.Load())

    def bound(self, base: str, value) -> str:
        """A name in the generated code's globals for ``value`` (a primitive, a builtin)."""
        for name, have in self.extra.items():
            if have is value:
                return name
        name = self.namer.fresh(base)
        self.extra[name] = value
        return name

    def _output_name(self, body: list) -> str:
        returns = [n for n in statements(body) if isinstance(n, ast.Return)]
        names = {r.value.id for r in returns if isinstance(r.value, ast.Name)}
        if len(names) == 1 and all(isinstance(r.value, ast.Name) for r in returns) \
                and next(iter(names)) in self.p.locals:
            return names.pop()
        return self.namer.fresh("out")


def var_keywords(fn: Any, kwargs: dict) -> dict:
    """Keywords as ``fn``'s generated code takes them: those for a ``**kw`` parameter packed into one
    dict, passed as ``kw`` (a parameter of that name: the last positional one, or keyword-only after
    ``*args``: :meth:`Normalizer.signature`). A positional-only parameter's name is a key like any other
    (``def f(a, /, **kw)``, ``f(1, a=2)``: ``kw == {'a': 2}``). An engine's own function takes them as Python does."""
    code = getattr(fn, "__code__", None)
    if code is None or not code.co_flags & inspect.CO_VARKEYWORDS or is_engine_made(fn):
        return kwargs
    named = code.co_argcount + code.co_kwonlyargcount
    extra = code.co_varnames[named + bool(code.co_flags & inspect.CO_VARARGS)]
    names = set(code.co_varnames[code.co_posonlyargcount:named])
    packed = {k: v for k, v in kwargs.items() if k not in names}
    return {**{k: v for k, v in kwargs.items() if k in names}, extra: packed}
