"""NumPy's view-returning vocabulary functions, probed on NumPy, the overloading engine and SCT.

For each function ``fn`` that NumPy answers with a view (and some that copy,
where a write must not reach the other name), two programs:
``v = fn(b); b[i] = w; use(v)`` (a write into the base, read through the view)
and ``v = fn(b); v[j] = w; use(b)`` (a write into the view, read through the
base). The reference is a functional JAX program
built from what plain NumPy does: whether ``fn(b)`` shares ``b``'s memory, and
which element of ``b`` each element of ``fn(b)`` is (``fn`` of an index
array). Plain NumPy must give the reference's value (or refuse the write, as
for its read-only views); the overloading engine must give JAX's derivatives
or the same refusal; SCT must give them or refuse naming this file.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.errors import SCTError

TOL = dict(rtol=1e-10, atol=1e-12)
SEEDS = (0, 1)

# name: (fn of a namespace, shape of b)
FUNCTIONS = {
    "flip": (lambda m: lambda b: m.flip(b, 0), (3, 4)),
    "fliplr": (lambda m: m.fliplr, (3, 4)),
    "flipud": (lambda m: m.flipud, (3, 4)),
    "rot90": (lambda m: m.rot90, (3, 4)),
    "swapaxes": (lambda m: lambda b: m.swapaxes(b, 0, 2), (2, 3, 4)),
    "moveaxis": (lambda m: lambda b: m.moveaxis(b, 0, -1), (2, 3, 4)),
    "squeeze": (lambda m: m.squeeze, (3, 1, 4)),
    "expand_dims": (lambda m: lambda b: m.expand_dims(b, 1), (3, 4)),
    "atleast_1d": (lambda m: m.atleast_1d, (5,)),
    "atleast_2d": (lambda m: m.atleast_2d, (5,)),
    "atleast_3d": (lambda m: m.atleast_3d, (3, 4)),
    "ravel": (lambda m: m.ravel, (3, 4)),
    "reshape": (lambda m: lambda b: m.reshape(b, (4, 3)), (3, 4)),
    "transpose": (lambda m: m.transpose, (3, 4)),
    "real": (lambda m: m.real, (3, 4)),
    "split": (lambda m: lambda b: m.split(b, 2)[1], (4, 3)),
    "array_split": (lambda m: lambda b: m.array_split(b, 3, axis=1)[2], (3, 4)),
    "hsplit": (lambda m: lambda b: m.hsplit(b, 2)[0], (3, 4)),
    "vsplit": (lambda m: lambda b: m.vsplit(b, [1])[1], (3, 4)),
    "broadcast_to": (lambda m: lambda b: m.broadcast_to(b, (2, 3, 4)), (3, 4)),
    "diagonal": (lambda m: m.diagonal, (3, 4)),
    "diagonal_offset": (lambda m: lambda b: m.diagonal(b, 1, 0, 2), (3, 2, 4)),
    "diag": (lambda m: m.diag, (3, 3)),
    "slice": (lambda m: lambda b: b[1:, ::2], (3, 4)),
    # NumPy copies: a write through either name leaves the other alone
    "roll": (lambda m: lambda b: m.roll(b, 1, axis=1), (3, 4)),
    "triu": (lambda m: m.triu, (3, 4)),
    "diag_of_vector": (lambda m: m.diag, (3,)),
    "tile": (lambda m: lambda b: m.tile(b, 2), (3, 4)),
    "repeat": (lambda m: lambda b: m.repeat(b, 2, axis=0), (3, 4)),
    "sort": (lambda m: lambda b: m.sort(b, axis=1), (3, 4)),
    "fancy_index": (lambda m: lambda b: b[np.array([0, 2])], (3, 4)),
    "array": (lambda m: m.array, (3, 4)),
    "asarray": (lambda m: m.asarray, (3, 4)),
}


def _spot(shape: tuple) -> tuple:
    return tuple(1 if d > 1 else 0 for d in shape)


def _weights(v):
    return np.cos(np.arange(anp.size(v))).reshape(anp.shape(v))


def _use(v):
    return anp.sum(anp.sin(v) * _weights(v))


def _use_jax(v):
    return jnp.sum(jnp.sin(v) * _weights(v))


def _facts(name):
    """What NumPy does: fn(b) a view of b or not, writable or not, and each element's place in b."""
    fn, shape = FUNCTIONS[name]
    b = np.arange(float(np.prod(shape))).reshape(shape)
    v = fn(np)(b)
    places = fn(np)(np.arange(b.size).reshape(shape))
    return np.shares_memory(v, b), v.flags.writeable, places, np.shape(v)


def _programs(name):
    fn, shape = FUNCTIONS[name]
    view, writable, places, vshape = _facts(name)
    bi, vj = _spot(shape), _spot(vshape)

    def base_write(x):  # v = fn(b); b[i] = w; use(v)
        b = anp.reshape(x * 1.0, shape)
        v = fn(anp)(b)
        b[bi] = anp.sin(x[0])
        return _use(v)

    def base_write_jax(x):
        b = jnp.reshape(jnp.asarray(x) * 1.0, shape)
        return _use_jax(fn(jnp)(b.at[bi].set(jnp.sin(x[0]))) if view else fn(jnp)(b))

    def view_write(x):  # v = fn(b); v[j] = w; use(b)
        b = anp.reshape(x * 1.0, shape)
        v = fn(anp)(b)
        v[vj] = anp.sin(x[0])
        return _use(b)

    def view_write_jax(x):
        b = jnp.reshape(jnp.asarray(x) * 1.0, shape)
        if view:
            b = jnp.ravel(b).at[places[vj]].set(jnp.sin(x[0])).reshape(shape)
        return _use_jax(b)

    return (base_write, base_write_jax), (view_write, view_write_jax), writable


def _x(name, seed):
    return np.random.default_rng(seed).standard_normal(int(np.prod(FUNCTIONS[name][1])))


def _check(engine, prog, ref, x, refused_by_numpy):
    eng = ad.engine(engine)
    if refused_by_numpy:
        with pytest.raises((ValueError, SCTError), match=r"read-only|another name may hold"):
            eng.grad(prog)(x)
        return
    try:
        g = eng.grad(prog)(x)
    except SCTError as e:  # refused: for aliasing, naming the user's line
        assert engine == "sct" and "another name may hold" in str(e) and "test_views_more.py" in str(e), str(e)
        return
    np.testing.assert_allclose(g, jax.grad(ref)(x), **TOL)
    t = np.cos(np.arange(x.size))
    np.testing.assert_allclose(eng.jvp(prog, (x,), (t,))[1], jax.jvp(ref, (x,), (t,))[1], **TOL)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("seed", SEEDS)
def test_numpy_itself_matches_the_reference(name, seed):
    (bw, bw_ref), (vw, vw_ref), writable = _programs(name)
    x = _x(name, seed)
    np.testing.assert_allclose(bw(x), bw_ref(x), **TOL)
    if writable:
        np.testing.assert_allclose(vw(x), vw_ref(x), **TOL)
    else:
        with pytest.raises(ValueError, match="read-only"):
            vw(x)


@pytest.mark.parametrize("engine", ("overloading", "sct"))
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("seed", SEEDS)
def test_write_into_base_read_view(engine, name, seed):
    (bw, bw_ref), _, _ = _programs(name)
    _check(engine, bw, bw_ref, _x(name, seed), False)


@pytest.mark.parametrize("engine", ("overloading", "sct"))
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("seed", SEEDS)
def test_write_into_view_read_base(engine, name, seed):
    _, (vw, vw_ref), writable = _programs(name)
    _check(engine, vw, vw_ref, _x(name, seed), not writable)


@pytest.mark.parametrize("name", ("diagonal", "diag"))
def test_diagonal_is_a_view_on_second_order_and_on_jax_inputs(name):
    (bw, bw_ref), _, _ = _programs(name)
    x = _x(name, 0)
    oo = ad.engine("overloading")
    np.testing.assert_allclose(oo.hessian(bw)(x), jax.hessian(bw_ref)(x), **TOL)
    np.testing.assert_allclose(oo.grad(bw)(jnp.asarray(x)), jax.grad(bw_ref)(x), **TOL)


def test_numpy_diagonal_and_diag_of_a_matrix_are_read_only_views():
    b = np.arange(9.0).reshape(3, 3)
    for v in (np.diagonal(b), np.diag(b)):
        assert np.shares_memory(v, b) and not v.flags.writeable


@pytest.mark.parametrize("offset, a1, a2", [(0, 0, 1), (1, 0, 2), (-1, 2, 1)])
def test_diagonal_rule_matches_jax_on_every_engine_and_sct_over_sct(offset, a1, a2):
    from adcompare.engines.sct.api import SCTEngine

    def f(x):
        return anp.sum(anp.sin(anp.diagonal(anp.reshape(x, (3, 2, 4)), offset, a1, a2)) ** 2)

    def fj(x):
        return jnp.sum(jnp.sin(jnp.diagonal(jnp.reshape(x, (3, 2, 4)), offset, a1, a2)) ** 2)

    x = np.random.default_rng(5).standard_normal(24)
    for eng in (ad.engine("overloading"), ad.engine("sct"), SCTEngine(higher="sct")):
        np.testing.assert_allclose(eng.grad(f)(x), jax.grad(fj)(x), **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(x), **TOL)
