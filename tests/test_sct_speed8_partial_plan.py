"""The direct gradient path keeps its plan for a ``partial_args`` of a plain function, as for the function.

``ad.grad(partial_args(f, args, nums))`` (how the benchmarks and the base class fix the arguments
that are not differentiated) used to work the direct path out from scratch on every call. Checked:
a plan is kept, with the partial's fixed arguments and their positions; the gradient matches JAX
(several seeds, one and several ``argnums``, fixed arguments before, between and after the
differentiated ones); and a partial whose fixed arguments, positions or function were rebound, whose
function's code changed, or that fixes keywords, gets the answer of its new state (the plan is
checked on every call, never trusted).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engine import partial_args
from adcompare.engines.sct import direct


def f(a, x, k, y):
    return anp.sum(anp.sin(x * a) * y + k * x * x) / (1.0 + anp.sum(y * y))


def g(a, x, k, y):
    return anp.sum(anp.cos(x) * a * y) + k * anp.sum(y)


def scaled(a, x, k, y, scale=1.0):
    return scale * f(a, x, k, y)


def _want(fn, args, nums, argnums, kwargs=None):
    """JAX's gradient of ``fn`` in the arguments at ``nums`` (the rest fixed), as ``argnums`` picks."""
    def h(*diff):
        full = list(args)
        for i, v in zip(nums, diff):
            full[i] = v
        return fn(*full, **(kwargs or {}))
    out = jax.grad(h, argnums=argnums)(*(jnp.asarray(args[i]) for i in nums))
    return out if isinstance(out, tuple) else (out,)


def _check(got, want):
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12, atol=1e-12)


def _args(seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=5), rng.normal(size=5), float(rng.uniform(0.5, 2.0)), rng.normal(size=5))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0)])
def test_partial_gets_a_plan_and_matches_jax(seed, argnums):
    args, nums = _args(seed), (1, 3)
    p = partial_args(f, args, nums)
    d = direct.DirectGrad(ad.engine("sct"), p, argnums)
    diff = tuple(args[i] for i in nums)
    for _ in range(2):  # worked out, then from the plan
        out = d(diff)
        assert out is not None
        _check(out[1], _want(f, args, nums, argnums))
    (plan,) = d.plans.values()
    assert plan.fixed is p.args and plan.where is p.nums and plan.fn is f
    np.testing.assert_allclose(out[0], f(*args), rtol=1e-14)


def test_rebound_partial_gets_its_new_answer():
    args, nums = _args(3), (1, 3)
    p = partial_args(f, args, nums)
    grad = ad.engine("sct").grad(p, (0, 1))
    diff = tuple(args[i] for i in nums)
    _check(grad(*diff), _want(f, args, nums, (0, 1)))
    other = _args(4)
    p.args = (other[0], None, other[2], None)  # the fixed arguments rebound
    _check(grad(*diff), _want(f, (other[0], *args[1:2], other[2], args[3]), nums, (0, 1)))
    p.fun = g  # the function rebound
    _check(grad(*diff), _want(g, (other[0], *args[1:2], other[2], args[3]), nums, (0, 1)))
    p.nums, p.args = (0, 1), args  # the positions rebound: now a and x are differentiated
    _check(grad(args[0], args[1]), _want(g, args, (0, 1), (0, 1)))


def test_changed_code_and_fixed_keywords():
    def h(a, x, k, y):
        return anp.sum(anp.sin(x * a) * y + k * x * x) / (1.0 + anp.sum(y * y))

    args, nums = _args(5), (1,)
    p = partial_args(h, args, nums)
    grad = ad.engine("sct").grad(p)
    _check(grad(args[1]), _want(h, args, nums, 0))
    h.__code__ = g.__code__  # the function's code changed under the plan
    _check(grad(args[1]), _want(g, args, nums, 0))
    q = partial_args(scaled, args, nums, {"scale": 3.0})  # fixed keywords: no plan, the same answer
    d = direct.DirectGrad(ad.engine("sct"), q, 0)
    _check(d((args[1],))[1], _want(scaled, args, nums, 0, {"scale": 3.0}))
    assert not d.plans
