"""The code of a derivative of a closure: explicit programs of the captured data, which SCT transforms again.

Contract: :mod:`.front.closure_values` asks here, when the code runs, for

* ``DERIVED(engine, kind, code, argnum)``: the code of ``engine.<kind>`` of a closure
  whose code is ``code(env, *params)``, differentiated at ``argnum`` (the captured
  data ``env`` is argument 0: the inner derivative never differentiates it, the
  outer one does). For ``SCTEngine(higher="sct")`` it is a program (see
  :mod:`.programs`) that calls ``code``'s generated sweeps, so an outer SCT
  derivative transforms the generated code again and no box is made; ``jacfwd`` of
  a tuple of scalars (GradBench's vectors) gives a tuple, one column per element,
  as ``jax.jacfwd`` does. Any other engine gives its own derivative function, which
  an outer SCT derivative runs on boxes.
* ``JVP(engine, fn, closure, n)``: ``jvp(env, primals, tangents)`` (``closure``) or
  ``jvp(primals, tangents)`` of ``fn`` at ``n`` primals, the same way.
* ``VJP(n, file, line, value)``: the template of a vjp's pull-back (:class:`PullbackTemplate`), a
  closure of ``f`` and its primals whose code runs ``f``'s generated sweeps; with ``value``, of
  its value: the output of the same forward sweep, so that an outer derivative differentiates
  what the inner one computed (a custom function's rule, as JAX), not ``f`` again.

Programs are cached per code.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import weakref
from collections.abc import Callable
from typing import Any

from adcompare.engine import engine_made
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit import runtime, second
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.engines.sct.front import closure_values, closures
from adcompare.engines.sct.front.parse import classify
from adcompare.primitives import shape

_serial = itertools.count(1)
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # code -> {key: derived code}
_kept: dict = {}  # the same for a callable without weak references (a builtin such as math.sin, refused later, clearly)


def _table(fn: Callable) -> dict:
    try:
        return _cache.setdefault(fn, {})
    except TypeError:
        return _kept.setdefault(fn, {})


_METHOD = {"grad": "grad", "jacfwd": "jacfwd", "jacrev": "jacrev", "grad_value": "value_and_grad"}


def unit_items(like, i):
    """The elements of the tangent of a tuple of scalars that is 1 at element ``i`` and 0 elsewhere."""
    out = []
    for j in range(len(like)):
        if shape(like[j]) != ():
            raise TypeError("SCTEngine(higher='sct'): jacfwd of a tuple whose elements are not scalars "
                            "is not supported; pass one array, or use higher='boxes'")
        if j == i:
            out.append(1.0)
        else:
            out.append(0.0)
    return out


def unit_tangent(like, i):
    return closure_values.as_tuple(unit_items(like, i))


def _exec(name: str, text: str, namespace: dict) -> Callable:
    filename = f"<sct closure program {name} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102  (our own generated definition)
    return namespace[name]


def _tuple_aware(kind: str, code: Callable, k: int, n: int) -> Callable:
    """``kind`` ("grad" or "jacfwd") of ``code`` at argument ``k`` of ``n``: for a tuple of scalars, a tuple
    (one element per element, by reverse mode or one column per tangent by forward mode); else :mod:`.programs`'."""
    args = ", ".join(f"a{m}" for m in range(n))
    if kind == "jacfwd":
        dotted = ", ".join(f"a{m}, unit_tangent(a{k}, i)" if m == k else f"a{m}" for m in range(n))
        lines = ["    cols = []", f"    for i in range(len(a{k})):", f"        out, out_dot = jvp({dotted})",
                 "        cols.append(out_dot)"]
        entry = transform.transform(code, "forward", (k,), n)
    else:  # each element's cotangent on its own (reverse over reverse moves scalars, not containers)
        lines = [f"    out, residuals = fwd({args})", "    g = bwd(residuals, seed_like(out))[0]", "    cols = []",
                 f"    for i in range(len(a{k})):",
                 f"        cols.append(final_bar(item_bar(g, i, len(a{k})), a{k}[i]))"]
        entry = transform.transform(code, "reverse", (k,), n, residuals="arrays")
    name = f"{kind}_{code.__name__}"
    text = "\n".join([f"def columns({args}):"] + lines + ["    return cols", "", f"def {name}({args}):",
                                                          f"    if isinstance(a{k}, tuple):",
                                                          f"        result = as_tuple(columns({args}))",
                                                          "    else:", f"        result = array_program({args})",
                                                          "    return result", ""])
    namespace = {**entry.functions, "array_program": closures.PROGRAM(kind, code, k, n),
                 "unit_tangent": unit_tangent, "as_tuple": closure_values.as_tuple, "seed_like": second.seed_like,
                 "final_bar": runtime.final_bar, "item_bar": runtime.item_bar}
    return _exec(name, text, namespace)


def _plain(fn: Callable, n: int) -> Callable:
    """``fn`` as a function SCT transforms: a vocabulary function (``anp.sin``, a primitive, which
    has no source of its own) or a ``functools.partial`` is called from a plain ``def`` of its ``n``
    positional arguments."""
    if classify(fn) is None and not isinstance(fn, functools.partial):
        return fn
    table = _table(fn)
    if ("plain", n) not in table:
        xs = ", ".join(f"x{i}" for i in range(n))
        name = f"{getattr(fn, '__name__', None) or getattr(fn, 'name', 'f')}_call"
        name = name if name.isidentifier() else "vocabulary_call"
        table["plain", n] = _exec(name, f"def {name}({xs}):\n    return fn({xs})\n", {"fn": fn})
    return table["plain", n]


def _sct(engine: Any) -> bool:
    return getattr(engine, "name", None) == "sct" and getattr(engine, "higher", None) == "sct"


def derived(engine: Any, kind: str, code: Callable, argnum: int) -> Callable:
    table = _cache.setdefault(code, {})
    key = (kind, argnum, "sct" if _sct(engine) else id(engine))
    if key not in table:
        n = code.__code__.co_argcount
        if not _sct(engine):
            table[key] = getattr(engine, _METHOD[kind])(code, argnums=argnum)
        elif kind in ("jacfwd", "grad") and type(argnum) is int:
            table[key] = _tuple_aware(kind, code, argnum, n)
        else:
            table[key] = closures.PROGRAM(kind, code, argnum, n)
    return table[key]


def jvp_program(engine: Any, fn: Callable, closure: bool, n: int) -> Callable:
    table = _table(fn)
    key = ("jvp", n, closure, "sct" if _sct(engine) else id(engine))
    if key not in table:
        if not _sct(engine):
            def by_engine(*args):
                env, (primals, tangents) = args[:-2], args[-2:]
                return engine.jvp(functools.partial(fn, *env), primals, tangents)

            table[key] = engine_made(by_engine)
        else:
            first = 1 if closure else 0
            active = tuple(range(first, first + n))
            entry = transform.transform(fn if closure else _plain(fn, n), "forward", active, first + n)
            name = f"jvp_{getattr(fn, '__name__', 'f').strip('<>')}"
            params = (["a0"] if closure else []) + ["primals", "tangents"]
            dotted = ", ".join((["a0"] if closure else []) + [f"primals[{i}], tangents[{i}]" for i in range(n)])
            text = f"def {name}({', '.join(params)}):\n    out, out_dot = jvp({dotted})\n    return (out, out_dot)\n"
            table[key] = _exec(name, text, {"jvp": entry.functions["jvp"]})
    return table[key]


class PullbackTemplate:
    """What ``make_closure`` makes a vjp's pull-back from: the closure of ``(f, x1, ..., xn)`` (``f`` bound into
    the code when it is a plain function) whose code runs ``f``'s sweeps at the primals for a cotangent; with
    ``value``, the vjp's value: ``code(env)`` runs the forward sweep alone (where ``f`` calls a custom function,
    its rule's value, whose outer derivative is the rule's code's, not the custom rule applied again)."""

    def __init__(self, n: int, filename: str, line: int, value: bool = False, aux: bool = False):
        self.n, self.filename, self.line, self.value, self.aux = n, filename, line, value, aux  # aux: has_aux

    def split(self, values: tuple) -> list[bool]:
        for x in values[1:]:
            if closure_values.kind(x) != "data":
                raise SCTError(f"vjp at a primal that is not made of floats ({a_type(x)}), inside code SCT "
                               "transforms", "<nested derivative>", self.filename, self.line,
                               "pass the other values to the function by closure")
        return [isinstance(values[0], closure_values.Closure)] + [True] * self.n

    def code(self, values: tuple, data: list[bool]) -> Callable:
        closure, fn = data[0], (values[0].code if data[0] else values[0])
        table = _table(fn)
        key = ("vjp", self.n, closure, self.value, self.aux and not self.value)
        if key not in table:
            xs = [f"x{i}" for i in range(self.n)]
            args = (["f"] if closure else []) + xs
            first = 1 if closure else 0
            target = fn if closure else _plain(fn, self.n)
            if key[-1]:  # has_aux: the pull-back of the output's first part, (out, aux)[0]
                text = f"def vjp_output({', '.join(args)}):\n    return fn({', '.join(args)})[0]\n"
                target = _exec("vjp_output", text, {"fn": target})
            entry = transform.transform(target, "reverse",
                                        tuple(range(first, first + self.n)), len(args),
                                        residuals="arrays")
            bars = "".join(f"final_bar(bars[{i}], x{i}), " for i in range(self.n))
            name, tail = ("vjp_value", ["    return out"]) if self.value else \
                ("vjp_pullback", ["    bars = bwd(residuals, g)", f"    return ({bars})"])
            text = "\n".join([f"def {name}(env{'' if self.value else ', g'}):", f"    ({', '.join(args)},) = env",
                              f"    out, residuals = fwd({', '.join(args)})"] + tail + [""])
            table[key] = _exec(name, text, {**entry.functions, "final_bar": runtime.final_bar})
        return table[key]


closure_values.DERIVED = derived
closure_values.VJP = PullbackTemplate
closure_values.JVP = jvp_program
