"""The SCT engine: JAX's ``jvp`` and ``vjp`` on top of generated code.

Contract: :class:`SCTEngine` implements the :class:`adcompare.engine.Engine`
interface (``jvp(f, primals, tangents)``, ``vjp(f, *primals)``, JAX's
signatures) by transforming ``f``'s source once per (function, mode,
differentiated positions) and calling the generated functions; the rest of
the interface comes from the base class, except that ``grad`` and
``value_and_grad`` of plain NumPy arrays and floats call the generated sweeps
directly (:meth:`SCTEngine._direct`, :mod:`.direct`). ``source(f, mode)`` returns the
generated code as text.

A derivative function is differentiated again in one of two ways, by ``higher``:

* ``"sct"`` (the default): SCT transforms its own output. ``grad``, ``value_and_grad``,
  ``jacrev`` and ``jacfwd`` of this engine are tagged; taking a derivative of one transforms
  a program that calls the generated sweeps (:mod:`.programs`), and so the generated code
  itself, again: forward over reverse (``hvp``, ``hessian``), forward over forward, reverse
  over forward and reverse over reverse (with the transposes of the linear runtime helpers,
  :mod:`.emit.transposes`). No box or tape is made, but for these calls, each taken on boxes
  as one call: other engine-made functions (a ``vjp``'s pull-back), a custom function's rule
  (:mod:`.emit.custom_callee`), a joint rule (:mod:`.front.rule_source`), and the whole
  derivative where the generated code moves closures or SCT refuses its own code again
  (:meth:`SCTEngine._entry_or_boxes`).
* ``"boxes"``: the generated code runs on the overloading engine's boxes (dual numbers or a
  tape); it is made of vocabulary primitives and Python, so this is exact.

``control="lax"``: where some input is a JAX array, loops and branches go to JAX
(``lax.scan`` both ways, ``lax.cond``, ``lax.while_loop``; :mod:`.emit.structured`), so
``jax.jit`` compiles a loop once instead of unrolling it; on NumPy inputs it is the plain
output. The cache keys on the option; ``source`` shows the structured output.
"""

from __future__ import annotations

import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import tree_util

from adcompare import trees
from adcompare.engine import Engine, argnums_tuple, engine_made, is_engine_made, normalize_argnums
from adcompare.engines.overloading import OverloadingEngine
from adcompare.engines.sct import closure_programs, located, programs, pytree_nodes, transform, weak_floats  # noqa: F401
from adcompare.engines.sct.direct import DirectGrad, bind, unwrap
from adcompare.engines.sct.emit import boxed_callee, codegen, runtime
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.engines.sct.front.parse import classify
from adcompare.primitives import is_float
from adcompare.tape_engine import cycle_collector_paused


def _differentiable(x: Any) -> bool:
    """A float input, or a pytree with float leaves (a pytree of integers, such as chain's op codes, is not)."""
    return any(is_float(leaf) for leaf in trees.tree_leaves(x))


def _scalars(x: Any) -> Any:
    """``x`` with its Python float leaves as NumPy float64 scalars (the same values). Generated code
    takes a Python ``0.0`` for its placeholder, a symbolic zero whose rules are left out (see
    :mod:`.emit.symbolic`); an input 0.0, or a value computed from Python floats that comes out 0.0
    (``x - 0.5`` at 0.5), is a real zero that an outer derivative differentiates: taken for the
    placeholder, its rules were left out there, silently (a third derivative of ``x ** 3`` at 0.0 was 0)."""
    return trees.map_in_order(lambda v: np.float64(v) if type(v) is float else v, x)  # (a dict's order kept)


def _floats(x: Any, back: bool) -> Any:
    """The outputs of code run on :func:`_scalars`' inputs as Python floats again, as before (``back``)."""
    return trees.map_in_order(lambda v: float(v) if type(v) is np.float64 else v, x) if back else x


def _active_scalars(args: list, active: tuple) -> list:
    return [_scalars(x) if k in active else x for k, x in enumerate(args)]


def _any_float(xs: Sequence) -> bool:
    for x in xs:  # arrays (the common case) answer without flattening
        if type(x) is float or (type(x) is not np.ndarray and any(type(v) is float for v in trees.tree_leaves(x))):
            return True
    return False


def _check_containers(fn: Callable, primals: Sequence) -> None:
    """SCT indexes tuples, named tuples, lists and dicts; any other pytree node is refused."""
    todo = list(primals)
    while todo:
        x = todo.pop()
        if type(x) in (tuple, list) or (isinstance(x, tuple) and hasattr(x, "_fields")):
            todo.extend(x)
        elif type(x) is dict:
            todo.extend(x.values())
        elif x is not None and not tree_util.treedef_is_leaf(tree_util.tree_structure(x)):
            code = getattr(fn, "__code__", None)
            raise SCTError(f"an argument that is {a_type(x)} (a pytree node)", getattr(
                fn, "__qualname__", repr(fn)), *((code.co_filename, code.co_firstlineno) if code else ("<unknown>", 0)),
                           "the SCT engine differentiates arguments made of arrays, numbers, tuples, "
                           "named tuples, lists and plain dicts; convert it to one of those")


# a derivative this engine made -> the calls of it SCT refused to transform again (its own code): each such
# call, a Hessian's every direction, is then taken on the boxes without trying again (see _entry_or_boxes)
_REFUSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class SCTEngine(Engine):
    name = "sct"
    source_form = "natural"

    def __init__(self, higher: str = "sct", control: str = "python"):
        """
        Args:
            higher: how a derivative of a derivative is taken: ``"sct"`` (the default) transforms
                the generated code again; ``"boxes"`` runs it on the overloading engine's boxes.
            control: the control flow the generated code uses: ``"python"`` (``for``/``while``/``if``,
                the default, for NumPy and for reading) or ``"lax"`` (``lax.scan``/``while_loop``/``cond``
                where the inputs are JAX arrays, so ``jax.jit`` compiles loops without unrolling them).
        """
        if higher not in ("boxes", "sct"):
            raise ValueError(f"higher must be 'boxes' or 'sct', not {higher!r}")
        if control not in ("python", "lax"):
            raise ValueError(f"control must be 'python' or 'lax', not {control!r}")
        self.higher, self.control = higher, control
        self._boxes = OverloadingEngine()

    def _control(self, args: list) -> str:
        """"lax" where this engine hands loops to JAX and some input is a JAX array, else "python"."""
        if self.control == "lax" and any(isinstance(leaf, jax.Array) for leaf in trees.tree_leaves(args)):
            return "lax"
        return "python"

    def _controlled(self, args: list) -> tuple[str, list]:
        """The control flow to emit for ``args``, and ``args`` as that code takes them: for "lax",
        NumPy arrays become JAX arrays (same values), so that a loop body indexing one by its
        counter, which ``lax.scan`` traces, is still a ``lax`` loop rather than falling back to an
        unrolled Python loop (a NumPy array cannot be indexed by a traced counter)."""
        control = self._control(args)
        if control == "lax":
            args = [trees.map_in_order(lambda a: jnp.asarray(a) if isinstance(a, np.ndarray) else a, x)
                    for x in args]  # (a dict's order kept: a loop over its keys sees the caller's)
        return control, args

    def _by_boxes(self, fn: Callable) -> bool:
        """A derivative an engine made, or a vocabulary function itself: run on the boxes
        (with ``higher="sct"``, SCT's own derivatives and generated code are transformed instead,
        unless the function SCT differentiated is itself one to run on the boxes: ``grad(anp.sin)``).
        A nested function's value SCT made (a ``Closure``) reaching here from a call the boxes run (the
        ``eng.grad(lambda ...)`` of a lambda inside a transformed lambda, differentiated again) has no
        source: it is run on the boxes too (exact: its code, differentiated operation by operation)."""
        if boxed_callee.CLOSURE is not None and isinstance(fn, boxed_callee.CLOSURE):
            return True
        if self.higher == "sct" and fn in programs.MADE:
            return self._by_boxes(unwrap(programs.MADE[fn][1], [])[0])
        if self.higher == "sct" and codegen.is_generated(fn):
            return False
        return is_engine_made(fn) or classify(fn) is not None

    def _program(self, fn: Callable, args: list, nums: tuple, kwargs: dict) -> tuple:
        """A derivative this engine made, as a call of its program (see :mod:`.programs`)."""
        if fn in programs.MADE:
            return programs.build(fn, args, nums, kwargs, unwrap, bind)
        return fn, args, nums, kwargs

    # --- the derivatives it makes are tagged, so that higher="sct" can transform them again ---

    def _tag(self, made, kind: str, f, argnums, has_aux: bool):
        return programs.tag(made, kind, f, argnums, has_aux) if self.higher == "sct" else made

    def value_and_grad(self, f, argnums=0, has_aux=False):
        argnums = normalize_argnums(argnums)
        made = super().value_and_grad(f, argnums, has_aux)
        if not has_aux:
            made = self._direct(f, argnums, made)
        return self._tag(made, "grad_value", f, argnums, has_aux)

    def _direct(self, f: Callable, argnums, general: Callable) -> Callable:
        """``value_and_grad`` that calls the generated sweeps directly where every differentiated
        argument is a real NumPy array or float and the output a real scalar (what the general
        path checks holds then, so there is nothing to check, flatten or convert); anything else
        takes ``general``, the base class's path, with its checks and messages."""

        direct = DirectGrad(self, f, argnums)
        nums = argnums if isinstance(argnums, tuple) else (argnums,)

        def value_and_grad_f(*args, **kwargs):
            try:
                back = _any_float([args[i] for i in nums if -len(args) <= i < len(args)]) \
                    and not direct.floats_as_given(args)
                weak = weak_floats.reference(f, args, kwargs) if back else None  # the value's dtype
                if back:  # see _scalars
                    args = tuple(_scalars(x) if k in nums or k - len(args) in nums else x for k, x in enumerate(args))
                args = tuple(trees.in_jax_order(x) if k in nums or k - len(args) in nums else x  # (as Engine's)
                             for k, x in enumerate(args))
                out = None if kwargs else direct(args)
                value, grads = general(*args, **kwargs) if out is None else out
                return _floats((weak_floats.cast(value, weak), grads), back)
            except Exception as exc:
                located.note(exc)
                raise

        return engine_made(value_and_grad_f)

    def grad(self, f, argnums=0, has_aux=False):
        return self._tagged("grad", super().grad, f, argnums, has_aux)

    def jacfwd(self, f, argnums=0, has_aux=False):
        return self._tagged("jacfwd", super().jacfwd, f, argnums, has_aux)

    def jacrev(self, f, argnums=0, has_aux=False):
        return self._tagged("jacrev", super().jacrev, f, argnums, has_aux)

    def _tagged(self, kind: str, make: Callable, f, argnums, has_aux: bool):
        argnums = normalize_argnums(argnums)
        return self._tag(make(f, argnums, has_aux), kind, f, argnums, has_aux)

    def _entry(self, fn: Callable, args: list, nums: tuple, kwargs: dict, primals: tuple, mode: str) -> tuple:
        """The generated code for ``mode`` and how to call it: (entry, positional arguments,
        positions of ``primals`` among them, keywords, the differentiated positions).

        A derivative of a derivative whose generated code moves closures (the user's function
        defines a nested def or lambda: :func:`.emit.boxed_callee.reaches_opaque`) is not
        transformed a second time: the callers run that one call on the boxes, as ``higher="boxes"``
        does (exact: the same generated code, differentiated operation by operation)."""
        fn, args, nums, kwargs = self._program(fn, args, nums, kwargs)
        _check_containers(fn, primals)
        args, kwargs = bind(fn, args, kwargs)
        active = tuple(k for k, x in zip(nums, primals) if _differentiable(x))
        control, args = self._controlled(args)
        return transform.transform(fn, mode, active, len(args), control=control), args, nums, kwargs, active

    def _entry_or_boxes(self, fn: Callable, args: list, nums: tuple, kwargs: dict, primals: tuple,
                        mode: str) -> tuple | None:
        """:meth:`_entry`, or None where the caller is to take this one derivative on the boxes:
        a derivative of a derivative that SCT cannot transform again (its own generated code or
        a rule refused, not the user's code: :attr:`.SCTError.internal`), or whose code moves closures."""
        key = (mode, nums, tuple(kwargs), len(args), tuple(map(_differentiable, primals)), self._control(args))
        if fn in programs.MADE and key in _REFUSED.get(fn, ()):  # refused before: the boxes at once, no new try
            return None
        try:
            made = self._entry(fn, args, nums, kwargs, primals, mode)
        except SCTError as err:
            if fn in programs.MADE and err.internal:
                _REFUSED.setdefault(fn, set()).add(key)
                return None
            raise
        return None if boxed_callee.reaches_opaque(made[0]) else made

    @located.noting
    def _jvp(self, f: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        fn, args, nums, kwargs = unwrap(f, primals)
        if self._by_boxes(fn):
            return self._boxes._jvp(f, primals, tangents)
        conv = pytree_nodes.converted(primals, fn)  # registered classes, OrderedDicts: see .pytree_nodes
        if conv is not None:
            with conv.running():
                y, y_dot = self._jvp(f, conv.primals, conv.like(tangents))
            return conv.restore(y), conv.restore(y_dot)
        made = self._entry_or_boxes(fn, args, nums, kwargs, primals, "forward")
        if made is None:
            return self._boxes._jvp(f, primals, tangents)
        entry, args, nums, kwargs, active = made
        back = _any_float(primals) or _any_float(tangents)
        weak = weak_floats.reference(fn, args, kwargs) if back else None
        if back:  # see _scalars
            args, primals, tangents = _active_scalars(args, active), _scalars(primals), _scalars(tangents)
        # an integer leaf's tangent (float0 from JAX's conventions) is a zero the code can add
        dots = {k: tree_util.tree_map(lambda x, t: t if is_float(x) else runtime.zeros(x), x, t)
                for k, x, t in zip(nums, primals, tangents)}
        call_args = []
        for k, x in enumerate(args):
            call_args.append(x)
            if k in active:
                call_args.append(dots[k])
        y, y_dot = entry.functions["jvp"](*call_args, **kwargs)
        y_dot = trees.tree_unflatten(trees.tree_structure(y), runtime.leaf_bars(y_dot, y))
        return _floats(weak_floats.cast(y, weak), back), _floats(weak_floats.cast(y_dot, weak), back)

    @located.noting
    def _vjp(self, f: Callable, primals: tuple) -> tuple[Any, Callable[[list], list]]:
        fn, args, nums, kwargs = unwrap(f, primals)
        if self._by_boxes(fn):
            return self._boxes._vjp(f, primals)
        conv = pytree_nodes.converted(primals, fn)
        if conv is not None:
            with conv.running():
                y, pull = self._vjp(f, conv.primals)
            return conv.restore(y), pytree_nodes.wrap_pullback(pull, conv, conv.output_order(y))
        made = self._entry_or_boxes(fn, args, nums, kwargs, primals, "reverse")
        if made is None:
            return self._boxes._vjp(f, primals)
        entry, args, nums, kwargs, active = made
        back = _any_float(primals)
        weak = weak_floats.reference(fn, args, kwargs) if back else None
        if back:  # see _scalars
            args = _active_scalars(args, active)
        with cycle_collector_paused():
            y, residuals = entry.functions["fwd"](*args, **kwargs)
        bwd = entry.functions["bwd"]
        y_tree = trees.tree_structure(y)

        @located.noting
        def pullback(y_bars: list) -> list:
            if all(g is None for g in y_bars):
                return [None] * len(trees.tree_leaves(primals))
            # the output's cotangent shaped like the output, the placeholder where there is none
            y_bar = trees.tree_unflatten(y_tree, [0.0 if g is None else g for g in y_bars])
            with cycle_collector_paused():
                bars = dict(zip(active, bwd(residuals, y_bar)))
            out = []
            for k, x in zip(nums, primals):
                out.extend(runtime.leaf_bars(bars[k], x) if k in bars else [None] * len(trees.tree_leaves(x)))
            return _floats(out, back)

        return _floats(weak_floats.cast(y, weak), back), pullback

    def source(self, f: Callable, mode: str = "reverse", argnums: int | Sequence[int] = 0) -> str:
        """The generated Python source of ``f`` in ``mode`` ("forward" or "reverse").

        Args:
            f: a natural-form function.
            mode: "forward" (``<f>_jvp``), "reverse" (``<f>_fwd`` and ``<f>_bwd``), or the
                second-order programs of ``higher="sct"``: "hvp" (forward over the gradient program)
                and "hessian" (forward over the jacrev program), with the generated code they call.
            argnums: the differentiated parameters, an int or a tuple (default 0).
        """
        nums = argnums_tuple(argnums)
        if mode in ("hvp", "hessian"):
            return programs.source(f, mode, nums)
        if not isinstance(f, types.FunctionType) and min(nums) >= 0:
            # a bound method, a functools.partial, a callable object: its function's code, as grad takes it
            f, _, where, _ = unwrap(f, [None] * (max(nums) + 1))
            nums = tuple(where[i] for i in nums)
        return transform.source(f, mode, nums, self.control)

    def transform(self, f: Callable, mode: str = "reverse", argnums: int | Sequence[int] = 0):
        """Transform (or fetch from the cache) and return the generated functions' entry."""
        nums = argnums_tuple(argnums)
        return transform.transform(f, mode, nums, control=self.control)

    @staticmethod
    def clear_cache() -> None:
        transform.clear_cache()
        _REFUSED.clear()
