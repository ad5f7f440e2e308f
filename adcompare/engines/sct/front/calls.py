"""Calls: what each call in a user function is, as :mod:`..ir` sees it.

Contract: the :class:`Calls` part of the normalizer classifies a call by the object it calls: vocabulary (an
``ir.Op``, arguments bound to the wrapper's operands and parameters; array methods such as ``x.sum()`` too), other
user functions (``ir.Call``, arguments bound to parameters, defaults filled in; ``functools.partial`` objects and
``partial(f, a)(x)`` as calls of ``f``, ``ad.checkpoint(f)(x)`` as a checkpointed call), custom functions (their own
rules, or, for a checkpointed one with source, transformed), and everything else, library functions such as
``np.ones`` included (``ir.Opaque``, whose use on differentiated values :mod:`..analysis.refusals` refuses). A call
of a function known only when the code runs (a local variable, ``fs[0](x)``, ``make(a)(x)``; ``v.copy()``, a dict's,
list's or array's copy chosen by :func:`..emit.python_checks.copy_for`) is an ``ir.Call`` with a ``callee``
variable: the driver transforms the function it holds when it is called (:func:`..transform.call_fwd`). A call of a
user function that writes into its parameter is refused (see :mod:`.aliases`).
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import types

import numpy as np

from adcompare import numpy as anp
from adcompare.checkpoint import checkpoint
from adcompare.custom import CustomFunction
from adcompare.engine import is_engine_made
from adcompare.engines.sct import ir, naming
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.errors import internal_file
from adcompare.engines.sct.front import builtin_source, custom_calls, sized_code
from adcompare.engines.sct.front.aliases import parameter_slots, parameters_written
from adcompare.engines.sct.front.anf import statement_text
from adcompare.engines.sct.front.parse import METHODS, MISSING, Vocab, classify, has_source, is_user_function
from adcompare.engines.sct.front.vocab_calls import LIBRARY_CALLS, array_method, beyond_primitive, undefined_hint


def user_call_method(obj: object) -> bool:
    """Is ``obj`` an instance of a user's class whose ``__call__`` is a ``def`` (or a staticmethod of one), so
    that calling it runs ``obj.__call__``, code SCT transforms? (Not a function or a class, nor adcompare's own
    callables, a primitive, a custom function, nor anything an engine made.)"""
    cls = type(obj)
    call = next((c.__dict__["__call__"] for c in cls.__mro__ if "__call__" in c.__dict__), None)
    call = call.__func__ if isinstance(call, staticmethod) else call
    return not isinstance(obj, (types.FunctionType, type)) and is_user_function(call) \
        and not (cls.__module__ or "").startswith("adcompare.") and not is_engine_made(obj) and classify(obj) is None


# the methods of arrays (parse.CONSTANT_METHODS among them), containers and strings: refused on a differentiated
# receiver, run as Python on others
_VALUES_OWN = set().union(*(dir(t) for t in (np.ndarray, list, dict, tuple, str, set)))


class Calls:
    """Calls classified and bound (see the module doc).

    The host (:class:`adcompare.engines.sct.front.normalize.Normalizer`) holds the state
    (``p`` the parsed function, ``where``, ``namer``, ``extra`` the generated code's added
    globals, ``temps``) and the other parts; see that module for how they fit together.
    """

    def call(self, node: ast.Call) -> ir.Expr:
        func = node.func
        if isinstance(func, ast.Call):
            return self.call_of_call(node)
        if not isinstance(func, (ast.Name, ast.Attribute)):  # fs[0](x): known when it runs
            return self.dynamic_call(node, self.atom(func))
        if isinstance(func, ast.Attribute) and (self.p.resolve(func.value) is MISSING or array_method(self.p, func)):
            module = self.p.resolve(func.value.value) if isinstance(func.value, ast.Attribute) else None
            if isinstance(module, types.ModuleType) and not hasattr(module, func.value.attr):  # anp.fft.fft
                raise self.where.refuse(f"a call of {ast.unparse(func)!r}, which is not defined ({module.__name__} "
                                        f"has no attribute {func.value.attr!r})", node, "use a function it defines")
            return self.method(node)  # a method of a value (not of a module)
        obj = self.p.resolve(func)
        if obj is MISSING:
            if isinstance(func, ast.Name) and func.id in self.p.locals:
                return self.dynamic_call(node, func.id)
            raise self.where.refuse(f"a call of {ast.unparse(func)!r}, which is not defined", node,
                                    undefined_hint(self.p, func))
        return self.dispatch(node, obj)

    def dispatch(self, node: ast.Call, obj) -> ir.Expr:
        """The call ``node`` of the object ``obj``, by what ``obj`` is."""
        if isinstance(obj, functools.partial):
            return self.partial_call(node, obj)
        if isinstance(obj, CustomFunction):
            return self.custom_call(node, obj)
        if obj is anp.einsum and len(node.args) > 1 and isinstance(node.args[1], (ast.Tuple, ast.List)):
            raise self.where.refuse("anp.einsum in the interleaved form einsum(a, [0, 1], b, [1, 2], ...)", node,
                                    "write the subscripts as a string, e.g. einsum('ij,jk->ik', a, b)")
        if isinstance(obj, types.MethodType) and is_user_function(obj.__func__):  # M.predict(x), M a global
            fn, receiver = obj.__func__, self.constant("method_self", obj.__self__)
            merged = ast.Call(self.constant(naming.ident(fn), fn), [receiver] + node.args, node.keywords)
            return self.user_call(ast.copy_location(merged, node), fn)
        if obj is builtins.sorted and node.args and isinstance(node.args[0], ast.Name) \
                and node.args[0].id in self.dicts():  # sorted(d) of a dict: its keys, constants
            return ir.Opaque(ast.Call(self.known("sorted_keys", runtime.sorted_keys), node.args, node.keywords))
        shown = builtin_source.display(obj, node)
        if shown is not None:  # dict(a=x, b=y)
            return self.value(shown)
        place = [ast.Constant(self.where.function), ast.Constant(self.where.filename),
                 ast.Constant(self.where.line(node))]
        if obj is builtins.sorted or obj in (builtins.max, builtins.min) and node.keywords:
            node = self.operands_once(node)  # their replacement reads the values twice (sort_order's, and its own)
        source = builtin_source.replacement(obj, node, place, self.known)
        if source is not None and any(self.p.resolve(a) is MISSING for a in node.args):  # max(SET): the builtin
            args, fn = source  # sum, max, min, pow: as the Python they are (see .builtin_source)
            if fn in builtin_source.BY_POSITION:
                args = place + args
            merged = ast.copy_location(ast.Call(self.constant(naming.ident(fn), fn), args, []), node)
            return self.user_call(merged, fn)
        if sized_code.named_tuple_class(obj) and not any(isinstance(a, ast.Starred) for a in node.args) \
                and all(k.arg for k in node.keywords):
            return self.named_tuple(node, obj)
        vocab = classify(obj)
        if vocab is not None:
            return self.vocab_call(node, vocab, obj) if vocab.kind == "op" else ir.Opaque(node)
        prim = LIBRARY_CALLS.get(obj) if isinstance(obj, types.FunctionType) else None
        if prim is not None:  # el.multiply(x, y): the elemental library's call of a primitive
            return self.vocab_call(node, Vocab("op", prim), prim)
        if is_user_function(obj):
            return self.user_call(node, obj)
        if user_call_method(obj):  # m(x), m of a user class with __call__ (as sct.direct.unwrap takes m at the top)
            return self.dispatch(node, obj.__call__)
        return ir.Opaque(node)

    def named_tuple(self, node: ast.Call, cls: type) -> ir.Expr:
        """``State(p, vel=v)``: the tuple of its fields in order (defaults filled in), made a ``State``."""
        given = dict(zip(cls._fields, node.args)) | {k.arg: k.value for k in node.keywords}
        if len(node.args) > len(cls._fields) or set(given) - set(cls._fields) or len(given) < len(node.args) + len(
                node.keywords) or set(cls._fields) - set(given) - set(cls._field_defaults):
            return ir.Opaque(node)  # a call Python refuses: it does, when it runs
        atoms = {k: self.atom(v) for k, v in given.items()}  # in the order written
        elts = [atoms[k] if k in atoms else self.atom(self.constant("default", cls._field_defaults[k]))
                for k in cls._fields]
        return ir.Pack(elts, "tuple", named=self.constant(naming.ident(cls), cls))

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
        self.emit(ir.Assign(callee, ir.Opaque(inner), self.line(), statement_text(self.node)))
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
        name, d = node.func.attr, node.func.value
        if name == "get" and isinstance(d, ast.Name) and d.id in self.dicts() and not node.keywords \
                and len(node.args) in (1, 2) and isinstance(node.args[0], (ast.Constant, ast.Name)):
            key, default = node.args[0], node.args[1] if len(node.args) == 2 else ast.Constant(None)
            where = functools.partial(ast.copy_location, old_node=node)  # d.get(k, x): d[k] if k in d else x
            return self.value(where(ast.IfExp(where(ast.Compare(key, [ast.In()], [d])),
                                              where(ast.Subscript(d, key, ast.Load())), default)))
        if name == "_replace" and not node.args and node.keywords and all(k.arg for k in node.keywords):
            recv, names = self.atom(d), tuple(k.arg for k in node.keywords)  # s._replace(vel=v): made the class
            where = [ast.Constant(self.where.function), ast.Constant(self.where.filename),
                     ast.Constant(self.where.line(node))]
            maker = ast.Call(self.known("named_replace", sized_code.named_replace),
                             [ir.atom_ast(recv), ast.Constant(names), *where], [])
            return self.value(ast.copy_location(ast.Call(maker, [ir.atom_ast(recv)] + [
                k.value for k in node.keywords], []), node))
        if name == "copy" and not node.args and not node.keywords:  # a dict's, list's or array's: known when it runs
            chooser = ast.Call(self.known("copy_for", runtime.copy_for), [recv := ir.atom_ast(self.atom(d))], [])
            call = self.dynamic_call(ast.copy_location(ast.Call(chooser, [recv], []), node), self.atom(chooser))
            call.shallow_copy = True
            return call
        if name not in METHODS and name not in _VALUES_OWN and isinstance(d, ast.Name):  # self.predict(x): a call of
            return self.dynamic_call(node, self.atom(node.func))  # the bound method, read when it runs (as Python)
        if name not in METHODS:
            return ir.Opaque(node)  # activity refuses it on a differentiated receiver
        recv = self.atom(node.func.value)
        args = list(node.args)
        if name in ("reshape", "transpose") and len(args) > 1:  # x.reshape(2, 3), x.transpose(1, 0)
            args = [ast.Tuple(args, ast.Load())]
        fn, vocab = METHODS[name], classify(METHODS[name])
        call = ast.Call(ast.Name("_", ast.Load()), [ir.atom_ast(recv)] + args, node.keywords)
        try:
            inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except TypeError:  # not the array method (xp.max(a, axis=0) of a module in a variable)
            return ir.Opaque(node)
        if vocab is None:  # a composition (x.ravel()): a call of the vocabulary function, transformed
            self.array_receiver(node, recv)
            call = ast.Call(self.constant(naming.ident(fn), fn), [ir.atom_ast(recv)] + args, node.keywords)
            return self.dispatch(ast.copy_location(call, node), fn)
        op = self.vocab_call(call, vocab, fn)
        if not isinstance(op, ir.Op):  # x.sum(where=m): anp.sum's code, transformed
            return op
        named = isinstance(node.func.value, ast.Name) and not array_method(self.p, node.func)  # may be a module
        op.primal = ast.Call(ast.Attribute(ir.atom_ast(recv), name, ast.Load()), list(node.args), node.keywords) \
            if named else ast.Call(self.constant(f"anp_{name}", fn), op.primal.args, op.primal.keywords)
        op.receiver = node.func.value.id if named else None  # (see refusals); else X.dot(w) is anp.dot(X, w)
        return op

    def array_receiver(self, node: ast.Call, recv: ir.Atom) -> None:
        """A check, when the code runs, that the receiver of the array method ``node`` calls is not a module."""
        if isinstance(node.func.value, ast.Name):  # xp.ravel(x), xp a module in a variable: refused
            place = (node.func.value.id, node.func.attr, self.where.function, self.where.filename)
            self.emit(ir.Effect(ast.Expr(ast.Call(self.known("array_receiver", runtime.array_receiver), [
                ir.atom_ast(recv), *map(ast.Constant, place + (self.where.line(node),))], [])), self.line(), True))

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
            return self.op(vocab.prim, args, {k.arg: k.value for k in node.keywords}, primal)
        bound = self.bind(obj, node)
        if isinstance(obj, types.FunctionType) and beyond_primitive(vocab, bound):  # anp.sum(x, where=m): the
            # wrapper's own code (a composition of primitives), transformed as the vocabulary's compositions are
            call = ast.Call(self.constant(naming.ident(obj), obj), list(node.args), list(node.keywords))
            return self.user_call(ast.copy_location(call, node), obj)
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
        return self.op(vocab.prim, args, params, primal, seq)

    def user_call(self, node: ast.Call, fn) -> ir.Call:
        """A call of a user function: its arguments bound to its parameters in order (``*args``
        spread out, defaults filled in), keyword-only ones passed by keyword."""
        if fn.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR | inspect.CO_COROUTINE):
            raise self.where.refuse(f"a call of {fn.__qualname__} ({fn.__code__.co_filename}, line "
                                    f"{fn.__code__.co_firstlineno}), a generator or async function (it uses yield "
                                    "or await), whose result is not a value", node,
                                    "have it return the value (a list, or the sum of what it yields)")
        written, in_place = parameters_written(fn)
        if written is not None:
            raise self.where.refuse(
                f"a call of {fn.__name__}, which writes into its parameter {written}[...]; SCT writes "
                f"functionally, as JAX's .at[].set, so the caller's array would not see the write", node,
                f"have {fn.__name__} return the updated array and assign it in the caller")
        bound = self.bind(fn, node, follow=False)
        bound.apply_defaults()
        params = inspect.signature(fn, follow_wrapped=False).parameters.values()
        spread = any(p.kind is p.VAR_POSITIONAL for p in params)
        pos, kw, kw_args, extra = [], [], [], None  # extra: the **kwargs dict
        for param in params:
            value = bound.arguments[param.name]
            if param.kind is param.VAR_KEYWORD:  # the dict, to the parameter normalize makes of it (default {})
                if not value:
                    continue
                if internal_file(fn.__code__.co_filename):  # adcompare's own (an engine's made function)
                    raise self.where.refuse(f"keywords for the **{param.name} of {fn.__qualname__}", node,
                                            "pass the arguments by position")
                value = ast.Dict([ast.Constant(k) for k in value], list(value.values()))
            atoms = [self.atom(v if isinstance(v, ast.AST) else self.constant(
                f"{naming.ident(fn)}_{param.name}_default", v))
                for v in (value if param.kind is param.VAR_POSITIONAL else (value,))]
            if param.kind is param.VAR_KEYWORD:
                extra = atoms[0]
            if param.kind is param.KEYWORD_ONLY or param.kind is param.VAR_KEYWORD and spread:
                kw.append(param.name)
                kw_args += atoms
            else:
                pos += atoms
        args = pos + kw_args
        plain = list(zip(kw, kw_args))[:-1] if extra is not None and spread else list(zip(kw, kw_args))
        primal = ast.Call(node.func, [ir.atom_ast(a) for a in (pos[:-1] if extra is not None and not spread else pos)],
                          [ast.keyword(k, ir.atom_ast(a)) for k, a in plain]  # and the **kwargs dict spread back
                          + ([ast.keyword(None, ir.atom_ast(extra))] if extra is not None else []))
        call = ir.Call(fn, args, primal, kw=tuple(kw))
        slots = parameter_slots(fn, pos[:-1] if extra is not None and not spread else pos, kw_args)
        passed = [a for k in in_place for a in slots[k] if isinstance(a, str)]
        if passed:  # it writes into these arguments' arrays in place: see .aliases
            self.call_writes[id(call)] = (fn.__name__, passed)
        return call

    def custom_call(self, node: ast.Call, obj: CustomFunction) -> ir.Call:
        return custom_calls.custom_call(self, node, obj)
