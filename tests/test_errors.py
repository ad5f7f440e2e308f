"""Errors name the problem and the argument, as JAX's do."""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import primitives as p


@pytest.fixture(params=ad.ENGINES)
def eng(request):
    return ad.engine(request.param)


def _natural():
    def sin(x):
        return anp.sin(x)

    def gammaln(x):
        return anp.gammaln(x)

    def add(x, y):
        return x + y

    return sin, gammaln, add


def _elemental():
    import adcompare.elemental as el

    def sin(x):
        return el.sin(x)

    def gammaln(x):
        return el.gammaln(x)

    def add(x, y):
        return el.add(x, y)

    return sin, gammaln, add


class Functions:
    def __init__(self, sin, gammaln, add):
        self.sin, self.gammaln, self.add = sin, gammaln, add


@pytest.fixture
def lib(eng):
    """The same small functions, in the form the engine differentiates."""
    return Functions(*(_elemental() if eng.name == "elemental" else _natural()))


def test_grad_of_non_scalar_output_is_a_type_error(eng, lib):
    f = lib.sin
    with pytest.raises(TypeError, match=r"scalar output.*shape \(3,\)"):
        eng.grad(f)(np.ones(3))


def test_grad_of_integer_input_is_a_type_error(eng, lib):
    f = lib.sin
    with pytest.raises(TypeError, match="argument 0 has dtype int"):
        eng.grad(f)(3)


def test_tangent_shape_mismatch_is_a_value_error(eng, lib):
    f = lib.sin
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(2,\) but primal 0 has shape \(3,\)"):
        eng.jvp(f, (np.ones(3),), (np.ones(2),))


def test_tangent_dtype_mismatch_is_a_value_error(eng, lib):
    f = lib.sin
    with pytest.raises(ValueError, match="tangent 0 has dtype float32 but primal 0 has dtype float64"):
        eng.jvp(f, (np.ones(3),), (np.ones(3, np.float32),))


def test_tangent_count_mismatch_is_a_value_error(eng, lib):
    f = lib.sin
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        eng.jvp(f, (1.0,), (1.0, 1.0))


_RULELESS = p.Primitive("ruleless", lambda xp, x: xp.sin(x), register=False)  # every vocabulary primitive has rules


def test_primitive_without_rule_is_not_implemented(eng, lib):
    f = _RULELESS
    with pytest.raises(NotImplementedError, match="'ruleless' has no"):
        eng.grad(f)(2.5)
    with pytest.raises(NotImplementedError, match="'ruleless' has no"):
        eng.jvp(f, (2.5,), (1.0,))


def test_argnums_out_of_range_is_a_value_error(eng, lib):
    f = lib.add
    with pytest.raises(ValueError, match=r"argnums=\(0, 2\) is out of range.*2 positional"):
        eng.grad(f, argnums=(0, 2))(1.0, 2.0)


def test_unknown_engine_lists_the_engines():
    with pytest.raises(ValueError, match="unknown engine 'tapenade'.*overloading"):
        ad.engine("tapenade")


def test_hessian_mode_is_checked(eng, lib):
    with pytest.raises(ValueError, match="'fwd-rev' or 'rev-rev'"):
        eng.hessian(lib.sin, mode="fwd-fwd")


def test_cotangent_shape_mismatch_is_a_value_error(eng, lib):
    f = lib.sin
    _, f_vjp = eng.vjp(f, np.ones(3))
    with pytest.raises(ValueError, match=r"cotangent has shape \(2,\) but the output has shape \(3,\)"):
        f_vjp(np.ones(2))
