"""Probe 16 review: a write in place reaching a caller's array through a callee's *keyword* argument, on SCT.

SCT writes functionally (``v *= 2.0`` is ``v = v * 2.0``), so a call of a function that writes into its parameter
in place is refused where the caller's array is read afterwards (``front.aliases.parameters_written``). The
callee's writes reach its caller through the calls it makes, but only positional arguments were followed:
``scale(v=p)``, a keyword-only parameter, or ``mid(p=p)`` one call further down, lost the write. NumPy's primal
sweep saw the doubled array while the derivative did not: a value right and a gradient three quarters of it,
with no error. Now every argument is bound to the callee's parameter by name as by position (a ``*seq`` or
``**d`` to any it may reach). A callee that only reads its keyword parameter still runs, checked against JAX.
"""

from __future__ import annotations

import contextlib
import functools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
HERE = os.path.basename(__file__)


def scale(v):
    v *= 2.0
    return 0.0


def by_keyword(p):
    _ = scale(v=p)
    return 0.0


def scale_kwonly(a, *, v):
    v *= 2.0
    return a


def by_keyword_only(p):
    _ = scale_kwonly(1.0, v=p)
    return 0.0


def by_keyword_two_down(p):
    _ = by_keyword(p=p)
    return 0.0


def caller(helper):
    def f(x):
        y = x * 1.0
        _ = helper(y)
        return anp.sum(y * x)
    return f


@pytest.mark.parametrize("helper", [by_keyword, by_keyword_only, by_keyword_two_down])
def test_a_write_through_a_keyword_argument_of_a_callee_is_refused_at_the_users_line(helper):
    x = np.array([0.3, -1.2, 0.7, 2.0])
    with pytest.raises(ad.SCTError, match="writes into its parameter in place") as info:
        ad.engine("sct").grad(caller(helper))(x)
    assert HERE in "\n".join([str(info.value), *getattr(info.value, "__notes__", ())])


def weigh(v, w=1.0):
    return v * w


def reads_by_keyword(p, w):
    return weigh(w=w, v=p)


def f_reads(x):
    y = x * 1.0
    z = reads_by_keyword(y, x[0])
    return anp.sum(y * z * x)


def test_a_callee_that_only_reads_its_keyword_parameter_still_runs():
    fj = lambda x: jnp.sum(x * x * x[0] * x)  # noqa: E731 (f_reads in jnp)
    for seed in (0, 1):
        x = np.random.default_rng(seed).standard_normal(4)
        np.testing.assert_allclose(ad.engine("sct").grad(f_reads)(x), jax.grad(fj)(jnp.asarray(x)), rtol=1e-10)


def scale_rest(*vs):
    a = vs[0]
    a *= 2.0
    return 0.0


def scale_after_rest(a, *rest, v):
    v *= 2.0
    return a


def f_rest(x):
    y = x * 1.0
    z = scale_rest(y)
    return anp.sum(y * x) + z


def f_after_rest(x):
    c = anp.ones(4)
    z = scale_after_rest(1.0, x, v=c)
    return anp.sum(c * x) + z


def test_a_write_into_an_element_of_star_args_is_refused_naming_the_callers_array():
    # (*vs was not among the parameters read for writes: SCT gave half NumPy's value and gradient, no error;
    # a keyword-only parameter after *rest was matched to the argument at its number, x, not to c)
    x = np.array([0.3, -1.2, 0.7, 2.0])
    for f, name in ((f_rest, "y"), (f_after_rest, "c")):
        with pytest.raises(ad.SCTError, match=f"writes into its parameter in place, passing {name};") as info:
            ad.engine("sct").grad(f)(x)
        assert HERE in "\n".join([str(info.value), *getattr(info.value, "__notes__", ())])


def double(p):
    p *= 2.0
    return 0.0


def fill(buf):
    buf += 1.0
    return 0.0


def unused_result(make):
    def f(x):
        y = x * 1.0
        g = make()
        _ = g(y)  # the result is not differentiated, the write into y is
        return anp.sum(y * x)
    return f


def f_buffer(x):
    buf = anp.zeros(4)
    g = fill
    _ = g(buf)  # a constant buffer: its write is seen by the derivative too
    return anp.sum(buf * x * x)


@pytest.mark.parametrize("make", [lambda: double, lambda: functools.partial(double), lambda: lambda v: double(v)],
                         ids=["variable", "partial", "lambda"])
@pytest.mark.parametrize("how", ["grad", "jvp"])
def test_a_call_known_when_it_runs_whose_result_is_unused_is_checked_for_writes(make, how):
    # (the check ran only where the call's result was differentiated: NumPy's primal doubled y, the derivative
    # did not, a gradient 3/4 of NumPy's with no error)
    x = np.array([0.3, -1.2, 0.7, 2.0])
    eng = ad.engine("sct")
    with pytest.raises(ad.SCTError, match="known only when it runs, which writes into its parameter") as info:
        eng.grad(unused_result(make))(x) if how == "grad" else eng.jvp(unused_result(make), (x,), (x,))
    assert HERE in "\n".join([str(info.value), *getattr(info.value, "__notes__", ())])


def test_a_call_known_when_it_runs_writing_a_constant_buffer_still_runs():
    for seed in (0, 1):
        x = np.random.default_rng(seed).standard_normal(4)
        for how in ("sct", "overloading"):
            np.testing.assert_allclose(ad.engine(how).grad(f_buffer)(x), jax.grad(lambda v: jnp.sum(v * v))(x),
                                       rtol=1e-10)


def in_with(p):
    with contextlib.nullcontext():
        p *= 2.0
    return 0.0


def in_handler(p):
    try:
        _ = float("x")
    except ValueError:
        p *= 2.0
    return 0.0


def in_match(p):
    match p.ndim:
        case 1:
            p *= 2.0
    return 0.0


def spread(*args):
    _ = double(*args)
    return 0.0


@pytest.mark.parametrize("helper", [in_with, in_handler, in_match, spread])
def test_a_callee_sct_would_refuse_whose_result_is_unused_is_read_for_its_writes(helper):
    # (its source was not read at all where the fence refused it, and the call, its result unused, is never
    # transformed: NumPy's primal doubled y and the derivative did not, with no error)
    x = np.array([0.3, -1.2, 0.7, 2.0])
    with pytest.raises(ad.SCTError, match="writes into its parameter in place, passing y;") as info:
        ad.engine("sct").grad(caller(helper))(x)
    assert HERE in "\n".join([str(info.value), *getattr(info.value, "__notes__", ())])
