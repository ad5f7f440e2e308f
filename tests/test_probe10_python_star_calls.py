"""Probe 10: ``*args`` and ``**kwargs`` in user functions and calls ``f(*xs)``, ``f(**d)``, on the SCT engine.

JAX's test helpers wrap functions as ``def f_vjp(*args): return vjp_fn(*args)``, and users write
``sq(*xs)``, ``f(x, **options)`` and ``def f(a, **kw)``. SCT took a ``*args`` parameter, but refused a
call with star-arguments ("a call with *args or **kwargs"), a ``**kwargs`` parameter, keywords for it,
and a nested def with ``*args``. The length of ``xs`` and the keys of ``d`` are known only when the code
runs, so a star call is now a call of a function SCT writes then (``front/sized_code.spread_call``) whose
source is the call with the items spread (``f(xs[0], xs[1], w=d['w'])``), transformed as any callee: the
callee may be a user function, a vocabulary one, a builtin or a function known only when it runs. A
``**kwargs`` parameter is one parameter holding the dict (the last positional one; with ``*args`` too, a
keyword-only one, which SCT does not differentiate through: a differentiated value there is refused at the
call's line). A display with starred items (``[*a, b]``, ``(c, *a)``) is such a call of a function packing its
arguments. Checked with grad, jvp, vjp and the Hessian against JAX float64 and the overloading engine.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from tests.test_probe10_python_sorted import check_engines

jax.config.update("jax_enable_x64", True)


def squares(*xs):
    return sum(x * x for x in xs)


def named(a, b, c=1.0, *, k=2.0):
    return a * b + c * k


def star_calls(x):
    xs = [x[0], x[1] * 2.0]
    d = {"b": x[1], "c": x[2]}
    return (squares(x[2], *xs, *xs[:1]) + named(*xs) + named(x[0], **d) + named(*[x[0]], **{"b": x[2]}, k=3.0)
            + anp.sum(anp.add(*(anp.sin(x), x))))


def forwards(*args):
    fs = [squares, named]
    g = fs[0]
    shape = (3, 1)
    return g(*args[0]) * fs[1](*[args[0][0], args[0][1]]) + max(*args[0]) + anp.sum(args[0].reshape(*shape)[1:])


def nested_forwarding(x):
    def f_vjp(*args):  # as JAX's check_vjp wraps a pull-back
        return named(*args)
    return f_vjp(x[0], x[1]) * x[2]


def spreads_and_displays(x):
    built = []
    for i in range(3):
        built.append(x[i] * (i + 1.0))  # a list built by append, spread
    a = [x[0], x[1] * 2.0]
    b = [*a, x[2], *a]
    c = (x[2], *b)
    return squares(*built) + squares(*b) + c[0] * c[3] + anp.sum(anp.stack([*a, 1.0]))


def scaled(a, b=2.0, **options):
    return a * options["s"] * b


def product(a, **options):
    t = a
    for _, v in options.items():
        t = t * v
    return t


def keywords_to_kwargs(x):
    d = {"s": x[1], "t": x[2]}
    return scaled(x[0], s=x[1]) + product(x[0], **d) + product(x[1]) + scaled(x[2], x[0], s=3.0)


def both(*args, **kwargs):
    return product(*args, **kwargs) * len(kwargs)


def constants_to_both(x):
    return both(x[0], p=2.0) + both(x[1] * x[2])


def kwargs_at_top_level(x, **options):
    return anp.sum(x * x) * (len(options) + 1.0)


INPUTS = [np.random.default_rng(5).normal(size=3), np.array([0.5, -1.0, 0.0])]


@pytest.mark.parametrize("f", [star_calls, forwards, nested_forwarding, spreads_and_displays, keywords_to_kwargs,
                               constants_to_both, kwargs_at_top_level])
def test_star_arguments_and_kwargs_match_jax_and_overloading(f):
    check_engines(f, INPUTS, seed=37)


def differentiated_kwargs_after_args(x):
    return both(x[0], p=x[1])


SET = {1.0, 2.0}


def spreads_a_set(x):
    return squares(*SET) * x[0]


def spreads_a_key_that_is_not_a_name(x):
    return product(x[0], **{"a-b": 1.0})


def passes_a_keyword_twice(x):
    return product(x[0], b=1.0, **{"b": 2.0})


def test_a_keyword_passed_twice_raises_pythons_error_at_the_call():
    line = inspect.getsourcelines(passes_a_keyword_twice)[1] + 1
    with pytest.raises(TypeError, match="got multiple values for keyword argument 'b'") as info:
        ad.engine("sct").grad(passes_a_keyword_twice)(INPUTS[0])
    assert f"test_probe10_python_star_calls.py, line {line}" in "".join(info.value.__notes__)


@pytest.mark.parametrize("f, error", [(differentiated_kwargs_after_args, r"\*\*kwargs of both \(which also takes"),
                                      (spreads_a_set, "iterating over a set"),
                                      (spreads_a_key_that_is_not_a_name, "the key 'a-b', which is not a parameter")])
def test_unsound_star_arguments_are_refused_at_the_call(f, error):
    line = inspect.getsourcelines(f)[1] + 1
    with pytest.raises(ad.SCTError, match=error) as info:
        ad.engine("sct").grad(f)(INPUTS[0])
    assert info.value.line == line and info.value.filename == __file__
