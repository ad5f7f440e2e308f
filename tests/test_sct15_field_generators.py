"""A named tuple's field read inside a generator expression (``sum(... for l in s.vel)``) on SCT, against JAX.

Reported by this stop's helpers as refused while reading the field into a variable first worked; at 5f7da9a
(after the field-read and element-activity work of probes 11 and 14) it could not be reproduced in any of the
forms tried here: an argument's field, a local named tuple's, a nested one's, one captured by a nested function,
with grad, jvp, vjp and the Hessian (both second orders). Kept as a check that it stays so.
"""

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

State = collections.namedtuple("State", "pos vel")
Body = collections.namedtuple("Body", "state mass")


def make(np_):
    def energy(s):
        return sum(np_.sum(l ** 2 * s.pos) for l in s.vel) + max(np_.sum(l) for l in s.vel)

    def nested(b):
        return sum(np_.sum(np_.sin(l)) for l in b.state.vel) * b.mass

    def captured(x):
        s = State(x, [x, np_.sin(x) * 2.0])

        def inner(y):
            return sum(np_.sum(y * l) for l in s.vel)
        return inner(x) + energy(s)

    return energy, nested, captured


OURS, THEIRS = make(anp), make(jnp)


@pytest.mark.parametrize("seed", [0, 1])
def test_field_reads_in_generators_match_jax(seed):
    rng = np.random.default_rng(seed)
    x, v, w = rng.normal(size=(3, 3))
    eng = ad.engine("sct", higher="sct")
    s = State(x, [v, w])
    got, want = eng.grad(OURS[0])(s), jax.grad(THEIRS[0])(State(x, [v, w]))
    np.testing.assert_allclose(got.pos, want.pos, rtol=1e-10)
    np.testing.assert_allclose(np.stack(got.vel), np.stack(want.vel), rtol=1e-10)
    _, dot = eng.jvp(OURS[0], (s,), (State(w, [x, v]),))
    np.testing.assert_allclose(dot, jax.jvp(THEIRS[0], (s,), (State(w, [x, v]),))[1], rtol=1e-10)
    b = Body(s, 1.5)
    np.testing.assert_allclose(np.stack(eng.grad(OURS[1])(b).state.vel), np.stack(jax.grad(THEIRS[1])(b).state.vel),
                               rtol=1e-10)
    np.testing.assert_allclose(eng.hessian(OURS[2])(x), jax.hessian(THEIRS[2])(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ad.engine("sct").hessian(OURS[2])(x), jax.hessian(THEIRS[2])(x), rtol=1e-10,
                               atol=1e-12)
