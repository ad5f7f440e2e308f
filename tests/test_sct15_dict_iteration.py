"""SCT runs ``for k in d`` over a dict argument (or a comprehension's dict) over its keys, in Python's order.

Found by this stop's helpers: ``sum(p[k] ** 2 for k in p)`` (and the same loop as a statement, or over a
local dict inside a comprehension) was refused as "a differentiated value used as an index", though
``p.items()`` worked. A loop whose body reads ``d[k]`` (and assigns neither ``k``, ``d`` nor ``d``'s entries)
now runs over the dict's keys, constants; a sequence of integers indexing itself runs as before, and a
differentiated list indexed by its own items fails as Python does.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def make(np_):
    def statement(p):
        t = 0.0
        for k in p:
            t = t + np_.sum(np_.sin(p[k]) * p[k])
        return t

    def generator(p):
        return sum(np_.sum(p[k] ** 2) * 0.5 for k in p) + p["w"][0] * p["b"][1]

    def listed(p):
        return np_.sum(np_.stack([np_.sum(np_.cos(p[k])) for k in p]) ** 2)

    def local_dict(p):
        q = {"u": p["w"] * 2.0, "v": np_.tanh(p["b"])}
        return sum(np_.sum(q[k] ** 3) for k in q)

    return {"statement": statement, "generator": generator, "listed": listed, "local_dict": local_dict}


OURS, JAXS = make(anp), make(jnp)


def integers(x):
    idx = [2, 0, 1]
    t = 0.0
    for i in idx:
        t = t + x[idx[i]] * i
    return t


def params(seed):
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(size=3), "b": rng.normal(size=2)}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(OURS))
def test_loop_over_dict_keys_matches_jax(name, seed):
    p = params(seed)
    f, ref = OURS[name], JAXS[name]

    eng = ad.engine("sct", higher="sct")
    g, want = eng.grad(f)(p), jax.grad(ref)(p)
    for k in p:
        np.testing.assert_allclose(g[k], want[k], rtol=1e-10, atol=1e-12)
    t = params(seed + 5)
    _, dot = eng.jvp(f, (p,), (t,))
    np.testing.assert_allclose(dot, jax.jvp(ref, (p,), (t,))[1], rtol=1e-10, atol=1e-12)
    _, pull = eng.vjp(f, p)
    (back,) = pull(1.5)
    for k in p:
        np.testing.assert_allclose(back[k], 1.5 * want[k], rtol=1e-10, atol=1e-12)
    flat = np.concatenate([p["b"], p["w"]])  # JAX's order of the dict's leaves

    def on_flat(v, fn):
        return fn({"b": v[:2], "w": v[2:]})

    h = eng.hessian(lambda v: on_flat(v, f))(flat)
    np.testing.assert_allclose(h, jax.hessian(lambda v: on_flat(v, ref))(flat), rtol=1e-10, atol=1e-12)


def test_integers_indexing_themselves_still_differentiate():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(ad.engine("sct").grad(integers)(x), jax.grad(integers)(x),
                               rtol=1e-12)


def test_floats_indexing_themselves_fail_as_python():
    def own(xs):
        t = 0.0
        for v in xs:
            t = t + xs[v]
        return t

    with pytest.raises(TypeError, match="list indices"):
        ad.engine("sct").grad(own)([0.5, 1.5])
