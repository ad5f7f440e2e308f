"""Python's builtins ``sum``, ``max``, ``min``, ``pow``, ``list``, ``sorted``, ``dict`` on differentiated values.

Contract: :func:`replacement` turns a call of one of these builtins into a call of a plain Python
function below that computes the same value the same way (``sum`` adds from ``start`` in order;
``max`` and ``min`` keep the first of the largest or smallest, comparing as Python does; ``pow`` is
``**``; ``list`` appends the items to a new list; ``sorted`` appends them in the order Python's
``sorted`` puts them, found on their values by :func:`..emit.runtime.sort_order`; a dict's keys are sorted
as they are, constants), so SCT transforms it
as any user function: its derivative is that of the additions, comparisons and powers it makes (for
``sorted``, the derivative follows the permutation), which is JAX's (JAX runs the builtins themselves
on its tracers).
Calls these functions do not cover (``max(xs, key=f)``, ``max(xs, default=d)``, ``pow(a, b, m)``)
are left to the builtins, and so refused on differentiated values. :func:`display` turns
``dict(a=x, b=y)`` into the display ``{'a': x, 'b': y}``.
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Callable

from adcompare import numpy as anp
from adcompare.engines.sct.emit.runtime import list_position, nonempty_len, positional_len, sort_order
from adcompare.engines.sct.front import tree_source


def python_sum(function, filename, line, values, start=0):
    total = start
    n = positional_len(values, function, filename, line)
    for k in range(n):
        total = total + values[k]
    return total


def python_max(function, filename, line, values):
    n = nonempty_len(values, function, filename, line, "max")
    best = values[0]
    for k in range(1, n):
        if values[k] > best:
            best = values[k]
    return best


def python_min(function, filename, line, values):
    n = nonempty_len(values, function, filename, line, "min")
    best = values[0]
    for k in range(1, n):
        if values[k] < best:
            best = values[k]
    return best


def python_pow(base, exp):
    return base ** exp


def python_list(function, filename, line, values, copied=False):  # copied: ys = values.copy(), see .dict_writes
    items = []
    n = positional_len(values, function, filename, line, copied)
    for k in range(n):
        items.append(values[k])
    return items


def python_sorted(function, filename, line, values, order):
    if isinstance(values, dict):  # its keys, constants (sort_order's)
        return list(order)
    items = []
    for k in range(len(order)):
        items.append(values[order[k]])
    return items


def python_list_set(function, filename, line, values, index, value):
    n = positional_len(values, function, filename, line)
    at = list_position(index, n, function, filename, line)
    items = []
    for k in range(n):
        if k == at:
            items.append(value)
        else:
            items.append(values[k])
    return items


def python_list_del(function, filename, line, values, index):
    n = positional_len(values, function, filename, line)
    at = list_position(index, n, function, filename, line)
    items = []
    for k in range(n):
        if k != at:
            items.append(values[k])
    return items


def python_list_concat(function, filename, line, first, second):
    items = []
    n = positional_len(first, function, filename, line)
    for k in range(n):
        items.append(first[k])
    m = positional_len(second, function, filename, line)
    for k in range(m):
        items.append(second[k])
    return items


def python_first(function, filename, line, values, order, name):
    n = nonempty_len(order, function, filename, line, name)
    if n and isinstance(values, dict):  # a key, a constant (sort_order's)
        return order[0]
    return values[order[0]]


python_list.sct_makes_list = True  # its call is a list, as a display is (see analysis.dataflow.list_targets)
python_sorted.sct_makes_list = True
python_list_set.sct_makes_list = True  # seq[i] = v of a local list: seq rebuilt (see .desugar.Desugar.list_write)
python_list_del.sct_makes_list = True  # del seq[i] of a local list: seq rebuilt (see .dict_writes)
python_list_concat.sct_makes_list = True  # xs + [v], xs += [v] of local lists (see .dict_writes)

# They read their arguments and keep no reference: an appended list may be passed (see .aliases).
READERS = (python_sum, python_max, python_min, python_pow, python_list, python_sorted, python_list_set,
           python_list_del, python_list_concat, python_first, *tree_source.READERS)
BY_POSITION = (python_sum, python_max, python_min, python_list, python_sorted, python_first,
               *tree_source.FUNCTIONS)  # the call's place first
MAKES_LIST = (builtins.list, builtins.sorted, *tree_source.LEAVES)  # a loop over their call runs over its list


def replacement(obj, node: ast.Call, place: list[ast.expr], bind: Callable) -> tuple[list[ast.expr], Callable] | None:
    """The arguments and function that stand for the call ``node`` of the builtin ``obj``, or None; ``place``
    the user's function, file and line (constants), ``bind(base, value)`` a name for ``value`` in the code."""
    args, keywords = list(node.args), {k.arg: k.value for k in node.keywords}
    if any(isinstance(a, ast.Starred) for a in args) or None in keywords:
        return None

    def order(values: ast.expr, key: ast.expr, reverse: ast.expr) -> ast.Call:  # a constant: the key is no operand
        return ast.Call(bind("sort_order", sort_order), [values, key, reverse] + copy.deepcopy(place), [])

    if obj in (builtins.max, builtins.min) and args and set(keywords) == {"key"}:  # the first largest (smallest)
        values = args[0] if len(args) == 1 else ast.copy_location(ast.Tuple(args, ast.Load()), node)
        first = order(values, keywords["key"], ast.Constant(obj is builtins.max))  # sorting is stable
        return [copy.deepcopy(values), first, ast.Constant(obj.__name__)], python_first
    if obj is builtins.sum and 1 <= len(args) + len(keywords) <= 2 and set(keywords) <= {"start"}:
        return args + list(keywords.values()), python_sum
    if obj in (builtins.max, builtins.min) and args and not keywords:
        values = args[0] if len(args) == 1 else ast.copy_location(ast.Tuple(args, ast.Load()), node)
        return [values], python_max if obj is builtins.max else python_min
    if obj is builtins.pow and len(args) == 2 and not keywords:
        return args, python_pow
    if obj is builtins.divmod and len(args) == 2 and not keywords:
        return args, anp.divmod
    if obj is builtins.list and len(args) == 1 and not keywords:
        return args, python_list
    if obj is builtins.sorted and len(args) == 1 and set(keywords) <= {"key", "reverse"}:
        by = order(args[0], keywords.get("key", ast.Constant(None)), keywords.get("reverse", ast.Constant(False)))
        return [copy.deepcopy(args[0]), by], python_sorted
    fn = tree_source.replacement(obj, node)  # jax.tree_util's leaves, map, reduce
    return None if fn is None else (args, fn)


def display(obj, node: ast.Call) -> ast.Dict | None:
    """``dict(a=x, b=y)`` as the display ``{'a': x, 'b': y}``, or None for another call."""
    if obj is not builtins.dict or node.args or any(k.arg is None for k in node.keywords):
        return None
    return ast.copy_location(ast.Dict([ast.Constant(k.arg) for k in node.keywords],
                                      [k.value for k in node.keywords]), node)
