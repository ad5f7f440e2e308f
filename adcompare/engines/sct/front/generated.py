"""Generated code as input: SCT's output rewritten into what the front end takes, before the fence.

Contract: SCT's generated functions (registered by :mod:`..emit.codegen`; their
source is in ``linecache``) and the rules made by :mod:`.rule_source` are
parsed like any function, and :func:`prepare` rewrites the parsed tree in place:

* the reverse sweep's stack idiom (``push = stack.append``, ``pop =
  reversed(stack).__next__``, ``for i in reversed(r)``, ``xs = xs + [v]``) as list
  appends and an index counting down, and a checkpointed sweep's (``push =
  discard``, ``for segment, state in zip(reversed(segments), reversed(checkpoints))``)
  as nothing and a loop over an index (see :class:`_Stacks`);
* indices, ``range`` bounds, library calls' arguments, vocabulary parameters and
  the runtime helpers' shape and index arguments (``like``, ``idx``)
  read through the constant ``primal``: generated code and rules never
  differentiate them (they are integers, shapes, masks), whatever residual
  tuple they come out of;
* the rule-table calls ``sin_jvps[i](t, ans, x)`` and ``sum_vjps[i](ans, x)(g)``
  as calls of :func:`.rule_source.applied` functions (the rules from their source).

``parsed.generated`` is set: the front end then lets the stacks be returned
after they are appended to (the residual tuple).
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import itertools
import types
from typing import Any

from adcompare.engines.sct.emit import inplace, runtime, second
from adcompare.engines.sct.front.parse import MISSING, Parsed, classify, is_library, lookup
from adcompare.engines.sct.front.rule_source import applied, skipping, table_of
from adcompare.primitives import primal


def _names_to(parsed: Parsed, value: Any) -> set[str]:
    """The non-local names in ``parsed``'s tree that hold ``value`` (``reversed``, ``reversed_2``)."""
    out = set()
    for n in ast.walk(parsed.tree):
        if isinstance(n, ast.Name) and n.id not in parsed.locals and n.id not in out:
            found = lookup(parsed.fn, n.id)
            if found is value or (isinstance(found, functools.partial) and found.func is value):
                out.add(n.id)
    return out


# run, kept as constants (each returns None or raises)
# a call generated code knows only when it runs (..transform.call_fwd, call_jvp) -> the form taking its keywords as
# one dict of constants, a stand-in when transformed again (set by ..dynamic_second)
PACKED: dict = {}
_CHECKS = (runtime.check_sequence, inplace.check_inplace, inplace.check_view_index)


class _Stacks:
    """The reverse sweep's stack idiom in terms the front end takes: ``push = stack.append`` and
    ``push(v)`` as ``stack.append(v)``; ``pop = reversed(stack).__next__`` and each ``pop()`` as an
    index counting down (``stack_top = stack_top - 1``, then ``stack[stack_top]``); a loop
    ``for i in reversed(r)`` as ``for i in r[::-1]``; indices and ``range`` bounds (trip counts, loop
    counters: integers the residuals carry) read through ``primal``, a constant; the loop check
    ``check_sequence(a)`` (and the in-place checks) as an assignment of its (constant) result."""

    def __init__(self, parsed: Parsed):
        self.p = parsed
        self.reversed, self.range = _names_to(parsed, builtins.reversed), _names_to(parsed, builtins.range)
        self.checks = {name: f"__{check.__name__}" for check in _CHECKS for name in _names_to(parsed, check)}
        self.zips, self.discard = _names_to(parsed, builtins.zip), _names_to(parsed, runtime.discard)
        self.discards: set[str] = set()  # locals bound to ``discard`` (a checkpointed sweep's pushes)
        self.pushes: dict[str, str] = {}
        self.pops: dict[str, tuple[str, str]] = {}
        self.serial = itertools.count(1)
        parsed.extra["__constant"] = primal
        for check in _CHECKS:
            parsed.extra[f"__{check.__name__}"] = check

    def stmt(self, text: str, at: ast.stmt) -> ast.stmt:
        return ast.copy_location(ast.parse(text).body[0], at)

    def block(self, body: list) -> list:
        out: list = []
        for s in body:
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
                target, v = s.targets[0].id, s.value
                self.discards.discard(target)
                if isinstance(v, ast.Name) and v.id in self.discard and v.id not in self.p.locals:
                    self.discards.add(target)  # push = discard: its calls do nothing
                    continue
                if isinstance(v, ast.Attribute) and v.attr == "append" and isinstance(v.value, ast.Name):
                    self.pushes[target] = v.value.id
                    continue
                if (isinstance(v, ast.Attribute) and v.attr == "__next__" and isinstance(v.value, ast.Call)
                        and isinstance(v.value.func, ast.Name) and v.value.func.id in self.reversed
                        and len(v.value.args) == 1 and isinstance(v.value.args[0], ast.Name)):
                    stack = v.value.args[0].id
                    self.pops[target] = (stack, f"{stack}_top")
                    self.p.locals.add(f"{stack}_top")
                    out.append(self.stmt(f"{stack}_top = len({stack})", s))
                    continue
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                    and isinstance(s.value, ast.BinOp) and isinstance(s.value.op, ast.Add) \
                    and isinstance(s.value.left, ast.Name) and s.value.left.id == s.targets[0].id \
                    and isinstance(s.value.right, ast.List) and len(s.value.right.elts) == 1:
                seq = ast.Attribute(ast.Name(s.targets[0].id, ast.Load()), "append", ast.Load())
                s = ast.copy_location(ast.Expr(ast.Call(seq, s.value.right.elts, [])), s)  # xs = xs + [v]
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name) \
                    and s.value.func.id in self.discards:
                continue
            if isinstance(s, ast.For) and isinstance(s.target, ast.Tuple) and self.zipped(s.iter) is not None:
                out += self.unzip(s)
                s = out.pop()
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name):
                call = s.value
                if call.func.id in self.pushes and len(call.args) == 1:
                    call.func = ast.Attribute(ast.Name(self.pushes[call.func.id], ast.Load()), "append", ast.Load())
                elif call.func.id in self.checks:
                    checked = self.fresh("checked")
                    bound = getattr(lookup(self.p.fn, call.func.id), "keywords", {})  # a partial's, or none
                    keywords = [ast.keyword(k, ast.Constant(v)) for k, v in bound.items()]
                    call.func, call.keywords = ast.Name(self.checks[call.func.id], ast.Load()), keywords
                    s = ast.copy_location(ast.Assign([ast.Name(checked, ast.Store())], call), s)
            if isinstance(s, ast.For) and isinstance(s.iter, ast.Call) and isinstance(s.iter.func, ast.Name) \
                    and s.iter.func.id in self.reversed and len(s.iter.args) == 1:
                s.iter = ast.Subscript(s.iter.args[0], ast.Slice(None, None, ast.Constant(-1)), ast.Load())
            if isinstance(s, ast.While) and self.has_pop(s.test):
                raise self.p.where.refuse("a pop in a loop test (generated code transformed again)", s,
                                          "use SCTEngine(higher='boxes')")
            for field in ("value", "test", "iter"):
                if isinstance(getattr(s, field, None), ast.expr):
                    setattr(s, field, self.expr(getattr(s, field), out, s))
            for field in ("body", "orelse"):
                if isinstance(getattr(s, field, None), list):
                    setattr(s, field, self.block(getattr(s, field)))
            out.append(s)
        return out

    def zipped(self, node: ast.expr) -> list[tuple[str, bool]] | None:
        """``zip(reversed(a), b, ...)`` over local names: [(name, reversed)], else None."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.zips
                and node.args and not node.keywords):
            return None
        out = []
        for a in node.args:
            back = (isinstance(a, ast.Call) and isinstance(a.func, ast.Name) and a.func.id in self.reversed
                    and len(a.args) == 1 and not a.keywords)
            name = a.args[0] if back else a
            if not isinstance(name, ast.Name):
                return None
            out.append((name.id, back))
        return out

    def unzip(self, s: ast.For) -> list[ast.stmt]:
        """``for a, b in zip(reversed(xs), ys)`` (a checkpointed sweep's segments and checkpoints) as a
        loop over an index: ``for k in range(min(len(xs), len(ys))): a, b = xs[len(xs) - 1 - k], ys[k]``."""
        seqs, n, k = self.zipped(s.iter), self.fresh("zipped"), self.fresh("k")
        first = self.stmt(f"{n} = min({', '.join(f'len({a})' for a, _ in seqs)})", s)
        items = ", ".join(f"{a}[len({a}) - 1 - {k}]" if back else f"{a}[{k}]" for a, back in seqs)
        unpack = ast.copy_location(ast.Assign([s.target], ast.parse(f"({items},)", mode="eval").body), s)
        loop = ast.copy_location(ast.For(ast.Name(k, ast.Store()), ast.parse(f"range({n})", mode="eval").body,
                                         [unpack] + s.body, [], None), s)
        return [first, ast.fix_missing_locations(loop)]

    def parameters(self, call: ast.Call, constant) -> None:
        """A vocabulary call's parameters (``idx=``, ``axis=``: never differentiated) read as constants."""
        func = call.func
        if (isinstance(func, ast.Name) and func.id in self.p.locals) or not isinstance(func, (ast.Name, ast.Attribute)):
            return
        obj = self.p.resolve(func)
        vocab = classify(obj) if obj is not MISSING else None
        if vocab is None or vocab.kind != "op":
            return
        if vocab.operands is None:
            if vocab.prim is obj:  # a primitive called itself: its keywords are its parameters
                call.keywords = [ast.keyword(k.arg, constant(k.value)) if k.arg else k for k in call.keywords]
            return
        try:
            bound = inspect.signature(obj).bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except (TypeError, ValueError):
            return
        params = {id(v) for k, v in bound.arguments.items()
                  if k not in vocab.operands and k != vocab.seq and isinstance(v, ast.expr)}
        call.args = [constant(a) if id(a) in params else a for a in call.args]
        call.keywords = [ast.keyword(k.arg, constant(k.value)) if id(k.value) in params else k
                         for k in call.keywords]

    def shape_only(self, call: ast.Call, constant) -> None:
        """A runtime helper's arguments that give only shapes or indices (``like``, ``idx``; see
        :data:`..emit.second.SHAPE_ONLY`) read as constants: their tangents are never needed."""
        func = call.func
        if not isinstance(func, ast.Name) or func.id in self.p.locals:
            return
        obj = self.p.resolve(func)
        positions = second.SHAPE_ONLY.get(obj, ()) if obj is not MISSING and second.is_standin(obj) else ()
        call.args = [constant(a) if k in positions and not isinstance(a, ast.Starred) else a
                     for k, a in enumerate(call.args)]

    def library(self, func: ast.expr) -> bool:
        """A builtin (``slice``, ``int``) or a library function (``np.arange``): generated code calls
        one only on values without a derivative (integers, shapes), whatever they are unpacked from."""
        if isinstance(func, ast.Name) and func.id in self.p.locals:
            return False
        obj = self.p.resolve(func) if isinstance(func, (ast.Name, ast.Attribute)) else MISSING
        if obj is MISSING or classify(obj) is not None:
            return False
        if isinstance(obj, types.FunctionType):
            return is_library(obj)
        module = (getattr(obj, "__module__", None) or "").split(".")[0]
        return module in ("builtins", "numpy", "math", "jax") and callable(obj)

    def fresh(self, base: str) -> str:
        name = f"_{base}_{next(self.serial)}"
        self.p.locals.add(name)
        return name

    def has_pop(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in self.pops
                   for n in ast.walk(node))

    def expr(self, node: ast.expr, out: list, at: ast.stmt) -> ast.expr:
        """``node`` with each ``pop()`` read from the stack (the decrements go to ``out``) and each
        index and range bound read through the constant ``primal``."""
        def visit(n: ast.AST) -> ast.AST:
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in self.pops and not n.args:
                stack, top = self.pops[n.func.id]
                value = self.fresh("popped")
                out.append(self.stmt(f"{top} = {top} - 1", at))
                out.append(self.stmt(f"{value} = {stack}[{top}]", at))
                return ast.Name(value, ast.Load())
            if isinstance(n, ast.Subscript):
                n.value, n.slice = visit(n.value), constant(visit(n.slice))
                return n
            if isinstance(n, ast.Call):
                self.parameters(n, constant)
                self.shape_only(n, constant)
            if isinstance(n, ast.Call) and ((isinstance(n.func, ast.Name) and n.func.id in self.range)
                                            or self.library(n.func)):
                n.args = [constant(visit(a)) for a in n.args]
                n.keywords = [ast.keyword(k.arg, constant(visit(k.value))) for k in n.keywords]
                return n
            for field, value in ast.iter_fields(n):
                if isinstance(value, ast.AST):
                    setattr(n, field, visit(value))
                elif isinstance(value, list):
                    setattr(n, field, [visit(v) if isinstance(v, ast.AST) else v for v in value])
            return n

        def constant(n: ast.expr) -> ast.expr:
            if isinstance(n, ast.Slice):
                for field in ("lower", "upper", "step"):
                    if getattr(n, field) is not None:
                        setattr(n, field, constant(getattr(n, field)))
                return n
            if isinstance(n, ast.Tuple):
                n.elts = [constant(e) for e in n.elts]
                return n
            if isinstance(n, ast.Constant) or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                               and n.func.id == "__constant"):
                return n
            return ast.Call(ast.Name("__constant", ast.Load()), [n], [])

        return visit(node)


def _constants(keywords: list[ast.keyword]) -> list[ast.keyword]:
    """A rule call's keywords (its primitive's parameters: ``idx=``, ``axis=``) read as constants."""
    return [ast.keyword(k.arg, ast.Call(ast.Name("__constant", ast.Load()), [k.value], [])) if k.arg else k
            for k in keywords]


def _refuse_into(tree: ast.FunctionDef) -> None:
    """A reverse sweep that adds into its caller's cotangents (``into.clear()`` on a parameter, see
    :mod:`..emit.into`) is made to run, never to be transformed again, as one keeping pull-backs."""
    params = {a.arg for a in tree.args.args}
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "clear" \
                and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id in params:
            raise second.closures_refused(f"{tree.name} adding into its caller's cotangents")


def prepare(parsed: Parsed) -> None:
    """Rewrite ``parsed``'s stack idiom and rule calls (see the module doc) in place; the functions
    the rule calls now call are put in ``parsed.extra`` under new names."""
    parsed.generated = True
    _refuse_into(parsed.tree)
    parsed.tree.body = _Stacks(parsed).block(parsed.tree.body)
    bound: dict[int, str] = {}

    def name_for(fn) -> str:
        if id(fn) not in bound:
            bound[id(fn)] = f"__rule_{len(bound) + 1}"
            parsed.extra[bound[id(fn)]] = fn
        return bound[id(fn)]

    def table(node: ast.expr) -> tuple[Any, str, int] | None:
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int):
            return None
        if node.value.id in parsed.locals:
            return None
        value = lookup(parsed.fn, node.value.id)
        found = None if value is MISSING else table_of(value)
        return None if found is None else (*found, node.slice.value)

    for node in ast.walk(parsed.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Call) and len(node.args) == 1 and not node.keywords:
            found = table(func.func)
            if found is not None and found[1] == "vjps":
                prim, _, i = found
                n = None if any(isinstance(a, ast.Starred) for a in func.args) else len(func.args) - 1
                node.func = ast.Name(name_for(applied(prim, "vjps", i, n)), ast.Load())
                node.args, node.keywords = [node.args[0]] + func.args, _constants(func.keywords)
                continue
        packed = next((p for k, p in PACKED.items() if k is lookup(parsed.fn, func.id)), None) if isinstance(
            func, ast.Name) and func.id not in parsed.locals and all(k.arg for k in node.keywords) else None
        if packed is not None:  # call_fwd(f, active, *args, **kw) as fwd_call(f, active, {kw}, *args)
            keywords = ast.Dict([ast.Constant(k.arg) for k in node.keywords], [k.value for k in node.keywords])
            node.func, node.args = ast.Name(name_for(packed), ast.Load()), [*node.args[:2], keywords, *node.args[2:]]
            node.keywords = []
            continue
        found = table(func)
        if found is not None and found[1] in ("jvps", "skipping"):
            prim, kind, i = found
            n = None if any(isinstance(a, ast.Starred) for a in node.args) else len(node.args) - 2
            rule = skipping(prim, i, n) if kind == "skipping" and not node.keywords else applied(prim, "jvps", i, n)
            node.func = ast.Name(name_for(rule), ast.Load())
            node.keywords = _constants(node.keywords)
