"""A negative ``argnums`` of a derivative of a nested function inside code SCT transforms (nest3 probe).

The closure's code takes its captured data as argument 0, and SCT shifted ``argnums`` by one whatever its
sign: ``argnums=-1`` became 0, the derivative with respect to the captured data (a tuple: "grad requires a
real scalar output", or a Jacobian of the wrong variable), ``argnums=-2`` generated invalid code ("name 'a'
is not defined"). A negative one now counts from the last parameter, as JAX's; one beyond the parameters is
refused, naming the user's line. JAX (float64) is the oracle.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)


class Jax:
    grad, jacfwd, hessian = jax.grad, jax.jacfwd, jax.hessian


def program(E, m, x, kind, k):
    def g(a):
        f = lambda p, q: m.sin(p * q * a) * q  # noqa: E731
        if kind == "jacfwd":
            return E.jacfwd(f, argnums=k)(a, 2.0 * a)
        if kind == "hessian":
            return E.hessian(f, argnums=k)(a, 2.0 * a)
        return E.grad(f, argnums=k)(a, 2.0 * a)

    return E.grad(g)(x)


@pytest.mark.parametrize(("kind", "k", "x"), [("grad", -1, 0.7), ("grad", -2, -1.3), ("jacfwd", -1, 1.1),
                                              ("hessian", -2, 0.4), ("grad", 1, -0.6)])
def test_negative_argnums_as_jax(kind, k, x):
    e = ad.engine("sct")
    want = jax.jit(lambda x: program(Jax, jnp, x, kind, k))(x)  # jitted: JAX's eager nesting is slow
    np.testing.assert_allclose(program(e, anp, x, kind, k), want, rtol=1e-10)


def test_argnums_beyond_the_parameters_refused():
    e = ad.engine("sct")
    with pytest.raises(SCTError, match=r"argnums=-3") as info:
        program(e, anp, 0.7, "grad", -3)
    assert "test_probe10_nest3_argnums.py" in str(info.value) + "\n".join(getattr(info.value, "__notes__", ()))
