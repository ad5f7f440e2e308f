"""Structured control flow for ``SCTEngine(control="lax")``: the facts and builders both modes share,
and the forward mode's loops and branches.

Contract: :class:`Structured` answers, for a normalized function, which of its
loops and branches can be handed to :mod:`.lax_runtime` and what each carries,
and builds the code that does it: a loop or branch becomes local functions of
its carried state (``def body(carry, t): ...; return carry``) and one call of a
runtime helper (``carry = scan_loop(range, body, carry, where)``). In forward
mode (:meth:`Structured.forward`), a ``for`` over a range becomes ``scan_loop``
carrying primal and tangent state, a ``while`` becomes ``while_loop`` and an
``if`` becomes ``cond`` (``lax.cond`` on a traced test, the Python branch on a
concrete one). What a loop carries is what its body reads before it writes
(from the previous iteration) and what is read after it; what a branch gives
back is what it writes and is read after it. A loop keeps its plain Python form
(exact under ``jax.jit``, which unrolls it) when it has a ``break``, is
checkpointed (reverse mode), grows a list it carries, or leaves its loop variable to code after
it, and a ``for`` loop kept so warns (:func:`.lax_runtime.unrolled`, naming its
line) when it runs on traced values; a branch that holds a jump or a ``raise`` keeps its Python form, its test
refused with :class:`SCTError` if traced (:func:`.lax_runtime.static_test`).
:func:`init_unbound` sets to ``None``, at the top of a generated function, the
locals a helper call may read before they are bound (a carried variable first
set inside the loop). The AST facts (:func:`live_in`, :func:`stores`,
:func:`free_names`) read generated code.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis import dataflow, loop_index
from adcompare.engines.sct.asttools import children, walk
from adcompare.engines.sct.emit import codegen as cg
from adcompare.engines.sct.emit import lax_logic, lax_runtime
from adcompare.engines.sct.emit.primal import branch_test
from adcompare.engines.sct.errors import Where

# --- facts about generated code ------------------------------------------------


def stores(stmts: list) -> set[str]:
    """The names ``stmts`` bind, nested blocks included, nested functions' insides not."""
    out, todo = set(), list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef):
            out.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        else:
            todo += children(node)
    return out


def free_names(fdef: ast.FunctionDef) -> set[str]:
    """The names a generated function reads from outside it."""
    params = {a.arg for a in walk(fdef.args) if isinstance(a, ast.arg)}
    return _loads(fdef.body) - stores(fdef.body) - params


def _loads(nodes: list) -> set[str]:
    out, todo = set(), list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef):
            out |= free_names(node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        else:
            todo += children(node)
    return out


def live_in(stmts: list, bound: set[str] | None = None) -> set[str]:
    """The names ``stmts`` may read before they bind them."""
    return _flow(stmts, set(bound or ()))[0]


def _flow(stmts: list, bound: set[str]) -> tuple[set[str], set[str]]:
    """(names read before bound, names definitely bound after) for a block."""
    live: set[str] = set()
    for s in stmts:
        if isinstance(s, ast.If):
            live |= _loads([s.test]) - bound
            a, after_a = _flow(s.body, set(bound))
            b, after_b = _flow(s.orelse, set(bound))
            live |= a | b
            bound = after_a & after_b
        elif isinstance(s, (ast.For, ast.While)):
            head = s.iter if isinstance(s, ast.For) else s.test
            live |= _loads([head]) - bound
            inner = bound | (stores([s.target]) if isinstance(s, ast.For) else set())
            live |= _flow(s.body, inner)[0]
        elif isinstance(s, ast.FunctionDef):
            live |= free_names(s) - bound
            bound = bound | {s.name}
        else:
            value = [s.value] if isinstance(s, (ast.Assign, ast.AugAssign)) else [s]
            reads = _loads(value)
            if isinstance(s, (ast.Assign, ast.AugAssign)):
                targets = s.targets if isinstance(s, ast.Assign) else [s.target]
                for t in targets:  # a subscript or attribute target reads its base
                    reads |= _loads([n for n in walk(t) if not isinstance(n, ast.Name)]) if not isinstance(
                        t, (ast.Name, ast.Tuple, ast.List)) else set()
                    if isinstance(s, ast.AugAssign) and isinstance(t, ast.Name):
                        reads.add(t.id)
            live |= reads - bound
            bound = bound | stores([s])
    return live, bound


def init_unbound(fdef: ast.FunctionDef) -> ast.FunctionDef:
    """``fdef`` with ``name = None`` first for each local it may read before binding it (in it or
    in a function it defines and calls), so that the generated code never reads an unbound local."""
    params = {a.arg for a in walk(fdef.args) if isinstance(a, ast.arg)}
    local = stores(fdef.body)
    loose = sorted((live_in(fdef.body, params) & local) - params)
    fdef.body = [cg.assign(n, cg.const(None)) for n in loose] + fdef.body
    return fdef


# --- facts about the normalized program --------------------------------------------


def _later(block: list, live: set[str], out: dict[int, set[str]]) -> set[str]:
    """Liveness, backwards: records for each statement the names that may be read after it (a
    loop's next iteration included), and returns those live before ``block``."""
    live = set(live)
    for s in reversed(block):
        out[id(s)] = set(live)
        if isinstance(s, ir.If):
            live = _later(s.body, live, out) | _later(s.orelse, live, out) | dataflow.uses(s)
        elif isinstance(s, (ir.For, ir.While)):
            head = dataflow.uses(s)
            start: set[str] = set()
            while True:  # the body's end is live with what the loop's next iteration (or test) reads
                again = _later(s.body, live | start | head, out) - set(ir.targets(s))
                if again <= start:
                    break
                start |= again
            live = live | start | head
        else:
            live = (live - set(ir.targets(s))) | dataflow.uses(s)
    return live


def ir_flow(block: list, bound: set[str]) -> tuple[set[str], set[str]]:
    """(names ``block`` may read before binding them, names definitely bound after it)."""
    live: set[str] = set()
    for s in block:
        live |= dataflow.uses(s) - bound
        if isinstance(s, ir.If):
            a, after_a = ir_flow(s.body, set(bound))
            b, after_b = ir_flow(s.orelse, set(bound))
            live |= a | b
            bound = bound | (after_a & after_b)
        elif isinstance(s, (ir.For, ir.While)):
            live |= ir_flow(s.body, bound | set(ir.targets(s)))[0]
        else:
            bound = bound | set(ir.targets(s))
    return live, bound


def assigned(block: list) -> set[str]:
    return {t for s in ir.walk(block) for t in ir.targets(s)}


class Structured:
    """One function's structured control flow: its facts, and the code built from them."""

    def __init__(self, fn: ir.Function, where: Where, namer, link):
        self.fn, self.where, self.namer, self.link = fn, where, namer, link
        self.after: dict[int, set[str]] = {}
        _later(fn.body, {fn.out}, self.after)
        self.guard_ranges()

    def guard_ranges(self) -> None:
        """Each loop's ``range(...)`` checked when it runs: a traced bound is refused by the loop's line."""
        ranges = {s.target: s for s in ir.walk(self.fn.body)
                  if isinstance(s, ir.Assign) and isinstance(s.value, ir.Opaque)}
        for s in ir.walk(self.fn.body):
            made = ranges.get(s.iterable) if isinstance(s, ir.For) else None
            call = made.value.expr if made is not None else None
            if isinstance(call, ast.Call) and not call.keywords and not any(
                    isinstance(a, ast.Starred) for a in call.args):
                made.value.expr = cg.call(self.helper("checked_range"), self.place(s), *call.args)

    def helper(self, name: str) -> str:
        return self.link.bind(("lax", name), name, getattr(lax_runtime, name))

    def test(self, s, act, link) -> ast.expr:
        """``s``'s test as the primal evaluates it, its ``and``/``or``/``not`` lowered (:mod:`.lax_logic`)."""
        return self.lowered_test(s, branch_test(s.test, act, link))

    def lowered_test(self, s, test: ast.expr) -> ast.expr:
        bind = lambda name: self.link.bind(("lax", name), name, getattr(lax_logic, name))  # noqa: E731
        return lax_logic.lowered(test, s.test, bind, self.place(s))

    def place(self, s) -> ast.Constant:
        """The user's function, file and line of ``s``, for the runtime's refusals."""
        return cg.const((self.where.function, self.where.filename, s.line))

    def loop_carry(self, s, reverse: bool = True) -> list[str] | None:
        """What a loop carries from one iteration to the next and out of it, or None if it keeps
        its Python form (see :meth:`python_form`)."""
        return None if self.python_form(s, reverse) else self._carry(s)

    def _carry(self, s) -> list[str]:
        inside = assigned(s.body)
        bound = {s.target} if isinstance(s, ir.For) else set()
        live = ir_flow(s.body, bound)[0] | self.after[id(s)]
        if isinstance(s, ir.While):
            live |= ir.names_in(s.test)
        return sorted((inside & live) - bound)

    def python_form(self, s, reverse: bool = True) -> str | None:
        """Why a loop keeps its Python form (a break, a checkpointed range in reverse mode, a list it
        carries and grows, or a loop variable read after it), or None if it can be structured."""
        if s.has_break:
            return "it has a break"
        if reverse and getattr(s, "checkpoint", False):
            return "it runs over a checkpointed range"
        if isinstance(s, ir.For) and s.target in self.after[id(s)]:
            return f"its loop variable {s.target!r} is read after it"
        if isinstance(s, ir.For) and (use := loop_index.python_int_use(s)):
            return f"it reads its loop variable {s.target!r} as a Python int ({use}), which a traced index changes"
        grown = {b.target for b in ir.walk(s.body) if isinstance(b, ir.Assign) and isinstance(b.value, ir.Append)}
        if grown & set(self._carry(s)):
            return f"it grows the list {sorted(grown & set(self._carry(s)))[0]!r} from one iteration to the next"
        return None

    def unrolled(self, s, why: str) -> ast.stmt:
        """A statement that warns, where the loop runs on traced values, that it keeps its Python form."""
        params = cg.tuple_([cg.load(n) for n in self.fn.params])
        return ast.Expr(cg.call(self.helper("unrolled"), self.place(s), cg.const(why), params))

    def branch_outs(self, s: ir.If) -> list[str] | None:
        """What a branch gives back, or None if it keeps its Python form (a jump or an effect inside)."""
        if any(isinstance(b, ir.Break) or (isinstance(b, ir.Effect) and not b.check)
               for b in ir.walk(s.body + s.orelse)):
            return None
        return sorted(assigned(s.body + s.orelse) & self.after[id(s)])

    def branch_operands(self, s: ir.If, outs: list[str]) -> list[str]:
        """What a branch's sides take in: what they read before writing, and what they give back
        without both setting it (the side that does not passes the value on)."""
        inside = assigned(s.body + s.orelse)
        (a, after_a), (b, after_b) = ir_flow(s.body, set()), ir_flow(s.orelse, set())
        return sorted((set(outs) - (after_a & after_b)) | (inside & (a | b)))

    # --- builders ---------------------------------------------------------------

    def local_def(self, base: str, params: list[str], unpack: list[tuple[list[str] | str, str]],
                  body: list, ret: ast.expr) -> ast.FunctionDef:
        """``def base(params): <unpack targets = param>...; body; return ret``."""
        head = [cg.assign(names, cg.load(src)) if isinstance(names, str) else _assign_tuple(names, cg.load(src))
                for names, src in unpack]
        fdef = ast.FunctionDef(self.namer.fresh(base), _args(params), head + cg.body(body + [ast.Return(ret)]),
                               [], None)
        return init_unbound(fdef)

    def static_if(self, s, test: ast.expr, what: str, reverse: bool = True) -> ast.expr:
        return cg.call(self.helper("static_test"), test, self.place(s), cg.const(what), cg.const(reverse))

    # --- forward mode -------------------------------------------------------------

    def forward(self, fw, s) -> list[ast.stmt] | None:
        """The structured form of a loop or branch in forward mode (``fw`` is the
        :mod:`.forward` transform), or None to keep the Python form."""
        if isinstance(s, ir.If):
            return self.forward_if(fw, s)
        carry = self.loop_carry(s, reverse=False)
        if carry is None:
            if isinstance(s, ir.While):  # a Python while on a traced test: refused clearly
                test = self.static_if(s, self.test(s, fw.act, fw.link), "a while loop with a break "
                                      "whose test is traced", reverse=False)
                return [ast.While(test, cg.body(fw.block(s.body)), [])]
            return [self.unrolled(s, self.python_form(s, False)),
                    ast.For(cg.store(s.target), cg.load(s.iterable), cg.body(fw.block(s.body)), [])]
        names = with_dots(carry, fw)
        state = cg.tuple_([cg.load(n) for n in names])
        c, x = self.namer.fresh("carry"), self.namer.fresh("index")
        if isinstance(s, ir.For):
            body = self.local_def("loop_body", [c, x], [(names, c), (s.target, x)], fw.block(s.body), state)
            run = cg.call(self.helper("scan_loop"), cg.load(s.iterable), cg.load(body.name), state, self.place(s))
            return [body, _assign_tuple(names, run)]
        test = self.local_def("loop_test", [c], [(names, c)], [], self.test(s, fw.act, fw.link))
        body = self.local_def("loop_body", [c], [(names, c)], fw.block(s.body), state)
        run = cg.call(self.helper("while_loop"), cg.load(test.name), cg.load(body.name), state, self.place(s))
        return [test, body, _assign_tuple(names, run)]

    def forward_if(self, fw, s: ir.If) -> list[ast.stmt]:
        test = self.test(s, fw.act, fw.link)
        outs = self.branch_outs(s)
        if outs is None:
            return [ast.If(self.static_if(s, test, "a branch holding a break or raise on a traced test", False),
                           cg.body(fw.block(s.body)), fw.block(s.orelse))]
        ops = with_dots(self.branch_operands(s, outs), fw)
        outs = with_dots(outs, fw)
        ret = cg.tuple_([cg.load(n) for n in outs])
        o = self.namer.fresh("operands")
        then = self.local_def("then", [o], [(ops, o)], fw.block(s.body), ret)
        orelse = self.local_def("orelse", [o], [(ops, o)], fw.block(s.orelse), ret)
        run = cg.call(self.helper("cond"), test, cg.load(then.name), cg.load(orelse.name),
                      cg.tuple_([cg.load(n) for n in ops]), self.place(s))
        return [then, orelse, _assign_tuple(outs, run)]


def with_dots(names: list[str], fw) -> list[str]:
    """``names`` with the tangent of each active one after it."""
    out = []
    for n in names:
        out.append(n)
        if n in fw.act.active:
            out.append(fw.namer.dot(n))
    return out


def _assign_tuple(names: list[str], value: ast.expr) -> ast.stmt:
    return ast.Assign([ast.Tuple([cg.store(n) for n in names], ast.Store())], value)


def _args(names: list[str]) -> ast.arguments:
    return ast.arguments([], [ast.arg(n) for n in names], None, [], [], None, [])

