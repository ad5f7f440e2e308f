"""Derivative programs: ``grad``, ``jacrev`` and ``jacfwd`` of a function as source code the transform can take.

Contract: ``SCTEngine(higher="sct")`` differentiates a derivative it made
(``eng.grad(f)``, ``eng.jacrev(f)``) by transforming a *program*: a plain
function, with source registered in ``linecache``, that calls ``f``'s generated
forward and backward sweeps, e.g.::

    def grad_f(a0, a1):
        out, residuals = f_fwd(a0, a1)
        bars = f_bwd(residuals, seed_like(out))
        return final_bar(bars[0], a0)

so that forward over reverse (``hvp``, ``jacfwd(jacrev(f))``) is the forward
transform of this program (and forward over forward, ``jacfwd(jacfwd(f))``, that
of the ``jacfwd`` program calling ``f``'s generated ``jvp`` once per input
element), which transforms the generated code again (see :mod:`.front.generated`
and :mod:`.emit.second`). :func:`build` maps a call of
the engine-made function (its arguments, their positions) to a call of the
program. Programs are cached per generated forward sweep.
"""

from __future__ import annotations

import itertools
import linecache
import types
import weakref
from typing import Any, NamedTuple

from adcompare import numpy as anp
from adcompare import trees
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit import runtime, second
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.engines.sct.front import closures
from adcompare.primitives import is_float, primal, shape

_serial = itertools.count(1)
_programs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # fwd -> {key: program}
MADE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine-made function -> (kind, f, argnums, has_aux)


def tag(made: Any, kind: str, f: Any, argnums: Any, has_aux: bool) -> Any:
    MADE[made] = (kind, f, argnums, has_aux)
    return made


def _text(kind: str, name: str, n: int, kwnames: tuple[str, ...], outputs: list[tuple[int, int]],
          single: bool, aux: bool = False, layouts: dict | None = None) -> str:
    """The program's source: ``outputs`` are (index among the backward's results, parameter);
    ``aux``: the function returns ``(out, aux)`` (``has_aux=True``), and so does the program; ``layouts``:
    for a jacrev's parameter that holds a container, its :class:`Layout` (rows stacked leaf by leaf)."""
    layouts = layouts or {}
    params = ", ".join([f"a{k}" for k in range(n)] + (["*"] + list(kwnames) if kwnames else []))
    call = ", ".join([f"a{k}" for k in range(n)] + [f"{k}={k}" for k in kwnames])
    lines = [f"def {name}({params}):"]
    if kind == "jacfwd":  # one jvp per element of each differentiated input: the columns
        parts = []
        for j, k in outputs:
            dotted = ", ".join([f"a{m}, basis{j}[i]" if m == k else f"a{m}" for m in range(n)]
                               + [f"{q}={q}" for q in kwnames])
            lines += [f"    basis{j} = output_basis(primal(a{k}))", f"    cols{j} = []",
                      f"    for i in range(len(basis{j})):", f"        y, y_dot = jvp{j}({dotted})",
                      f"        cols{j}.append(y_dot{'[0]' if aux else ''})"]
            parts.append(f"anp.reshape(anp.stack(cols{j}, axis=-1), shape(out) + shape(a{k}))")
        lines += ["    out, aux = y" if aux else "    out = y", "    checked = one_array(primal(out))"]
        result = parts[0] if single else "(" + ", ".join(parts) + ",)"
        return "\n".join(lines + [f"    return {'(' + result + ', aux)' if aux else result}"]) + "\n"
    lines += [f"    y, residuals = fwd({call})", "    out, aux = y" if aux else "    out = y"]
    seed = "({}, aux_bar(primal(aux)))" if aux else "{}"  # seeds and bases: constants (read through primal)
    if kind in ("grad", "grad_value"):
        lines.append(f"    bars = bwd(residuals, {seed.format('seed_like(primal(out))')})")
        parts = [f"final_bar(bars[{j}], a{k})" for j, k in outputs]
    else:
        lines += [f"    checked = one_array(primal(a{k}))" for _, k in outputs if k not in layouts]  # one array each
        lines += ["    basis = output_basis(primal(out))"]
        lines += [f"    rows{j}{m} = []" for j, k in outputs for m in _leaf_names(layouts.get(k))]
        lines += ["    for i in range(len(basis)):", f"        bars = bwd(residuals, {seed.format('basis[i]')})"]
        for j, k in outputs:
            if k not in layouts:
                lines.append(f"        rows{j}.append(final_bar(bars[{j}], a{k}))")
                continue
            lines.append(f"        bar{j} = final_bar(bars[{j}], a{k})")  # a container: its rows leaf by leaf
            lines += [f"        rows{j}_{m}.append(bar{j}{path})" for m, path in enumerate(layouts[k].paths)]
        parts = [f"anp.reshape(anp.stack(rows{j}), shape(out) + shape(a{k}))" if k not in layouts else
                 layouts[k].source([f"anp.reshape(anp.stack(rows{j}_{m}), shape(out) + shape(a{k}{path}))"
                                    for m, path in enumerate(layouts[k].paths)]) for j, k in outputs]
    result = parts[0] if single else "(" + ", ".join(parts) + ",)"
    if kind == "grad_value":
        result = f"({'(out, aux)' if aux else 'out'}, {result})"
    elif aux:
        result = f"({result}, aux)"
    lines.append(f"    return {result}")
    return "\n".join(lines) + "\n"


class Layout(NamedTuple):
    """A plain container of real leaves (tuples, lists, dicts with string keys, nested), whose jacrev program
    stacks its rows leaf by leaf: each leaf's path as source (``['w']``, ``[1][0]``), in JAX's leaf order, and
    the container's ``skeleton`` (``("dict", keys, parts)``, ``("list", parts)``, ``("tuple", parts)``,
    ``("none",)`` for ``None``, JAX's empty subtree; ``None``: a leaf)."""
    paths: tuple[str, ...]
    skeleton: Any

    @staticmethod
    def of(x: Any) -> Layout | None:
        paths: list[str] = []
        skeleton = _skeleton(x, "", paths)
        return None if skeleton is False else Layout(tuple(paths), skeleton)

    def source(self, leaves: list[str]) -> str:
        """The container's display with these leaf expressions, in the order of ``paths``."""
        return _display(self.skeleton, iter(leaves))


def _skeleton(x: Any, path: str, paths: list) -> Any:
    if x is None:  # an empty subtree, as JAX's: its block is None
        return ("none",)
    if type(x) is dict:
        keys = list(x)
        if not all(type(k) is str for k in keys):
            return False
        parts = tuple(_skeleton(x[k], f"{path}[{k!r}]", paths) for k in sorted(keys))
        return False if False in parts else ("dict", tuple(sorted(keys)), parts)
    if type(x) in (list, tuple):
        parts = tuple(_skeleton(v, f"{path}[{i}]", paths) for i, v in enumerate(x))
        return False if False in parts else (type(x).__name__, parts)
    if not trees.is_array_like(x) or not is_float(x):
        return False
    paths.append(path)
    return None


def _display(skeleton: Any, leaves) -> str:
    if skeleton is None:
        return next(leaves)
    if skeleton[0] == "none":
        return "None"
    if skeleton[0] == "dict":
        return "{" + ", ".join(f"{k!r}: {_display(p, leaves)}" for k, p in zip(skeleton[1], skeleton[2])) + "}"
    parts = [_display(p, leaves) for p in skeleton[1]]
    return f"[{', '.join(parts)}]" if skeleton[0] == "list" else f"({''.join(p + ', ' for p in parts)})"


def _leaf_names(layout: Layout | None) -> list[str]:
    return [""] if layout is None else [f"_{m}" for m in range(len(layout.paths))]


def _program(kind: str, entry, n: int, kwnames: tuple, outputs: list, single: bool, aux: bool = False,
             layouts: dict | None = None) -> Any:
    """``entry``: the reverse entry (grad, jacrev), or for jacfwd a list of forward entries, one per output."""
    entries = entry if isinstance(entry, list) else [entry]
    entry = entries[0]
    fwd, bwd, jvp = (entry.functions.get(w) for w in ("fwd", "bwd", "jvp"))
    key = (kind, n, kwnames, tuple(outputs), single, aux, tuple(sorted((layouts or {}).items())))
    table = _programs.setdefault(fwd or jvp, {})
    if key not in table:
        name = f"{kind}_{getattr(entry.fn, '__name__', 'f').strip('<>')}"
        text = _text(kind, name, n, kwnames, outputs, single, aux, layouts)
        filename = f"<sct {kind} program #{next(_serial)}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        namespace = {"fwd": fwd, "bwd": bwd, "seed_like": second.seed_like, "output_basis": second.output_basis,
                     "aux_bar": second.aux_bar, "one_array": second.one_array, "final_bar": runtime.final_bar,
                     "anp": anp, "primal": primal,
                     "shape": shape, "range": range, "len": len}
        namespace.update({f"jvp{j}": e.functions.get("jvp") for j, e in enumerate(entries)})
        exec(compile(text, filename, "exec"), namespace)  # noqa: S102  (our own generated definition)
        table[key] = namespace[name]
    return table[key]


def build(made: Any, args: list, nums: tuple[int, ...], kwargs: dict, unwrap, bind) -> tuple:
    """A call of the engine-made ``made`` with ``args`` (``nums`` the differentiated positions) as
    a call of its program: (program, its arguments, their differentiated positions, keywords)."""
    kind, f, argnums, has_aux = MADE[made]
    single = isinstance(argnums, int)
    wanted = (argnums,) if single else tuple(argnums)
    wanted = tuple(k % len(args) for k in wanted)
    trees.check_differentiable(kind, tuple(args), wanted)
    layouts = {}
    for k in wanted:  # the programs stack one array per row or column (a jacrev's rows: leaf by leaf of a plain
        # container of real leaves, :class:`Layout`); anything else is refused here as SCT's own code (the engine
        # takes this call on the boxes); inside transformed code, where the argument is not seen, the program
        # refuses it when it runs (``one_array``)
        if kind in ("jacrev", "jacfwd") and (args[k] is None or isinstance(args[k], (tuple, list, dict))):
            layout = Layout.of(args[k]) if kind == "jacrev" else None
            if layout is None:
                raise SCTError(f"a {kind} program of {a_type(args[k])} argument (it stacks one array per "
                               "row or column)", f"{kind} program", "<sct program>", 0, "use higher='boxes'")
            layouts[k] = layout
    fn, iargs, inums, ikw = unwrap(f, args)
    ikw = {**ikw, **kwargs}
    if fn in MADE:  # a derivative of a derivative this engine made (third order): its program's program
        fn, iargs, inums, ikw = build(fn, iargs, inums, ikw, unwrap, bind)  # bound to the innermost function
    else:  # (bound to a made function's own ``**kwargs``, they would be packed into one dict)
        iargs, ikw = bind(fn, iargs, ikw)
    active = tuple(inums[k] for k in wanted)
    order = tuple(sorted(set(active)))
    entry = _entries(kind, fn, active, order, len(iargs))
    outputs = [(order.index(a), a) for a in active]
    layouts = {inums[k]: layout for k, layout in layouts.items()}
    program = _program(kind, entry, len(iargs), tuple(ikw), outputs, single, has_aux, layouts)
    return program, iargs, tuple(inums[k] for k in nums), ikw


def source(fn: Any, kind: str, nums: tuple[int, ...]) -> str:
    """The second-order program of ``fn`` as text: the program (``grad`` for "hvp", ``jacrev`` for
    "hessian"), its forward transform, and the forward transforms of the generated sweeps it calls."""
    import inspect  # noqa: PLC0415  (only for reading a signature here)

    n = sum(1 for q in inspect.signature(fn).parameters.values() if q.kind in (q.POSITIONAL_ONLY,
                                                                                 q.POSITIONAL_OR_KEYWORD))
    entry = transform.transform(fn, "reverse", nums, n, residuals="arrays")
    program = _program("grad" if kind == "hvp" else "jacrev", entry, n, (), [(j, k) for j, k in enumerate(nums)],
                       len(nums) == 1)
    second = transform.transform(program, "forward", nums, n)
    parts, seen, todo = ["".join(linecache.getlines(program.__code__.co_filename))], set(), [second]
    while todo:
        e = todo.pop(0)
        if id(e) in seen or not e.source:
            continue
        seen.add(id(e))
        parts.append(e.source)
        todo += e.callees
    return "\n".join(parts)


def _closure_program(kind: str, fn: Any, argnum: int | tuple[int, ...], nargs: int) -> Any:
    """The derivative program of a lifted nested function (see :mod:`.front.closures`); a tuple ``argnum``
    gives a tuple of derivatives, as JAX's."""
    wanted = argnum if isinstance(argnum, tuple) else (argnum,)
    order = tuple(sorted(set(wanted)))
    outputs = [(order.index(a), a) for a in wanted]
    return _program(kind, _entries(kind, fn, wanted, order, nargs), nargs, (), outputs, not isinstance(argnum, tuple))


def _entries(kind: str, fn: Any, wanted: tuple, order: tuple, nargs: int) -> Any:
    """The generated code a program calls: the reverse entry for ``order`` (its sweeps keep arrays:
    they are transformed again), or for jacfwd one forward entry per position in ``order``."""
    if kind == "jacfwd":
        return [transform.transform(fn, "forward", (k,), nargs) for k in order]
    return transform.transform(fn, "reverse", order, nargs, residuals="arrays")


def _made_program(made: Any, nargs: int) -> Any:
    """The program of a derivative this engine made, called with ``nargs`` positional arguments inside
    transformed code (a plain function differentiated, argnums fixed), or None."""
    try:
        tagged = MADE.get(made)
    except TypeError:  # not weakly referenceable or hashable (an array): not made here
        return None
    if tagged is None:
        return None
    kind, f, argnums, has_aux = tagged
    if has_aux or kind == "grad_value" or not isinstance(f, types.FunctionType):
        return None
    single = isinstance(argnums, int)
    wanted = tuple(k % nargs for k in ((argnums,) if single else argnums))
    order = tuple(sorted(set(wanted)))
    outputs = [(order.index(a), a) for a in wanted]
    return _program(kind, _entries(kind, f, wanted, order, nargs), nargs, (), outputs, single)


closures.PROGRAM = _closure_program
closures.MADE_PROGRAM = _made_program
