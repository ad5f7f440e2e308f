"""No active value escapes silently: lists of active values, writes by index, conversions to constants.

Each case runs on the overloading engine (natural form) and the elemental engine
(elemental form), in jvp, vjp and grad, against JAX. Lists are checked against
JAX running the very same natural-form source; writes by index against JAX's
functional spelling (``y.at[i].set(v)``). A conversion to a constant must raise
:class:`adcompare.ConcretizationTypeError` naming the operation, what to use
instead, and the line of this file that did it.
"""

from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.oracle import max_error

TOL = 1e-12
SEEDS = range(3)


def _draw(shapes, rng):
    return tuple(float(rng.uniform(0.3, 1.5)) if s == () else rng.uniform(0.3, 1.5, size=s) for s in shapes)


def _check(eng, f, f_jax, shapes):
    """jvp, vjp and (for a scalar output) grad of ``f`` on ``eng`` against JAX's of ``f_jax``."""
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        xs = _draw(shapes, rng)
        ts = tuple(rng.normal(size=np.shape(x)) if np.shape(x) else float(rng.normal()) for x in xs)
        xs_j, ts_j = tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts))
        y, y_dot = eng.jvp(f, xs, ts)
        y_j, y_dot_j = jax.jvp(f_jax, xs_j, ts_j)
        assert max_error(y, y_j) < TOL
        assert max_error(y_dot, y_dot_j) < TOL, f"jvp (seed {seed})"

        y, f_vjp = eng.vjp(f, *xs)
        g = rng.normal(size=np.shape(y))
        assert max_error(f_vjp(g), jax.vjp(f_jax, *xs_j)[1](jnp.asarray(g))) < TOL, f"vjp (seed {seed})"
        if np.shape(y) == ():
            argnums = tuple(range(len(xs)))
            assert max_error(eng.grad(f, argnums)(*xs), jax.grad(f_jax, argnums)(*xs_j)) < TOL


# --------------------------------------------------------------------------
# Lists and tuples of active values are arrays, as jnp.asarray makes them

LISTS = {  # name: (natural form, which JAX runs too; elemental form; input shapes)
    "sum": (lambda a: anp.sum([a, a * a]),
            lambda a: el.sum([a, el.multiply(a, a)]), [()]),
    "mean": (lambda x: anp.mean([x, x + 2.0]),
             lambda x: el.mean([x, el.add(x, 2.0)]), [()]),
    "max": (lambda a: anp.max([a, 2.0 * a - 1.0, a * a]),
            lambda a: el.max([a, el.subtract(el.multiply(2.0, a), 1.0), el.multiply(a, a)]), [()]),
    "dot": (lambda a, b: anp.dot([a, b], [b, a * b]),
            lambda a, b: el.dot([a, b], [b, el.multiply(a, b)]), [(), ()]),
    "exp": (lambda a: anp.sum(anp.exp([a, -a])),
            lambda a: el.sum(el.exp([a, el.negative(a)])), [()]),
    "array_nested": (lambda a, b: anp.sum(anp.array([[a, b], [b * a, 1.0]]) ** 2.0),
                     lambda a, b: el.sum(el.power(el.array([[a, b], [el.multiply(b, a), 1.0]]), 2.0)),
                     [(), ()]),
    "stack_nested": (lambda x: anp.matmul(anp.stack([[x[0], x[1]], [x[2], 1.0]]), x[:2]),
                     lambda x: el.matmul(el.stack([[el.getitem(x, 0), el.getitem(x, 1)],
                                                   [el.getitem(x, 2), 1.0]]), el.getitem(x, slice(0, 2))),
                     [(3,)]),
    "asarray_tuple": (lambda a: anp.asarray((a, 2.0)) * a,
                      lambda a: el.multiply(el.asarray((a, 2.0)), a), [()]),
    "binary_lists": (lambda a, b: anp.multiply([a, b], [b, 2.0]),
                     lambda a, b: el.multiply([a, b], [b, 2.0]), [(), ()]),
    "concatenate": (lambda x: anp.concatenate([x, [x[0] * 2.0, 3.0]]),
                    lambda x: el.concatenate([x, [el.multiply(el.getitem(x, 0), 2.0), 3.0]]), [(3,)]),
    "where": (lambda a, b: anp.where([True, False], [a, b], [b, a * a]),
              lambda a, b: el.where([True, False], [a, b], [b, el.multiply(a, a)]), [(), ()]),
    "vectors": (lambda x, y: anp.sum(anp.array([x, y * x, x]), axis=0),
                lambda x, y: el.sum(el.array([x, el.multiply(y, x), x]), axis=0), [(3,), (3,)]),
}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("engine", ["overloading", "elemental"])
def test_lists_of_active_values_are_arrays(engine, name):
    natural, elemental, shapes = LISTS[name]
    f = natural if engine == "overloading" else elemental
    _check(ad.engine(engine), f, natural, shapes)


def test_a_list_of_active_values_nests_in_higher_derivatives():
    def f(a):
        return anp.sum(anp.array([a * a, anp.sin(a)]) ** 3.0)

    eng = ad.engine("overloading")
    for mode in ("fwd-rev", "rev-rev"):
        assert abs(eng.hessian(f, mode=mode)(0.7) - jax.hessian(f)(0.7)) < 1e-12


def test_a_ragged_list_is_refused_as_numpy_refuses_it():
    with pytest.raises(ValueError):
        ad.engine("overloading").grad(lambda x: anp.sum([x, anp.array([x, x])]))(1.0)


# --------------------------------------------------------------------------
# Writing into an array by index is a functional update


def _rnn(x):
    y = anp.zeros_like(x)
    h = 0.0
    for i in range(len(x)):
        h = anp.tanh(h + x[i])
        y[i] = h * x[i]
    return anp.sum(y * y)


def _rnn_el(x):
    y = el.zeros_like(x)
    h = 0.0
    for i in range(el.shape(x)[0]):
        h = el.tanh(el.add(h, el.getitem(x, i)))
        y = el.index_update(y, i, el.multiply(h, el.getitem(x, i)))
    return el.sum(el.multiply(y, y))


def _rnn_jax(x):
    y = jnp.zeros_like(x)
    h = 0.0
    for i in range(len(x)):
        h = jnp.tanh(h + x[i])
        y = y.at[i].set(h * x[i])
    return jnp.sum(y * y)


def _slices(x):
    y = anp.zeros(4, like=x)
    y[1:3] += x[0:2] * x[2]
    y[0] = anp.sin(x[3])
    y[2:] += 1.0
    return y


def _slices_el(x):
    y = el.zeros(4, like=x)
    y = el.index_update(y, slice(1, 3), el.add(el.getitem(y, slice(1, 3)),
                                                el.multiply(el.getitem(x, slice(0, 2)), el.getitem(x, 2))))
    y = el.index_update(y, 0, el.sin(el.getitem(x, 3)))
    return el.index_update(y, slice(2, None), el.add(el.getitem(y, slice(2, None)), 1.0))


def _slices_jax(x):
    y = jnp.zeros(4).at[1:3].add(x[0:2] * x[2]).at[0].set(jnp.sin(x[3]))
    return y.at[2:].add(1.0)


def _into_input(x):
    x[0] = 5.0
    return anp.sum(x * x)


def _into_input_el(x):
    x = el.index_update(x, 0, 5.0)
    return el.sum(el.multiply(x, x))


def _into_input_jax(x):
    x = x.at[0].set(5.0)
    return jnp.sum(x * x)


def _after_use(x):
    s = anp.sum(x * x)
    x[0] = 5.0 * x[1]
    return s + x[0] * x[2]


def _after_use_el(x):
    s = el.sum(el.multiply(x, x))
    x = el.index_update(x, 0, el.multiply(5.0, el.getitem(x, 1)))
    return el.add(s, el.multiply(el.getitem(x, 0), el.getitem(x, 2)))


def _after_use_jax(x):
    s = jnp.sum(x * x)
    x = x.at[0].set(5.0 * x[1])
    return s + x[0] * x[2]


_REPEATED = np.array([0, 2, 2])


def _repeated(x):
    y = anp.ones_like(x)
    y[_REPEATED] = x[:3] * x[3]
    return y


def _repeated_el(x):
    return el.index_update(el.ones_like(x), _REPEATED, el.multiply(el.getitem(x, slice(0, 3)), el.getitem(x, 3)))


def _repeated_jax(x):
    return jnp.ones_like(x).at[_REPEATED].set(x[:3] * x[3])


def _broadcast(x):
    y = anp.zeros_like(x)
    y[0] = x[1, 0]
    y[:, 1] = x[:, 2] * x[0, 0]
    return y


def _broadcast_el(x):
    y = el.index_update(el.zeros_like(x), 0, el.getitem(x, (1, 0)))
    return el.index_update(y, (slice(None), 1), el.multiply(el.getitem(x, (slice(None), 2)), el.getitem(x, (0, 0))))


def _broadcast_jax(x):
    return jnp.zeros_like(x).at[0].set(x[1, 0]).at[:, 1].set(x[:, 2] * x[0, 0])


def _alias(x):
    y = anp.zeros_like(x)
    h = y
    y[0] = x[1]  # h is the same array: it sees the write, as in NumPy
    z = anp.array(x)
    z[1] = 0.0  # a copy: x does not see this write
    w = x.copy()
    w[2] = 3.0
    return anp.sum(h * x) + anp.sum(z * x) + anp.sum(w)


def _alias_el(x):
    y = el.index_update(el.zeros_like(x), 0, el.getitem(x, 1))
    z = el.index_update(el.array(x), 1, 0.0)
    w = el.index_update(x, 2, 3.0)
    return el.add(el.add(el.sum(el.multiply(y, x)), el.sum(el.multiply(z, x))), el.sum(w))


def _alias_jax(x):
    y = jnp.zeros_like(x).at[0].set(x[1])
    z = x.at[1].set(0.0)
    return jnp.sum(y * x) + jnp.sum(z * x) + jnp.sum(x.at[2].set(3.0))


WRITES = {
    "rnn": (_rnn, _rnn_el, _rnn_jax, [(5,)]),
    "slices": (_slices, _slices_el, _slices_jax, [(4,)]),
    "into_input": (_into_input, _into_input_el, _into_input_jax, [(4,)]),
    "after_use": (_after_use, _after_use_el, _after_use_jax, [(4,)]),
    "repeated_index": (_repeated, _repeated_el, _repeated_jax, [(4,)]),
    "broadcast": (_broadcast, _broadcast_el, _broadcast_jax, [(2, 3)]),
    "alias_and_copy": (_alias, _alias_el, _alias_jax, [(3,)]),
}


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("engine", ["overloading", "elemental"])
def test_writes_by_index_are_functional_updates(engine, name):
    natural, elemental, f_jax, shapes = WRITES[name]
    f = natural if engine == "overloading" else elemental
    _check(ad.engine(engine), f, f_jax, shapes)


@pytest.mark.parametrize("engine", ["overloading", "elemental"])
@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
def test_rnn_pattern_second_derivatives(engine, mode):
    f = _rnn if engine == "overloading" else _rnn_el
    x = np.random.default_rng(4).uniform(0.3, 1.5, size=5)
    assert max_error(ad.engine(engine).hessian(f, mode=mode)(x), jax.hessian(_rnn_jax)(jnp.asarray(x))) < 1e-11


def test_index_update_runs_unchanged_under_jax():
    def f(x):
        return anp.sum(anp.index_update(anp.zeros_like(x), slice(1, 3), x[:2] * x[2]) ** 2.0)

    x = np.random.default_rng(5).uniform(0.3, 1.5, size=3)
    _check(ad.engine("overloading"), f, f, [(3,)])
    assert max_error(ad.engine("overloading").grad(f)(x), jax.grad(f)(jnp.asarray(x))) < TOL


def test_a_write_from_an_inner_level_into_an_outer_array_is_refused():
    eng = ad.engine("overloading")

    def outer(a):
        y = anp.zeros_like(a)

        def inner(b):
            y[0] = b
            return anp.sum(y)

        return eng.grad(inner)(a[0])

    with pytest.raises(TypeError, match=r"y = anp\.index_update\(y, i, v\)"):
        eng.grad(lambda a: outer(a) * a[0])(np.ones(2))


def test_writing_an_active_value_into_an_integer_array_is_refused():
    with pytest.raises(TypeError, match="dtype int64 would drop its derivative"):
        ad.engine("overloading").grad(lambda x: anp.sum(anp.index_update(np.arange(3), 0, x)))(1.0)


# --------------------------------------------------------------------------
# Conversions to constants are refused, naming the operation, the cure and this file's line


def _line(marker: str) -> int:
    with open(__file__) as source:
        for number, text in enumerate(source, start=1):
            if text.rstrip().endswith(f"# escape: {marker}"):
                return number
    raise AssertionError(marker)


def _float(x):
    return float(x) * x  # escape: float


def _math_sin(x):
    return math.sin(x) * x  # escape: math.sin


def _int(x):
    return x * int(x)  # escape: int


def _range(x):
    return sum(x for _ in range(x))  # escape: range


def _np_float64(x):
    return np.float64(x) * x  # escape: np.float64


def _np_asarray(x):
    return anp.sum(np.asarray(x) * x)  # escape: np.asarray


def _np_array(x):
    return anp.sum(np.array([x, x * x]))  # escape: np.array


def _np_r(x):
    return anp.sum(np.r_[x, x * x])  # escape: np.r_


def _np_c(x):
    return anp.sum(np.c_[x, x])  # escape: np.c_


def _np_sum(x):
    return np.sum(x)  # escape: np.sum


def _into_numpy(x):
    z = np.zeros(3)
    z[0] = x  # escape: into_numpy
    return anp.sum(z)


def _into_numpy_slice(x):
    z = np.zeros(3)
    z[:] = x  # escape: into_numpy_slice
    return anp.sum(z)


def _as_index(x):
    return x[x]  # escape: as_index


def _float_el(x):
    return el.multiply(float(x), x)  # escape: float_el


def _math_sin_el(x):
    return el.multiply(math.sin(x), x)  # escape: math.sin_el


def _np_array_el(x):
    return el.sum(np.array([x, el.multiply(x, x)]))  # escape: np.array_el


def _np_sum_el(x):
    return np.sum(x)  # escape: np.sum_el


def _into_numpy_el(x):
    z = np.zeros(3)
    z[:] = x  # escape: into_numpy_el
    return el.sum(z)


NUMBER = r"float\(\).* of an active value"
ARRAY = r"conversion to a NumPy array.* of an active value"
ESCAPES = {  # name: (natural function, input shape, operation named, the cure named)
    "float": (_float, (), NUMBER, "anp.sin(x), not math.sin(x)"),
    "math.sin": (_math_sin, (), NUMBER, "anp.sin(x), not math.sin(x)"),
    "int": (_int, (), r"int\(\) of an active value", "anp.stack"),
    "range": (_range, (), "use as an integer", "a plain int"),
    "np.float64": (_np_float64, (), ARRAY, "anp.asarray / anp.array / anp.stack"),
    "np.asarray": (_np_asarray, (3,), ARRAY, "anp.asarray"),
    "np.array": (_np_array, (), ARRAY, "anp.array"),
    "np.r_": (_np_r, (), ARRAY, "anp.stack"),
    "np.c_": (_np_c, (3,), ARRAY, "anp.stack"),
    "np.sum": (_np_sum, (3,), r"np\.sum\(\) of an active value", "anp.sum"),
    "into_numpy": (_into_numpy, (), NUMBER, "y = anp.index_update(y, i, v)"),
    "into_numpy_slice": (_into_numpy_slice, (3,), ARRAY, "y = anp.index_update(y, i, v)"),
    "as_index": (_as_index, (3,), "use as an index", "a plain int"),
}
ESCAPES_EL = {
    "float_el": (_float_el, (), NUMBER, "el.sin(x), not math.sin(x)"),
    "math.sin_el": (_math_sin_el, (), NUMBER, "el.sin(x)"),
    "np.array_el": (_np_array_el, (), ARRAY, "el.array"),
    "np.sum_el": (_np_sum_el, (3,), r"np\.sum\(\) of an active value", "el.sum"),
    "into_numpy_el": (_into_numpy_el, (3,), ARRAY, "y = el.index_update(y, i, v)"),
}


def _runs(eng, f, x):
    """f under the engine's jvp, vjp and grad."""
    yield lambda: eng.jvp(f, (x,), (np.ones_like(x) if np.shape(x) else 1.0,))
    yield lambda: eng.vjp(f, x)
    total = anp.sum if eng.name == "overloading" else el.sum
    yield lambda: eng.grad(lambda v: total(f(v)))(x)


def _caught(run):
    """The ConcretizationTypeError that ``run`` raised (NumPy reraises some as a ValueError caused by it)."""
    with pytest.raises((ad.ConcretizationTypeError, ValueError)) as info:
        run()
    err = info.value
    if not isinstance(err, ad.ConcretizationTypeError):
        assert "setting an array element with a sequence" in str(err)
        err = err.__cause__
    assert isinstance(err, ad.ConcretizationTypeError)
    return str(err)


@pytest.mark.parametrize("engine, name", [("overloading", n) for n in ESCAPES]
                         + [("elemental", n) for n in ESCAPES_EL])
def test_conversions_to_constants_are_refused_at_the_users_line(engine, name):
    f, shape, operation, cure = {**ESCAPES, **ESCAPES_EL}[name]
    eng = ad.engine(engine)
    x = 0.7 if shape == () else np.linspace(0.5, 1.5, shape[0])
    for run in _runs(eng, f, x):
        message = _caught(run)
        assert re.search(operation, message), message
        assert cure in message, message
        assert f"test_escapes.py:{_line(name)} " in message, message
        assert "derivative would be silently lost" in message


def test_numpy_ufuncs_on_active_values_raise():
    for name in ("overloading", "elemental"):
        with pytest.raises(TypeError, match=r"np\.sin\(\) \(NumPy's ufuncs do not take active values\)") as info:
            ad.engine(name).grad(lambda x: np.sin(x))(0.5)  # escape: np_sin_ufunc
        assert f"test_escapes.py:{_line('np_sin_ufunc')} " in str(info.value)
        assert ("anp.sin" if name == "overloading" else "el.sin") in str(info.value)


def test_elemental_values_refuse_item_assignment_naming_index_update():
    def f(x):
        x[0] = 1.0  # escape: el_setitem
        return el.sum(x)

    for run in _runs(ad.engine("elemental"), f, np.ones(3)):
        with pytest.raises(TypeError, match=r"use y = el\.index_update\(y, idx, v\)") as info:
            run()
        assert f"test_escapes.py:{_line('el_setitem')}" in str(info.value)


# --------------------------------------------------------------------------
# What is primal-valued keeps working: comparisons, truth, len, iteration, shapes


def _control(x):
    total = 0.0
    for i, v in enumerate(x):  # iteration and len
        if v > 0.9 and bool(v < 1.4):
            total = total + v * i
        else:
            total = total - anp.sin(v)
    if len(x) == np.shape(x)[0] == np.size(x) and np.ndim(x) == 1:
        total = total * x[int(np.argmax(anp.shape(x)))]
    return total


def test_primal_valued_operations_keep_working():
    eng = ad.engine("overloading")
    x = np.array([0.5, 1.0, 1.2, 1.45])
    expected = jax.grad(_control)(jnp.asarray(x))
    assert max_error(eng.grad(_control)(x), expected) < TOL
    assert max_error(eng.jacfwd(_control)(x), expected) < TOL
