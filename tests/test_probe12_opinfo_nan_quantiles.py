"""Probe 12 (PyTorch OpInfo's extreme-value samples adapted): ``median``, ``quantile`` and ``percentile`` of a
slice that holds a nan are nan, as JAX's (and NumPy's).

The vocabulary sorted the slice and took its middle (or the entries at ``q (n - 1)``): a sort puts nans last, so
``median([1, nan, 3])`` was ``3.0`` and ``quantile([[1, nan, 3, 0]], 0.3, axis=1)`` ``0.9``, where JAX and NumPy give
nan; the gradient then went to the finite entries (JAX's is zero on such a slice), on every engine, with no error.
A slice with a nan is made all nan before the sort now, as JAX does. Checked against JAX in float64 on every
engine, several seeds and axes (rows with and without a nan): the value, the JVP and the VJP.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

ENGINES = ("overloading", "sct", "elemental")

# (name, the case of a namespace np_): axes, keepdims, q scalar and 1-d, the nan rows and the clean ones together
CASES = {
    "median_rows": lambda np_: lambda a: np_.median(a, axis=1),
    "median_neg_axis_keepdims": lambda np_: lambda a: np_.median(a, axis=-2, keepdims=True),
    "median_all": lambda np_: lambda a: np_.median(a),
    "median_tuple_axis": lambda np_: lambda a: np_.median(a, axis=(0, 1)),
    "quantile_rows": lambda np_: lambda a: np_.quantile(a, 0.3, axis=-1),
    "quantile_vector_q": lambda np_: lambda a: np_.quantile(a, np_.array([0.0, 0.5, 1.0]), axis=0),
    "percentile_keepdims": lambda np_: lambda a: np_.percentile(a, 70.0, axis=1, keepdims=True),
}


def _input(seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(4, 5))
    a[1, 2 + seed] = np.nan  # one row (and one column) with a nan; the others are clean
    return a


_REFERENCES: dict = {}


def _reference(name: str, seed: int):
    """JAX's value, JVP and VJP of a case (computed once, for every engine)."""
    if (name, seed) not in _REFERENCES:
        f = CASES[name](jnp)
        a = _input(seed)
        rng = np.random.default_rng(50 + seed)
        t = rng.normal(size=a.shape)
        y, y_dot = jax.jvp(f, (a,), (t,))
        g = rng.normal(size=np.shape(y))
        (a_bar,) = jax.vjp(f, a)[1](jnp.asarray(g))
        _REFERENCES[name, seed] = a, t, g, y, y_dot, a_bar
    return _REFERENCES[name, seed]


def _close(ours, theirs) -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", CASES)
def test_a_slice_with_a_nan_is_nan_as_jax(name, engine):
    f = CASES[name](el if engine == "elemental" else anp)
    eng = ad.engine(engine)
    for seed in (0, 1):
        a, t, g, y, y_dot, a_bar = _reference(name, seed)
        assert np.isnan(np.asarray(y)).any()  # the case reaches a slice with a nan
        ours, ours_dot = eng.jvp(f, (a,), (t,))
        _close(ours, y)
        _close(ours_dot, y_dot)
        _close(eng.vjp(f, a)[1](g)[0], a_bar)


def test_median_of_one_nan_is_nan_and_its_gradient_zero():
    # the plain sample: the sorted [1, 3, nan]'s middle was 3
    a = np.array([1.0, np.nan, 3.0])
    assert np.isnan(anp.median(a)) and np.isnan(anp.quantile(a, 0.5))
    for engine in ("overloading", "sct"):
        np.testing.assert_array_equal(ad.engine(engine).grad(_median_sum)(a), np.zeros(3))


def _median_sum(a):
    return anp.sum(anp.median(a))
