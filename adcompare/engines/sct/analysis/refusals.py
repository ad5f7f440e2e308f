"""Refusals: every use of a varied value that the engine cannot differentiate, with its line.

Contract: :class:`Checker` looks at each normalized statement, knowing which
variables are *varied* (depend differentiably on a differentiated parameter,
see :mod:`.activity`), and raises :class:`SCTError` on ``int()``, ``float()``,
``min``/``max``, ``//``, ``%``, ``and``/``or`` values, calls to functions that
are neither vocabulary nor transformable source, primitives without a rule,
indices and parameters (``axis=``) computed from varied values, and arithmetic
on lists. Tests of branches and loops may use varied values freely.
"""

from __future__ import annotations

import ast
import re

import adcompare.numpy as anp
from adcompare.checkpoint import checkpoint
from adcompare.custom import CustomFunction
from adcompare.engines.sct import ir
from adcompare.engines.sct.analysis.receivers import check_receiver, method_of_a_module, module_hint
from adcompare.engines.sct.emit.python_checks import TRACED, integer_index
from adcompare.engines.sct.errors import internal_file
from adcompare.engines.sct.front.parse import (
    CONSTANT_ATTRIBUTES,
    CONSTANT_METHODS,
    METHODS,
    MISSING,
    Parsed,
    classify,
    has_source,
    is_user_function,
)

_ELEMENTWISE = {"add", "subtract", "multiply", "divide", "power", "matmul"}
_MAKER = re.compile(r"\w*Engine\.(grad|value_and_grad|jacfwd|jacrev|hessian)")  # an engine's derivative maker


class Checker:
    """Refuses the non-differentiable uses of varied values, with their line."""

    def __init__(self, parsed: Parsed, varied: set[str], extra: dict, element=None):
        self.p, self.where, self.varied, self.extra = parsed, parsed.where, varied, extra
        self.element = element  # element(name, index): is name[index] varied (None: as name is), see .activity
        self.line = 0

    def resolve(self, node: ast.expr):
        """What a name means: a value normalize bound (a builtin it calls), or the user's."""
        if isinstance(node, ast.Name) and node.id in self.extra:
            return self.extra[node.id]
        return self.p.resolve(node)

    def refuse(self, construct: str, hint: str):
        return self.where.refuse(construct, self.line, hint)

    def statement(self, s, lists: set[str]) -> None:
        self.line = s.line
        if isinstance(s, (ir.If, ir.While)):
            self.expr(s.test, test=True)
        elif isinstance(s, ir.Effect):
            for child in ast.iter_child_nodes(s.node):
                if isinstance(child, ast.expr):
                    self.expr(child, test=True)
        elif isinstance(s, ir.Assign):
            v = s.value
            if isinstance(v, ir.Opaque):
                if self.expr(v.expr, test=False):
                    func = v.expr.func if isinstance(v.expr, ast.Call) else None  # m.max(a, axis=0), m a local
                    local = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                        and func.value.id in self.p.locals
                    raise self.refuse(f"the expression {ast.unparse(v.expr)!r} on a differentiated value",
                                      (module_hint(func.value.id, func.attr) + "; else " if local else "")
                                      + "write it with adcompare.numpy functions and operators")
            elif isinstance(v, ir.Op):
                varied_ops = [a for a, d in zip(v.args, v.diff) if d and a in self.varied]
                if varied_ops and any(isinstance(a, ir.Const) and isinstance(a.value, (type(None), str, bytes))
                                      for a in v.args):  # anp.where(m, x, None): JAX refuses it too
                    raise self.refuse(f"{v.prim.name} of a differentiated value and None or a string", "use a number")
                if varied_ops and (v.prim.vjp is None or v.prim.jvp is None):
                    raise self.refuse(f"the primitive '{v.prim.name}' has no derivative rule, and is "
                                      "applied to a differentiated value",
                                      "apply it to constants only, or add its rules to adcompare.rules")
                # a primitive with no derivative at all (nextafter, spacing; a where's condition is a comparison's)
                if not any(v.diff) and any(isinstance(a, str) and a in self.varied for a in v.args):
                    raise self.refuse(f"a differentiated value passed to '{v.prim.name}', which has no derivative "
                                      "(as in JAX)", "apply it to constants only (anp.stop_gradient)")
                if v.prim.name == "index_update":  # y[idx] = value
                    if isinstance(v.args[0], str) and v.args[0] in lists:
                        raise self.refuse(f"writing into the list {v.args[0]!r} by index",
                                          "make it an array (anp.zeros, anp.stack) and write into that, or "
                                          "build the list with append")
                    if self.expr(v.params["idx"], test=False):  # a comparison's (a mask's) value does not vary
                        self.integer_param(v, "idx", "a differentiated value used as an index",
                                           "indices must be constants or integers computed from constants")
                if v.prim.name in _ELEMENTWISE and not v.seq and not isinstance(v.primal, ast.Call):
                    seqs = [a for a in v.args if isinstance(a, str) and a in lists and a in self.varied]
                    if seqs:
                        raise self.list_arithmetic(seqs[0])
                receiver = v.receiver and (any(a in self.varied for a in v.args if isinstance(a, str)) or any(
                    self.expr(p, test=False) for p in v.params.values()))  # xp.reshape(x, n): is xp a module?
                for name, param in list(v.params.items()):
                    if self.expr(param, test=False):
                        self.integer_param(v, name, *method_of_a_module(v, name, param) or (
                            f"the parameter {name}= computed from a differentiated value",
                            "parameters such as axis and shape must be constants"))
                if receiver:
                    check_receiver(v, self.extra, (self.where.function, self.where.filename, self.line))
            elif isinstance(v, ir.Pack) and any(k in self.varied for k in v.keys or [] if isinstance(k, str)):
                raise self.refuse("a differentiated value used as a dict key",
                                  "keys must be constants (strings, integers) or computed from constants")
            elif isinstance(v, ir.Index):
                if self.expr(v.index, test=False):
                    s.value = ir.Index(v.value, self.integer(
                        v.index, "a differentiated value used as an index", "indices must be constants or integers "
                        "computed from constants; a dict's keys from a loop over a dict argument, enumerate(d), "
                        "list(d), or d or sorted(d) in a comprehension, are taken as its values: loop over "
                        "d.keys() or d.items()"))
            elif isinstance(v, ir.Call) and any(isinstance(a, str) and a in self.varied for a in v.args):
                for name, a in zip(v.kw, v.args[v.npos:]):
                    if isinstance(a, str) and a in self.varied:
                        what = (f"keyword argument {name!r} of {_callee(v.callee)}" if v.callee
                                else f"**{name} of {v.func.__qualname__} (which also takes *args)"
                                if name == v.kw[-1] and v.primal.keywords[-1].arg is None  # (see front.calls)
                                else f"keyword-only parameter {name!r} of {v.func.__qualname__}")
                        raise self.refuse(f"a differentiated value passed to the {what}", _keyword_hint(v, name))
                if _MAKER.fullmatch(getattr(v.func, "__qualname__", "")) and internal_file(v.func.__code__.co_filename):
                    raise self.refuse(f"{v.func.__name__}(f, ...) of a function f that reads differentiated values (a "
                                      "nested def or lambda), with has_aux or another option but argnums, or by an "
                                      "engine with higher='boxes'", "take it with argnums only, on SCTEngine(higher="
                                      "'sct'); for has_aux, eng.vjp(f, x, has_aux=True)")
                if v.func is checkpoint:  # (ad.checkpoint(g)(x) at once is a checkpointed call of g, lifted)
                    raise self.refuse("ad.checkpoint of a function that reads a differentiated value (a closure), "
                                      "kept as a value", "call it at once, ad.checkpoint(g)(x), g a nested def or "
                                      "lambda called only so, or pass the value to g as an argument")
                if v.callee is not None:
                    if v.callee in self.varied:
                        raise self.refuse(f"a call of {v.callee}, a function computed from a differentiated "
                                          "value", "pass the value to the function as an argument")
                elif not isinstance(v.func, CustomFunction) and not has_source(v.func):  # rules, no source
                    raise self.refuse(f"a call to {v.func.__qualname__}, a function without source code, "
                                      "on a differentiated value",
                                      "SCT transforms the functions it calls from their source; define "
                                      "it with def in a file")

    def integer(self, node: ast.expr, construct: str, hint: str) -> ast.expr:
        """``node``, a differentiated value used where only an integer can be (an index, a count, ``axis=``),
        checked when the code runs: integers have no derivative (an integer leaf of a differentiated pytree is
        used as it is, as JAX uses it), anything else is refused there with this line (see ``integer_index``)."""
        if isinstance(node, ast.Tuple):  # x[:, k]: each part (a slice is no expression of its own)
            return ast.Tuple([self.integer(e, construct, hint) for e in node.elts], ast.Load())
        if isinstance(node, ast.Starred):
            return ast.Starred(self.integer(node.value, construct, hint), ast.Load())
        if isinstance(node, ast.Slice):
            parts = [None if e is None else self.integer(e, construct, hint)
                     for e in (node.lower, node.upper, node.step)]
            return ast.Slice(*parts)
        if not self.expr(node, test=True):
            return node
        self.extra["__integer_index"] = integer_index
        where = (self.where.function, self.where.filename, self.line, construct, hint)
        return ast.Call(ast.Name("__integer_index", ast.Load()), [node, *map(ast.Constant, where)], [])

    def integer_param(self, v: ir.Op, name: str, construct: str, hint: str) -> None:
        """:meth:`integer` for the parameter ``name`` of ``v``, in its parameters and in its call as written."""
        old = v.params[name]
        v.params[name] = new = self.integer(old, construct, hint)
        for node in ast.walk(v.primal):
            for field, value in ast.iter_fields(node):
                if value is old:
                    setattr(node, field, new)
                elif isinstance(value, list):
                    value[:] = [new if e is old else e for e in value]

    def list_arithmetic(self, name: str):
        """The refusal of an operator on ``name``, which may hold a list or tuple: where the user's code
        also assigns it another value (``t = [a, b]``, later ``t = a * 2.0``), both lines, since SCT gives
        a name one kind of value in the whole function."""
        made, other = [], []
        for n in ast.walk(self.p.tree):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(
                n, (ast.AugAssign, ast.AnnAssign)) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and n.value is not None:
                seq = any(isinstance(e, (ast.List, ast.Tuple, ast.ListComp)) for e in (  # xs + [v]: a list too
                    [n.value.left, n.value.right] if isinstance(n.value, ast.BinOp) else [n.value]))
                (made if seq else other).append(self.where.line(n))
        if not (made and other):
            return self.refuse("arithmetic on a list or tuple of differentiated values",
                               "operators on lists concatenate or repeat them; build the list with append "
                               "(xs.append(v)), or use anp.concatenate or anp.stack")
        return self.refuse(f"arithmetic on {name!r}, a name that holds a list or tuple (line {min(made)}) and "
                           f"another value (line {min(other)}): SCT expected a list or tuple of differentiated "
                           "values here, and takes one kind of value per name",
                           f"give the list and the other value different names (e.g. {name}_list = [...])")

    def expr(self, node: ast.AST, test: bool) -> bool:
        """Does ``node`` vary? Refuses non-differentiable uses outside tests."""
        if isinstance(node, ast.Name):
            return node.id in self.varied
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            return False
        if isinstance(node, ast.Compare):
            for n in [node.left, *node.comparators]:
                self.expr(n, test=True)
            return False
        if isinstance(node, ast.BoolOp):
            if any([self.expr(v, test) for v in node.values]) and not test:
                raise self.refuse("and/or on a differentiated value", "use anp.where, or an if statement")
            return False
        if isinstance(node, ast.UnaryOp):
            varies = self.expr(node.operand, test)
            if isinstance(node.op, ast.Not):
                return False
            if isinstance(node.op, ast.Invert) and varies and not test:
                raise self.refuse("~ on a differentiated value", "it has no derivative")
            return varies
        if isinstance(node, ast.BinOp):
            varies = self.expr(node.left, test) | self.expr(node.right, test)
            if type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.Mod):
                return varies
            if isinstance(node.op, ast.FloorDiv):  # a constant, as anp.floor_divide's and JAX's
                return False
            if varies and not test:
                raise self.refuse(f"the operator {_op_symbol(node.op)} on a differentiated value",
                                  "it has no derivative; apply it to constants, or to integers")
            return False
        if isinstance(node, ast.Call):
            return self.call(node, test)
        if isinstance(node, ast.Attribute):
            if self.resolve(node.value) is MISSING:
                varies = self.expr(node.value, test)
                if node.attr in CONSTANT_ATTRIBUTES:
                    return False
                if node.attr == "T":
                    return varies
                if varies and not test:
                    raise self.refuse(f"the attribute .{node.attr} of a differentiated value",
                                      "use adcompare.numpy functions")
                return False
            return False  # a module attribute: a constant
        if isinstance(node, ast.Subscript):
            if self.expr(node.slice, test=test) and not test:
                node.slice = self.integer(node.slice, "a differentiated value used as an index",
                                          "indices must be constants or integers computed from constants")
            picked = self.element(node.value.id, node.slice) if isinstance(node.value, ast.Name) and self.element \
                else None
            return self.expr(node.value, test) if picked is None else picked
        if isinstance(node, ast.IfExp):
            self.expr(node.test, test=True)
            return self.expr(node.body, test) | self.expr(node.orelse, test)
        varies = False
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                varies |= self.expr(child, test)
        return varies

    def call(self, node: ast.Call, test: bool) -> bool:
        args = list(node.args) + [k.value for k in node.keywords]
        func = node.func
        if isinstance(func, ast.Attribute) and self.resolve(func.value) is MISSING:
            receiver = self.expr(func.value, test)
            varies = any([self.expr(a, test) for a in args]) | receiver
            if func.attr in METHODS:
                return varies
            if func.attr in CONSTANT_METHODS:
                return False
            if varies and not test and not receiver:  # the arguments are differentiated, not the object
                chosen = isinstance(func.value, ast.IfExp)
                what = "a conditional expression" if chosen else "an object"
                hint = ("choose the object first, in an if statement, and call the method on a variable "
                        "holding it (if c: h = e1.grad(g), else: h = e2.grad(g))" if chosen else
                        f"take the method into a variable first, and call that (m = "
                        f"{ast.unparse(func)}, then m(...)): SCT follows the function it holds when it runs")
                raise self.refuse(f"the method .{func.attr}() called on {what} SCT cannot resolve "
                                  f"({ast.unparse(func.value)}), with differentiated arguments", hint)
            if varies and not test:
                hint = ("index the dict by its keys instead, e.g. w, b = p['w'], p['b']"
                        if func.attr in ("values", "items", "keys", "get") else _method_hint(func))
                raise self.refuse(f"the method .{func.attr}() on a differentiated value", hint)
            return False
        obj = self.resolve(func)
        if obj in TRACED and len(node.args) in (1, 2) and not node.keywords and self.expr(node.args[0], True) \
                and not internal_file(self.where.filename):  # isinstance(x, float): as JAX answers of a tracer
            self.extra[f"__traced_{obj.__name__}"] = TRACED[obj]
            node.func = ast.Name(f"__traced_{obj.__name__}", ast.Load())
            return False
        vocab = classify(obj) if obj is not MISSING else None
        varies = any([self.expr(a, test) for a in args])
        if vocab is not None:
            if vocab.kind == "op":
                return varies
            if obj is range and varies and not test:
                node.args = [self.integer(a, "range() of a differentiated value", "compute the count from constants")
                             if self.expr(a, test) else a for a in node.args]
                return False
            if vocab.kind == "nondiff" and varies and not test:
                name = getattr(obj, "__name__", "it")
                hint = ("use anp.minimum / anp.maximum" if name in ("min", "max") else
                        "compute the count from constants, or pass it as an argument of its own: SCT takes a "
                        "value made from (or kept in a container with) differentiated values as differentiated"
                        if name == "range" else "a static argument of jax.jit is hashed, as JAX hashes it (JAX "
                        "cannot take a traced value there either): pass it as an ordinary argument"
                        if name == "jit_static_argument" else "it cuts the derivative; keep the value as it is")
                raise self.refuse(f"{name}() of a differentiated value", hint)
            return False
        if is_user_function(obj):
            return varies
        if varies and not test and hasattr(obj, "sct_refused"):  # (construct, hint): anp.vectorize marks its function
            raise self.refuse(*obj.sct_refused)
        if varies and not test:
            raise self.refuse(f"a call to {ast.unparse(func)}, which is neither a vocabulary primitive "
                              "nor a function with source, on a differentiated value",
                              "use adcompare.numpy (import adcompare.numpy as anp) or a Python function "
                              "defined with def")
        return False


def _callee(name: str) -> str:
    """The callee's name as the user knows it (a temporary ``_t1``: a function ``(f if c else g)(x)`` computes)."""
    return "the function this line computes and calls" if re.fullmatch(r"_t\d+", name) else name


def _keyword_hint(v: ir.Call, name: str) -> str:
    """How to pass the differentiated argument ``name`` of the call ``v`` so that SCT differentiates it."""
    if v.callee is not None or name == v.kw[-1] and v.primal.keywords[-1].arg is None:
        return "SCT differentiates the arguments a call passes by position; pass this one by position"
    f = v.func.__qualname__
    if internal_file(v.func.__code__.co_filename):  # the vocabulary's own keyword-only parameter (fill_value=)
        return (f"SCT takes {name}= of adcompare's {f} as a constant: give it a value computed from constants "
                "and add the differentiated part after the call, or use the overloading engine")
    return (f"SCT differentiates positional parameters only, and a keyword-only one cannot be passed by position: "
            f"make {name} a positional parameter of {f} (def {v.func.__name__}(..., {name}, ...)); the call may "
            f"still pass {name}={name}")


def _op_symbol(op: ast.operator) -> str:
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
            ast.LShift: "<<", ast.RShift: ">>"}.get(type(op), type(op).__name__)


def _method_hint(func: ast.Attribute) -> str:
    """The vocabulary function to write for a method SCT does not take on a differentiated value."""
    x = ast.unparse(func.value)
    if func.attr == "copy":
        return f"write anp.array({x}) (an array) or dict({x}) (a dict), a copy SCT differentiates"
    if func.attr == "pop":
        return (f"SCT takes {x}.pop() of a local list (its last element); for another element read it, "
                f"v = {x}[i], and build the list without it with append")
    if hasattr(anp, func.attr):
        return f"write the function form, anp.{func.attr}({x}, ...), which SCT differentiates"
    return "use adcompare.numpy functions; methods are not differentiated"
