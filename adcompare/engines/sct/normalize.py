"""Normalize: desugar a parsed function and put it into A-normal form (:mod:`ir`).

Contract: :func:`normalize` returns an :class:`ir.Function` computing the same
values as the source, in which

* nested expressions are split into single steps on fresh temporaries
  (``y = 0.5 * (y + x / y)`` becomes ``_t1 = x / y``, ``_t2 = y + _t1``,
  ``y = 0.5 * _t2``); augmented, chained and tuple assignments are split too;
* jumps are last on their path (see :mod:`jumps`);
* returns are gone: the value is left in ``Function.out``;
* ``for`` loops run over a range object in a variable (an array or tuple is
  iterated by index; ``ad.checkpointed_range(...)`` becomes ``range(...)`` on a
  loop marked ``checkpoint``; a loop variable the body assigns to is copied
  from a variable of the loop's own), and ``seq.append(x)`` becomes
  ``seq = seq + [x]``;
* conditional expressions become ``if`` statements;
* the parameters are the user's, with ``*args`` spread into one parameter per
  argument (the tuple is packed from them first);
* builtins the normalized code calls (``range``, ``len``) go by names no user
  variable shadows.

Tests, indices and parameters such as ``axis=`` stay ``ast`` expressions,
evaluated as written. Calls are classified here: vocabulary (an ``ir.Op``),
other user functions (``ir.Call``, arguments bound to parameters, defaults
filled in; ``functools.partial`` objects and ``partial(f, a)(x)`` as calls of
``f``, ``ad.checkpoint(f)(x)`` as a checkpointed call), and everything else,
library functions such as ``np.ones`` included (``ir.Opaque``, whose use on
differentiated values :mod:`activity` refuses). A call of a function known only
when the code runs (a local variable, ``fs[0](x)``, ``make(a)(x)``) is an
``ir.Call`` with a ``callee`` variable: the driver transforms the function it
holds when it is called (:func:`transform.call_fwd`).
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect

from adcompare.custom import Checkpointed, CustomFunction, checkpoint, checkpointed_range
from adcompare.engines.sct import codegen as cg
from adcompare.engines.sct import ir, naming, runtime
from adcompare.engines.sct.activity import list_variables
from adcompare.engines.sct.flatten import copy_tree, split_deep, statements, walk
from adcompare.engines.sct.jumps import (
    always_jumps,
    append_rest,
    has_return,
    located,
    loop_has_break,
    lower_loop_returns,
    restructure,
)
from adcompare.engines.sct.naming import Namer
from adcompare.engines.sct.parse import METHODS, MISSING, Parsed, classify, has_source, is_user_function, parse
from adcompare.primitives import index_update_p, stack_p

_ARITH = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
          ast.Pow: "power", ast.MatMult: "matmul"}


def normalize(parsed: Parsed, namer: Namer, nvar: int = 0) -> ir.Function:
    """``nvar``: how many arguments the function's ``*args`` receives (each becomes a parameter)."""
    return _Normalizer(parsed, namer, nvar).run()


def _text(node: ast.stmt) -> str:
    """The first line of a statement as written, for comments (shallow after :mod:`flatten`)."""
    if isinstance(node, (ast.If, ast.While)):
        head = f"{type(node).__name__.lower()} {ast.unparse(node.test)}:"
    elif isinstance(node, ast.For):
        head = f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}:"
    else:
        head = ast.unparse(node)
    first = head.splitlines()[0] if head else ""
    return first if len(first) <= 90 else first[:87] + "..."


# --------------------------------------------------------------------------
# A-normal form


def _shared_names(tree: ast.FunctionDef) -> set[str]:
    """The names whose array another name in the function may hold too: both sides of a plain
    copy ``z = y``, and names put into an assigned display or appended to a list. An index write
    into one of them is refused: SCT's writes are functional. (A parameter is the caller's name:
    a call of a function that writes into one is refused at the call, see :func:`_parameter_written`.)"""
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


def _parameter_written(fn) -> str | None:
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


class _Normalizer:
    def __init__(self, parsed: Parsed, namer: Namer, nvar: int):
        self.p, self.where, self.namer, self.nvar = parsed, parsed.where, namer, nvar
        self.builtins: dict[str, str] = {}
        self.out: list = []
        self.temps: set[str] = set()
        self.extra: dict = {}
        self.node: ast.stmt | None = None  # the user statement being normalized
        self.loops = 0  # how many loops enclose the statement being normalized
        self._text_of: tuple = (None, "")  # the last statement given a text, and its text
        self.shared: set[str] | None = None  # names another name may share an array with, once needed

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
        self.out_var = out
        fn = self.signature()
        ir_body = self.spread_args(fn) + self.block(body)
        ir_body = self._pack_lists(ir_body, list_variables(ir_body))
        fn.body, fn.out = ir_body, out
        fn.locals = set(self.p.locals) | {out} | {t for s in ir.walk(ir_body) for t in ir.targets(s)}
        fn.temps = self.temps
        fn.extra_globals = self.extra
        self._check_lists(fn)
        return fn

    def signature(self) -> ir.Function:
        """The parameters: positional ones, ``*args`` spread out, keyword-only ones; defaults."""
        args, fun = self.p.tree.args, self.p.fn
        named = [a.arg for a in args.posonlyargs + args.args]
        spread = [self.namer.fresh(f"{args.vararg.arg}_{i}") for i in range(self.nvar)] if args.vararg else []
        kwonly = [a.arg for a in args.kwonlyargs]
        defaults = dict(zip(named[len(named) - len(fun.__defaults__ or ()):], fun.__defaults__ or ()))
        defaults.update(fun.__kwdefaults__ or {})
        return ir.Function(self.p.tree.name, named + spread + kwonly, [], "", len(named) + len(spread),
                           len(args.posonlyargs), defaults, bool(spread))

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

    def _output_name(self, body: list) -> str:
        returns = [n for n in statements(body) if isinstance(n, ast.Return)]
        names = {r.value.id for r in returns if isinstance(r.value, ast.Name)}
        if len(names) == 1 and all(isinstance(r.value, ast.Name) for r in returns) \
                and next(iter(names)) in self.p.locals:
            return names.pop()
        return self.namer.fresh("out")

    # --- statements ---------------------------------------------------------

    def block(self, stmts: list) -> list:
        saved, self.out = self.out, []
        for s in stmts:
            self.stmt(s)
        result, self.out = self.out, saved
        return result

    def emit(self, s) -> None:
        self.out.append(s)

    def line(self) -> int:
        return self.where.line(self.node)

    def text(self, node: ast.stmt) -> str:
        """``_text(node)``, once per statement (a long one makes many steps)."""
        if self._text_of[0] is not node:
            self._text_of = (node, _text(node))
        return self._text_of[1]

    def stmt(self, s: ast.stmt) -> None:
        self.node = s
        if isinstance(s, ast.Assign):
            if len(s.targets) == 1:
                self.assign_to(s.targets[0], s.value)
            else:
                value = ir.atom_ast(self.atom(s.value))
                for target in s.targets:
                    self.assign_to(target, value)
        elif isinstance(s, ast.AugAssign):
            if isinstance(s.target, ast.Subscript):  # y[i] += v reads y[i], then writes it
                load = ast.Subscript(ast.Name(s.target.value.id, ast.Load()), copy_tree(s.target.slice), ast.Load())
            else:
                load = ast.Name(s.target.id, ast.Load())
            self.assign_to(s.target, ast.copy_location(ast.BinOp(load, s.op, s.value), s))
        elif isinstance(s, ast.AnnAssign):
            self.assign_to(s.target, s.value)
        elif isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Call):  # seq.append(x), the one call statement the fence lets by
                seq = s.value.func.value.id
                elt = self.atom(s.value.args[0])
                self.emit(ir.Assign(seq, ir.Append(seq, elt), self.line(), self.text(s)))
        elif isinstance(s, ast.If):
            self.emit(ir.If(s.test, self.block(s.body), self.block(s.orelse), self.where.line(s)))
        elif isinstance(s, ast.For):
            self.for_stmt(s)
        elif isinstance(s, ast.While):
            self.loops += 1
            body = self.block(s.body)
            self.loops -= 1
            self.emit(ir.While(s.test, body, self.where.line(s), loop_has_break(s.body)))
        elif isinstance(s, ast.Break):
            self.emit(ir.Break(self.line()))
        elif isinstance(s, ast.Return):
            value = s.value if s.value is not None else ast.Constant(None)
            if not (isinstance(value, ast.Name) and value.id == self.out_var):
                self.assign_to(ast.Name(self.out_var, ast.Store()), value)
        elif isinstance(s, (ast.Assert, ast.Raise)):
            self.emit(ir.Effect(s, self.line()))
        elif isinstance(s, ast.Pass):
            pass
        else:  # the fence lets nothing else through
            raise self.where.refuse(f"the statement {type(s).__name__}", s, "rewrite it")

    def for_stmt(self, s: ast.For) -> None:
        target, it = s.target.id, s.iter
        rng = self.namer.numbered("_range")
        checkpointed, every = False, None
        if isinstance(it, ast.Call) and self.p.resolve(it.func) is checkpointed_range:
            if self.loops or loop_has_break(s.body):
                raise self.where.refuse("checkpointed_range on a loop inside another loop or with break", s,
                                        "checkpoint the outermost loop, and leave it without break")
            every = next((k.value for k in it.keywords if k.arg == "every"), None)
            it = ast.copy_location(ast.Call(self.builtin("range"), it.args, []), it)
            checkpointed = True
        if isinstance(it, ast.Call) and (checkpointed or self.p.resolve(it.func) is builtins.range):
            self.emit(ir.Assign(rng, ir.Opaque(it), self.line(), self.text(s)))
            head = self.loop_head(s)
        elif (isinstance(it, ast.Call) and self.p.resolve(it.func) is builtins.reversed
              and len(it.args) == 1 and isinstance(it.args[0], ast.Call)
              and self.p.resolve(it.args[0].func) is builtins.range):
            backwards = ast.Subscript(it.args[0], ast.Slice(None, None, ast.Constant(-1)), ast.Load())
            self.emit(ir.Assign(rng, ir.Opaque(backwards), self.line(), self.text(s)))
            head = self.loop_head(s)
        elif isinstance(it, ast.Call) and classify(self.p.resolve(it.func)) is None \
                and not is_user_function(self.p.resolve(it.func)):
            raise self.where.refuse(f"iterating over {ast.unparse(it.func)}(...)", s,
                                    "iterate over range(...) or over an array, and index")
        else:  # the first axis of an array (or the items of a tuple or list), by index
            seq = self.atom(it)
            self.emit(self.sequence_check(seq, s))
            index = self.namer.fresh(f"{target}_index")
            length = ast.Call(self.builtin("len"), [ir.atom_ast(seq)], [])
            self.emit(ir.Assign(rng, ir.Opaque(ast.Call(self.builtin("range"), [length], [])),
                                self.line(), self.text(s)))
            head = [ir.Assign(target, ir.Index(seq, ast.Name(index, ast.Load())), self.line(), self.text(s))]
            target = index
        self.loops += 1
        body = head + self.block(s.body)
        self.loops -= 1
        if head and isinstance(head[0].value, ir.Copy):
            target = head[0].value.src
        self.emit(ir.For(target, rng, body, self.where.line(s), loop_has_break(s.body), checkpointed, every))

    def loop_head(self, s: ast.For) -> list:
        """A loop variable the body assigns to runs over a variable of its own, copied at the
        start of each iteration: the reverse sweep's loop then restores only its own variable."""
        target = s.target.id
        if not any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == target
                   for st in s.body for n in ast.walk(st)):
            return []
        own = self.namer.fresh(f"{target}_iter")
        return [ir.Assign(target, ir.Copy(own), self.where.line(s), _text(s))]

    def sequence_check(self, seq: ir.Atom, loop: ast.For) -> ir.Effect:
        """A check, run before the loop, that ``seq`` is indexed by position (a dict is not)."""
        name = self.namer.fresh("check_sequence")
        self.extra[name] = functools.partial(runtime.check_sequence, function=self.where.function,
                                             filename=self.where.filename, line=self.where.line(loop))
        return ir.Effect(ast.Expr(ast.Call(ast.Name(name, ast.Load()), [ir.atom_ast(seq)], [])), self.line())

    def assign_to(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, ast.IfExp):
                self.if_exp(target.id, value)
            else:
                self.emit(ir.Assign(target.id, self.value(value), self.line(), self.text(self.node)))
            return
        if isinstance(target, ast.Subscript):
            self.write_into(target, value)
            return
        names = [n.id for t in target.elts for n in walk(t) if isinstance(n, ast.Name)]
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) \
                and not (set(names) & {n.id for e in value.elts for n in walk(e)
                                       if isinstance(n, ast.Name)}):
            for t, v in zip(target.elts, value.elts):
                self.assign_to(t, v)
            return
        src = self.atom(value)
        outs = []
        for t in target.elts:
            if isinstance(t, ast.Name):
                outs.append(t.id)
            else:
                outs.append(self.namer.temp())
        self.emit(ir.Unpack(outs, src, self.line(), self.text(self.node)))
        for t, name in zip(target.elts, outs):
            if not isinstance(t, ast.Name):
                self.assign_to(t, ast.Name(name, ast.Load()))

    def write_into(self, target: ast.Subscript, value: ast.expr) -> None:
        """``y[idx] = v`` becomes ``y = index_update(y, v, idx=idx)``: a new array, as JAX's
        ``y.at[idx].set(v)`` (the rules are index_update_p's)."""
        name = target.value.id
        if name not in self.p.locals:
            raise self.where.refuse(f"a write into {name}[...], and {name} is not a local variable", target,
                                    f"copy it into a local variable first (y = {name} * 1.0) and write into that")
        if self.shared is None:
            self.shared = _shared_names(self.p.tree)
        if name in self.shared:
            raise self.where.refuse(
                f"a write into {name}[...], and another name may hold the same array (a plain copy z = y, "
                f"or an element of a tuple, list or dict); SCT writes functionally, as "
                f"JAX's .at[].set, so the other name would not see the write", target,
                f"write into a fresh array instead: y = {name} * 1.0, then y[...] = v")
        v = self.atom(value)
        idx = cg.index_value(copy_tree(target.slice), self.bound("slice", builtins.slice))
        update = self.bound("index_update", index_update_p)
        primal = ast.Call(ast.Name(update, ast.Load()), [ast.Name(name, ast.Load()), ir.atom_ast(v)],
                          [ast.keyword("idx", idx)])
        self.emit(ir.Assign(name, self.op("index_update", [name, v], {"idx": idx}, primal), self.line(),
                            self.text(self.node)))

    def bound(self, base: str, value) -> str:
        """A name in the generated code's globals for ``value`` (a primitive, a builtin)."""
        for name, have in self.extra.items():
            if have is value:
                return name
        name = self.namer.fresh(base)
        self.extra[name] = value
        return name

    def if_exp(self, target: str, node: ast.IfExp) -> None:
        body = self.block_of(lambda: self.assign_to(ast.Name(target, ast.Store()), node.body))
        orelse = self.block_of(lambda: self.assign_to(ast.Name(target, ast.Store()), node.orelse))
        self.emit(ir.If(node.test, body, orelse, self.line()))

    def block_of(self, make) -> list:
        saved, self.out = self.out, []
        make()
        result, self.out = self.out, saved
        return result

    # --- expressions ----------------------------------------------------------

    def atom(self, node: ast.expr) -> ir.Atom:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Constant):
            return ir.Const(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
            return ir.Const(-node.operand.value)
        if isinstance(node, ast.IfExp):
            t = self.namer.temp()
            self.if_exp(t, node)
            return t
        value = self.value(node)
        t = self.namer.temp()
        self.temps.add(t)
        self.emit(ir.Assign(t, value, self.line(), self.text(self.node)))
        return t

    def value(self, node: ast.expr) -> ir.Expr:
        if isinstance(node, (ast.Name, ast.Constant)):
            return ir.Copy(self.atom(node))
        if isinstance(node, ast.BinOp):
            name = _ARITH.get(type(node.op))
            if name is None:
                return ir.Opaque(node)
            a, b = self.atom(node.left), self.atom(node.right)
            primal = ast.BinOp(ir.atom_ast(a), node.op, ir.atom_ast(b))
            return self.op(name, [a, b], {}, primal)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                a = self.atom(node.operand)
                if isinstance(a, ir.Const) and isinstance(a.value, (int, float)):
                    return ir.Copy(ir.Const(-a.value))
                return self.op("negative", [a], {}, ast.UnaryOp(ast.USub(), ir.atom_ast(a)))
            if isinstance(node.op, ast.UAdd):
                return ir.Copy(self.atom(node.operand))
            return ir.Opaque(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            return ir.Index(self.atom(node.value), node.slice)
        if isinstance(node, (ast.Tuple, ast.List)):
            return ir.Pack([self.atom(e) for e in node.elts], "list" if isinstance(node, ast.List) else "tuple")
        if isinstance(node, ast.Dict):
            keys, values = [], []
            for k, v in zip(node.keys, node.values):
                keys.append(self.atom(k))
                values.append(self.atom(v))
            return ir.Pack(values, "dict", keys)
        if isinstance(node, ast.IfExp):
            return ir.Copy(self.atom(node))
        if isinstance(node, ast.Attribute) and node.attr == "T" and self.p.resolve(node.value) is MISSING:
            x = self.atom(node.value)
            return self.op("transpose", [x], {}, ast.Attribute(ir.atom_ast(x), "T", ast.Load()))
        return ir.Opaque(node)

    def op(self, name: str, args: list, params: dict, primal: ast.expr, seq: bool = False) -> ir.Op:
        from adcompare.primitives import PRIMITIVES

        prim = PRIMITIVES[name]
        n = len(args)
        diff = tuple(prim.vjps is None or seq or prim.vjps[i] is not None for i in range(n))
        return ir.Op(prim, args, params, primal, diff, seq)

    def call(self, node: ast.Call) -> ir.Expr:
        func = node.func
        if isinstance(func, ast.Call):
            return self.call_of_call(node)
        if not isinstance(func, (ast.Name, ast.Attribute)):  # fs[0](x): known when it runs
            return self.dynamic_call(node, self.atom(func))
        if isinstance(func, ast.Attribute) and self.p.resolve(func.value) is MISSING:
            return self.method(node)  # a method of a value (not of a module)
        obj = self.p.resolve(func)
        if obj is MISSING:
            if isinstance(func, ast.Name) and func.id in self.p.locals:
                return self.dynamic_call(node, func.id)
            raise self.where.refuse(f"a call of {ast.unparse(func)!r}, which is not defined", node,
                                    "define it at module level before differentiating")
        return self.dispatch(node, obj)

    def dispatch(self, node: ast.Call, obj) -> ir.Expr:
        """The call ``node`` of the object ``obj``, by what ``obj`` is."""
        if isinstance(obj, functools.partial):
            return self.partial_call(node, obj)
        if isinstance(obj, CustomFunction):
            return self.custom_call(node, obj)
        vocab = classify(obj)
        if vocab is not None:
            return self.vocab_call(node, vocab, obj) if vocab.kind == "op" else ir.Opaque(node)
        if is_user_function(obj):
            return self.user_call(node, obj)
        return ir.Opaque(node)

    def call_of_call(self, node: ast.Call) -> ir.Expr:
        """``functools.partial(f, a)(x)`` is ``f(a, x)``, and ``ad.checkpoint(f)(x)`` a checkpointed
        call of ``f``: calls of a call result whose function is known before running."""
        inner = node.func
        wrapper = self.p.resolve(inner.func)
        target = inner.args[0] if inner.args else None
        fn = self.p.resolve(target) if target is not None else MISSING
        if fn is not MISSING and wrapper is functools.partial:
            keywords = {k.arg: k for k in inner.keywords}
            keywords.update({k.arg: k for k in node.keywords})
            merged = ast.copy_location(ast.Call(target, inner.args[1:] + node.args, list(keywords.values())), node)
            return self.dispatch(merged, fn)
        if fn is not MISSING and wrapper is checkpoint:
            merged = ast.copy_location(ast.Call(target, node.args, node.keywords), node)
            if is_user_function(fn) and has_source(fn):
                call = self.user_call(merged, fn)
                call.checkpoint = True
                return call
            return self.dispatch(merged, fn)  # no internals to keep
        callee = self.namer.temp()
        self.emit(ir.Assign(callee, ir.Opaque(inner), self.line(), _text(self.node)))
        return self.dynamic_call(node, callee)

    def dynamic_call(self, node: ast.Call, callee: str) -> ir.Call:
        """A call of the function in the variable ``callee``, which the code knows only when it
        runs: positional arguments are differentiated, keyword arguments are not."""
        args = [self.atom(a) for a in node.args]
        kw = tuple(k.arg for k in node.keywords)
        args += [self.atom(k.value) for k in node.keywords]
        primal = ast.Call(ast.Name(callee, ast.Load()), [ir.atom_ast(a) for a in args[:len(node.args)]],
                          [ast.keyword(k, ir.atom_ast(a)) for k, a in zip(kw, args[len(node.args):])])
        return ir.Call(None, args, primal, kw=kw, callee=callee)

    def partial_call(self, node: ast.Call, obj: functools.partial) -> ir.Expr:
        """A call of a ``functools.partial`` object: a call of its function, its arguments first."""
        args = [self.constant("partial_arg", a) for a in obj.args]
        keywords = {k: ast.keyword(k, self.constant("partial_arg", v)) for k, v in obj.keywords.items()}
        keywords.update({k.arg: k for k in node.keywords})
        merged = ast.Call(self.constant(naming.ident(obj.func), obj.func), args + node.args, list(keywords.values()))
        return self.dispatch(ast.copy_location(merged, node), obj.func)

    def constant(self, base: str, value) -> ast.expr:
        """A value fixed now (a default argument, a partial's argument), by name."""
        if value is None or type(value) in (bool, int, float, str):
            return ast.Constant(value)
        name = self.namer.fresh(base)
        self.extra[name] = value
        return ast.Name(name, ast.Load())

    def method(self, node: ast.Call) -> ir.Expr:
        name = node.func.attr
        if name not in METHODS:
            return ir.Opaque(node)  # activity refuses it on a differentiated receiver
        recv = self.atom(node.func.value)
        args = list(node.args)
        if name == "reshape" and len(args) > 1:
            args = [ast.Tuple(args, ast.Load())]
        fn, vocab = METHODS[name], classify(METHODS[name])
        if vocab is None:  # a composition (x.ravel()): a call of the vocabulary function, transformed
            call = ast.Call(self.constant(naming.ident(fn), fn), [ir.atom_ast(recv)] + args, node.keywords)
            return self.dispatch(ast.copy_location(call, node), fn)
        call = ast.Call(ast.Name("_", ast.Load()), [ir.atom_ast(recv)] + args, node.keywords)
        op = self.vocab_call(call, vocab, fn)
        op.primal = ast.Call(ast.Attribute(ir.atom_ast(recv), name, ast.Load()), list(node.args),
                             node.keywords)
        return op

    def bind(self, fn, node: ast.Call, follow: bool = True) -> inspect.BoundArguments:
        try:
            signature = inspect.signature(fn, follow_wrapped=follow)
            return signature.bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as exc:
            raise self.where.refuse(f"a call of {ast.unparse(node.func)} that does not match its "
                                    "signature", node, str(exc)) from None

    def vocab_call(self, node: ast.Call, vocab, obj) -> ir.Op:
        if vocab.operands is None:  # a primitive itself: positionals are operands, keywords params
            args = [self.atom(a) for a in node.args]
            primal = ast.Call(node.func, [ir.atom_ast(a) for a in args], node.keywords)
            return self.op(vocab.prim.name, args, {k.arg: k.value for k in node.keywords}, primal)
        bound = self.bind(obj, node)
        replace: dict[int, ast.expr] = {}
        args: list = []
        seq = False
        for pname in vocab.operands:
            value = bound.arguments[pname]
            args.append(self.atom(value))
            replace[id(value)] = ir.atom_ast(args[-1])
        if vocab.seq is not None:
            value = bound.arguments[vocab.seq]
            if isinstance(value, (ast.List, ast.Tuple)):
                elts = [self.atom(e) for e in value.elts]
                args += elts
                replace[id(value)] = type(value)([ir.atom_ast(a) for a in elts], ast.Load())
            else:
                args.append(self.atom(value))
                replace[id(value)] = ir.atom_ast(args[-1])
                seq = True
        skip = set(vocab.operands) | {vocab.seq}
        params = {k: v for k, v in bound.arguments.items() if k not in skip}
        primal = ast.Call(node.func, [replace.get(id(a), a) for a in node.args],
                          [ast.keyword(k.arg, replace.get(id(k.value), k.value)) for k in node.keywords])
        return self.op(vocab.prim.name, args, params, primal, seq)

    def user_call(self, node: ast.Call, fn) -> ir.Call:
        """A call of a user function: its arguments bound to its parameters in order (``*args``
        spread out, defaults filled in), keyword-only ones passed by keyword."""
        written = _parameter_written(fn)
        if written is not None:
            raise self.where.refuse(
                f"a call of {fn.__name__}, which writes into its parameter {written}[...]; SCT writes "
                f"functionally, as JAX's .at[].set, so the caller's array would not see the write", node,
                f"have {fn.__name__} return the updated array and assign it in the caller")
        bound = self.bind(fn, node, follow=False)
        bound.apply_defaults()
        args, kw = [], []
        for param in inspect.signature(fn, follow_wrapped=False).parameters.values():
            value = bound.arguments[param.name]
            if param.kind is param.VAR_KEYWORD:
                if value:
                    raise self.where.refuse(f"keywords for the **{param.name} of {fn.__qualname__}", node,
                                            "name every keyword parameter")
                continue
            for v in value if param.kind is param.VAR_POSITIONAL else (value,):
                arg = v if isinstance(v, ast.AST) else self.constant(f"{naming.ident(fn)}_{param.name}_default", v)
                args.append(self.atom(arg))
            if param.kind is param.KEYWORD_ONLY:
                kw.append(param.name)
        npos = len(args) - len(kw)
        primal = ast.Call(node.func, [ir.atom_ast(a) for a in args[:npos]],
                          [ast.keyword(k, ir.atom_ast(a)) for k, a in zip(kw, args[npos:])])
        return ir.Call(fn, args, primal, kw=tuple(kw))

    def custom_call(self, node: ast.Call, obj: CustomFunction) -> ir.Call:
        """A custom function: its rules (see :mod:`custom`); a checkpointed one with source is
        transformed like any user function, its recomputation left to :mod:`reverse`."""
        if isinstance(obj, Checkpointed) and is_user_function(obj.fun) and has_source(obj.fun):
            call = self.user_call(node, obj.fun)
            call.primal.func = node.func  # the primal sweep calls the checkpointed function
            call.checkpoint = True
            return call
        if node.keywords:
            try:
                args = [self.atom(a) for a in self.bind(obj.fun, node).args]
            except ValueError:  # no signature to match keywords with
                raise self.where.refuse(f"keywords in a call of {obj.kind} function {obj.__name__!r}",
                                        node, "pass its arguments by position") from None
        else:
            args = [self.atom(a) for a in node.args]
        return ir.Call(obj, args, ast.Call(node.func, [ir.atom_ast(a) for a in args], []))

    def _pack_lists(self, block: list, lists: set[str]) -> list:
        """A tuple or list given to a vocabulary function as an array operand (``anp.sum([a, b])``)
        is packed first, as ``jnp.asarray`` packs it: ``_t = stack(seq)``, a primitive whose rules
        carry each element's derivative. Python's operators on lists keep their meaning."""
        out = []
        for s in block:
            if isinstance(s, ir.If):
                s.body, s.orelse = self._pack_lists(s.body, lists), self._pack_lists(s.orelse, lists)
            elif isinstance(s, (ir.For, ir.While)):
                s.body = self._pack_lists(s.body, lists)
            elif isinstance(s, ir.Assign) and isinstance(s.value, ir.Op) and not s.value.seq \
                    and isinstance(s.value.primal, ast.Call):
                op = s.value
                for k, a in enumerate(op.args):
                    if op.prim is index_update_p and k == 0:
                        continue  # writing into a list: refused by activity, not turned into an array
                    if isinstance(a, str) and a in lists:
                        packed = self.namer.temp()
                        self.temps.add(packed)
                        stack = ast.Call(ast.Name(self.bound("stack", stack_p), ast.Load()),
                                         [ast.Starred(ast.Name(a, ast.Load()), ast.Load())], [])
                        out.append(ir.Assign(packed, self.op("stack", [a], {}, stack, seq=True), s.line, s.text))
                        op.args[k] = packed
                        for n in walk(op.primal):
                            if isinstance(n, ast.Name) and n.id == a:
                                n.id = packed
            out.append(s)
        return out

    # --- checks ---------------------------------------------------------------

    def _check_lists(self, fn: ir.Function) -> None:
        """``seq.append`` rewrites seq as a new list: seq must be a local list nobody else sees."""
        grown = {s.value.seq: s for s in ir.walk(fn.body)
                 if isinstance(s, ir.Assign) and isinstance(s.value, ir.Append)}
        for name, at in grown.items():
            defs = [s for s in ir.walk(fn.body) if name in ir.targets(s)]
            if name in fn.params or not all(
                    isinstance(s, ir.Assign) and (isinstance(s.value, ir.Append) or (
                        isinstance(s.value, ir.Pack) and s.value.kind == "list")) for s in defs):
                raise self.where.refuse(f"{name}.append on a value that is not a local list", at.line,
                                        "start the list in this function with a display, e.g. "
                                        f"{name} = []")
            for s in ir.walk(fn.body):
                aliases = (isinstance(s, ir.Assign) and (
                    (isinstance(s.value, ir.Copy) and s.value.src == name and s.target != fn.out)
                    or (isinstance(s.value, ir.Pack) and name in s.value.elts)
                    or (isinstance(s.value, ir.Call) and name in s.value.args)))
                if aliases:
                    raise self.where.refuse(f"a second reference to the list {name!r}, which is "
                                            "appended to", s.line,
                                            "SCT treats append as building a new list; copy the "
                                            "elements into a tuple instead")

