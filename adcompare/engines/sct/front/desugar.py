"""Desugar: loops over range objects, index writes as functional updates, list operands packed.

Contract: the :class:`Desugar` part of the normalizer rewrites, while the
statements go into A-normal form,

* ``for`` loops to run over a range object in a variable (an array or tuple is
  iterated by index, after a check that it is indexed by position;
  ``ad.checkpointed_range(...)`` becomes ``range(...)`` on a loop marked
  ``checkpoint``; a loop variable the body assigns to is copied from a variable
  of the loop's own);
* ``grid[i][j] = v`` of a local list of new lists nobody else sees (:mod:`.nested_lists`) to ``grid``
  rebuilt with its row rebuilt (``builtin_source.python_list_set``), else refused;
* ``y[idx] = v`` to ``y = index_update(y, v, idx=idx)``, a new array as JAX's
  ``y.at[idx].set(v)`` (refused where another name that may hold the array is
  read afterwards, see :mod:`.aliases`); a chained ``y[i][j] = v`` to
  ``t = y[i]``, ``t = index_update(t, v, idx=j)``, ``y = index_update(y, t, idx=i)``,
  after a check that ``i`` is a basic index (then ``y[i]`` is a view of ``y``);
* ``d['a'] = v`` (a string key: a dict's entry) to ``d = dict_set(keys of d, 'a')(d, v)``,
  a new dict (see :mod:`.sized_code`), refused where another name would see the write;
* a tuple or list given to a vocabulary function as an array operand into a
  ``stack`` of it, as ``jnp.asarray`` packs it.
"""

from __future__ import annotations

import ast
import builtins
import functools

from adcompare import numpy as anp
from adcompare.checkpoint import checkpointed_range
from adcompare.engines.sct import ir
from adcompare.engines.sct.asttools import copy_tree, index_value, walk
from adcompare.engines.sct.emit import inplace, runtime
from adcompare.engines.sct.front import builtin_source, nested_lists, sized_code
from adcompare.engines.sct.front.anf import statement_text
from adcompare.engines.sct.front.builtin_source import MAKES_LIST
from adcompare.engines.sct.front.fingerprints import one_of
from adcompare.engines.sct.front.for_targets import keys_read, loop_changes
from adcompare.engines.sct.front.jumps import loop_has_break
from adcompare.engines.sct.front.parse import METHODS, MISSING, classify, is_user_function
from adcompare.primitives import index_update_p


def _basic(index: ast.expr) -> bool:
    """Is the subscript a basic index as written (integer literals, slices, None, ...)?"""
    if isinstance(index, ast.Tuple):
        return all(_basic(e) for e in index.elts)
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
        index = index.operand
    return isinstance(index, ast.Slice) or (isinstance(index, ast.Constant) and (
        index.value is None or index.value is Ellipsis or type(index.value) is int))


class Desugar:
    """Loops, index writes and list operands (see the module doc).

    The host (:class:`adcompare.engines.sct.front.normalize.Normalizer`) holds the state
    (``p`` the parsed function, ``where``, ``namer``, ``extra`` the generated code's added
    globals, ``temps``) and the other parts; see that module for how they fit together.
    """

    def for_stmt(self, s: ast.For) -> None:
        target, it = s.target.id, s.iter
        if isinstance(it, ast.Name) and it.id in self.dicts():  # for k in d: its keys (constants), in the order
            place = [ast.Constant(self.where.function), ast.Constant(self.where.filename), ast.Constant(self.line())]
            keys = self.known("written_keys", runtime.written_keys)  # its displays and writes gave, as JAX's
            it = ast.copy_location(ast.Call(keys, [it] + place, []), it)
        elif keys_read(s):  # for k in p: ... p[k], p a dict argument: its keys
            place = [ast.Constant(self.where.function), ast.Constant(self.where.filename), ast.Constant(self.line())]
            it = ast.copy_location(ast.Call(self.known("loop_keys", runtime.loop_keys), [it] + place, []), it)
        rng = self.namer.numbered("_range")
        checkpointed, every, checks = False, None, []
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
                and not is_user_function(self.p.resolve(it.func)) and not self.array_method(it) \
                and not one_of(self.p.resolve(it.func), MAKES_LIST):  # list(...), sorted(...): see .builtin_source
            raise self.where.refuse(f"iterating over {ast.unparse(it.func)}(...)", s,
                                    "iterate over range(...) or over an array, and index")
        else:  # the first axis of an array (or the items of a tuple or list), by index
            it, resizes = self.iterated(s, it)
            seq = self.atom(it)
            self.emit(self.sequence_check(seq, s))
            index = self.namer.fresh(f"{target}_index")
            length = ast.Call(self.builtin("len"), [ir.atom_ast(seq)], [])
            self.emit(ir.Assign(rng, ir.Opaque(ast.Call(self.builtin("range"), [length], [])),
                                self.line(), self.text(s)))
            head = [ir.Assign(target, ir.Index(seq, ast.Name(index, ast.Load())), self.line(), self.text(s))]
            place = (resizes, rng, *map(ir.Const, (self.where.function, self.where.filename, self.where.line(s))))
            checks = self.resized(s, it, seq) if resizes is None else [ir.Effect(ast.Expr(ast.Call(self.known(
                "same_length", runtime.same_length), [ir.atom_ast(v) for v in place], [])), self.line(), True)]
            head = (checks if resizes else []) + head + ([] if resizes else checks)
            target = index
        self.loops += 1
        body = head + self.block(s.body)
        self.loops -= 1
        if head and isinstance(getattr(head[0], "value", None), ir.Copy):
            target = head[0].value.src
        self.emit(ir.For(target, rng, body, self.where.line(s), loop_has_break(s.body), checkpointed, every))
        for check in checks:  # after the last step too (see resized)
            self.emit(ir.Effect(copy_tree(check.node), check.line, check=True))

    def iterated(self, s: ast.For, it: ast.expr) -> tuple[ast.expr, str | None]:
        """A loop over ``xs`` as Python's iterator runs over the object: where the body assigns ``xs`` again, over
        the value it had (a copy taken before the loop); where it appends to or pops from it (``del xs[i]``...),
        ``(it, "xs")``: SCT's loop runs over the length it had, checked at each step and after the loop (one
        that may break is refused, as both together and ``xs += ...`` are)."""
        if not isinstance(it, ast.Name):
            return it, None
        xs = it.id
        assigned, resized, augmented = loop_changes(s, xs)
        if augmented or (assigned and resized) or (resized and loop_has_break(s.body)):
            raise self.where.refuse(f"a loop over {xs} whose body changes its length or assigns it again (with "
                                    "+=, or with a break)", s, f"loop over a copy, for v in list({xs}), or over "
                                    f"range(n) with an index, or give the new value another name than {xs}")
        if assigned:
            own = self.namer.fresh(f"{xs}_iterated")
            self.emit(ir.Assign(own, ir.Copy(xs), self.line(), self.text(s)))
            return ast.copy_location(ast.Name(own, ast.Load()), it), None
        return it, (xs if resized else None)

    def resized(self, s: ast.For, it: ast.expr, seq: ir.Atom) -> list:
        """A loop over a dict's keys (``for k in d``, ``d.keys()``: ``dict_keys(d)``) whose body writes into
        ``d``: Python raises at each next step, and at the end, if the body added a key; SCT's loop runs over
        the keys it had, so a check that ``d`` keeps their number runs at each step and after the loop
        (a loop that may break is refused: its end is checked only when it did not break)."""
        if not (isinstance(it, ast.Call) and one_of(self.p.resolve(it.func), (runtime.dict_keys, runtime.written_keys))
                and isinstance(it.args[0], ast.Name)):
            return []
        d = it.args[0].id
        stores = [n for st in s.body for n in ast.walk(st) if isinstance(getattr(n, "ctx", None), ast.Store)]
        if not any(isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == d for n in stores):
            return []
        if any(isinstance(n, ast.Name) and n.id == d for n in stores):  # the loop runs over the dict it had
            raise self.where.refuse(f"a loop over the keys of {d} whose body assigns {d} and writes into it", s,
                                    f"give the new dict another name than {d}")
        if loop_has_break(s.body):
            raise self.where.refuse(f"a write into the dict {d} in a loop over its keys that may break", s,
                                    f"loop over a copy of the keys, for k in list({d}.keys()), or do not break")
        call = ast.Call(self.known("same_size", runtime.same_size), [ast.Name(d, ast.Load()), ir.atom_ast(seq)], [])
        return [ir.Effect(ast.Expr(call), self.line(), check=True)]

    def array_method(self, it: ast.Call) -> bool:
        """``x.reshape(2, 3)``, ``x.ravel()``...: an array method of a value, iterated over by index as an array is."""
        return (isinstance(it.func, ast.Attribute) and it.func.attr in METHODS
                and self.p.resolve(it.func.value) is MISSING)

    def loop_head(self, s: ast.For) -> list:
        """A loop variable the body assigns to, or the function binds elsewhere (``k = x[0]`` before the loop, a
        parameter), runs over one of its own copied in at each step: a constant there, restored alone in reverse."""
        target = s.target.id
        stores = [sum(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == target
                      for n in ast.walk(t)) for t in (self.p.tree, *s.body)]  # the function's, the body's
        if target not in {a.arg for a in ast.walk(self.p.tree.args) if isinstance(a, ast.arg)} \
                and stores[0] < 2 and not any(stores[1:]):
            return []
        own = self.namer.fresh(f"{target}_iter")
        return [ir.Assign(target, ir.Copy(own), self.where.line(s), statement_text(s))]

    def sequence_check(self, seq: ir.Atom, loop: ast.For) -> ir.Effect:
        """A check, run before the loop, that ``seq`` is indexed by position (a dict is not)."""
        name = self.namer.fresh("check_sequence")
        self.extra[name] = functools.partial(runtime.check_sequence, function=self.where.function,
                                             filename=self.where.filename, line=self.where.line(loop))
        return ir.Effect(ast.Expr(ast.Call(ast.Name(name, ast.Load()), [ir.atom_ast(seq)], [])), self.line())

    def write_into(self, target: ast.Subscript, value: ast.expr) -> None:
        """``y[idx] = v`` becomes ``y = index_update(y, v, idx=idx)``: a new array, as JAX's
        ``y.at[idx].set(v)`` (the rules are index_update_p's); ``y[i][j] = v`` writes ``y[i]``
        back into ``y``. Marked as a write in place, for :mod:`.aliases`."""
        chain = [target]
        while isinstance(chain[-1].value, ast.Subscript):
            chain.append(chain[-1].value)
        base = chain[-1].value
        if not isinstance(base, ast.Name):
            raise self.where.refuse(f"a write into {ast.unparse(target.value)}[...], which is not a variable", target,
                                    "write into the array itself with one index, e.g. y[i, j] = v "
                                    "(y.T[i] is y[:, i]), or into a variable")
        name = base.id
        if name not in self.p.locals:
            raise self.where.refuse(f"a write into {name}[...], and {name} is not a local variable", target,
                                    f"copy it into a local variable first (y = {name} * 1.0) and write into that")
        keyed = next((sub for sub in chain if isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str)),
                     None)
        if target.value is base and (keyed is target or name in self.dicts()):  # a dict's entry
            self.write_entry(name, target.slice, value)
            return
        if target.value is base and name in self.lists() and not isinstance(target.slice, ast.Slice):
            self.list_write(name, target, value)
            return
        if name in self.lists() and keyed is None and len(chain) == 2 and not isinstance(target.slice, ast.Slice):
            self.row_write(name, target, value)
            return
        if keyed is not None:
            raise self.where.refuse(f"a write into the nested dict entry {ast.unparse(target)}", target,
                                    "build the inner value first, then write it: e[...] = v; d['a'] = e")
        if len(chain) > 1:  # y[i][j] = v: as a write into an array, not into a list's inner list
            check = self.bound("check_array_holder", functools.partial(
                inplace.check_array_holder, target=ast.unparse(target), function=self.where.function,
                filename=self.where.filename, line=self.line()))
            self.emit(ir.Effect(ast.Expr(ast.Call(ast.Name(check, ast.Load()), [ast.Name(name, ast.Load())], [])),
                                self.line(), check=True))
        holders, indices = [name], []
        for sub in reversed(chain):  # outermost first: y, then y[i], then y[i][j] ...
            indices.append(index_value(copy_tree(sub.slice), self.bound("slice", builtins.slice)))
        for idx, sub in zip(indices[:-1], reversed(chain)):
            if not _basic(sub.slice):
                check = self.bound("check_view_index", functools.partial(
                    inplace.check_view_index, target=ast.unparse(target), function=self.where.function,
                    filename=self.where.filename, line=self.line()))
                call = ast.Call(ast.Name(check, ast.Load()), [copy_tree(idx)], [])
                self.emit(ir.Effect(ast.Expr(call), self.line(), check=True))
            part = self.namer.temp()
            self.temps.add(part)
            self.emit(ir.Assign(part, ir.Index(holders[-1], copy_tree(idx)), self.line(), self.text(self.node)))
            holders.append(part)
        v = self.atom(value)
        for holder, idx in reversed(list(zip(holders, indices))):
            update = self.bound("index_update", index_update_p)
            primal = ast.Call(ast.Name(update, ast.Load()), [ast.Name(holder, ast.Load()), ir.atom_ast(v)],
                              [ast.keyword("idx", idx)])
            self.emit(ir.Assign(holder, self.op("index_update", [holder, v], {"idx": idx}, primal), self.line(),
                                self.text(self.node)))
            v = holder
        self.write("index", name)

    def list_write(self, name: str, target: ast.Subscript, value: ast.expr) -> None:
        """``seq[i] = v`` of a local list: ``seq`` rebuilt with ``v`` at ``i`` (Python's
        ``builtin_source.python_list_set``, transformed as any callee), checked as an append is (.aliases)."""
        fn = builtin_source.python_list_set
        where = [ast.Constant(self.where.function), ast.Constant(self.where.filename), ast.Constant(self.line())]
        call = ast.Call(self.constant("python_list_set", fn), where + [ast.Name(name, ast.Load()),
                                                                       copy_tree(target.slice), value], [])
        self.emit(ir.Assign(name, self.user_call(ast.copy_location(call, target), fn), self.line(),
                            self.text(self.node)))
        self.rebuilt.add(id(self.out[-1]))

    def row_write(self, name: str, target: ast.Subscript, value: ast.expr) -> None:
        """``grid[i][j] = v`` of a local list of new lists nobody else sees (:mod:`.nested_lists`): ``grid``
        rebuilt with ``grid[i]`` rebuilt with ``v`` at ``j``."""
        if not nested_lists.fresh_rows(self.p.tree, name, self.p.resolve):
            raise self.where.refuse(f"writing into {ast.unparse(target)}, inside the list {name!r}, where {name} "
                                    "may hold something other than new lists no other name sees", target,
                                    f"make {name} a display or comprehension of new lists ([[a, b], [c, d]], "
                                    f"[[0.0] * n for _ in range(m)]), read it as {name}[i][j], or make it an array")
        fn = builtin_source.python_list_set
        where = [ast.Constant(self.where.function), ast.Constant(self.where.filename), ast.Constant(self.line())]
        row = ast.Call(self.known("python_list_set", fn), where + [copy_tree(target.value), copy_tree(target.slice),
                                                                     value], [])
        self.list_write(name, target.value, ast.copy_location(row, target))

    def lists(self) -> set[str]:
        """The local variables that hold a list SCT sees made: each assignment of them a list display or a
        call making a new list (a comprehension, ``list(...)``); appends, pops and index writes aside."""
        if getattr(self, "_lists", None) is None:
            made, at = set(), set()
            for n in ast.walk(self.p.tree):
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and (
                        isinstance(n.value, ast.List) or isinstance(n.value, ast.Call) and (
                        one_of(self.p.resolve(n.value.func), MAKES_LIST)
                        or getattr(self.p.resolve(n.value.func), "sct_makes_list", False))):
                    made.add(n.targets[0].id)
                    at.add(id(n.targets[0]))
            other = {n.id for n in ast.walk(self.p.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                     and id(n) not in at}
            self._lists = made - other - set(self.p.params)
        return self._lists

    def dicts(self) -> set[str]:
        """The local variables that hold a dict: each assignment of them a dict display or comprehension (and
        a ``**kwargs`` parameter not assigned otherwise)."""
        if getattr(self, "_dicts", None) is None:
            made, at = set(), set()
            for n in ast.walk(self.p.tree):
                maker = n.value.func.func if isinstance(getattr(n, "value", None), ast.Call) \
                    and isinstance(n.value.func, ast.Call) else None  # dict_code's maker(d, ...)(d, ...)
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and (
                        isinstance(n.value, ast.Dict) or isinstance(n.value, ast.Call)
                        and getattr(self.p.resolve(maker or n.value.func), "sct_makes_dict", False)):
                    made.add(n.targets[0].id)
                    at.add(id(n.targets[0]))
            other = {n.id for n in ast.walk(self.p.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                     and id(n) not in at}
            kwargs = self.p.tree.args.kwarg  # **kwargs: a dict
            self._dicts = made - other - set(self.p.params) | ({kwargs.arg} - other if kwargs else set())
        return self._dicts

    def known(self, base: str, fn) -> ast.Name:
        """A name for ``fn``, a constant function SCT may call on differentiated values (its result is not)."""
        name = self.bound(base, fn)
        self.p.extra[name] = fn  # what the analyses resolve names by
        return ast.Name(name, ast.Load())

    def write_entry(self, name: str, key: ast.expr, value: ast.expr) -> None:
        """``d[key] = v`` becomes ``d = dict_set(written_keys(d), key)(d, v)``: a new dict (see
        :mod:`.sized_code`), marked as a write in place, for :mod:`.aliases`."""
        place = [ast.Constant(self.where.function), ast.Constant(self.where.filename), ast.Constant(self.line())]
        checked = self.known("written_keys", runtime.written_keys)
        keys = self.atom(ast.Call(checked, [ast.Name(name, ast.Load())] + place, []))
        setter = ast.Call(ast.Name(self.bound("dict_set", sized_code.dict_set), ast.Load()),
                          [ir.atom_ast(keys), key], [])
        call = ast.Call(setter, [ast.Name(name, ast.Load()), value], [])
        self.emit(ir.Assign(name, self.value(call), self.line(), self.text(self.node)))
        self.write("entry", name)

    def pack_lists(self, block: list, lists: set[str]) -> list:
        """A tuple or list given to a vocabulary function as an array operand (``anp.sum([a, b])``)
        is packed first, as ``jnp.asarray`` packs it: ``_t = stack(seq)``, a primitive whose rules
        carry each element's derivative. Python's operators on lists keep their meaning."""
        out = []
        for s in block:
            if isinstance(s, ir.If):
                s.body, s.orelse = self.pack_lists(s.body, lists), self.pack_lists(s.orelse, lists)
            elif isinstance(s, (ir.For, ir.While)):
                s.body = self.pack_lists(s.body, lists)
            elif isinstance(s, ir.Assign) and isinstance(s.value, ir.Op) and not s.value.seq \
                    and isinstance(s.value.primal, ast.Call):
                op = s.value
                for k, a in enumerate(op.args):
                    if op.prim is index_update_p and k == 0:
                        continue  # writing into a list: refused by activity, not turned into an array
                    if isinstance(a, str) and a in lists:
                        packed = self.namer.temp()
                        self.temps.add(packed)
                        # ``stack(seq)`` (the vocabulary's), not ``stack_p(*seq)``: generated code is
                        # transformed again, and the front takes no starred call
                        stack = ast.Call(ast.Name(self.bound("stack", anp.stack), ast.Load()),
                                         [ast.Name(a, ast.Load())], [])
                        out.append(ir.Assign(packed, self.op("stack", [a], {}, stack, seq=True), s.line, s.text))
                        op.args[k] = packed
                        for n in walk(op.primal):
                            if isinstance(n, ast.Name) and n.id == a:
                                n.id = packed
            out.append(s)
        return out
