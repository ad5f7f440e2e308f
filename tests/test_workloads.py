"""The problem suite: values against independent sources, and derivatives beyond ``tiny``.

Each problem's value is checked against a source that is not our code: NumPy's
LAPACK determinant, closed forms, or a deliberately plain float64
implementation written here from the formulas (explicit loops, dense matrices,
``math``). The elemental form must give the natural form's value.

Derivatives at ``tiny`` for every engine x problem x mode x backend are in
tests/test_engines.py, which iterates ``workloads.names()``. Here most
problems are checked against JAX at ``small`` too, and det and llsq against
closed forms: Jacobi's formula, and llsq's gradient and Hessian.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
from adcompare import workloads
from adcompare.oracle import TOLERANCE, compare
from adcompare.workloads import SIZES

SUITE = ("det", "gmm", "gp", "helmholtz", "llsq", "lse", "lstm", "mlp", "ode")


def relative_error(ours, reference) -> float:
    return abs(float(ours) - reference) / max(abs(reference), 1e-300)


# --------------------------------------------------------------------------
# The registry


@pytest.mark.parametrize("name", SUITE)
def test_registered_with_every_size_and_both_forms(name):
    w = workloads.get(name)
    assert name in workloads.names()
    assert tuple(w.sizes) == SIZES
    assert w.elemental is not None
    assert "array" in w.tags


def test_parameter_counts():
    gmm = workloads.get("gmm")
    for size, (d, k, _) in gmm.sizes.items():
        assert gmm.parameter_count(size) == k * (1 + d + d * (d + 1) // 2)
    assert gmm.parameter_count("small") == 30
    lstm = workloads.get("lstm")
    for size, (layers, b, _) in lstm.sizes.items():
        assert lstm.parameter_count(size) == 8 * layers * b + 3 * b
    assert lstm.parameter_count("small") == 266
    assert workloads.get("det").parameter_count("large") == 81
    assert workloads.get("llsq").parameter_count("small") == 128
    assert workloads.get("mlp").parameter_count("tiny") == 2 * 3 * 3 + 2 * 3
    assert "recursion" in workloads.get("det").tags


def test_inputs_are_deterministic_and_seeded():
    for name in SUITE:
        w = workloads.get(name)
        first, again, other = w.inputs("tiny", 0), w.inputs("tiny", 0), w.inputs("tiny", 1)
        for i in w.argnums:
            np.testing.assert_array_equal(first[i], again[i])
        assert any(not np.array_equal(first[i], other[i]) for i in w.argnums), name


def test_gmm_inputs_follow_gradbench_generator():
    """default_rng(31337) per (d, K, N); draws x, alpha, mu (uniform), q, l in that order."""
    d, k, n = workloads.get("gmm").sizes["small"]
    rng = np.random.default_rng(31337)
    x = rng.normal(size=(n, d))
    alpha = rng.normal(size=k)
    mu = np.stack([rng.uniform(size=d) for _ in range(k)])
    q = rng.normal(size=(k, d))
    l = rng.normal(size=(k, d * (d - 1) // 2))
    got = workloads.get("gmm").inputs("small")
    for ours, theirs in zip(got[:5], (alpha, mu, q, l, x)):
        np.testing.assert_array_equal(ours, theirs)


def test_lstm_sequence_is_one_hot():
    _, _, _, sequence = workloads.get("lstm").inputs("small")
    assert sequence.shape == (8, 14)
    np.testing.assert_array_equal(sequence.sum(axis=1), 1.0)
    assert set(np.unique(sequence)) == {0.0, 1.0}


# --------------------------------------------------------------------------
# Values against independent sources


@pytest.mark.parametrize("size", ["tiny", "small", "medium"])
def test_det_matches_lapack(size):
    (a,) = workloads.get("det").inputs(size)
    assert relative_error(workloads.get("det").natural(a), np.linalg.det(a)) < 1e-12


def test_det_of_a_triangular_matrix_is_its_diagonal_product():
    a = np.triu(np.arange(1.0, 26.0).reshape(5, 5))
    assert workloads.get("det").natural(a) == pytest.approx(np.prod(np.diag(a)), rel=1e-14)


def lse_direct(x) -> float:
    top = float(np.max(x))
    return top + math.log(math.fsum(math.exp(v - top) for v in x))


@pytest.mark.parametrize("size", ["tiny", "small", "medium"])
def test_lse_matches_direct_stable_formula(size):
    (x,) = workloads.get("lse").inputs(size)
    assert relative_error(workloads.get("lse").natural(x), lse_direct(x)) < 1e-13


def test_lse_is_stable_far_from_zero():
    (x,) = workloads.get("lse").inputs("small")
    for shift in (1000.0, -1000.0):
        value = workloads.get("lse").natural(x + shift)
        assert np.isfinite(value)
        assert relative_error(value, lse_direct(x) + shift) < 1e-13


def llsq_vandermonde(size) -> tuple:
    x, t, s = workloads.get("llsq").inputs(size)
    return x, t, s, np.vander(t, len(x), increasing=True)


@pytest.mark.parametrize("size", ["tiny", "small", "medium", "large"])
def test_llsq_matches_closed_form(size):
    x, t, s, v = llsq_vandermonde(size)
    n = len(t)
    np.testing.assert_allclose(t, [-1.0 + 2.0 * i / (n - 1) for i in range(n)], rtol=0, atol=1e-15)
    closed_form = 0.5 * float(np.sum((s - v @ x) ** 2))
    assert relative_error(workloads.get("llsq").natural(x, t, s), closed_form) < 1e-12


@pytest.mark.parametrize("engine", ad.ENGINES)
def test_llsq_gradient_and_hessian_match_closed_form(engine):
    """grad f = Vᵀ(Vx − s) and Hessian = VᵀV, with V the Vandermonde matrix."""
    eng, w = ad.engine(engine), workloads.get("llsq")
    f = w.elemental if engine == "elemental" else w.natural
    for size in ("tiny", "small"):
        x, t, s, v = llsq_vandermonde(size)
        grad = eng.grad(f)(x, t, s)
        expected = v.T @ (v @ x - s)
        assert np.max(np.abs(grad - expected)) < 1e-10 * np.max(np.abs(expected))
    x, t, s, v = llsq_vandermonde("tiny")
    np.testing.assert_allclose(eng.hessian(f)(x, t, s), v.T @ v, rtol=1e-12, atol=1e-12)


def ode_exact(x, t_end: float = 2.0) -> float:
    """y_{n−1}(t) = x_0 · Π_{j=1..n−1} c_j · t^n / n!, c_j the partial sums of x_1.."""
    n, product, partial = len(x), float(x[0]), 0.0
    for j in range(1, n):
        partial += x[j]
        product *= partial
    return product * t_end**n / math.factorial(n)


def ode_rk4_plain(x, steps: int, t_end: float = 2.0) -> float:
    """The same system by RK4, component by component, in plain Python floats."""
    n = len(x)
    rates, partial = [0.0] * n, 0.0
    for i in range(1, n):
        partial += x[i]
        rates[i] = partial

    def rhs(y):
        return [x[0]] + [rates[i] * y[i - 1] for i in range(1, n)]

    h, y = t_end / steps, [0.0] * n
    for _ in range(steps):
        k1 = rhs(y)
        k2 = rhs([y[i] + 0.5 * h * k1[i] for i in range(n)])
        k3 = rhs([y[i] + 0.5 * h * k2[i] for i in range(n)])
        k4 = rhs([y[i] + h * k3[i] for i in range(n)])
        y = [y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) for i in range(n)]
    return y[-1]


def test_ode_rk4_is_exact_for_four_components():
    """The system is nilpotent: RK4's Taylor polynomial of degree 4 is then exact."""
    w = workloads.get("ode")
    x, lower, steps = w.inputs("tiny")
    assert len(x) == 4
    assert relative_error(w.natural(x, lower, steps), ode_exact(x)) < 1e-13


def test_ode_converges_to_a_much_finer_integration_at_fourth_order():
    w = workloads.get("ode")
    x, lower, steps = w.inputs("small")
    fine = ode_rk4_plain(x, 64 * steps)
    assert relative_error(fine, ode_exact(x)) < 1e-8  # the reference is itself converged
    coarse = w.natural(x, lower, steps)
    assert relative_error(coarse, fine) < 0.05
    error, error_half_step = abs(coarse - fine), abs(w.natural(x, lower, 2 * steps) - fine)
    assert 12.0 < error / error_half_step < 20.0  # RK4: halving h divides the error by 2^4


def test_ode_matches_plain_rk4_at_the_same_step():
    w = workloads.get("ode")
    for size in ("tiny", "small", "medium"):
        x, lower, steps = w.inputs(size)
        assert relative_error(w.natural(x, lower, steps), ode_rk4_plain(x, steps)) < 1e-11


def gmm_plain(alpha, mu, q, l, x) -> float:
    """GradBench's GMM objective with dense Q_k, explicit loops and math.lgamma."""
    n, d = x.shape
    k = len(alpha)
    gamma, m = 1.0, 0

    def lse(values):
        top = max(values)
        return top + math.log(sum(math.exp(v - top) for v in values))

    qs = []
    for c in range(k):
        q_matrix = np.zeros((d, d))
        for r in range(d):
            q_matrix[r, r] = math.exp(q[c, r])
        position = 0
        for col in range(d):  # column by column, below the diagonal
            for row in range(col + 1, d):
                q_matrix[row, col] = l[c, position]
                position += 1
        qs.append(q_matrix)
    data = 0.0
    for i in range(n):
        betas = []
        for c in range(k):
            norm2 = 0.0
            for r in range(d):
                y = sum(qs[c][r, j] * (x[i, j] - mu[c, j]) for j in range(d))
                norm2 += y * y
            betas.append(alpha[c] + sum(q[c]) - 0.5 * norm2)
        data += lse(betas)
    dof = d + m + 1
    log_gamma_d = d * (d - 1) / 4 * math.log(math.pi) + sum(
        math.lgamma(dof / 2 + (1 - j) / 2) for j in range(1, d + 1))
    wishart_c = dof * d * (math.log(gamma) - 0.5 * math.log(2)) - log_gamma_d
    prior = sum(0.5 * gamma**2 * (sum(math.exp(v) ** 2 for v in q[c]) + sum(v * v for v in l[c]))
                - m * sum(q[c]) for c in range(k))
    return -n * d / 2 * math.log(2 * math.pi) + data - n * lse(list(alpha)) - prior + k * wishart_c


@pytest.mark.parametrize("size", ["tiny", "small", (4, 3, 6), (5, 2, 3)])
def test_gmm_matches_plain_implementation(size):
    args = workloads.get("gmm").inputs(size)  # a named size or a raw (d, K, N)
    assert relative_error(workloads.get("gmm").natural(*args), gmm_plain(*args[:5])) < 1e-12


def lstm_plain(main_params, extra_params, state, sequence) -> float:
    """ADBench's D-LSTM loss, element by element, with the "+2" and the state carried over."""
    layers, b = len(state) // 2, state.shape[1]
    hidden = [list(state[2 * j]) for j in range(layers)]
    cell = [list(state[2 * j + 1]) for j in range(layers)]

    def sigmoid(v):
        return 1.0 / (1.0 + math.exp(-v))

    total = 0.0
    for t in range(len(sequence) - 1):
        u = [sequence[t, k] * extra_params[0, k] for k in range(b)]
        for j in range(layers):
            w, bias = main_params[2 * j], main_params[2 * j + 1]
            for k in range(b):
                forget = sigmoid(u[k] * w[k] + bias[k])
                ingate = sigmoid(hidden[j][k] * w[b + k] + bias[b + k])
                outgate = sigmoid(u[k] * w[2 * b + k] + bias[2 * b + k])
                change = math.tanh(hidden[j][k] * w[3 * b + k] + bias[3 * b + k])
                cell[j][k] = cell[j][k] * forget + ingate * change
                hidden[j][k] = outgate * math.tanh(cell[j][k])
            u = list(hidden[j])
        prediction = [u[k] * extra_params[1, k] + extra_params[2, k] for k in range(b)]
        log_normalizer = math.log(sum(math.exp(v) for v in prediction) + 2.0)
        total += sum(sequence[t + 1, k] * (prediction[k] - log_normalizer) for k in range(b))
    return -total / ((len(sequence) - 1) * b)


@pytest.mark.parametrize("size", ["tiny", "small", (3, 4, 6), (2, 14, 40)])
def test_lstm_matches_plain_implementation(size):
    args = workloads.get("lstm").inputs(size)  # a named size or a raw (l, b, c)
    assert relative_error(workloads.get("lstm").natural(*args), lstm_plain(*args)) < 1e-12


def helmholtz_plain(x, b, a) -> float:
    n = len(x)
    bx = math.fsum(b[i] * x[i] for i in range(n))
    xax = math.fsum(x[i] * a[i, j] * x[j] for i in range(n) for j in range(n))
    entropy = math.fsum(x[i] * math.log(x[i] / (1.0 - bx)) for i in range(n))
    r2 = math.sqrt(2.0)
    return entropy - xax / (math.sqrt(8.0) * bx) * math.log((1.0 + (1.0 + r2) * bx) / (1.0 + (1.0 - r2) * bx))


@pytest.mark.parametrize("size", SIZES)
def test_helmholtz_matches_plain_formula(size):
    x, b, a = workloads.get("helmholtz").inputs(size)
    assert float(np.dot(b, x)) < 0.5  # the logarithms stay defined at every size
    assert relative_error(workloads.get("helmholtz").natural(x, b, a), helmholtz_plain(x, b, a)) < 1e-12


def mlp_plain(w1, b1, w2, b2, inputs, targets) -> float:
    batch, width = inputs.shape
    total = 0.0
    for i in range(batch):
        hidden = [math.tanh(sum(inputs[i, k] * w1[k, j] for k in range(width)) + b1[j]) for j in range(width)]
        for o in range(w2.shape[1]):
            error = sum(hidden[j] * w2[j, o] for j in range(width)) + b2[o] - targets[i, o]
            total += error * error
    return total / targets.size


@pytest.mark.parametrize("size", ["tiny", "small"])
def test_mlp_matches_plain_loops(size):
    args = workloads.get("mlp").inputs(size)
    assert relative_error(workloads.get("mlp").natural(*args), mlp_plain(*args)) < 1e-12


def gp_plain(theta, x, y) -> float:
    """½ yᵀK⁻¹y + ½ log det K + (n/2) log 2π, K built entry by entry; LAPACK's solve and slogdet."""
    ell, sf, sn = (math.exp(v) for v in theta)
    n = len(y)
    k = np.array([[sf * sf * math.exp(-sum((x[i, c] - x[j, c]) ** 2 for c in range(x.shape[1])) / (2 * ell * ell))
                   + (sn * sn if i == j else 0.0) for j in range(n)] for i in range(n)])
    sign, logdet = np.linalg.slogdet(k)
    assert sign > 0
    return 0.5 * float(y @ np.linalg.solve(k, y)) + 0.5 * logdet + 0.5 * n * math.log(2 * math.pi)


@pytest.mark.parametrize("size", ["tiny", "small", "medium"])
def test_gp_matches_plain_formula(size):
    args = workloads.get("gp").inputs(size)
    assert relative_error(workloads.get("gp").natural(*args), gp_plain(*args)) < 1e-12


# --------------------------------------------------------------------------
# The elemental form computes what the natural form computes


@pytest.mark.parametrize("name", SUITE)
def test_elemental_form_matches_natural_form(name):
    w = workloads.get(name)
    for size, backend in (("tiny", "numpy"), ("small", "numpy"), ("tiny", "jax")):
        args = w.inputs(size, 0, backend)
        natural, elemental = w.natural(*args), el.primal(w.elemental(*args))
        assert relative_error(elemental, float(natural)) < 1e-12, (size, backend)


# --------------------------------------------------------------------------
# Derivatives against JAX beyond tiny (tiny is in test_engines.py). det and llsq
# are checked at larger sizes against closed forms above and below instead: JAX
# compiles each of their many distinct slices anew, which takes tens of seconds.

AT_SMALL = ("gmm", "gp", "helmholtz", "lse", "lstm", "mlp", "ode")


@pytest.mark.parametrize("name", AT_SMALL)
@pytest.mark.parametrize("engine", ad.ENGINES)
def test_derivatives_at_small_match_jax(engine, name):
    eng, w = ad.engine(engine), workloads.get(name)
    for mode in ("jvp", "vjp", "grad"):
        err = compare(eng, w, mode, 0, "numpy", size="small")
        assert err < TOLERANCE, f"{engine}/{name}/{mode} at small: error {err:.2e}"


@pytest.mark.parametrize("engine", ad.ENGINES)
def test_det_gradient_is_the_cofactor_matrix(engine):
    """Jacobi's formula: d det(A) / dA = det(A) · A^{-T}."""
    eng, w = ad.engine(engine), workloads.get("det")
    f = w.elemental if engine == "elemental" else w.natural
    for size in ("tiny", "small", "medium"):
        (a,) = w.inputs(size)
        expected = np.linalg.det(a) * np.linalg.inv(a).T
        assert np.max(np.abs(eng.grad(f)(a) - expected)) < 1e-10 * np.max(np.abs(expected)), size
