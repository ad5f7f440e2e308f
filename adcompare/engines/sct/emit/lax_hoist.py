"""Loop-invariant saves: what a loop body keeps for its reverse sweep that does not change across iterations.

Contract: :func:`scan` is ``lax.scan(step, carry, xs)`` for a ``step(carry, x) ->
(carry, ys)`` whose ``ys`` is a list of arrays (a loop's saves, see
:mod:`.lax_runtime`), with the saves that depend neither on the carried state nor
on ``x`` computed once, outside the loop, instead of stacked per iteration: a
slice of a weight matrix the body reads every iteration is kept once. It traces
``step`` once to a jaxpr (:func:`jax.make_jaxpr`) and walks it forwards: an
equation depends on the loop if any of its operands does (a nested call or loop
counts as a whole, which can only call more values dependent, never fewer), so a
save marked invariant is a function of the loop's constants alone, the same in
every iteration. Those values are computed by evaluating only the equations they
need, on the loop's constants, before the loop; the scan's body gives back the
rest. It returns ``(carry, ys, mask)``: ``ys`` holds the stacked saves and the
invariant ones in their places, ``mask[i]`` says which ``ys[i]`` is kept once
(:func:`merge` rebuilds one iteration's saves from its stacked slices).
"""

from __future__ import annotations

from typing import Any

import jax
from jax import lax, tree_util
from jax.extend.core import Literal, no_effects


def scan(step, carry: Any, xs: Any, reverse: bool = False) -> tuple[Any, list, tuple[bool, ...]]:
    """``lax.scan(step, carry, xs)`` with ``step``'s loop-invariant saves kept once (see the module doc)."""
    x0 = tree_util.tree_map(lambda a: a[-1] if reverse else a[0], xs)
    closed = jax.make_jaxpr(step)(carry, x0)
    jaxpr = closed.jaxpr
    n_carry = len(tree_util.tree_leaves(carry))
    outs = jaxpr.outvars[n_carry:]
    mask = tuple(not _depends(v, _dependent(jaxpr)) for v in outs)
    if not any(mask):
        carry, ys = lax.scan(step, carry, xs, reverse=reverse)
        return carry, list(ys), mask
    kept = iter(_evaluate(closed, [v for v, m in zip(outs, mask) if m]))

    def varying(c, x):
        c, ys = step(c, x)
        return c, [y for y, m in zip(ys, mask) if not m]

    carry, stacked = lax.scan(varying, carry, xs, reverse=reverse)
    stacked = iter(stacked)
    return carry, [next(kept) if m else next(stacked) for m in mask], mask


def merge(stacked: list, ys: list, mask: tuple[bool, ...] | None) -> list:
    """One iteration's saves: its slices of the stacked ones (``stacked``, in order) and the invariant
    ones of ``ys`` in their places (``mask`` None: every save was stacked)."""
    if mask is None:
        return list(stacked)
    it = iter(stacked)
    return [y if m else next(it) for y, m in zip(ys, mask)]


def varying(ys: list, mask: tuple[bool, ...] | None) -> list:
    """The saves of ``ys`` that were stacked."""
    return list(ys) if mask is None else [y for y, m in zip(ys, mask) if not m]


def _depends(v: Any, dependent: set) -> bool:
    return not isinstance(v, Literal) and v in dependent


def _dependent(jaxpr) -> set:
    """The variables of ``jaxpr`` that depend on its inputs (not on its constants alone)."""
    dependent = set(jaxpr.invars)
    for eqn in jaxpr.eqns:
        if any(_depends(v, dependent) for v in eqn.invars) or eqn.effects:
            dependent.update(eqn.outvars)
    return dependent


def _evaluate(closed, wanted: list) -> list:
    """The values of ``wanted`` (variables of ``closed`` that depend on its constants alone), evaluating only
    the equations they need."""
    jaxpr = closed.jaxpr
    need = {v for v in wanted if not isinstance(v, Literal)}
    eqns = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in need for v in eqn.outvars):
            eqns.append(eqn)
            need.update(v for v in eqn.invars if not isinstance(v, Literal))
    info = jaxpr.debug_info._replace(arg_names=(), result_paths=None)
    pruned = jaxpr.replace(invars=[], outvars=list(wanted), eqns=eqns[::-1], effects=no_effects, debug_info=info)
    return jax.core.eval_jaxpr(pruned, closed.consts)
