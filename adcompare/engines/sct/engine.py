"""The SCT engine: JAX's ``jvp`` and ``vjp`` on top of generated code.

Contract: :class:`SCTEngine` implements the :class:`adcompare.engine.Engine`
interface (``jvp(f, primals, tangents)``, ``vjp(f, *primals)``, JAX's
signatures) by transforming ``f``'s source once per (function, mode,
differentiated positions) and calling the generated functions; the rest of
the interface comes from the base class. ``source(f, mode)`` returns the
generated code as text.

Derivative functions are differentiated again by running the generated code on
the overloading engine's boxes (dual numbers or a tape): the generated code is
made of vocabulary primitives and Python, so this is exact. That is how
``grad(grad(f))``, ``hessian`` and ``hvp`` work; SCT does not transform its own
output a second time.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

from adcompare import trees
from adcompare.engine import ArgnumsPartial, Engine, count_bytes
from adcompare.engines.overloading import OverloadingEngine
from adcompare.engines.sct import codegen, runtime, transform
from adcompare.primitives import is_float

_PLUMBING = {os.path.abspath(inspect.getfile(Engine))}
_ENGINES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _unwrap(f: Callable, primals: Sequence) -> tuple[Callable, list, tuple[int, ...], dict]:
    """See through the base class's ``partial_args``: (function, all arguments, positions, keywords)."""
    args, nums, kwargs = list(primals), tuple(range(len(primals))), {}
    while isinstance(f, ArgnumsPartial):
        outer = list(f.args)
        for i, x in zip(f.nums, args):
            outer[i] = x
        nums = tuple(f.nums[k] for k in nums)
        f, args, kwargs = f.fun, outer, {**f.kwargs, **kwargs}
    return f, args, nums, kwargs


def _differentiable(x: Any) -> bool:
    """A float input, or a pytree with float leaves (a pytree of integers, such as chain's op codes, is not)."""
    return any(is_float(leaf) for leaf in trees.tree_leaves(x))


def _residual_bytes(residuals: Any) -> int:
    seen: dict[int, int] = {}
    count_bytes(residuals, seen)
    return sum(seen.values())


def _is_plumbing(f: Callable) -> bool:
    """A derivative made by an engine (grad_f, jacrev's jac, generated code): not user source."""
    code = getattr(f, "__code__", None)
    if code is None:
        return False
    filename = code.co_filename
    return (filename.startswith(codegen.FILENAME_PREFIX) or os.path.abspath(filename) in _PLUMBING
            or os.path.abspath(filename).startswith(_ENGINES_DIR + os.sep))


class SCTEngine(Engine):
    name = "sct"

    def __init__(self):
        self._boxes = OverloadingEngine()
        self._kept: Callable[[], int | None] = lambda: None  # what the last vjp keeps, for measurement

    def kept_bytes(self) -> int | None:
        """Bytes of the last ``vjp``'s residuals: the values saved and the stacks pushed."""
        return self._kept()

    def _jvp(self, f: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        fn, args, nums, kwargs = _unwrap(f, primals)
        if _is_plumbing(fn):
            return self._boxes._jvp(f, primals, tangents)
        active = tuple(k for k, x in zip(nums, primals) if _differentiable(x))
        entry = transform.transform(fn, "forward", active, len(args))
        dots = dict(zip(nums, tangents))
        call_args = []
        for k, x in enumerate(args):
            call_args.append(x)
            if k in active:
                call_args.append(dots[k])
        y, y_dot = entry.functions["jvp"](*call_args, **kwargs)
        return y, runtime.final_bar(y_dot, y)

    def _vjp(self, f: Callable, primals: tuple) -> tuple[Any, Callable[[list], list]]:
        fn, args, nums, kwargs = _unwrap(f, primals)
        if _is_plumbing(fn):
            self._kept = self._boxes.kept_bytes
            return self._boxes._vjp(f, primals)
        active = tuple(k for k, x in zip(nums, primals) if _differentiable(x))
        entry = transform.transform(fn, "reverse", active, len(args))
        y, residuals = entry.functions["fwd"](*args, **kwargs)
        bwd = entry.functions["bwd"]
        self._kept = lambda: _residual_bytes(residuals)
        if not trees.is_array_like(y):
            raise NotImplementedError("the SCT engine does not differentiate functions that return a tuple, "
                                      "list or dict yet; use the overloading engine")

        def pullback(y_bars: list) -> list:
            (y_bar,) = y_bars
            if y_bar is None:
                return [None] * len(trees.tree_leaves(primals))
            bars = dict(zip(active, bwd(residuals, y_bar)))
            out = []
            for k, x in zip(nums, primals):
                tree = trees.tree_structure(x)
                out.extend(tree.flatten_up_to(runtime.final_bar(bars[k], x)) if k in bars
                           else [None] * tree.num_leaves)
            return out

        return y, pullback

    def source(self, f: Callable, mode: str = "reverse", argnums: int | Sequence[int] = 0) -> str:
        """The generated Python source of ``f`` in ``mode`` ("forward" or "reverse").

        Args:
            f: a natural-form function.
            mode: "forward" (``<f>_jvp``) or "reverse" (``<f>_fwd`` and ``<f>_bwd``).
            argnums: the differentiated parameters, an int or a tuple (default 0).
        """
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        return transform.source(f, mode, nums)

    def transform(self, f: Callable, mode: str = "reverse", argnums: int | Sequence[int] = 0):
        """Transform (or fetch from the cache) and return the generated functions' entry."""
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        return transform.transform(f, mode, nums)

    @staticmethod
    def clear_cache() -> None:
        transform.clear_cache()
