"""The Engine interface: ``jvp`` and ``vjp`` are the mechanism; the rest is plumbing.

An engine implements two methods on pytrees (see :mod:`adcompare.trees`):

* ``_jvp(f, primals, tangents) -> (y, y_dot)``, ``y_dot`` shaped like ``y``;
* ``_vjp(f, primals) -> (y, pullback)`` where ``pullback(bar_leaves)`` takes one
  cotangent per leaf of ``y`` (``None`` for none) and returns one per leaf of
  ``primals`` (``None`` where nothing flowed back).

The public interface, with JAX's signatures and semantics (pytrees in and out,
``has_aux``, keyword arguments, argnums as an int or a tuple), is written once
here on top of those two, as in HIPS autograd's ``differential_operators.py``:
``jvp``, ``vjp``, ``grad``, ``value_and_grad``, ``jacfwd``, ``jacrev``,
``hessian`` and ``hvp``; so is the checking of arguments.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcompare import numpy as anp
from adcompare import trees
from adcompare.concrete import a_type
from adcompare.primitives import constant_like, is_float, namespace, primal, result_dtype, shape
from adcompare.trees import (
    argnums_tuple,
    check_callable,
    check_tangents,
    float0_zeros,
    normalize_argnums,
    tree_flatten,
    tree_leaves,
    tree_unflatten,
)

__all__ = ["Engine", "argnums_tuple", "check_tangents", "float0_zeros", "normalize_argnums", "partial_args"]


class ArgnumsPartial:
    """``fun`` as a function of the positional arguments at ``nums`` only.

    The other arguments and the keyword arguments are fixed. It is data, not a
    closure, so an engine can see through it (SCT transforms ``fun`` itself).
    """

    __slots__ = ("fun", "args", "nums", "kwargs", "__weakref__")

    def __init__(self, fun: Callable, args: tuple, nums: tuple[int, ...], kwargs: dict | None = None):
        self.fun, self.args, self.nums, self.kwargs = fun, tuple(args), tuple(nums), dict(kwargs or {})

    def __call__(self, *diff_args):
        full = list(self.args)
        for i, a in zip(self.nums, diff_args):
            full[i] = a
        return self.fun(*full, **self.kwargs)

    @property
    def __name__(self) -> str:
        return getattr(self.fun, "__name__", "f")


def partial_args(f: Callable, args: tuple, nums: tuple[int, ...], kwargs: dict | None = None) -> ArgnumsPartial:
    """``f`` as a function of the arguments at ``nums`` only (the rest, and ``kwargs``, fixed)."""
    return ArgnumsPartial(f, args, nums, kwargs)


_ENGINE_MADE: weakref.WeakSet = weakref.WeakSet()
_SWEEPS = threading.local()  # depth: how many pull-backs made by vjp are running on this thread


def engine_made(fn: Callable) -> Callable:
    """Mark ``fn`` as made by an engine (``grad_f``, a ``jac``, a pull-back, generated code) and
    return it: its source is plumbing, so an engine that meets it differentiates it by running
    it, never by reading its source. Marked by identity, never by the file a function is in."""
    _ENGINE_MADE.add(fn)
    return fn


def is_engine_made(fn: Any) -> bool:
    """Was ``fn`` marked by :func:`engine_made`?"""
    try:
        return fn in _ENGINE_MADE
    except TypeError:  # not weakly referenceable: never marked
        return False


def _split_aux(f: Callable, y: Any) -> tuple[Any, Any]:
    if not (isinstance(y, (tuple, list)) and len(y) == 2):
        got = f"{a_type(y)} of {len(y)} elements" if isinstance(y, (tuple, list)) else a_type(y)
        raise TypeError(f"has_aux=True requires {getattr(f, '__name__', 'the function')} to return a pair "
                        f"(output, aux); it returned {got}")
    return y[0], y[1]


class Engine:
    """Base class: subclasses implement :meth:`_jvp` and :meth:`_vjp` on pytrees."""

    name: str = "engine"
    source_form: str = "natural"  # the workload form it differentiates: "natural" or "elemental"

    # --- the mechanism ----------------------------------------------------

    def _jvp(self, f: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        raise NotImplementedError

    def _vjp(self, f: Callable, primals: tuple) -> tuple[Any, Callable[[list], list]]:
        raise NotImplementedError

    # --- the public interface, written once -----------------------------------

    def jvp(self, f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
        """Forward mode: ``f(*primals)`` and its directional derivative, as ``jax.jvp``.

        Args:
            f: a natural-form (or, for the elemental engine, elemental-form) function.
            primals: the point, one pytree per positional argument of ``f``.
            tangents: the direction, matching ``primals`` leaf by leaf in shape and dtype.
            has_aux: ``f`` returns ``(output, aux)``; aux is returned, not differentiated.

        Returns:
            ``(y, y_dot)``, or ``(y, y_dot, aux)`` with ``has_aux``; no NumPy array of them is (a
            view of) one the caller passed, as none of JAX's is (the identity's output is its input).
        """
        res = self._jvp_of(f, primals, tangents, has_aux)
        y_dot = trees.unaliased(res[1], tangents)
        if not has_aux:
            return trees.unaliased(res[0], primals), y_dot
        y, aux = trees.unaliased((res[0], res[2]), primals)  # one array as output and aux: two, as JAX's
        return y, y_dot, aux

    def _jvp_of(self, f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool) -> tuple:
        """:meth:`jvp` whose results may be the arrays passed, or views of them, as NumPy's are: for
        generated code running a call of the user's on the boxes, which must see what NumPy would."""
        check_callable("jvp", f)
        check_tangents(primals, tangents)
        trees.check_leaves("jvp", tuple(primals), "primal")
        y, y_dot = self._jvp(f, trees.in_jax_order(tuple(primals)), trees.in_jax_order(tuple(tangents)))
        if has_aux:
            (out, aux), (out_dot, _) = _split_aux(f, y), _split_aux(f, y_dot)
            return out, self._complete_tangent(out, out_dot), aux
        return y, self._complete_tangent(y, y_dot)

    def _complete_tangent(self, y: Any, y_dot: Any) -> Any:
        trees.check_leaves("jvp", y, "output")
        leaves, tree = tree_flatten(y)
        return tree_unflatten(tree, [trees.complete(t, x) for x, t in zip(leaves, tree.flatten_up_to(y_dot))])

    def vjp(self, f: Callable, *primals, has_aux: bool = False):
        """Reverse mode, as ``jax.vjp``: ``f(*primals)`` and ``f_vjp: y_bar -> (x_bar, ...)``.

        Args:
            f: the function; primals are pytrees.
            has_aux: ``f`` returns ``(output, aux)``; returns ``(y, f_vjp, aux)``.

        ``f_vjp`` computes with the values of this call: it keeps its own copies of NumPy
        arrays, so writing into the primals or the outputs afterwards changes nothing (as
        JAX's arrays, which cannot be written into), and it may be called any number of times.
        """
        check_callable("vjp", f)
        trees.check_leaves("vjp", primals, "primal")
        out, f_vjp, aux = self._vjp_of(f, trees.snapshot(primals), has_aux)
        out, aux = trees.snapshot(out), trees.snapshot(aux)
        return (out, f_vjp, aux) if has_aux else (out, f_vjp)

    def _vjp_of(self, f: Callable, primals: tuple, has_aux: bool) -> tuple[Any, Callable, Any]:
        """:meth:`vjp` without its copies: for the derivatives made here, which call the pull-back
        before the caller sees anything it could write into, and for generated code running a call
        of the user's on the boxes, whose output is what NumPy's would be (a view of an input)."""
        primals = trees.in_jax_order(tuple(primals))  # a dict's keys sorted, as JAX hands it to the function
        y, pullback = self._vjp(f, primals)
        out, aux = _split_aux(f, y) if has_aux else (y, None)
        trees.check_leaves("vjp", out, "output")
        n_aux = len(tree_leaves(aux))
        in_leaves, in_tree = tree_flatten(tuple(primals))

        def f_vjp(y_bar):
            depth = getattr(_SWEEPS, "depth", 0)  # a pull-back called inside a sweep is an engine's own call
            seeds = trees.check_cotangent(y_bar, out, exact=depth == 0) + [None] * n_aux
            _SWEEPS.depth = depth + 1
            try:
                bars = pullback(seeds)
            finally:
                _SWEEPS.depth = depth
            x_bar = tree_unflatten(in_tree, [trees.complete(g, x) for x, g in zip(in_leaves, bars)])
            return trees.unaliased(x_bar, y_bar)  # a + 1's cotangent is y_bar itself

        return out, engine_made(f_vjp), aux

    def value_and_grad(self, f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
        """Like ``jax.value_and_grad``: ``f``'s value and its gradient at ``argnums``."""
        check_callable("value_and_grad", f)
        argnums = normalize_argnums(argnums)

        def value_and_grad_f(*args, **kwargs):
            nums = argnums_tuple(argnums, len(args))
            trees.check_differentiable("grad", args, nums)
            y, f_vjp, aux = self._vjp_of(partial_args(f, args, nums, kwargs), tuple(args[i] for i in nums), has_aux)
            given = trees.passed(f, args, kwargs)  # the identity's is its input: JAX's never
            y, aux = trees.unaliased((y, aux), given) if has_aux else (trees.unaliased(y, given), None)
            if not trees.is_array_like(y) or shape(y) != () or not is_float(y):
                what = (a_type(y) if not trees.is_array_like(y) else f"an output of shape {shape(y)}"
                        if shape(y) != () else f"an output of dtype {result_dtype(y)}")
                raise TypeError(
                    f"grad requires a real scalar output; {getattr(f, '__name__', 'f')} returned {what}. "
                    f"Use jacrev or vjp for other outputs.")
            grads = f_vjp(constant_like(y, 1.0))
            g = grads[0] if isinstance(argnums, int) else grads
            return ((y, aux), g) if has_aux else (y, g)

        return engine_made(value_and_grad_f)

    def grad(self, f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
        """Like ``jax.grad``: the gradient of scalar ``f`` at ``argnums`` (int or tuple)."""
        check_callable("grad", f)
        value_and_grad_f = self.value_and_grad(f, argnums, has_aux)

        def grad_f(*args, **kwargs):
            value, g = value_and_grad_f(*args, **kwargs)
            return (g, value[1]) if has_aux else g

        return engine_made(grad_f)

    def jacfwd(self, f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
        """The Jacobian by forward mode, one ``jvp`` per input element, as ``jax.jacfwd``.

        The result nests the inputs' structure inside the output's; a block has
        shape ``shape(output leaf) + shape(input leaf)``.
        """
        check_callable("jacfwd", f)
        argnums = normalize_argnums(argnums)

        def jac(*args, **kwargs):
            nums = argnums_tuple(argnums, len(args))
            trees.check_differentiable("jacfwd", args, nums)
            f_x = partial_args(f, args, nums, kwargs)
            xs = tuple(args[i] for i in nums)
            x_leaves, x_tree = tree_flatten(xs)
            columns, aux = [], None
            for k, leaf in enumerate(x_leaves):
                for e in _basis(leaf):
                    t = [anp.zeros_like(x) for x in x_leaves]
                    t[k] = e
                    res = self.jvp(f_x, xs, tree_unflatten(x_tree, t), has_aux=has_aux)
                    columns.append((k, tree_leaves(res[1])))
                    y, aux = res[0], (res[2] if has_aux else None)
            if not columns:
                y, *rest = self.jvp(f_x, xs, tree_unflatten(x_tree, [anp.zeros_like(x) for x in x_leaves]),
                                    has_aux=has_aux)
                aux = rest[1] if has_aux else None
            y_leaves, y_tree = tree_flatten(y)

            def block(o: int, k: int):
                cols = [c[o] for kk, c in columns if kk == k]
                target = shape(y_leaves[o]) + shape(x_leaves[k])
                if not is_float(y_leaves[o]):  # integer zeros, as jax.jacfwd gives (its tangents are float0)
                    return namespace((primal(x_leaves[k]),)).zeros(target, dtype=result_dtype(y_leaves[o]))
                if not cols:
                    return anp.zeros(target, like=y_leaves[o])
                return anp.reshape(anp.stack(cols, axis=-1), target)

            out = _nest(y_tree, x_tree, len(y_leaves), len(x_leaves), block, isinstance(argnums, int))
            return (out, trees.unaliased(aux, trees.passed(f, args, kwargs))) if has_aux else out

        return engine_made(jac)

    def jacrev(self, f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
        """The Jacobian by reverse mode, one ``vjp`` pull-back per output element, as ``jax.jacrev``."""
        check_callable("jacrev", f)
        argnums = normalize_argnums(argnums)

        def jac(*args, **kwargs):
            nums = argnums_tuple(argnums, len(args))
            trees.check_differentiable("jacrev", args, nums)
            xs = tuple(args[i] for i in nums)
            y, f_vjp, aux = self._vjp_of(partial_args(f, args, nums, kwargs), xs, has_aux)
            y_leaves, y_tree = tree_flatten(y)
            x_leaves, x_tree = tree_flatten(xs)
            for leaf in y_leaves:
                if not is_float(leaf):
                    raise TypeError(f"jacrev requires real-valued (float) outputs; an output has dtype "
                                    f"{result_dtype(leaf)}")
            rows = []
            for o, leaf in enumerate(y_leaves):
                for e in _basis(leaf):
                    g = [anp.zeros_like(v) for v in y_leaves]
                    g[o] = e
                    rows.append((o, tree_leaves(f_vjp(tree_unflatten(y_tree, g)))))

            def block(o: int, k: int):
                rs = [r[k] for oo, r in rows if oo == o]
                target = shape(y_leaves[o]) + shape(x_leaves[k])
                if not rs:
                    return anp.zeros(target, like=x_leaves[k])
                return anp.reshape(anp.stack(rs), target)

            out = _nest(y_tree, x_tree, len(y_leaves), len(x_leaves), block, isinstance(argnums, int))
            return (out, trees.unaliased(aux, trees.passed(f, args, kwargs))) if has_aux else out

        return engine_made(jac)

    def hessian(self, f: Callable, argnums: int | Sequence[int] = 0, mode: str = "fwd-rev",
                has_aux: bool = False) -> Callable:
        """The Hessian of scalar ``f``, as ``jax.hessian`` (nested for pytrees and tuple argnums).

        Args:
            mode: ``"fwd-rev"`` (forward over reverse, as ``jax.hessian``) or
                ``"rev-rev"`` (reverse over reverse).
        """
        check_callable("hessian", f)
        outer = {"fwd-rev": self.jacfwd, "rev-rev": self.jacrev}.get(mode)
        if outer is None:
            raise ValueError(f"hessian mode must be 'fwd-rev' or 'rev-rev', not {mode!r}")
        return outer(self.jacrev(f, argnums, has_aux), argnums, has_aux)

    def hvp(self, f: Callable, primals: Sequence, tangents: Sequence):
        """Hessian-vector product by forward over reverse: ``jvp(grad(f), ...)[1]``."""
        return self.jvp(self.grad(f), primals, tangents)[1]

    def __repr__(self) -> str:
        return f"<adcompare engine {self.name!r}>"


# The public methods that take the point itself are plumbing too: ``partial(eng.jvp, f)``
# (as ``jax.test_util.check_grads`` builds it) is differentiated by running it, never its source.
for _method in (Engine.jvp, Engine.vjp, Engine.hvp):
    engine_made(_method)


def _nest(y_tree, x_tree, n_out: int, n_in: int, block: Callable, single: bool) -> Any:
    """JAX's Jacobian layout: for each output leaf, the inputs' pytree of blocks."""
    per_output = []
    for o in range(n_out):
        inner = tree_unflatten(x_tree, [block(o, k) for k in range(n_in)])
        per_output.append(inner[0] if single else inner)
    return tree_unflatten(y_tree, per_output)


def _basis(x: Any) -> list:
    """The standard basis of ``x``'s space, each vector a constant shaped like ``x``."""
    n = math.prod(shape(x))
    value = primal(x)
    dtype = result_dtype(value) if is_float(value) else np.float64
    eye = namespace((value,)).eye(n, dtype=dtype)
    return [eye[k].reshape(shape(x)) for k in range(n)]
