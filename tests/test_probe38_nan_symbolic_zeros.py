"""Second derivatives at a NaN input of NaN-ignoring reductions: SCT leaves a symbolic zero out, as JAX does.

The gradient of ``nansum(x * x)`` at ``x = [0.2, nan, 0.3]`` is ``[0.4, nan, 0.6]`` (``2 x`` times the
mask's zero), and JAX's Hessian (forward over reverse) has zeros in the NaN's row: the tangent of the
cotangent ``where(isnan(y), 0, 1)`` is a symbolic zero, left out of the product's rule. SCT's
forward-over-reverse code computed ``nan * 0`` there: the tangent of a tuple a callee returns was taken
as never holding a symbolic zero, and a linear runtime helper (``unbroadcast``) of a symbolic zero made
a plain zero array. The oracle is JAX: ``jax.hessian`` and ``jax.jacrev(jax.jacrev(.))`` of the same
source.
"""

from __future__ import annotations

import types
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def nansum_square(x):
    return anp.nansum(x * x)


def nanmean_square(x):
    return anp.nanmean(x * x)


def nansum_poly(x):
    return anp.nansum(x ** 2 + 3.0 * x)


def nanprod_square(x):
    return anp.nanprod(x * x)


def nansum_where(x):
    return anp.nansum(anp.where(x > 0.25, x * x, x))


def masked_sum(x):
    return anp.sum(anp.where(anp.isnan(x), 0.0, x * x))


def nanvar_square(x):
    return anp.nanvar(x * x)


PROGRAMS = [nansum_square, nanmean_square, nansum_poly, nanprod_square, nansum_where, masked_sum, nanvar_square]
JAX_HESSIAN = {"fwd-rev": jax.hessian, "rev-rev": lambda f: jax.jacrev(jax.jacrev(f))}


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [[0.2, np.nan, 0.3], [np.nan, -1.5, 0.7, np.nan]])
def test_hessian_at_a_nan_is_jax_s(engine, mode, f, x):
    x = np.array(x)
    ref = types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = ad.engine(engine).hessian(f, mode=mode)(x)
    np.testing.assert_allclose(ours, JAX_HESSIAN[mode](ref)(x), rtol=1e-12, atol=1e-14, equal_nan=True)
