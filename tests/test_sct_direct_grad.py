"""SCT's direct gradient path (``SCTEngine._direct``): where every differentiated argument is a
real NumPy array or float, ``grad``/``value_and_grad`` call the generated sweeps without the
base class's checks and conversions. Its answers, types and errors must be the general path's."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.direct import DirectGrad


def f(x, y, c):
    return anp.sum(anp.sin(x) * y) + c * anp.sum(x * x)


def f_jax(x, y, c):
    return jnp.sum(jnp.sin(x) * y) + c * jnp.sum(x * x)


def scalar_f(a, b):
    return a * anp.cos(b) + b


def vector_out(x):
    return x * 2.0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0), -1, (2, 0)])
def test_grad_matches_jax(seed, argnums):
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=5), rng.normal(size=5), float(rng.normal()))
    eng = SCTEngine()
    assert DirectGrad(eng, f, argnums)(args) is not None  # the direct path answers these
    got = eng.grad(f, argnums)(*args)
    want = jax.grad(f_jax, argnums)(*args)
    for g, w in zip(got if isinstance(argnums, tuple) else (got,), want if isinstance(argnums, tuple) else (want,)):
        assert type(g) is np.ndarray or isinstance(g, float)
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-12, atol=1e-12)


def test_value_and_grad_scalars_and_types():
    eng = SCTEngine()
    y, (ga, gb) = eng.value_and_grad(scalar_f, (0, 1))(0.3, 1.7)
    wy, (wa, wb) = jax.value_and_grad(lambda a, b: a * jnp.cos(b) + b, (0, 1))(0.3, 1.7)
    np.testing.assert_allclose([y, ga, gb], [wy, wa, wb], rtol=1e-13)


def test_same_as_general_path_through_partials():
    """ArgnumsPartial and functools.partial (as the harness passes them) give the general path's answers."""
    rng = np.random.default_rng(3)
    args = (rng.normal(size=4), rng.normal(size=4), 0.5)
    eng = SCTEngine()
    fa = partial_args(f, args, (0, 1))
    direct = eng.grad(fa, (0, 1))(args[0], args[1])
    general = eng.vjp(fa, args[0], args[1])[1](1.0)
    for d, g in zip(direct, general):
        np.testing.assert_array_equal(d, g)
    fp = functools.partial(f, c=0.25)
    np.testing.assert_allclose(eng.grad(fp)(args[0], args[1]),
                               jax.grad(functools.partial(f_jax, c=0.25))(args[0], args[1]), rtol=1e-12)


def test_float32_input_keeps_its_dtype():
    x = np.linspace(0.1, 1.0, 4).astype(np.float32)
    g = SCTEngine().grad(lambda v: anp.sum(v * v))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)


def test_unused_argument_gets_zeros():
    g = SCTEngine().grad(lambda a, b: anp.sum(a * 2.0), (0, 1))(np.ones(3), np.ones(2))
    np.testing.assert_array_equal(g[1], np.zeros(2))


def test_errors_are_the_general_paths():
    eng = SCTEngine()
    assert DirectGrad(eng, vector_out, 0)((np.ones(3),)) is None  # left to the general path
    with pytest.raises(TypeError, match="grad requires a real scalar output"):
        eng.grad(vector_out)(np.ones(3))
    with pytest.raises(TypeError, match="requires real-valued inputs"):
        eng.grad(lambda n: n * 2)(np.arange(3))
    with pytest.raises(ValueError, match="out of range"):
        eng.grad(scalar_f, 5)(0.1, 0.2)
    with pytest.raises(ValueError, match="same argument twice"):
        eng.grad(scalar_f, (0, 0))(0.1, 0.2)
