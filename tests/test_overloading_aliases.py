"""Writes through a second name for the same array, on the overloading engine (adcompare.views).

Each case is a program written with NumPy's semantics (in-place operators,
views, writes by index) beside its functional rewrite in ``jax.numpy``. The
program run on plain NumPy must give the rewrite's value (so the rewrite says
what NumPy does), and the engine's derivatives of the program must match JAX's
of the rewrite, in float64, forward and reverse, first and second order.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

oo = ad.engine("overloading")
TOL = dict(rtol=1e-10, atol=1e-12)
SEEDS = (0, 1, 2)


def _scale_in_place(buf):
    buf *= 2.0  # a helper writing into its parameter


# name: (NumPy-semantics program, functional jnp rewrite, input size)
CASES: dict = {}


def case(n):
    def register(pair):
        prog, func = pair()
        CASES[prog.__name__] = (prog, func, n)
        return pair
    return register


@case(4)
def _():
    def imul_alias(x):
        b = x * 1.0
        c = b
        c *= x
        return b + c
    return imul_alias, lambda x: 2 * x * x


@case(4)
def _():
    def every_inplace_operator(x):
        b = x + 2.0
        c = b
        c += x
        c -= 0.5 * x
        c *= x
        c /= x + 3.0
        c **= 2.0
        c %= 7.0
        return b * x
    return every_inplace_operator, lambda x: ((((x + 2 + x - 0.5 * x) * x) / (x + 3)) ** 2 % 7.0) * x


@case(4)
def _():
    def imatmul_alias(x):
        M = anp.reshape(x, (2, 2)) * 1.0
        N = M
        N @= M.T
        return anp.ravel(M)
    return imatmul_alias, lambda x: jnp.ravel(x.reshape(2, 2) @ x.reshape(2, 2).T)


@case(4)
def _():
    def aliases_in_a_list(x):
        b = x * 2.0
        parts = [b, x]
        parts[0] += x  # list item: the same array as b
        for v in (b,):
            v *= x
        return b
    return aliases_in_a_list, lambda x: (2 * x + x) * x


@case(4)
def _():
    def helper_writes_its_parameter(x):
        b = x * 1.0
        _scale_in_place(b)
        return b * x
    return helper_writes_its_parameter, lambda x: 2 * x * x


@case(4)
def _():
    def write_into_view(x):
        b = x * 1.0
        v = b[1:3]
        v[0] = 5.0 * x[0]
        return b * x
    return write_into_view, lambda x: x.at[1].set(5 * x[0]) * x


@case(4)
def _():
    def base_write_seen_by_view(x):
        b = x * 2.0
        v = b[1:3]
        b[1] = 7.0 * x[2]
        return v * x[:2]
    return base_write_seen_by_view, lambda x: (2 * x).at[1].set(7 * x[2])[1:3] * x[:2]


@case(4)
def _():
    def inplace_on_view(x):
        b = x * 1.0
        v = b[::2]
        v *= x[1:3]
        return b
    return inplace_on_view, lambda x: x.at[::2].multiply(x[1:3])


@case(4)
def _():
    def sibling_views(x):
        b = x + 1.0
        v = b[0:3]
        w = b[1:4]
        v[2] = x[0] ** 2
        return w * x[:3]
    return sibling_views, lambda x: (x + 1).at[2].set(x[0] ** 2)[1:4] * x[:3]


@case(4)
def _():
    def chain_of_views(x):
        b = x * 3.0
        v = b[1:]
        w = v[1:]
        w[0] = x[0] * 4.0
        return b + v[0]
    return chain_of_views, lambda x: (3 * x).at[2].set(4 * x[0]) + 3 * x[1]


@case(4)
def _():
    def slice_plus_equals(x):
        b = x * 1.0
        b[1:3] += x[:2] * x[2:]
        return b
    return slice_plus_equals, lambda x: x.at[1:3].add(x[:2] * x[2:])


@case(6)
def _():
    def chained_index_write(x):
        X = anp.reshape(x * 1.0, (2, 3))
        X[1][2] = x[0] ** 2
        return anp.ravel(X * X)
    return chained_index_write, lambda x: jnp.ravel(x.reshape(2, 3).at[1, 2].set(x[0] ** 2) ** 2)


@case(4)
def _():
    def reshape_view_write(x):
        b = x * 1.0
        r = b.reshape(2, 2)
        r[0, 1] = x[3] * 3.0
        return b * x
    return reshape_view_write, lambda x: x.at[1].set(3 * x[3]) * x


@case(6)
def _():
    def transpose_view_write(x):
        B = anp.reshape(x, (2, 3)) * 1.0
        B.T[0] = x[:2] * 2.0
        B.T[1:, 1] *= x[4:]
        return anp.ravel(B)
    return transpose_view_write, lambda x: jnp.ravel(
        (x.reshape(2, 3)).at[:, 0].set(2 * x[:2]).at[1, 1:].multiply(x[4:]))


@case(6)
def _():
    def swapaxes_ravel_squeeze_views(x):
        B = anp.reshape(x, (1, 2, 3)) * 1.0
        s = anp.swapaxes(anp.squeeze(B, 0), 0, 1)
        s[2] = x[:2] * x[2:4]
        r = anp.ravel(B)
        r[0] += x[5]
        return anp.ravel(B)
    return swapaxes_ravel_squeeze_views, lambda x: x.at[2].set(x[0] * x[2]).at[5].set(x[1] * x[3]).at[0].add(x[5])


@case(6)
def _():
    def rows_scaled_in_a_for(x):
        A = anp.reshape(x * 1.0, (3, 2))
        for row in A:
            row *= row[0]
        return anp.ravel(A)
    return rows_scaled_in_a_for, lambda x: jnp.ravel(x.reshape(3, 2) * x.reshape(3, 2)[:, :1])


@case(4)
def _():
    def advanced_index_copies(x):
        b = x * 1.0
        v = b[[1, 2]]
        v[0] = 9.0 * x[0]
        m = b[b > 0.5]  # a mask: a copy too
        m *= 3.0
        return anp.concatenate([b * x, v])
    return advanced_index_copies, lambda x: jnp.concatenate([x * x, jnp.stack([9 * x[0], x[2]])])


@case(6)
def _():
    def reshape_of_noncontiguous_copies(x):
        B = anp.reshape(x * 1.0, (2, 3))
        c = B.T.reshape(6)  # a copy in NumPy: B.T is not contiguous
        c[0] = 100.0 * x[0]
        f = B.flatten()
        f *= 2.0
        k = B.copy()
        k[0, 0] = 0.0
        return anp.concatenate([anp.ravel(B), c])
    return reshape_of_noncontiguous_copies, lambda x: jnp.concatenate(
        [x, x.reshape(2, 3).T.reshape(6).at[0].set(100 * x[0])])


@case(4)
def _():
    def scalars_rebind_the_name(x):
        total = 0.0
        t = total
        total += anp.sum(x)  # a Python float: t stays 0.0
        s = anp.sum(x * x)
        u = s
        s *= 3.0  # a NumPy scalar: u keeps the old value
        e = x[0]
        f = e
        e += 1.0  # x[0] is a NumPy scalar, not a view
        return anp.stack([t + total, u, s, f, e]) * x[1]
    return scalars_rebind_the_name, lambda x: jnp.stack(
        [jnp.sum(x), jnp.sum(x * x), 3 * jnp.sum(x * x), x[0], x[0] + 1]) * x[1]


@case(4)
def _():
    def zero_d_array_in_place(x):
        z = anp.sum(x, keepdims=True).reshape(())  # a 0-d array (a view): += writes into it
        w = z
        z += x[0]
        z *= x[1]
        q = anp.squeeze(x[:1] * 2.0).copy()  # a 0-d array of its own: still one after +=
        r = q
        q += x[2]  # z + x[2] is a NumPy scalar, yet NumPy wrote it into the array
        q *= x[3]
        return w * x + r
    return zero_d_array_in_place, lambda x: (jnp.sum(x) + x[0]) * x[1] * x + (2 * x[0] + x[2]) * x[3]


@case(4)
def _():
    def writes_into_the_input(x):
        v = x[1:3]
        v *= 3.0
        x[0] = x[3] * x[1]
        return x * 1.0
    return writes_into_the_input, lambda x: x.at[1:3].multiply(3.0).at[0].set(x[3] * 3 * x[1])


@case(5)
def _():
    def recorded_past_keeps_old_values(x):
        b = x * 1.0
        y = b * b  # read before the writes: keeps the old b
        v = b[1:]
        w = v[1:]
        b[2] = x[0] * x[4]  # seen by v and by w, a view of a view
        b *= x
        return y + b + anp.concatenate([w, v[:2]])
    return recorded_past_keeps_old_values, lambda x: (
        x * x + x.at[2].set(x[0] * x[4]) * x
        + jnp.concatenate([(x.at[2].set(x[0] * x[4]) * x)[2:], (x.at[2].set(x[0] * x[4]) * x)[1:3]]))


def _input(n, seed):
    return np.random.default_rng(seed).uniform(0.2, 1.5, n)


def _scalar(f, lib):
    return lambda x: lib.sum(lib.sin(f(x)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_rewrite_is_what_numpy_computes(name):
    prog, func, n = CASES[name]
    for seed in SEEDS:
        x = _input(n, seed)
        np.testing.assert_allclose(prog(x.copy()), func(jnp.asarray(x)), **TOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reverse_grad_and_vjp_match_jax(name):
    prog, func, n = CASES[name]
    for seed in SEEDS:
        x = _input(n, seed)
        np.testing.assert_allclose(oo.grad(_scalar(prog, anp))(x), jax.grad(_scalar(func, jnp))(x), **TOL)
        y, pullback = oo.vjp(prog, x)
        y_j, pullback_j = jax.vjp(func, jnp.asarray(x))
        np.testing.assert_allclose(y, prog(x.copy()), **TOL)
        g = np.random.default_rng(seed + 10).normal(size=np.shape(y))
        np.testing.assert_allclose(pullback(g)[0], pullback_j(jnp.asarray(g))[0], **TOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_jvp_and_jacfwd_match_jax(name):
    prog, func, n = CASES[name]
    for seed in SEEDS:
        x = _input(n, seed)
        t = np.random.default_rng(seed + 20).normal(size=n)
        y, y_dot = oo.jvp(prog, (x,), (t,))
        y_j, y_dot_j = jax.jvp(func, (jnp.asarray(x),), (jnp.asarray(t),))
        np.testing.assert_allclose(y, prog(x.copy()), **TOL)
        np.testing.assert_allclose(y_dot, y_dot_j, **TOL)
        np.testing.assert_allclose(oo.jacfwd(prog)(x), jax.jacfwd(func)(jnp.asarray(x)), **TOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_hessian_and_jvp_of_grad_match_jax(name):
    prog, func, n = CASES[name]
    x = _input(n, 3)
    t = np.random.default_rng(4).normal(size=n)
    np.testing.assert_allclose(oo.hessian(_scalar(prog, anp))(x), jax.hessian(_scalar(func, jnp))(x), **TOL)
    _, hv = oo.jvp(oo.grad(_scalar(prog, anp)), (x,), (t,))
    _, hv_j = jax.jvp(jax.grad(_scalar(func, jnp)), (jnp.asarray(x),), (jnp.asarray(t),))
    np.testing.assert_allclose(hv, hv_j, **TOL)
    np.testing.assert_allclose(oo.hessian(_scalar(prog, anp), mode="rev-rev")(x),
                               jax.hessian(_scalar(func, jnp))(x), **TOL)


# --------------------------------------------------------------------------
# Where NumPy's meaning cannot be kept: clear errors at the user's line


def _line(marker: str) -> int:
    with open(__file__) as source:
        for number, text in enumerate(source, start=1):
            if text.rstrip().endswith(f"# here: {marker}"):
                return number
    raise AssertionError(marker)


def _runs(f, n=4):
    x = _input(n, 0)
    yield lambda: oo.grad(lambda v: anp.sum(f(v)))(x)
    yield lambda: oo.jvp(f, (x,), (np.ones(n),))
    yield lambda: oo.hessian(lambda v: anp.sum(f(v)))(x)


def _acc_iadd(x):
    acc = np.zeros(4)
    acc += x  # here: acc_iadd
    return acc


def _acc_out(x):
    acc = np.zeros(4)
    np.multiply(x, 2.0, out=acc)  # here: acc_out
    return acc


def _acc_at(x):
    acc = np.zeros(4)
    np.add.at(acc, [0, 1], x[:2])  # here: acc_at
    return acc


@pytest.mark.parametrize("f, marker", [(_acc_iadd, "acc_iadd"), (_acc_out, "acc_out"), (_acc_at, "acc_at")])
def test_writing_an_active_value_into_a_numpy_array_in_place_is_refused(f, marker):
    for run in _runs(f):
        with pytest.raises(TypeError, match=r"writing into a NumPy array in place") as info:
            run()
        message = str(info.value)
        assert f"test_overloading_aliases.py:{_line(marker)} " in message, message
        assert "acc = anp.zeros_like(x)" in message and "anp.index_update" in message, message


def _acc_slice(x):
    acc = np.zeros(4)
    acc[0:2] = x[:2]  # here: acc_slice
    return acc


def _acc_item(x):
    acc = np.zeros(4)
    acc[0] = x[0]  # here: acc_item
    return acc


@pytest.mark.parametrize("f, marker", [(_acc_slice, "acc_slice"), (_acc_item, "acc_item")])
def test_writing_an_active_value_into_a_numpy_array_by_index_is_refused(f, marker):
    for run in _runs(f):
        with pytest.raises((TypeError, ValueError)) as info:
            run()
        err = info.value
        if isinstance(err, ValueError):  # NumPy replaces float()'s error by its own, keeping ours as the cause
            err = err.__cause__
        assert isinstance(err, ad.ConcretizationTypeError)
        assert f"test_overloading_aliases.py:{_line(marker)} " in str(err), str(err)
        assert "anp.index_update(y, i, v)" in str(err), str(err)


def _write_broadcast_view(x):
    b = anp.broadcast_to(x, (2, 4))
    b[0, 1] = 3.0  # here: broadcast_view
    return b


def test_a_write_into_a_read_only_view_is_refused():
    for run in _runs(_write_broadcast_view):
        with pytest.raises(ValueError, match=r"read-only view \(made by broadcast_to\)") as info:
            run()
        assert f"test_overloading_aliases.py:{_line('broadcast_view')} " in str(info.value)
    with pytest.raises(ValueError, match="read-only"):  # NumPy refuses the same program
        _write_broadcast_view(np.ones(4))


def test_an_in_place_operator_that_would_broadcast_the_array_is_refused_as_numpy_does():
    def f(x):
        b = x * 1.0
        b += anp.reshape(x, (4, 1))
        return b

    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        f(np.ones(4))
    for run in _runs(f):
        with pytest.raises(ValueError, match=r"non-broadcastable output operand .*test_overloading_aliases"):
            run()


def test_an_inner_value_written_in_place_into_an_outer_array_is_refused():
    def f(x):
        b = x * 1.0

        def inner(y):
            b[0:1] *= y  # b is the outer level's
            return anp.sum(b)

        return oo.grad(inner)(x[:1])

    with pytest.raises(TypeError, match=r"inner level .* `x = x \+ y`"):
        oo.grad(lambda x: anp.sum(f(x)))(_input(4, 0))


# --------------------------------------------------------------------------
# NumPy operands, JAX arrays and the elemental engine


def test_numpy_array_operators_with_an_active_value_on_either_side_match_jax():
    A = np.random.default_rng(5).uniform(0.5, 1.5, (4, 4))

    def f(x, lib):
        a = A[0]
        out = (a + x) * (x + a) - (a - x) / (x - a - 3.0) + a * x + a ** x + x ** a
        out = out + (a % x) + (x % a) + A @ x + x @ A
        return lib.sum(out * out)

    for seed in SEEDS:
        x = _input(4, seed)
        np.testing.assert_allclose(oo.grad(lambda v: f(v, anp))(x), jax.grad(lambda v: f(v, jnp))(x), **TOL)
        t = np.ones(4)
        np.testing.assert_allclose(oo.jvp(lambda v: f(v, anp), (x,), (t,))[1],
                                   jax.jvp(lambda v: f(v, jnp), (x,), (t,))[1], **TOL)
    x = _input(4, 0)
    for op in (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal):
        seen = oo.jvp(lambda v: (op(A[0], v), op(v, A[0]), op(A[0, 0], v[0])), (x,), (x,))[0]
        np.testing.assert_array_equal(seen[0], op(A[0], x))
        np.testing.assert_array_equal(seen[1], op(x, A[0]))
        assert seen[2] == op(A[0, 0], x[0])


def test_on_jax_arrays_in_place_operators_rebind_the_name_as_jax_does():
    def f(x):
        b = x * 2.0
        c = b
        c *= x  # a JAX array is immutable: only c changes
        v = b[1:3]
        v += 1.0
        return anp.sum(b * b) + anp.sum(c) + anp.sum(v)

    for seed in SEEDS:
        x = jnp.asarray(_input(4, seed))
        np.testing.assert_allclose(oo.grad(f)(x), jax.grad(f)(x), **TOL)
        np.testing.assert_allclose(oo.jvp(f, (x,), (x,))[1], jax.jvp(f, (x,), (x,))[1], **TOL)


def test_the_elemental_engine_refuses_in_place_operators_and_writes():
    from adcompare import elemental as el

    el_eng = ad.engine("elemental")
    x = _input(4, 0)

    def inplace(v):
        b = el.multiply(v, 1.0)
        c = b
        c *= v
        return el.sum(b)

    def view_write(v):
        b = el.multiply(v, 1.0)
        s = el.getitem(b, slice(1, 3))
        s[0] = 5.0
        return el.sum(b)

    def into_numpy(v):
        acc = np.zeros(4)
        acc += v
        return el.sum(acc)

    for f, message in ((inplace, r"operator \* is not defined on elemental values"),
                       (view_write, r"item assignment .* el\.index_update"),
                       (into_numpy, r"writing into a NumPy array in place .* el\.index_update")):
        with pytest.raises(TypeError, match=message):
            el_eng.grad(f)(x)
        with pytest.raises(TypeError, match=message):
            el_eng.jvp(f, (x,), (x,))


@pytest.mark.parametrize("name", ["write_into_view", "base_write_seen_by_view", "chained_index_write",
                                  "reshape_view_write", "transpose_view_write", "sibling_views"])
def test_on_jax_arrays_writes_by_index_reach_every_view_as_in_numpy(name):
    prog, func, n = CASES[name]
    for seed in SEEDS:
        x = jnp.asarray(_input(n, seed))
        np.testing.assert_allclose(oo.grad(_scalar(prog, anp))(x), jax.grad(_scalar(func, jnp))(x), **TOL)
        y, y_dot = oo.jvp(prog, (x,), (x,))
        assert isinstance(y, jax.Array)
        np.testing.assert_allclose(y_dot, jax.jvp(func, (x,), (x,))[1], **TOL)


def test_a_write_remakes_only_the_views_still_alive():
    from adcompare.engines.overloading import Tape
    from adcompare.primitives import new_level

    with new_level() as level:
        tape = Tape(level)
        b = tape.leaf(np.arange(6.0))
        kept = b[1:3]
        for i in range(200):
            dropped = b[i % 4:]  # noqa: F841 (each one dropped at the next loop)
        del dropped
        before = len(tape)
        b[0] = 7.0
        # the write (index_update) and the one live view (getitem): the dropped ones cost nothing
        assert len(tape) == before + 2
        np.testing.assert_array_equal(kept.value, [1.0, 2.0])
        b[1] = 9.0
        np.testing.assert_array_equal(kept.value, [9.0, 2.0])
