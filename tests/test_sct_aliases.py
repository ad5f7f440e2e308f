"""SCT and writes in place through a second name for the same array (front/aliases, analysis/aliasing).

SCT writes functionally (``c *= a`` is ``c = c * a``; ``y[i] = v`` a new array), which is exact
unless another name that may hold the written memory is read afterwards. Those writes are refused
with the user's line when the value is a mutable NumPy array; floats, NumPy scalars and JAX arrays
(immutable, so the functional translation is exact) pass. Whatever is not refused is checked
against JAX (float64) on a functional rewrite, and its primal against plain NumPy.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import SCTEngine

SEEDS = (0, 1, 2)
ENGINES = {"plain": ad.engine("sct"), "higher": SCTEngine(higher="sct"), "lax": SCTEngine(control="lax")}


def _inputs(seed: int, n: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.2, 1.5, n)


# --- refused: another name holds the array and reads it after the write -------------------------


def copy_then_augment(a):
    b = a * 1.0
    c = b
    c *= a  # line: refused
    return anp.sum(b)


def accumulator_with_a_second_name(a):
    acc = anp.zeros_like(a)  # a NumPy array for NumPy inputs, a JAX array for JAX inputs
    tot = acc
    for i in range(3):
        acc += a * i  # line: refused
    return anp.sum(tot * a)


def write_into_a_slice_view(a):
    b = a * 1.0
    v = b[1:3]
    v[0] = 5.0 * a[0]  # line: refused
    return anp.sum(b * a)


def write_into_the_base_of_a_view(a):
    b = a * 2.0
    v = b[1:3]
    b[1] = 7.0 * a[2]  # line: refused
    return anp.sum(v * a[:2])


def rows_written_in_a_loop(a):
    m = anp.reshape(a * 1.0, (2, 2))
    for row in m:
        row *= 2.0  # line: refused
    return anp.sum(m * m)


def element_of_a_list(a):
    b, c = a * 1.0, a * 2.0
    pair = [b, c]
    v = pair[0]
    v *= 3.0  # line: refused
    return anp.sum(b * a)


def through_a_transpose(a):
    b = anp.reshape(a * 1.0, (2, 2))
    t = b.T
    t[0] = a[:2]  # line: refused
    return anp.sum(b * b)


def _doubles(buf):
    buf *= 2.0
    return anp.sum(buf)


def helper_writes_into_its_parameter(a):
    b = a * 1.0
    s = _doubles(b)  # line: refused
    return s + anp.sum(b * a)


def _writes_through_a_view(x):
    y = x[0:2]
    y[0] = 2.0
    return anp.sum(y)


def helper_writes_through_a_view_of_its_parameter(a):
    b = a * 1.0
    s = _writes_through_a_view(b)  # line: refused
    return s + anp.sum(b * a)


def unpacked_from_a_tuple(a):
    b = a * 1.0
    v, w = b, a * 2.0
    v *= 3.0  # line: refused
    return anp.sum(b * w)


def value_of_a_dict(a):
    b = a * 1.0
    d = {"w": b}
    w = d["w"]
    w[0] = a[1]  # line: refused
    return anp.sum(d["w"] * a)


def in_a_branch(a):
    b = a * 1.0
    c = b
    if a[0] > 0.5:
        c *= 2.0  # line: refused
    return anp.sum(b * c)


def through_real_flip_and_split(a):
    b = anp.reshape(a * 1.0, (2, 2))
    r = anp.real(b)
    f = anp.flip(r)
    p0 = anp.split(f, 2)[0]
    p0 *= 3.0  # line: refused
    return anp.sum(b * b)


def previous_value_in_a_while_loop(a):
    b = a * 1.0
    i = 0
    while i < 2:
        prev = b
        b *= a  # line: refused
        i += 1
    return anp.sum(prev * b)


GLOBAL = np.ones(4)


def through_a_global(a):
    g = GLOBAL
    g *= 2.0  # line: refused
    return anp.sum(g * a)


REFUSED = [(copy_then_augment, "c written in place", "b"),
           (accumulator_with_a_second_name, "acc written in place", "tot"),
           (write_into_a_slice_view, "a write into v[...], and another name may hold the same array", "b"),
           (write_into_the_base_of_a_view, "a write into b[...], and another name may hold the same array", "v"),
           (rows_written_in_a_loop, "row written in place", "m"),
           (element_of_a_list, "v written in place", "b"),
           (through_a_transpose, "a write into t[...], and another name may hold the same array", "b"),
           (helper_writes_into_its_parameter, "a call of _doubles, which writes into its parameter in place", "b"),
           (through_a_global, "g written in place", "the caller"),
           (helper_writes_through_a_view_of_its_parameter,
            "a call of _writes_through_a_view, which writes into its parameter x[...]", "caller"),
           (unpacked_from_a_tuple, "v written in place", "b"),
           (value_of_a_dict, "a write into w[...], and another name may hold the same array", "d"),
           (in_a_branch, "c written in place", "b"),
           (through_real_flip_and_split, "p0 written in place", "b"),
           (previous_value_in_a_while_loop, "b written in place", "prev")]


def _line_of(f) -> int:
    import inspect

    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if "# line: refused" in text)


@pytest.mark.parametrize("f, what, who", REFUSED, ids=[f.__name__ for f, _, _ in REFUSED])
@pytest.mark.parametrize("kind", ["reverse", "forward", "hessian", "lax"])
def test_a_write_another_name_would_see_is_refused_with_its_line(f, what, who, kind):
    a = _inputs(0) + 0.5
    saved = GLOBAL.copy()
    run = {"reverse": lambda: ENGINES["plain"].grad(f)(a),
           "forward": lambda: ENGINES["plain"].jvp(f, (a,), (np.ones(4),)),
           "hessian": lambda: ENGINES["higher"].hessian(f)(a),
           "lax": lambda: ENGINES["lax"].grad(f)(a)}[kind]
    with pytest.raises(ad.SCTError, match=r"(?s)" + re.escape(what) + ".*" + re.escape(who)
                       + rf".*test_sct_aliases\.py, line {_line_of(f)}\n.*hint: .*(copy|return)"):
        run()
    assert np.array_equal(GLOBAL, saved)


def test_a_closure_writing_into_a_captured_array_is_refused():
    def outer(a):
        k = a * 2.0

        def inner(y):
            m = k
            m *= 2.0  # line: refused
            return anp.sum(m * y)

        return inner(a) + anp.sum(k)

    with pytest.raises(ad.SCTError, match=r"(?s)m written in place.*the caller.*test_sct_aliases\.py"):
        ENGINES["higher"].grad(outer)(_inputs(1))


def test_a_chained_write_through_an_advanced_index_is_refused():
    def f(a):
        b = anp.reshape(a * 1.0, (2, 2))
        b[[0, 1]][0] = a[0]
        return anp.sum(b)

    with pytest.raises(ad.SCTError, match=r"(?s)advanced index.*test_sct_aliases\.py"):
        ENGINES["plain"].grad(f)(_inputs(0))


def test_writes_through_an_expression_are_refused():
    def reshaped(a):
        b = a * 1.0
        anp.reshape(b, (2, 2))[0][1] = a[1]
        return anp.sum(b * a)

    def transposed(a):
        b = anp.reshape(a * 1.0, (2, 2))
        b.T[0] = a[:2]
        return anp.sum(b * b)

    for f in (reshaped, transposed):
        with pytest.raises(ad.SCTError, match=r"(?s)which is not a variable.*test_sct_aliases\.py.*base|itself"):
            ENGINES["plain"].grad(f)(_inputs(0))


# --- kept: no other live name, or an immutable value -------------------------------------------------------


def chained_write(a):
    b = anp.reshape(a * 1.0, (2, 2))
    b[1][0] = 3.0 * a[0] * a[3]
    b[0][1] += a[2]
    return anp.sum(b * b)


def chained_write_jax(a):
    b = jnp.reshape(a * 1.0, (2, 2))
    b = b.at[1, 0].set(3.0 * a[0] * a[3])
    b = b.at[0, 1].add(a[2])
    return jnp.sum(b * b)


def accumulator(a):
    acc = anp.zeros(4)
    for i in range(3):
        acc += a * i
    y = a * 1.0
    y[2] = acc[1] * a[0]
    return anp.sum(acc * y)


def accumulator_jax(a):
    acc = jnp.zeros(4)
    for i in range(3):
        acc = acc + a * i
    y = (a * 1.0).at[2].set(acc[1] * a[0])
    return jnp.sum(acc * y)


def second_name_not_read_again(a):
    b = a * 1.0
    c = b
    s = anp.sum(c)
    c *= a
    b = a * 3.0
    return anp.sum(c) + s + anp.sum(b)


def second_name_not_read_again_jax(a):
    b = a * 1.0
    s = jnp.sum(b)
    c = b * a
    return jnp.sum(c) + s + jnp.sum(a * 3.0)


def scalars(a):
    total = 0.0
    t = total
    for i in range(4):
        total += a[i] * a[i]
    x = a[0] * 1.0
    y = x
    x *= a[1]
    return total + t + y * x


def scalars_jax(a):
    return jnp.sum(a * a) + a[0] * a[0] * a[1]


def helper_result_only(a):
    s = _doubles(a * 1.0)
    return s * a[0]


def helper_result_only_jax(a):
    return jnp.sum(a * 2.0) * a[0]


def element_read_then_base_written(a):
    b = a * 1.0
    x = b[0]  # a NumPy scalar: a copy
    b[0] = a[1] * 3.0
    return x * a[2] + anp.sum(b)


def element_read_then_base_written_jax(a):
    return a[0] * a[2] + jnp.sum(a.at[0].set(a[1] * 3.0))


def chained_writes_in_a_loop(a):
    m = anp.reshape(a * 1.0, (2, 2))
    for i in range(2):
        m[i][0] = m[i][1] * a[i]
    return anp.sum(m * m)


def chained_writes_in_a_loop_jax(a):
    m = jnp.reshape(a * 1.0, (2, 2))
    for i in range(2):
        m = m.at[i, 0].set(m[i, 1] * a[i])
    return jnp.sum(m * m)


KEPT = [(element_read_then_base_written, element_read_then_base_written_jax),
        (chained_writes_in_a_loop, chained_writes_in_a_loop_jax), (chained_write, chained_write_jax),
        (accumulator, accumulator_jax),
        (second_name_not_read_again, second_name_not_read_again_jax), (scalars, scalars_jax),
        (helper_result_only, helper_result_only_jax)]


@pytest.mark.parametrize("f, f_jax", KEPT, ids=[f.__name__ for f, _ in KEPT])
@pytest.mark.parametrize("seed", SEEDS)
def test_writes_nobody_else_sees_match_jax(f, f_jax, seed):
    a = _inputs(seed)
    assert np.allclose(f(a.copy()), f_jax(jnp.asarray(a)), rtol=1e-12)  # the rewrite is the same program
    want = np.asarray(jax.grad(f_jax)(jnp.asarray(a)))
    sct = ENGINES["plain"]
    y, f_vjp = sct.vjp(f, a)
    np.testing.assert_allclose(y, f(a.copy()), rtol=1e-12)
    np.testing.assert_allclose(f_vjp(1.0)[0], want, rtol=1e-10, atol=1e-12)
    t = _inputs(seed + 10)
    _, y_dot = sct.jvp(f, (a,), (t,))
    np.testing.assert_allclose(y_dot, want @ t, rtol=1e-10)
    np.testing.assert_allclose(ENGINES["higher"].hessian(f)(a), jax.hessian(f_jax)(jnp.asarray(a)),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f, f_jax", KEPT, ids=[f.__name__ for f, _ in KEPT])
def test_writes_nobody_else_sees_under_lax_and_jit(f, f_jax):
    a = jnp.asarray(_inputs(2))
    got = jax.jit(ENGINES["lax"].grad(f))(a)
    np.testing.assert_allclose(got, jax.grad(f_jax)(a), rtol=1e-10, atol=1e-12)


SECOND_NAME = [copy_then_augment, accumulator_with_a_second_name, in_a_branch]


@pytest.mark.parametrize("f", SECOND_NAME, ids=[f.__name__ for f in SECOND_NAME])
@pytest.mark.parametrize("engine", ["plain", "higher", "lax"])
def test_jax_arrays_are_immutable_so_the_functional_write_is_right(f, engine):
    a = jnp.asarray(_inputs(1))
    want = jax.grad(f)(a)  # JAX runs the same source: c *= a rebinds c, as SCT does
    grad = ENGINES[engine].grad(f)
    np.testing.assert_allclose(grad(a), want, rtol=1e-10, atol=1e-12)
    if engine == "lax":
        np.testing.assert_allclose(jax.jit(grad)(a), want, rtol=1e-10, atol=1e-12)


def test_one_array_passed_twice_is_refused_only_when_it_is():
    def f(x, y):
        x *= 2.0  # line: refused
        return anp.sum(x * y)

    a, b = _inputs(0), _inputs(1)
    np.testing.assert_allclose(ENGINES["plain"].grad(f)(a, b), np.asarray(jax.grad(f)(jnp.asarray(a), b)),
                               rtol=1e-12)
    with pytest.raises(ad.SCTError, match=rf"(?s)x written in place.*\(y, read afterwards\).*line {_line_of(f)}"):
        ENGINES["plain"].grad(f, argnums=(0, 1))(a, a)


def calls_a_writer_through_a_variable(a):
    g = _doubles
    b = a * 1.0
    s = g(b)
    return s + anp.sum(b * a)


def calls_a_nested_writer(a):
    b = a * 1.0

    def inner(buf):
        buf *= 2.0
        return anp.sum(buf)

    s = inner(b)
    return s + anp.sum(b * a)


def calls_nested_functions_that_write_nothing_shared(a):
    h = lambda y: anp.sum(y * y)  # noqa: E731
    b = a * 1.0

    def inner(buf):
        c = buf * 2.0
        c *= 3.0
        return anp.sum(c)

    return h(b) + inner(b) + anp.sum(b * a)


def calls_nested_functions_that_write_nothing_shared_jax(a):
    return jnp.sum(a * a) + jnp.sum(a * 6.0) + jnp.sum(a * a)


@pytest.mark.parametrize("f, callee", [(calls_a_writer_through_a_variable, "_doubles"),
                                       (calls_a_nested_writer, "inner_lifted")])
@pytest.mark.parametrize("engine", ["plain", "higher"])
def test_a_call_known_only_when_it_runs_of_a_writer_is_refused(f, callee, engine):
    a = _inputs(2)
    for run in (lambda: ENGINES[engine].grad(f)(a), lambda: ENGINES[engine].jvp(f, (a,), (a,))):
        with pytest.raises(ad.SCTError, match=rf"(?s)a call of {callee}, known only when it runs, which writes "
                                              r"into its parameter 'buf' in place.*test_sct_aliases\.py"):
            run()


@pytest.mark.parametrize("engine", ["plain", "higher"])
def test_calls_known_only_when_they_run_that_write_nothing_shared_match_jax(engine):
    a = _inputs(1)
    f, f_jax = calls_nested_functions_that_write_nothing_shared, calls_nested_functions_that_write_nothing_shared_jax
    np.testing.assert_allclose(ENGINES[engine].grad(f)(a), jax.grad(f_jax)(jnp.asarray(a)), rtol=1e-12)
