"""A tuple ``argnums`` of a derivative of a nested function inside code SCT transforms (nest3 probe).

``e.grad(lambda p, q, r: ..., argnums=(0, 2))`` of a lambda closing over a differentiated value was refused
("one integer argnums") although JAX computes it: the closure's derivative program now takes a tuple
(``programs._closure_program``: a tuple of derivatives, as JAX's; negative entries count from the last
parameter). A tuple of a derivative's derivative (``hessian(f, argnums=(0, 2))`` of a lambda) stays refused,
naming the user's line. JAX (float64, jitted) is the oracle.
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
    grad, jacfwd, jacrev, value_and_grad, hessian = jax.grad, jax.jacfwd, jax.jacrev, jax.value_and_grad, jax.hessian


def program(E, m, x, kind, nums):
    def g(a):
        f = lambda p, q, r: m.sin(p * q * a) * r + p * E.grad(lambda s: m.cos(s * q))(r)  # noqa: E731
        args = (a, 2.0 * a, a * a)
        if kind == "jacfwd":
            d = E.jacfwd(f, argnums=nums)(*args)
        elif kind == "jacrev":
            d = E.jacrev(f, argnums=nums)(*args)
        elif kind == "value_and_grad":
            d = E.value_and_grad(f, argnums=nums)(*args)[1]
        elif kind == "hessian":
            d = E.hessian(f, argnums=nums)(*args)[0]
        else:
            d = E.grad(f, argnums=nums)(*args)
        return d[0] * d[-1] + d[1]

    return E.grad(g)(x)


@pytest.mark.parametrize(("kind", "nums", "x"), [("grad", (0, 2), 0.7), ("jacfwd", (2, 0, 1), -1.3),
                                                 ("jacrev", (-1, 1), 0.4), ("value_and_grad", (1, 0), 1.1)])
def test_tuple_argnums_as_jax(kind, nums, x):
    want = jax.jit(lambda x: program(Jax, jnp, x, kind, nums))(x)
    np.testing.assert_allclose(program(ad.engine("sct"), anp, x, kind, nums), want, rtol=1e-10)


def test_tuple_argnums_of_a_derivative_refused():
    with pytest.raises(SCTError, match=r"argnums=\(0, 2\)") as info:
        program(ad.engine("sct"), anp, 0.7, "hessian", (0, 2))
    assert "test_probe10_nest3_tuple_argnums.py" in str(info.value) + "\n".join(getattr(info.value, "__notes__", ()))
