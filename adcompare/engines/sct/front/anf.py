"""A-normal form: user statements and expressions as single steps on fresh temporaries.

Contract: the :class:`ANF` part of the normalizer turns each statement into
:mod:`..ir` steps whose operands are atoms: ``y = 0.5 * (y + x / y)`` becomes
``_t1 = x / y``, ``_t2 = y + _t1``, ``y = 0.5 * _t2``; augmented, chained and
tuple assignments are split, conditional expressions become ``if`` statements,
returns assign the output variable, and arithmetic operators become vocabulary
primitives (:class:`ir.Op`). Loops, index writes and calls are handed to the
other parts (:mod:`.desugar`, :mod:`.calls`).
"""

from __future__ import annotations

import ast
import builtins

from adcompare import numpy as anp
from adcompare.engines.sct import ir
from adcompare.engines.sct.asttools import copy_tree, walk
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.front.fence import is_pop
from adcompare.engines.sct.front.jumps import loop_has_break
from adcompare.engines.sct.front.parse import CONSTANT_ATTRIBUTES, MISSING
from adcompare.primitives import is_check_only

_ARITH = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
          ast.Pow: "power", ast.MatMult: "matmul", ast.Mod: "remainder"}


def statement_text(node: ast.stmt) -> str:
    """The first line of a statement as written, for comments (shallow after :mod:`.flatten`)."""
    if isinstance(node, (ast.If, ast.While)):
        head = f"{type(node).__name__.lower()} {ast.unparse(node.test)}:"
    elif isinstance(node, ast.For):
        head = f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}:"
    else:
        head = ast.unparse(node)
    first = head.splitlines()[0] if head else ""
    return first if len(first) <= 90 else first[:87] + "..."


def _calls(node: ast.expr) -> bool:
    """Whether ``node`` (a target: its indices) calls a function."""
    return any(isinstance(n, ast.Call) for n in walk(node.slice if isinstance(node, ast.Subscript) else node)) or (
        isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript) and _calls(node.value))


class ANF:
    """Statements and expressions into single steps (see the module doc).

    The host (:class:`adcompare.engines.sct.front.normalize.Normalizer`) holds the state
    (``p`` the parsed function, ``where``, ``namer``, ``extra`` the generated code's added
    globals, ``temps``) and the other parts; see that module for how they fit together.
    """

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
        """``statement_text(node)``, once per statement (a long one makes many steps)."""
        if self._text_of[0] is not node:
            self._text_of = (node, statement_text(node))
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
            if isinstance(s.target, ast.Subscript):
                shown, s = s.target, ast.copy_location(ast.AugAssign(self.keys_once(s.target), s.op, s.value), s)
                self.unshared_item(s, shown)  # xs[i] += v: in place on the array xs[i] holds, in NumPy
            load = copy_tree(s.target)  # y[i] += v reads y[i], then writes it
            for n in walk(load):
                if hasattr(n, "ctx"):
                    n.ctx = ast.Load()
            self.assign_to(s.target, ast.copy_location(ast.BinOp(load, s.op, s.value), s))
            if isinstance(s.target, ast.Name):
                self.write("aug", s.target.id)  # in place on a mutable array: see .aliases
        elif isinstance(s, ast.AnnAssign):
            self.assign_to(s.target, s.value)
        elif isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name) and s.value.func.id == "print":
                if self.p.resolve(s.value.func) is not builtins.print:
                    raise self.where.refuse("an expression statement (a call for its side effect)", s,
                                            "assign the result to a variable; side effects are not differentiated")
                self.emit(ir.Effect(s, self.line()))  # prints the values, as JAX's print shows its tracers
            elif is_pop(s.value):
                self.pop(s.value)
            elif isinstance(s.value, ast.Call) and is_check_only(self.p.resolve(s.value.func)):
                self.emit(ir.Effect(s, self.line(), check=True))  # a check (a rule's, SCT's own): as an assert
            elif isinstance(s.value, ast.Call):  # seq.append(x), the other call statement the fence lets by
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
        elif isinstance(s, (ast.Pass, ast.Delete)):  # del of a variable never read: see .fence
            pass
        else:  # the fence lets nothing else through
            raise self.where.refuse(f"the statement {type(s).__name__}", s, "rewrite it")

    def pop(self, call: ast.Call) -> ir.Atom:
        """``seq.pop()``: the last element read into a temporary, then ``seq`` rebound to a new list
        without it (``seq = seq[:-1]``; ``seq`` must be a local list nobody else sees, see
        :func:`.aliases.check_lists`), in Python's order."""
        seq = call.func.value.id
        last = self.atom(ast.Subscript(ast.Name(seq, ast.Load()), ast.Constant(-1), ast.Load()))
        rest = ast.Slice(None, ast.UnaryOp(ast.USub(), ast.Constant(1)), None)
        self.emit(ir.Assign(seq, ir.Index(seq, rest), self.line(), self.text(self.node)))
        self.rebuilt.add(id(self.out[-1]))
        return last

    def assign_to(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, ast.IfExp):
                self.if_exp(target.id, value)
            else:
                self.emit(ir.Assign(target.id, self.value(value), self.line(), self.text(self.node)))
            if getattr(self.node, "sct_in_place", False):  # del d[k], d.update(e): see .dict_writes
                self.write("entry", target.id)
            if getattr(self.node, "sct_list_rebuilt", False):  # del seq[i]: see .dict_writes
                self.rebuilt.add(id(self.out[-1]))
            return
        if isinstance(target, ast.Subscript):
            if _calls(target) and _calls(value):  # Python computes the value first, then the target's indices
                value = ir.atom_ast(self.atom(value))
            self.write_into(self.keys_once(target) if _calls(target) else target, value)
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

    def if_exp(self, target: str, node: ast.IfExp) -> None:
        body = self.block_of(lambda: self.assign_to(ast.Name(target, ast.Store()), node.body))
        orelse = self.block_of(lambda: self.assign_to(ast.Name(target, ast.Store()), node.orelse))
        self.emit(ir.If(node.test, body, orelse, self.line()))

    def block_of(self, make) -> list:
        saved, self.out = self.out, []
        make()
        result, self.out = self.out, saved
        return result

    def operands_once(self, node: ast.Call) -> ast.Call:
        """``node`` with its computed positional arguments evaluated once, into temporaries, in order."""
        args = []
        for a in node.args:
            if not isinstance(a, (ast.Name, ast.Constant, ast.Starred, ast.Lambda)) and self.p.resolve(a) is MISSING:
                t = self.atom(a)
                a = ast.copy_location(ast.Name(t, ast.Load()), a) if isinstance(t, str) else a
            args.append(a)
        return ast.copy_location(ast.Call(node.func, args, node.keywords), node)

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
                if isinstance(node.operand, ast.Constant):
                    return ir.Copy(self.atom(node.operand))
                return self.vocabulary_call(anp.positive, node.operand, node)  # +x: a new array, as NumPy's
            return ir.Opaque(node)
        if is_pop(node):
            return ir.Copy(self.pop(node))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):  # an index that calls: once, as Python (the reverse sweep reads it again)
            return ir.Index(self.atom(node.value), self.index_once(node.slice))
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
        if isinstance(node, ast.Attribute) and node.attr in ("T", "real") and self.p.resolve(node.value) is MISSING:
            x = self.atom(node.value)  # x.T, x.real: the primitives transpose and real
            return self.op("transpose" if node.attr == "T" else "real", [x], {},
                           ast.Attribute(ir.atom_ast(x), node.attr, ast.Load()))
        if isinstance(node, ast.Attribute) and node.attr == "mT" and self.p.resolve(node.value) is MISSING:
            return self.vocabulary_call(anp.matrix_transpose, node.value, node)
        if isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Name) \
                and node.attr not in CONSTANT_ATTRIBUTES and self.p.resolve(node.value) is MISSING:
            # f(s).pos, d["p"].a: the object into a variable first, whose field a varied read indexes (see activity)
            return ir.Opaque(ast.Attribute(ir.atom_ast(self.atom(node.value)), node.attr, ast.Load()))
        return ir.Opaque(node)

    def keys_once(self, target: ast.Subscript) -> ast.Subscript:
        """``target`` (``m[f(i)][j]``) with each index that calls a function (a slice's bound, a tuple's item)
        computed once into a temporary, outermost first, as Python computes a target's indices once: the check
        before the write, the read and the write then index the same items, and a call runs once."""
        chain, node = [], target
        while isinstance(node, ast.Subscript):
            chain.insert(0, node)
            node = node.value
        for sub in chain:
            node = ast.copy_location(ast.Subscript(node, self.index_once(sub.slice), sub.ctx), sub)
        return node

    def index_once(self, key: ast.expr) -> ast.expr:
        if isinstance(key, ast.Slice):
            return ast.Slice(*(p if p is None else self.index_once(p) for p in (key.lower, key.upper, key.step)))
        if isinstance(key, ast.Tuple):
            return ast.Tuple([self.index_once(e) for e in key.elts], ast.Load())
        if not any(isinstance(n, ast.Call) for n in walk(key)):
            return key
        return ast.copy_location(ir.atom_ast(self.atom(key)), key)

    def unshared_item(self, s: ast.AugAssign, shown: ast.Subscript) -> None:
        """``xs[i] op= v`` (``grid[i][j] op= v``), where the list or dict ``xs`` (``grid[i]``) holds a NumPy array
        there, changes that array in place: SCT makes a new one, which is NumPy's answer only where nothing else
        sees the old one. Checked when it runs (:func:`..emit.unshared.unshared_item`), after :meth:`keys_once`
        (no index calls). A slice is not a list's or dict's item (an array's slice written: see .desugar)."""
        keys, node = [], s.target
        while isinstance(node, ast.Subscript):
            keys.insert(0, node.slice)
            node = node.value
        if not isinstance(node, ast.Name) or any(isinstance(n, ast.Slice) for k in keys for n in walk(k)):
            return
        place = (ast.unparse(shown.value), node.id, tuple(sorted(self.p.locals)), self.where.function,
                 self.where.filename, self.where.line(s))
        check = ast.Call(self.known("unshared_item", runtime.unshared_item), [
            ast.Name(node.id, ast.Load()), ast.Tuple([copy_tree(k) for k in keys], ast.Load()),
            *map(ast.Constant, place)], [])
        self.emit(ir.Effect(ast.Expr(check), self.line(), True))

    def vocabulary_call(self, fn, operand: ast.expr, node: ast.expr):
        """``node`` (``+x``, ``x.mT``) as the call ``fn(operand)`` of the vocabulary's function, under a name bound
        in the generated code's globals (see ``Normalizer.bound``) that the call's lowering resolves too."""
        name = self.bound(fn.__name__, fn)
        self.p.extra[name] = fn
        return self.call(ast.copy_location(ast.Call(ast.Name(name, ast.Load()), [operand], []), node))

    def op(self, name, args: list, params: dict, primal: ast.expr, seq: bool = False) -> ir.Op:
        """An application of the primitive ``name`` (a registered name, or the primitive itself)."""
        from adcompare.primitives import PRIMITIVES, Primitive

        prim = name if isinstance(name, Primitive) else PRIMITIVES[name]
        n = len(args)
        diff = tuple(seq or prim.differentiable(i) for i in range(n))
        return ir.Op(prim, args, params, primal, diff, seq)
