"""Writes into a dict or a local list in place, copies, ``**``, views and ``+`` of lists, as new values (before the
fence).

Contract: :func:`lower` rewrites, in place, the statements of a function's body (not of its nested scopes,
which are rewritten when they are transformed) and the expressions in them, into calls of the makers of
:mod:`.dict_code` (``maker(...)(...)``, whose made function SCT transforms as any callee):

* ``del d[k]`` is ``d = without(d, k, False, where)(d)``; ``del seq[i]`` of a local list (each assignment of it a
  list display, a comprehension, ``list(...)`` or ``sorted(...)``) is ``seq = python_list_del(where, seq, i)``
  (:mod:`.builtin_source`), marked (``sct_list_rebuilt``) as a list rebuilt, checked as an append is;
* ``d.update(e, k=v)`` is ``d = display(('**', '**', 'k'), where, d, e, 'k')(d, e, v)``; ``d.clear()`` is ``d = {}``;
* ``x = d.pop(k[, default])`` (or the call alone; ``pop`` and ``clear`` of a variable that holds a dict, see
  below) is ``x = entry_or(d, k, ...)(d, default)``, then
  ``d = without(d, k, True, where)(d)``;
* ``x = d.setdefault(k[, v])`` (or the call alone) is ``d = put_missing(d, k, where)(d, v)``, then ``x = d[k]``;
* ``first + second`` of surely lists (:func:`.local_lists.local_lists`) is
  ``python_list_concat(where, first, second)``, and ``xs += [v]`` is ``xs = python_list_concat(where, xs, [v])``,
  marked as a list rebuilt;
* ``d.values()`` and ``d.items()`` of a local dict or a parameter, outside a loop's head, are the lists
  ``[v for v in d.values()]`` and ``[(k, v) for k, v in d.items()]`` (:mod:`.for_targets` takes their loops); in a
  function that writes in place, only where an eager builtin or a vocabulary function reads them at once (a view
  kept is live: refused);
* ``dict(d)`` and ``d.copy()`` (``d`` a variable that holds a dict: a display, a comprehension, ``dict(...)`` or
  ``**kwargs``) are ``display(('**',), where, d)(d)``, and ``{**d, 'k': v}`` is ``display(('**', 'k'), ...)``;
  ``xs.copy()`` of a local list is ``list(xs)``, a new list (:mod:`.local_lists`), and so is ``ys = xs.copy()`` of
  any ``xs`` where ``ys`` is appended to (``python_list``, checked when it runs to copy a list).

A rewritten statement that assigns ``d`` is marked (``sct_in_place``) as a write into ``d`` in place, so that
:mod:`.aliases` refuses it where another name would see it. An operand read twice (by the maker and by
the made function) is held in a variable first, or, in an expression, must be a name or a constant.
Such a write inside a loop over the same dict (its keys, items or values) is refused at its line: Python
raises when the dict changes size while it is iterated. A dict that is not a local variable built here (a
display, a comprehension, ``dict(...)``) may be an argument, whose keys JAX puts in sorted order where Python
keeps the caller's: spread (kind ``'**?'``) or changed in place, it is checked to be in sorted order.
"""

from __future__ import annotations

import ast
import builtins
import itertools
from collections.abc import Callable

from adcompare.engines.sct.asttools import fix_locations
from adcompare.engines.sct.front import builtin_source, dict_code
from adcompare.engines.sct.front.local_lists import is_list, list_copy, local_lists
from adcompare.primitives import Primitive

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_serial = itertools.count()
_IN_PLACE = {"update", "pop", "setdefault", "clear"}
_EAGER = (builtins.sum, builtins.max, builtins.min, builtins.len, builtins.list, builtins.tuple, builtins.sorted,
          builtins.any, builtins.all)


def lower(tree: ast.FunctionDef, bind: Callable, resolve: Callable, where) -> None:
    """See the module doc; ``bind(base, value)`` names a value in the code's globals, ``resolve`` tells what a
    name is, ``where`` places nodes in the user's file."""
    _Lower(tree, bind, resolve, where).block(tree, "body", [])


def _pure(node: ast.expr) -> bool:
    return isinstance(node, (ast.Name, ast.Constant))


class _Lower:
    def __init__(self, tree, bind, resolve, where):
        self.bind, self.resolve, self.where = bind, resolve, where
        self.dicts = {n.targets[0].id for n in ast.walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1
                      and isinstance(n.targets[0], ast.Name) and (isinstance(n.value, (ast.Dict, ast.DictComp))
                                                                  or isinstance(n.value, ast.Call)
                                                                  and resolve(n.value.func) is builtins.dict)}
        self.dicts |= {tree.args.kwarg.arg} if tree.args.kwarg else set()
        self.params = {a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)}
        self.lists = local_lists(tree, resolve) - self.params
        self.appended = {n.func.value.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(
            n.func, ast.Attribute) and n.func.attr == "append" and isinstance(n.func.value, ast.Name)}
        # a dict changed in place anywhere (d[k] = v, del d[k], d |= e, d.update(e), ...): a view kept under a name
        # (its = d.items()) is live, Python's sees the change, a list made at once would not. Writes into a name
        # surely no dict (a local list, an array a vocabulary function made) do not count
        made = {id(n.targets[0]) for n in ast.walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1
                and isinstance(n.value, ast.Call) and _vocabulary(resolve(n.value.func))}
        stores = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        arrays = {n.id for n in stores} - {n.id for n in stores if id(n) not in made} - self.params

        def may_be_dict(t: ast.expr) -> bool:
            while isinstance(t, (ast.Subscript, ast.Attribute)):
                t = t.value
            return not (isinstance(t, ast.Name) and t.id in self.lists | arrays)
        self.writes = any(isinstance(n, (ast.Assign, ast.Delete)) and any(
            isinstance(t, ast.Subscript) and may_be_dict(t) for t in n.targets) or isinstance(n, ast.AugAssign) and (
            isinstance(n.op, ast.BitOr) or isinstance(n.target, ast.Subscript) and may_be_dict(n.target))
            or isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _IN_PLACE
            | {"popitem"} and may_be_dict(n.func) for n in ast.walk(tree))

    def place(self, node: ast.AST) -> list[ast.expr]:
        w = self.where
        return [ast.Constant(w.function), ast.Constant(w.filename), ast.Constant(w.line(node))]

    def made(self, maker, args: list[ast.expr], values: list[ast.expr], node: ast.AST) -> ast.Call:
        call = ast.Call(ast.Call(self.bind(maker.__name__, maker), args, []), values, [])
        return ast.copy_location(call, node)

    def hold(self, expr: ast.expr, out: list) -> ast.expr:
        """``expr``, held in a variable first unless a name or a constant (it is read twice)."""
        if _pure(expr):
            return expr
        name = f"_sct_held{next(_serial)}"
        out.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], expr), expr))
        return ast.Name(name, ast.Load())

    def assign(self, target: ast.expr | str, value: ast.expr, node: ast.AST, in_place: bool = False) -> ast.Assign:
        target = ast.Name(target, ast.Store()) if isinstance(target, str) else target
        s = ast.copy_location(ast.Assign([target], value), node)
        if in_place:
            s.sct_in_place = True  # a write into the dict in place (see .anf, .aliases)
        return s

    def block(self, node: ast.AST, field: str, loops: list[str]) -> None:
        new = []
        for s in getattr(node, field):
            inner = loops + ([self.iterated(s.iter)] if isinstance(s, ast.For) else [])
            for f in ("body", "orelse", "finalbody"):
                if isinstance(getattr(s, f, None), list) and not isinstance(s, _SCOPES):
                    self.block(s, f, inner)
            made = self.statement(s, loops)
            for m in made if made is not None else [s]:
                self.expressions(m)
                new.append(fix_locations(m))
        setattr(node, field, new)

    def iterated(self, it: ast.expr) -> str | None:
        """The dict a loop runs over (``d``, ``d.keys()``, ``d.items()``, ``d.values()``, ``enumerate`` of one)."""
        if isinstance(it, ast.Call) and it.args and self.resolve(it.func) is builtins.enumerate:
            it = it.args[0]
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("keys", "items",
                                                                                                  "values"):
            it = it.func.value
        return it.id if isinstance(it, ast.Name) else None

    def statement(self, s: ast.stmt, loops: list) -> list[ast.stmt] | None:
        """The statements ``s`` is, rewritten, or None to keep it."""
        if isinstance(s, ast.Delete):
            if not all(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) for t in s.targets):
                return None
            if any(t.value.id in self.lists for t in s.targets):
                return self.list_deletes(s)
            self.check(s, [t.value.id for t in s.targets], loops, "del")
            return [self.ordered(t.value.id, s) for t in s.targets if t.value.id not in self.dicts] + [
                self.assign(t.value.id, self.made(dict_code.without, [
                ast.Name(t.value.id, ast.Load()), t.slice, ast.Constant(False)] + self.place(s),
                [ast.Name(t.value.id, ast.Load())], s), s, True) for t in s.targets]
        if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name) and s.target.id in self.lists:
            new = self.assign(s.target.id, self.concat(ast.Name(s.target.id, ast.Load()), s.value, s), s)
            new.sct_list_rebuilt = True  # += extends the list in place: checked as an append is (.anf)
            return [new]
        target, call = (s.targets[0], s.value) if isinstance(s, ast.Assign) and len(s.targets) == 1 else \
            (None, s.value) if isinstance(s, ast.Expr) else (None, None)
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in _IN_PLACE
                and isinstance(call.func.value, ast.Name)
                and (call.func.value.id in self.dicts or call.func.attr in ("update", "setdefault"))) \
                or any(isinstance(a, ast.Starred) for a in call.args) or (target is not None
                                                                           and call.func.attr in ("update", "clear")):
            return None
        d, kind = call.func.value.id, call.func.attr
        self.check(s, [d], loops, f"d.{kind}()")
        out: list[ast.stmt] = [self.ordered(d, s)] if d not in self.dicts else []
        if kind == "clear" and not call.args and not call.keywords:
            return [self.assign(d, ast.Dict([], []), s, True)]
        if kind == "update" and len(call.args) <= 1:
            parts = [("**", a) for a in call.args] + [("**" if k.arg is None else "k", k.value, k.arg)
                                                      for k in call.keywords]
            return out + [self.assign(d, self.spread([("**", ast.Name(d, ast.Load()))] + parts, s, out), s, True)]
        if call.keywords or kind in ("update", "clear") or not 1 <= len(call.args) <= 2:
            return None  # Python's TypeError, from the method as written
        key = self.hold(call.args[0], out)
        default = self.hold(call.args[1], out) if len(call.args) == 2 else ast.Constant(None)
        dv = ast.Name(d, ast.Load())
        if kind == "pop":
            value = f"_sct_popped{next(_serial)}"
            out.append(self.assign(value, self.made(dict_code.entry_or, [dv, key, ast.Constant(len(call.args) == 2)]
                                                    + self.place(s), [dv, default], s), s))
            out.append(self.assign(d, self.made(dict_code.without, [dv, key, ast.Constant(True)] + self.place(s),
                                                [dv], s), s, True))
            read: ast.expr = ast.Name(value, ast.Load())
        else:  # setdefault
            out.append(self.assign(d, self.made(dict_code.put_missing, [dv, key] + self.place(s), [dv, default], s),
                                   s, True))
            read = ast.Subscript(dv, key, ast.Load())
        return out + ([self.assign(target, read, s)] if target is not None else [])

    def concat(self, first: ast.expr, second: ast.expr, node: ast.AST) -> ast.Call:
        """``first + second`` of lists: ``python_list_concat(where, first, second)``, a new list."""
        fn = builtin_source.python_list_concat
        return ast.copy_location(ast.Call(self.bind(fn.__name__, fn), self.place(node) + [first, second], []), node)

    def list_deletes(self, s: ast.Delete) -> list[ast.stmt] | None:
        """``del seq[i]`` of a local list: ``seq = python_list_del(where, seq, i)``, a new list without the
        element, marked as a list rebuilt (checked as an append is: .aliases); a slice stays refused (.fence)."""
        if len(s.targets) > 1 or isinstance(s.targets[0].slice, ast.Slice):
            return None
        seq = s.targets[0].value.id
        fn = builtin_source.python_list_del
        call = ast.Call(self.bind(fn.__name__, fn), self.place(s) + [ast.Name(seq, ast.Load()), s.targets[0].slice],
                        [])
        new = self.assign(seq, ast.copy_location(call, s), s)
        new.sct_list_rebuilt = True  # see .anf
        return [new]

    def ordered(self, d: str, node: ast.AST) -> ast.Assign:
        """``d = display(('**?',), where, d)(d)``: a dict that may be an argument, checked to be in JAX's order."""
        return self.assign(d, self.spread([("**", ast.Name(d, ast.Load()))], node, None), node)

    def check(self, s: ast.stmt, names: list[str], loops: list, what: str) -> None:
        for name in names:
            if name in loops:
                raise self.where.refuse(f"{what} on the dict {name} inside a loop over it", s,
                                        f"loop over a copy of its keys (for k in list({name}.keys())), or build a "
                                        "new dict")

    def spread(self, parts: list[tuple], node: ast.AST, out: list | None) -> ast.expr | None:
        """``display(kinds, where, *sized)(*values)`` of ``parts`` (``("**", dict)`` or ``("k", value, key)``);
        with ``out`` None (in an expression), None where a spread dict is not a name or a constant."""
        sized, values = [], []
        for part in parts:
            if part[0] == "**":
                if out is None and not _pure(part[1]):
                    return None
                held = part[1] if out is None else self.hold(part[1], out)
                sized.append(held)
                values.append(held)
            else:
                sized.append(part[2] if isinstance(part[2], ast.expr) else ast.Constant(part[2]))
                values.append(part[1])
        kinds = ast.Constant(tuple(p[0] + ("?" if p[0] == "**" and not (isinstance(p[1], ast.Name) and p[1].id in
                                                                        self.dicts) else "") for p in parts))
        where = ast.Tuple(self.place(node), ast.Load())
        return self.made(dict_code.display, [kinds, where] + sized, values, node)

    def view(self, node: ast.Call) -> ast.ListComp:
        """``d.values()`` or ``d.items()`` outside a loop's head (``sum(d.values())``, ``list(d.items())``):
        the list ``[v for v in d.values()]`` (or of ``(k, v)``), whose loop for_targets takes over the keys (a
        run-time check that ``d`` is a dict in sorted order gives them, as for a loop)."""
        k, v = f"_sct_k{next(_serial)}", f"_sct_v{next(_serial)}"
        target = ast.Name(v, ast.Store()) if node.func.attr == "values" else \
            ast.Tuple([ast.Name(k, ast.Store()), ast.Name(v, ast.Store())], ast.Store())
        elt = ast.Name(v, ast.Load()) if node.func.attr == "values" else \
            ast.Tuple([ast.Name(k, ast.Load()), ast.Name(v, ast.Load())], ast.Load())
        loop = ast.comprehension(target, node, [], 0)
        loop.iter.sct_iterated = True
        return ast.copy_location(ast.ListComp(elt, [loop]), node)

    def expressions(self, s: ast.stmt) -> None:
        """``dict(d)``, ``d.copy()`` and ``{**d, k: v}`` in the expressions of the statement ``s`` (not in the
        statements it holds), rewritten in place."""
        todo = [(s, None, None, None)]
        while todo:
            node, parent, field, index = todo.pop()
            new = self.expression(node, parent) if parent is not None and not getattr(node, "sct_iterated", False) \
                else None
            if new is not None:
                if index is None:
                    setattr(parent, field, new)
                else:
                    getattr(parent, field)[index] = new
                node = new
            if isinstance(node, (ast.For, ast.comprehension)):  # a loop over d.values(), enumerate(d.items()):
                for it in [node.iter] + (node.iter.args if isinstance(node.iter, ast.Call) else []):  # for_targets'
                    it.sct_iterated = True
            for f, value in ast.iter_fields(node):
                items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
                todo += [(v, node, f, k) for k, v in items if isinstance(v, ast.AST) and not isinstance(v, ast.stmt)
                         and not isinstance(v, _SCOPES)]

    def appended_copy(self, node: ast.Call, parent: ast.AST | None) -> bool:
        """Is ``node`` ``xs.copy()`` assigned to a name appended to (``ys = xs.copy()``, then ``ys.append(v)``)?"""
        return isinstance(node.func, ast.Attribute) and node.func.attr == "copy" and not node.args \
            and isinstance(node.func.value, ast.Name) and isinstance(parent, ast.Assign) and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name) and parent.targets[0].id in self.appended

    def expression(self, node: ast.AST, parent: ast.AST | None = None) -> ast.expr | None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and is_list(node, self.lists, self.resolve):
            return self.concat(node.left, node.right, node)
        if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            parts = []
            for k, v in zip(node.keys, node.values):  # **{'a': x}: its entries
                inline = isinstance(v, ast.Dict) and None not in v.keys and k is None
                parts += [("k", iv, ik) for ik, iv in zip(v.keys, v.values)] if inline else \
                    [("**", v) if k is None else ("k", v, k)]
            return self.spread(parts, node, None)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _IN_PLACE \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in self.dicts:
            raise self.where.refuse(f"{ast.unparse(node.func)}(...) inside an expression (it changes the dict "
                                    f"{node.func.value.id} in place)", node, "write it as a statement of its own: "
                                                                             f"v = {ast.unparse(node)}")
        if not isinstance(node, ast.Call) or node.keywords or len(node.args) > 1:
            return None
        if (copied := list_copy(node, self.lists)) is not None:  # a list's copy is a new list, as list(xs) is
            return ast.copy_location(ast.Call(self.bind("list", builtins.list), [copied], []), node)
        if self.appended_copy(node, parent):  # ys = xs.copy(), then ys.append(v): xs must be a list (checked)
            fn = builtin_source.python_list
            return ast.copy_location(ast.Call(self.bind(fn.__name__, fn), self.place(node) + [
                node.func.value, ast.Constant(True)], []), node)
        if not node.args and isinstance(node.func, ast.Attribute) and node.func.attr in ("values", "items") \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in self.dicts | self.params:
            fn = self.resolve(parent.func) if isinstance(parent, ast.Call) and node in parent.args else None
            read = fn in _EAGER or fn in builtin_source.READERS or fn is not None and _vocabulary(fn)
            if self.writes and not read:  # (these read the view at once; zip, enumerate, iter keep it)
                raise self.where.refuse(f"{ast.unparse(node)} kept (a live view) in a function that writes into a "
                                        "dict (or another value) in place", node,
                                        f"read it at once (list({ast.unparse(node)})), or read the values by key")
            return self.view(node)
        if not node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "copy" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in self.dicts:
            return self.spread([("**", node.func.value)], node, None)  # (an array's copy: the method, a fresh value)
        if len(node.args) == 1 and self.resolve(node.func) is builtins.dict \
                and not isinstance(node.args[0], ast.Starred):
            return self.spread([("**", node.args[0])], node, None)
        return None


def _vocabulary(fn) -> bool:
    """A vocabulary function or primitive: it reads its operands at once and gives arrays (never a dict)."""
    return isinstance(fn, Primitive) or (getattr(fn, "__module__", None) or "").startswith("adcompare.numpy")
