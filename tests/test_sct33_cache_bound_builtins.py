"""SCT's cache of transformations and the bound builtin methods a body read looks up.

A transformation that read a callee's body (to prove a result's shape) keeps what that body looked up and checks it
again before the code is reused (validity.Read). A bound builtin method such as ``dict.fromkeys`` (einsum's helper
reads it) is a new object at each attribute access: compared by identity, the check never held, and every call
transformed the function again (the third derivative of an einsum took 28 s instead of half a second). Bound
methods are now fingerprinted by their receiver and name (a method of another receiver does not match).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine, transform
from adcompare.engines.sct.front.fingerprints import fingerprint, matches

jax.config.update("jax_enable_x64", True)


def mixed(x, y):
    return anp.sum(anp.sin(anp.einsum("ij,jk->ik", x, y)))


def test_bound_builtin_methods_match_their_fingerprint_and_no_other():
    for bound in (dict.fromkeys, [1].append, (1.5).__add__, "ab".join):
        assert matches(bound, fingerprint(bound))
    assert not matches(set.union, fingerprint(dict.fromkeys))
    assert not matches([2].append, fingerprint([1].append))  # another receiver
    assert not matches(dict.fromkeys, fingerprint(list.copy))


def test_a_transformation_that_read_einsum_is_reused_and_right():
    first = transform.transform(mixed, "reverse", (0, 1))
    assert transform.transform(mixed, "reverse", (0, 1)) is first
    eng = SCTEngine()
    for seed in (0, 1):
        rng = np.random.RandomState(seed)
        x, y = rng.randn(2, 3), rng.randn(3, 2)
        want = jax.grad(lambda a, b: jnp.sum(jnp.sin(jnp.einsum("ij,jk->ik", a, b))), (0, 1))(x, y)
        for got, w in zip(eng.grad(mixed, (0, 1))(x, y), want):
            np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-12)
    assert transform.transform(mixed, "reverse", (0, 1)) is first
