"""``anp.linalg`` on every engine and backend, against ``jax.numpy.linalg`` in float64.

Each case is a function written with ``anp.linalg`` and the same written with
``jax.numpy.linalg``; their JVP and VJP must agree (several seeded, well-conditioned
inputs; stacks of matrices too), and so must one forward-over-reverse second
derivative per function. The elemental engine runs the very same functions:
``el.linalg`` is ``anp.linalg``.

Conventions checked as JAX has them: ``cholesky`` and ``eigh`` read the symmetric
part of their input (the inputs are symmetric positive definite, the tangents and
cotangents are *not* symmetric, so the convention is exercised). Eigen- and
singular vectors, and QR's factors, have arbitrary signs that NumPy's and JAX's
LAPACK calls need not share, so the cases compare sign-free quantities: squares
of the factors, and the products that rebuild the matrix.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.measure.opcount import count
from adcompare.oracle import max_error

TOL = 1e-9
mul, mm, getitem = anp.multiply, anp.matmul, anp.getitem
ROW = (Ellipsis, None, slice(None))  # v[..., None, :]: a vector as a row, to scale columns


def swap(x):
    """The last two axes swapped (works on every engine's values and on JAX arrays)."""
    n = anp.ndim(x)
    return anp.transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def general(rng, *shape):
    """A well-conditioned general matrix (stack): Gaussian plus n times the identity."""
    n = shape[-1]
    return rng.normal(size=shape) + n * np.eye(n)


def spd(rng, *shape):
    g = rng.normal(size=shape)
    return g @ np.swapaxes(g, -1, -2) + shape[-1] * np.eye(shape[-1])


# ---------------------------------------------------------------------------
# The cases: ours (anp) and theirs (jax.numpy), each returning a tuple

def inv_ours(a):
    return (anp.linalg.inv(a),)


def inv_jax(a):
    return (jnp.linalg.inv(a),)


def solve_ours(a, b):
    return (anp.linalg.solve(a, b),)


def solve_jax(a, b):
    return (jnp.linalg.solve(a, b),)


def det_ours(a):
    return (anp.linalg.det(a),)


def det_jax(a):
    return (jnp.linalg.det(a),)


def slogdet_ours(a):
    return anp.linalg.slogdet(a)


def slogdet_jax(a):
    return tuple(jnp.linalg.slogdet(a))


def cholesky_ours(a):
    return (anp.linalg.cholesky(a),)


def cholesky_jax(a):
    return (jnp.linalg.cholesky(a),)


def eigh_ours(a):
    w, v = anp.linalg.eigh(a)
    return w, mul(v, v), mm(mul(v, getitem(w, ROW)), swap(v))


def eigh_jax(a):
    w, v = jnp.linalg.eigh(a)
    return w, v * v, (v * w[..., None, :]) @ jnp.swapaxes(v, -1, -2)


def svd_ours(a):
    u, s, vh = anp.linalg.svd(a, full_matrices=False)
    return mul(u, u), s, mul(vh, vh), mm(mul(u, getitem(s, ROW)), vh)


def svd_jax(a):
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    return u * u, s, vh * vh, (u * s[..., None, :]) @ vh


def svdvals_ours(a):
    return (anp.linalg.svd(a, compute_uv=False),)


def svdvals_jax(a):
    return (jnp.linalg.svd(a, compute_uv=False),)


def qr_ours(a):
    q, r = anp.linalg.qr(a)
    return mul(q, q), mul(r, r), mm(q, r)


def qr_jax(a):
    q, r = jnp.linalg.qr(a)
    return q * q, r * r, q @ r


def qr_r_ours(a):
    r = anp.linalg.qr(a, mode="r")
    return (mul(r, r),)


def qr_r_jax(a):
    r = jnp.linalg.qr(a, mode="r")
    return (r * r,)


def pinv_ours(a):
    return (anp.linalg.pinv(a),)


def pinv_jax(a):
    return (jnp.linalg.pinv(a),)


# name -> (ord, axis, keepdims)
NORMS = {"2": (None, None, False), "1": (1, None, False), "inf": (np.inf, None, False),
         "-inf": (-np.inf, None, False), "3": (3, None, False), "0.5": (0.5, None, False), "0": (0, None, False),
         "rows-2-keepdims": (2, 1, True), "fro": ("fro", None, False), "matrix-default": (None, None, False),
         "fro-axes": ("fro", (1, 2), False), "flat": (None, None, False), "cols-1": (1, 0, False)}


def norm_case(key):
    ord, axis, keepdims = NORMS[key]

    def norm_ours(x):
        return (anp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims),)

    def norm_jax(x):
        return (jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims),)

    return norm_ours, norm_jax


def _norm_input(key):
    shp = {"rows-2-keepdims": (3, 4), "fro": (3, 4), "matrix-default": (3, 4), "fro-axes": (2, 3, 4),
           "flat": (2, 3, 2), "cols-1": (3, 4)}.get(key, (5,))
    return lambda rng: (rng.uniform(0.5, 2.0, size=shp) * rng.choice([-1.0, 1.0], size=shp),)


# name -> (ours, theirs, inputs(rng)); the first case of each function also gets a second-order check
CASES = {
    "inv": (inv_ours, inv_jax, lambda rng: (general(rng, 3, 3),)),
    "inv-stack": (inv_ours, inv_jax, lambda rng: (general(rng, 2, 3, 3),)),
    "solve-vector": (solve_ours, solve_jax, lambda rng: (general(rng, 3, 3), rng.normal(size=3))),
    "solve-matrix": (solve_ours, solve_jax, lambda rng: (general(rng, 3, 3), rng.normal(size=(3, 2)))),
    "solve-stack": (solve_ours, solve_jax, lambda rng: (general(rng, 2, 3, 3), rng.normal(size=(2, 3, 2)))),
    "solve-broadcast": (solve_ours, solve_jax, lambda rng: (general(rng, 3, 3), rng.normal(size=(2, 3, 2)))),
    "det": (det_ours, det_jax, lambda rng: (general(rng, 3, 3),)),
    "det-stack": (det_ours, det_jax, lambda rng: (general(rng, 2, 3, 3),)),
    "slogdet": (slogdet_ours, slogdet_jax, lambda rng: (-general(rng, 3, 3),)),
    "slogdet-stack": (slogdet_ours, slogdet_jax, lambda rng: (general(rng, 2, 3, 3) * [[[1.0]], [[-1.0]]],)),
    "cholesky": (cholesky_ours, cholesky_jax, lambda rng: (spd(rng, 4, 4),)),
    "cholesky-stack": (cholesky_ours, cholesky_jax, lambda rng: (spd(rng, 2, 3, 3),)),
    "eigh": (eigh_ours, eigh_jax, lambda rng: (spd(rng, 4, 4),)),
    "eigh-stack": (eigh_ours, eigh_jax, lambda rng: (spd(rng, 2, 3, 3),)),
    "svd": (svd_ours, svd_jax, lambda rng: (rng.normal(size=(4, 4)),)),
    "svd-tall": (svd_ours, svd_jax, lambda rng: (rng.normal(size=(5, 3)),)),
    "svd-wide": (svd_ours, svd_jax, lambda rng: (rng.normal(size=(3, 5)),)),
    "svd-stack": (svd_ours, svd_jax, lambda rng: (rng.normal(size=(2, 4, 3)),)),
    "svd-values": (svdvals_ours, svdvals_jax, lambda rng: (rng.normal(size=(3, 4)),)),
    "qr": (qr_ours, qr_jax, lambda rng: (general(rng, 4, 4),)),
    "qr-tall": (qr_ours, qr_jax, lambda rng: (rng.normal(size=(5, 3)),)),
    "qr-stack": (qr_ours, qr_jax, lambda rng: (rng.normal(size=(2, 4, 3)),)),
    "qr-r": (qr_r_ours, qr_r_jax, lambda rng: (rng.normal(size=(4, 3)),)),
    "pinv": (pinv_ours, pinv_jax, lambda rng: (rng.normal(size=(5, 3)),)),
    "pinv-wide": (pinv_ours, pinv_jax, lambda rng: (rng.normal(size=(3, 5)),)),
    "pinv-stack": (pinv_ours, pinv_jax, lambda rng: (rng.normal(size=(2, 3, 4)),)),
}
for _key in NORMS:
    CASES[f"norm-{_key}"] = (*norm_case(_key), _norm_input(_key))
SECOND_ORDER = ["inv", "solve-matrix", "det", "slogdet", "cholesky", "eigh", "svd-tall", "svd-wide", "qr-tall",
                "pinv", "norm-2", "norm-3", "norm-fro"]
LINALG = {"inv", "solve", "det", "slogdet", "cholesky", "eigh", "svd", "qr", "pinv", "norm"}


def on(backend, x):
    return jnp.asarray(x) if backend == "jax" else np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------------------
# First order: every engine, both backends, against jax.jvp / jax.vjp


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("case", list(CASES))
def test_jvp_and_vjp_match_jax(case, engine, backend):
    ours, theirs, inputs = CASES[case]
    eng = ad.engine(engine)
    for seed in range(2):
        rng = np.random.default_rng(seed)
        xs = inputs(rng)
        ts = tuple(rng.normal(size=np.shape(x)) for x in xs)
        xs_jax, ts_jax = tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts))
        jvp_jax, vjp_jax = _references(case)
        expected = jvp_jax(xs_jax, ts_jax)
        got = eng.jvp(ours, tuple(on(backend, x) for x in xs), tuple(on(backend, t) for t in ts))
        assert max_error(got, expected) < TOL, f"jvp seed {seed}"
        if backend == "jax":
            assert all(isinstance(y, jax.Array) for y in jax.tree_util.tree_leaves(got))

        y_jax = expected[0]
        y_bar = tuple(rng.normal(size=np.shape(y)) for y in y_jax)
        y, f_vjp = eng.vjp(ours, *(on(backend, x) for x in xs))
        assert max_error(y, y_jax) < TOL
        bars = tuple(on(backend, g) for g in y_bar)
        got = f_vjp(type(y)(*bars) if hasattr(y, "_fields") else bars)  # (a named result, SlogdetResult: its type)
        assert max_error(got, vjp_jax(xs_jax, tuple(map(jnp.asarray, y_bar)))) < TOL, f"vjp seed {seed}"


@functools.cache
def _references(case: str):
    """JAX's JVP and VJP of a case, each compiled once by ``jax.jit`` and shared by every engine and backend
    (op-by-op dispatch compiles each operation of the derivative apart, which costs far more)."""
    theirs = CASES[case][1]
    return (jax.jit(lambda xs, ts: jax.jvp(theirs, xs, ts)),
            jax.jit(lambda xs, g: jax.vjp(theirs, *xs)[1](g)))


# ---------------------------------------------------------------------------
# Second order: forward over reverse, the rules differentiated again


def weighted(outs, weights):
    total = 0.0
    for i in range(len(weights)):
        total = anp.add(total, anp.sum(anp.multiply(outs[i], weights[i])))
    return total


def scalar(fn, weights, arity):
    def loss(a):
        return weighted(fn(a), weights)

    def loss2(a, b):
        return weighted(fn(a, b), weights)

    return loss if arity == 1 else loss2


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("case", SECOND_ORDER)
def test_forward_over_reverse_matches_jax(case, engine):
    ours, theirs, inputs = CASES[case]
    eng = ad.engine(engine)
    rng = np.random.default_rng(7)
    xs = inputs(rng)
    weights = tuple(rng.normal(size=np.shape(y)) for y in theirs(*map(jnp.asarray, xs)))
    ts = tuple(rng.normal(size=np.shape(x)) for x in xs)
    every = tuple(range(len(xs)))
    expected = jax.jvp(jax.grad(scalar(theirs, weights, len(xs)), every), tuple(map(jnp.asarray, xs)),
                       tuple(map(jnp.asarray, ts)))
    got = eng.jvp(eng.grad(scalar(ours, weights, len(xs)), every), xs, ts)
    assert max_error(got, expected) < TOL


def test_every_linalg_primitive_is_exercised():
    applied = set()
    for ours, _, inputs in CASES.values():
        args = inputs(np.random.default_rng(0))
        applied |= set(count(ours, args, tuple(range(len(args)))))
    assert LINALG <= set(p.PRIMITIVES)
    assert LINALG <= applied


def test_elemental_library_has_the_same_module():
    assert el.linalg is anp.linalg
    a = spd(np.random.default_rng(0), 3, 3)
    np.testing.assert_allclose(el.linalg.cholesky(a), np.linalg.cholesky(a), rtol=1e-13)


def test_values_match_numpy():
    rng = np.random.default_rng(3)
    a, s = general(rng, 2, 3, 3), spd(rng, 2, 3, 3)
    np.testing.assert_allclose(anp.linalg.inv(a), np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(anp.linalg.det(a), np.linalg.det(a), rtol=1e-12)
    np.testing.assert_allclose(anp.linalg.slogdet(-a), np.linalg.slogdet(-a), rtol=1e-12)
    np.testing.assert_allclose(anp.linalg.eigh(s)[0], np.linalg.eigvalsh(s), rtol=1e-12)
    np.testing.assert_allclose(anp.linalg.cholesky(s), np.linalg.cholesky(s), rtol=1e-12)
    np.testing.assert_allclose(anp.linalg.svd(a, compute_uv=False), np.linalg.svd(a, compute_uv=False))
    np.testing.assert_allclose(anp.linalg.solve(a, a[0, 0]), np.linalg.solve(a, a[0, 0]), rtol=1e-12)
    np.testing.assert_allclose(anp.linalg.norm(a, axis=(1, 2)), np.linalg.norm(a, axis=(1, 2)), rtol=1e-13)


# ---------------------------------------------------------------------------
# Refused forms, by message, on every engine


def _grad_of(eng, fn):
    return eng.grad(lambda a: anp.sum(fn(a)))


REFUSED = {
    "norm-matrix-3": (lambda a: anp.linalg.norm(a, ord=3), np.eye(3) + 1.0, "ord=3 is not a matrix norm"),
    "norm-vector-fro": (lambda a: anp.linalg.norm(a, ord="fro"), np.ones(3), "ord='fro' is a matrix norm"),
    "svd-full": (lambda a: anp.linalg.svd(a)[0], np.ones((3, 2)), "full_matrices=True on a non-square"),
    "svd-repeated": (lambda a: anp.linalg.svd(a)[1], np.eye(3), "distinct singular values"),
    "svd-zero": (lambda a: anp.linalg.svd(a, full_matrices=False)[1], np.array([[1.0, 0, 0], [0, 0, 0]]),
                 "nonzero singular values"),
    "eigh-repeated": (lambda a: anp.linalg.eigh(a)[0], np.eye(3), "distinct eigenvalues"),
    "qr-complete-tall": (lambda a: anp.linalg.qr(a, mode="complete")[0], np.arange(6.0).reshape(3, 2) + np.eye(3, 2),
                         "mode='complete' on a tall matrix"),  # (a wide matrix's qr: as JAX's, test_sct18_fix_qr_modes)
    "qr-raw": (lambda a: anp.linalg.qr(a, mode="raw")[1], np.eye(3), "mode='raw' is not supported"),
    "solve-rectangular": (lambda a: anp.linalg.solve(a, a), np.ones((2, 3)), "square matrix"),
    "det-vector": (lambda a: anp.linalg.det(a), np.ones(3), "square matrix"),
    # refused by inv's rule (SCT's generated code), or where the complex constant meets the active value
    "inv-complex": (lambda a: anp.linalg.inv(mul(a, 1 + 1j)), np.eye(2),
                    "complex (arrays are not supported|operand meets a differentiated value)"),
}


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_forms_say_why(case, engine):
    fn, a, message = REFUSED[case]
    with pytest.raises((ValueError, NotImplementedError, TypeError), match=message):
        _grad_of(ad.engine(engine), fn)(a)


def test_refused_derivatives_leave_the_values_alone():
    assert anp.linalg.qr(np.ones((2, 3)) + np.eye(2, 3))[1].shape == (2, 3)
    np.testing.assert_allclose(anp.linalg.eigh(np.eye(3))[0], np.ones(3))
