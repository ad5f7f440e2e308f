"""Symbolic lengths (analysis/lengths.py) and the specialization they guard (emit/specialize.by_lengths).

A loop that calls a user function (RK4's right-hand side) learns the shape the callee returns from
the callee's body, in the entry parameters' lengths (``len(y) - 1 + 1``), so its specialized reverse
sweep keeps no shapes and sums no cotangent down; the guard checks once per call what the proof
assumed. Each case is checked against JAX (float64, several seeds) where the guard holds (and the
specialization is taken: checked) and where it must not (2-D, a JAX array, a list, a NumPy subclass,
an overloading box, lengths that broadcast, a callee whose length depends on a value), and the
specialized path is checked bit for bit against the general one.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Lengths, Specialized

jax.config.update("jax_enable_x64", True)
SCT = ad.engine("sct")
SEEDS = (0, 1, 2)


class Sub(np.ndarray):
    """An ndarray subclass: the guard refuses it; its arithmetic is NumPy's, bit for bit."""


def rhs(x, rates, y):
    return anp.concatenate([x[:1], rates * y[:-1]])


def rk4(x, rates, y, h):
    for _ in range(3):
        k1 = rhs(x, rates, y)
        k2 = rhs(x, rates, y + (0.5 * h) * k1)
        k3 = rhs(x, rates, y + (0.5 * h) * k2)
        k4 = rhs(x, rates, y + h * k3)
        y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return anp.sum(y * y)


def longer(y):
    """Two slices of other lengths: ``len(y) + 1``, not ``len(y)``."""
    return anp.concatenate([y[:2], y[:-1]])


def shifted(y, w):
    for _ in range(3):
        k = longer(y)
        y = y * w + 0.25 * k[1:]  # k[1:] has y's length; k has not
    return anp.sum(y * y)


def head(y, m):
    """A length that depends on a value (m): nothing is proven of it."""
    return y[:m]


def prefix(y, w, m):
    for _ in range(3):
        y = y * w + 0.5 * head(y, m)  # broadcasts where m is 1
    return anp.sum(y * y)


def _inputs(seed, n=6):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 1.0, n), rng.uniform(0.1, 1.0, n - 1), rng.normal(size=n)


def _which(f, args, argnums=(0,)):
    """The specialization the forward sweep took (its index), or None for the general sweeps."""
    entry = transform.transform(f, "reverse", argnums, len(args))
    res = entry.functions["fwd"](*args)[1]
    return res[0] if type(res) is Specialized else None


def _jax(f, args, argnums):
    return jax.grad(f, argnums=argnums)(*[jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])


def _check(f, args, argnums=(0, 1, 2), rtol=1e-11):
    got = SCT.grad(f, argnums=argnums)(*args)
    for a, b in zip(got, _jax(f, args, argnums)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=rtol)
    return got


@pytest.mark.parametrize("seed", SEEDS)
def test_rk4_takes_the_lengths_specialization(seed):
    x, rates, y = _inputs(seed)
    assert _which(rk4, (x, rates, y, 0.1), (0, 1, 2)) == 0
    got = _check(rk4, (x, rates, y, 0.1))
    general = SCT.grad(rk4, argnums=(0, 1, 2))(x, rates, y.view(Sub), 0.1)  # the guard refuses a subclass
    assert _which(rk4, (x, rates, y.view(Sub), 0.1), (0, 1, 2)) != 0
    for a, b in zip(got, general):
        assert np.array_equal(np.asarray(a), np.asarray(b))  # bit for bit


def test_generated_source_keeps_no_shapes():
    source = SCT.source(rk4, "reverse", argnums=(0, 1, 2))
    guard = source.split("\n")[1]
    assert "lengths(x, rates, y)" in guard and "number(h)" in guard
    special = source.split("def rk4_fwd_2")[1].split("\ndef ")[0]
    backward = source.split("def rk4_bwd_2")[1].split("\ndef ")[0]
    assert "shape_of(" not in special and "unbroadcast(" not in backward  # proven: y's shape throughout
    general = source.split("def rk4_fwd(")[1].split("\ndef ")[0]
    assert "push(shape_of(k1))" in general  # what the general sweep keeps


@pytest.mark.parametrize("seed", SEEDS[:1])
def test_rk4_guard_not_taken(seed):
    x, rates, y = _inputs(seed)
    rng = np.random.default_rng(seed)
    x2, rates2, y2 = (rng.uniform(0.1, 1.0, (n, 3)) for n in (6, 5, 6))  # 2-D where 1-D was assumed
    for args in [(x2, rates2, y2), (x, rates[:1], y)]:  # rates broadcasts: len(rates) != len(y) - 1
        assert _which(rk4, args + (0.1,), (0, 1, 2)) != 0
        _check(rk4, args + (0.1,))
    jx = tuple(jnp.asarray(a) for a in (x, rates, y))  # JAX arrays: the general sweeps, on JAX
    for a, b in zip(SCT.grad(rk4, argnums=(0, 1, 2))(*jx, 0.1), _jax(rk4, (x, rates, y, 0.1), (0, 1, 2))):
        assert isinstance(a, jax.Array)
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)


def test_float32_and_a_list():
    x, rates, y = _inputs(3)
    args = (x.astype(np.float32), rates.astype(np.float32), y.astype(np.float32), 0.1)
    assert _which(rk4, args, (0, 1, 2)) == 0  # the shapes are proven whatever the dtype
    got = SCT.grad(rk4, argnums=(0, 1, 2))(*args)
    assert all(g.dtype == np.float32 for g in got)
    for a, b in zip(got, _jax(rk4, (x, rates, y, 0.1), (0, 1, 2))):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)
    listed = (list(x), rates, y, 0.1)  # a list: not an array, the guard refuses
    assert _which(rk4, listed, (1, 2)) != 0
    for a, b in zip(SCT.grad(rk4, argnums=(1, 2))(*listed), _jax(rk4, (x, rates, y, 0.1), (1, 2))):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)


def test_under_overloading_boxes():
    """SCT's gradient differentiated again by the overloading engine: its inputs are boxes."""
    x, rates, y = _inputs(4)
    box = ad.engine("overloading")

    def g(y):
        return anp.sum(SCT.grad(rk4, argnums=2)(x, rates, y, 0.1))

    want = jax.grad(lambda y: jnp.sum(jax.grad(rk4, argnums=2)(jnp.asarray(x), jnp.asarray(rates), y, 0.1)))(
        jnp.asarray(y))
    np.testing.assert_allclose(box.grad(g)(y), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_callee_longer_than_its_argument(seed):
    rng = np.random.default_rng(seed)
    y, w = rng.normal(size=5), rng.uniform(0.5, 1.0, 5)
    assert _which(shifted, (y, 0.9), (0, 1)) == 0  # w a number
    for w_ in (0.9, w, w[:1], w[:1].reshape(())):  # w an array: the guard refuses
        assert _which(shifted, (y, w_), (0, 1)) == (0 if np.ndim(w_) == 0 else None)
        _check(shifted, (y, w_), (0, 1))
    source = SCT.source(shifted, "reverse", argnums=(0, 1))
    special = source.split("def shifted_fwd_2")[1].split("\ndef ")[0]
    backward = source.split("def shifted_bwd_2")[1].split("\ndef ")[0]
    assert "push_2(shape_of(k))" in special and special.count("shape_of(") == 2  # k's: read by k[1:]'s adjoint
    assert backward.count("unbroadcast(") == 1 and "unbroadcast(y * _t1_bar, scalar_shape)" in backward  # w's sum


@pytest.mark.parametrize("m", [1, 3, 5])
def test_callee_length_from_a_value(m):
    rng = np.random.default_rng(m)
    y, w = rng.normal(size=5), rng.uniform(0.5, 1.0, 5)
    if m in (1, 5):
        _check(prefix, (y, w, m), (0, 1))
    else:  # 3 against 5 does not broadcast: an error, as NumPy's
        with pytest.raises(ValueError):
            SCT.grad(prefix, argnums=(0, 1))(y, w, m)


def test_second_order_through_it():
    x, rates, y = _inputs(5, n=4)
    higher = ad.engine("sct", higher="sct")
    got = higher.hessian(rk4, argnums=2)(x, rates, y, 0.1)
    want = jax.hessian(rk4, argnums=2)(jnp.asarray(x), jnp.asarray(rates), jnp.asarray(y), 0.1)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_lengths_check_directly():
    check = Lengths((1, 1), [(1, (((0, 0), 1), ((1, 0), -1)))], [(-1, (((1, 0), 1),))])  # len(a) + 1 == len(b) >= 1
    assert check(np.ones(3), np.ones(4)) and not check(np.ones(4), np.ones(4))
    assert not check(np.ones(3), np.ones((4, 1))) and not check(np.ones(3), list(np.ones(4)))
    assert not check(np.ones(0), np.ones(0)[:0]) and not check(np.ones(3), np.array(["a"] * 4))


def diffs(y):
    return y[1:] - y[:-1]


def outer(x, y, *, scale):
    """A callee that calls another, by keyword: ``len(y) - 1 + 1``, given ``len(x) >= 1``."""
    return anp.concatenate([diffs(y) * scale, x[-1:]])


def energy(y):
    return anp.sum(y * y)  # shape (): a number


def relax(x, y, h):
    for _ in range(3):
        k = outer(x, y, scale=0.5 * h)  # h read only elementwise: assumed a number
        y = y - (h * energy(k)) * k
    return anp.sum(y * y)


@pytest.mark.parametrize("seed", SEEDS)
def test_nested_callees_by_keyword(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=3), rng.normal(size=5)
    assert _which(relax, (x, y, 0.1), (0, 1)) == 0
    _check(relax, (x, y, 0.1), (0, 1))
    _check(relax, (x, y[:1], 0.1), (0, 1))  # one element: diffs is empty, the guard holds; JAX's answer
    source = SCT.source(relax, "reverse", argnums=(0, 1))
    backward, general = (source.split(f"def relax_bwd{k}")[1].split("\ndef ")[0] for k in ("_2", "("))
    sums = [line for line in backward.splitlines() if "unbroadcast(" in line]
    assert sums and all(line.endswith(", scalar_shape)") for line in sums)  # only a number's share summed
    assert "unbroadcast(y_bar, y)" in general
