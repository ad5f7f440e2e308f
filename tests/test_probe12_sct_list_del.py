"""Probe 12: ``del xs[i]`` of a local list, on the SCT engine.

SCT took ``del xs[i]`` as a dict's ``del d[k]`` and refused it with a misleading message ("a ** spread of a list,
which is not a dict"). JAX runs it (the list is Python's, its elements tracers). ``del xs[i]`` of a list the
function makes (a display, a comprehension, ``list(...)``, ``sorted(...)``) is now ``xs`` rebuilt without the
element (``builtin_source.python_list_del``, transformed as any callee; front/dict_writes), checked as an
append is: a second name for the list is refused. Python's IndexError for a position out of range; a slice,
a list SCT did not see made (a parameter), a tuple, are refused naming the construct and the user's line.
Checked with grad, jvp, vjp and the Hessian (higher="sct" and "boxes") against JAX float64 and the overloading
engine.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines

SCT = ad.engine("sct")


def deletes_by_position(x):
    t = [x[0] * x[1], anp.sin(x[1]), x[2] ** 2, x[0]]
    del t[0]
    del t[-1]
    return t[0] * t[1] + len(t)


def deletes_in_a_loop(x):
    xs = [x[k] * (k + 1.0) for k in range(4)]
    for i in range(2):
        del xs[i]  # Python's: positions 0, then 1 of what is left (x0 and x2 go)
    return xs[0] * anp.exp(xs[1])


def deletes_arrays(x):
    parts = list([x * 2.0, anp.cos(x), x ** 3])
    del parts[1]
    return anp.sum(parts[0] * parts[1])


@pytest.mark.parametrize("f", [deletes_by_position, deletes_in_a_loop, deletes_arrays])
def test_del_of_a_local_list_element_is_jaxs(f):
    rng = np.random.default_rng(12)
    check_engines(f, [rng.normal(size=4) for _ in range(3)], seed=3)


def test_del_by_a_position_out_of_range_is_pythons_error():
    def out_of_range(x):
        xs = [x[0], x[1]]
        del xs[2]
        return xs[0]

    with pytest.raises(IndexError, match="list assignment index out of range"):
        SCT.grad(out_of_range)(np.ones(2))


def of_a_parameter(xs):
    del xs[0]  # refused: here
    return xs[0]


def of_a_slice(x):
    xs = [x, x * 2.0, x * 3.0]
    del xs[1:]  # refused: here
    return xs[0]


def with_a_second_name(x):
    xs = [x, x * 2.0]
    ys = xs  # refused: here (as for an append)
    del xs[0]
    return ys[0] * xs[0]


@pytest.mark.parametrize("f, arg, message", [
    (of_a_parameter, [0.5, 0.7], r"del v\[k\].* of a list, which is not a dict"),
    (of_a_slice, 0.5, r"del xs\[1:\]"),
    (with_a_second_name, 0.5, "a second reference to the list 'xs'"),
])
def test_other_deletes_are_refused_at_their_line(f, arg, message):
    refused_at_mark(f, arg, message)


def refused_at_mark(f, arg, message: str, engine=SCT) -> ad.SCTError:
    """``engine``'s gradient of ``f`` at ``arg`` refused, matching ``message``, at the line of ``f`` marked
    "refused: here" in ``f``'s file."""
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "refused: here" in text)
    with pytest.raises(ad.SCTError, match=message) as info:
        engine.grad(f)(arg)
    assert (info.value.filename, info.value.line) == (f.__code__.co_filename, line)
    return info.value
