"""First-order reverse mode of an ``ad.custom_jvp`` function takes the value from its rule, as JAX.

JAX's reverse mode linearizes a ``custom_jvp`` rule: the value ``jax.vjp`` and ``jax.value_and_grad``
return is the rule's primal output, and everything downstream (a product's other factor, a loop's
next step) sees that value. Where the rule's value differed from the function's (a rule that is not
the function's exact linearization), every engine's ``value_and_grad``/``vjp`` returned the function's
value, and the gradient of ``c(x) * x`` used it, silently (0.451, 1.715 where JAX gives 0.696, 2.065).
Forward mode and second order already took the rule's value. Now reverse mode runs the rule once,
on the engine's tape, and takes value and transpose from that run. Checked against ``jax.custom_jvp``
in float64 on several seeds: scalar, array and tuple outputs, ``nondiff_argnums``, inside a loop,
called on its own output, ``has_aux``, ``jacrev``, ``vjp``; the elemental engine with an ``el.*`` rule.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import elemental as el

jax.config.update("jax_enable_x64", True)

ENGINES = {"overloading": {}, "sct": {}, "sct-boxes": {"higher": "boxes"}}
TOL = 1e-10


def make(custom_jvp):
    """The same programs on ``ad.custom_jvp`` or ``jax.custom_jvp``; each rule's value is not the function's."""

    @custom_jvp
    def shifted(x):
        return anp.sin(x)

    @shifted.defjvp
    def _shifted_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return anp.sin(x) + 0.5 * x * x, (2.0 * anp.cos(x) + x) * t

    @partial(custom_jvp, nondiff_argnums=(1,))
    def scaled(x, k):
        return k * anp.tanh(x)

    @scaled.defjvp
    def _scaled_jvp(k, primals, tangents):
        (x,), (t,) = primals, tangents
        return k * anp.tanh(x) + 0.25 * anp.exp(x), (3.0 * k + 0.25 * anp.exp(x)) * t

    @custom_jvp
    def pair(x, y):
        return x * y, x + y

    @pair.defjvp
    def _pair_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return (x * y + y * y, x - y), (tx * y + x * ty + 2.0 * y * ty, tx - ty)

    def scalar(x):
        return shifted(x) * x + shifted(0.5 * x)

    def array(x):
        return anp.sum(shifted(x) * x) + anp.sum(scaled(x, 1.5) ** 2)

    def tuple_out(x):
        a, b = pair(x, x[::-1])
        return anp.sum(a * b) + anp.sum(a)

    def loop(x):
        s = x
        for _ in range(3):
            s = shifted(s) * 0.7 + scaled(s, 0.3)
        return anp.sum(s)

    def twice(x):
        return anp.sum(shifted(shifted(x)) * x)

    def aux(x):
        v = shifted(x)
        return anp.sum(v * v), v

    def vector(x):
        return shifted(x) * scaled(x, 2.0)

    return dict(scalar=scalar, array=array, tuple_out=tuple_out, loop=loop, twice=twice, aux=aux,
                vector=vector, pair=pair)


OURS, THEIRS = make(ad.custom_jvp), make(jax.custom_jvp)
SEEDS = (0, 1, 2)


def close(ours, theirs) -> bool:
    a, b = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)
    return len(a) == len(b) and all(np.allclose(np.asarray(p), np.asarray(q), rtol=TOL, atol=TOL)
                                    for p, q in zip(a, b))


def inputs(seed):
    return np.random.default_rng(seed).normal(size=4)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("program", ["array", "tuple_out", "loop", "twice"])
def test_value_and_grad_take_the_rules_value(engine, program):
    eng = ad.engine(engine.split("-")[0], **ENGINES[engine])
    for seed in SEEDS:
        x = inputs(seed)
        assert close(eng.value_and_grad(OURS[program])(x), jax.value_and_grad(THEIRS[program])(x))


@pytest.mark.parametrize("engine", ENGINES)
def test_scalar_aux_jacrev_and_vjp_take_the_rules_value(engine):
    eng = ad.engine(engine.split("-")[0], **ENGINES[engine])
    for seed in SEEDS:
        x = inputs(seed)
        assert close(eng.value_and_grad(OURS["scalar"])(x[0]), jax.value_and_grad(THEIRS["scalar"])(x[0]))
        assert close(eng.value_and_grad(OURS["aux"], has_aux=True)(x),
                     jax.value_and_grad(THEIRS["aux"], has_aux=True)(x))
        assert close(eng.jacrev(OURS["vector"])(x), jax.jacrev(THEIRS["vector"])(x))
        y, pullback = eng.vjp(OURS["pair"], x, x[::-1])
        y_jax, pullback_jax = jax.vjp(THEIRS["pair"], x, x[::-1])
        assert close(y, y_jax) and close(pullback((x, 3.0 * x)), pullback_jax((x, 3.0 * x)))


@ad.custom_jvp
def el_shifted(x):
    return np.sin(x)


@el_shifted.defjvp
def _el_shifted_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return el.add(el.sin(x), el.multiply(0.5, x)), el.multiply(el.multiply(el.cos(x), t), 2.0)


@jax.custom_jvp
def jax_shifted(x):
    return jnp.sin(x)


@jax_shifted.defjvp
def _jax_shifted_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.sin(x) + 0.5 * x, jnp.cos(x) * t * 2.0


def test_elemental_takes_the_rules_value():
    eng = ad.engine("elemental")
    for seed in SEEDS:
        x = inputs(seed)
        assert close(eng.value_and_grad(lambda z: el.sum(el.multiply(el_shifted(z), z)))(x),
                     jax.value_and_grad(lambda z: jnp.sum(jax_shifted(z) * z))(x))
