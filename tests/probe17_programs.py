"""The programs of probe 17 (SCT's second order, tests/test_probe17_second_programs.py), written for this project in
the kinds of public AD test suites: each ``prog(x)`` of one argument (an array of 3, or as ``INPUTS`` says) returns a
scalar; ``prog_jax`` is its JAX form where NumPy's writes by index differ (``.at[].set``). ``adcompare.numpy`` runs on
JAX's values, so the rest serve as their own oracle. ``E`` is the engine that derivatives taken inside use: load
a copy of this module per engine (:func:`tests.test_probe17_second_programs.programs`).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import adcompare.numpy as anp

E = None  # the engine of the derivatives taken inside (or jax): set per copy of the module

A = np.array([[0.9, -0.3, 0.2], [0.1, 0.7, -0.4], [-0.2, 0.5, 0.8]])
B = np.array([[1.0, 0.2, -0.1], [0.3, -0.6, 0.5]])
IDX = np.array([2, 0, 1, 2])


# ---- loops
def loop_carried(x):
    h = x
    for _ in range(3):
        h = anp.tanh(anp.matmul(A, h)) + 0.5 * x
    return anp.sum(h * h)


def loop_scalar_accum(x):
    s = 0.0
    n = x.shape[0]
    for i in range(n):
        s = s + x[i] * x[(i + 1) % n] * anp.sin(x[i])
    return s


def loop_over_rows(x):
    p = 1.0
    for xi in x:
        p = p * (1.0 + xi * xi)
    return anp.log(p)


def loop_reversed(x):
    acc = x[0]
    for i in reversed(range(x.shape[0])):
        acc = anp.sin(acc) * x[i] + acc
    return acc


def loop_nested(x):
    s = 0.0
    for i in range(3):
        for j in range(i, 3):
            s = s + A[i, j] * x[i] * x[j] * anp.cos(x[j])
    return s


def loop_list_stack(x):
    ys = []
    for i in range(3):
        ys.append(anp.sin(x[i]) * x)
    return anp.sum(anp.stack(ys) ** 2)


def loop_enumerate_zip(x):
    s = 0.0
    for k, (a, b) in enumerate(zip(x, x[::-1])):
        s = s + (k + 1.0) * a * anp.exp(0.3 * b)
    return s


def loop_break(x):
    s = x[0]
    for i in range(10):
        s = s * 1.2 + anp.sin(x[i % 3])
        if i >= 4:
            break
    return s * s


def loop_continue(x):
    s = 0.0
    for i in range(3):
        if i == 1:
            continue
        s = s + anp.exp(x[i]) * x[0]
    return s


# ---- while loops, data-dependent trip counts
def while_newton_sqrt(x):
    a = x * x + 1.0
    y = a
    k = 0
    while anp.max(anp.abs(y * y - a)) > 1e-12 and k < 50:
        y = 0.5 * (y + a / y)
        k += 1
    return anp.sum(y * x)


def while_grow(x):
    s = anp.sum(x * x) + 0.1
    k = 0
    while s < 20.0:
        s = s * 1.7 + anp.sin(s)
        k += 1
    return s * x[0]


def while_true_break(x):
    h = x
    i = 0
    while True:
        h = anp.tanh(h) + 0.3 * x
        i += 1
        if i > 3:
            break
    return anp.sum(h ** 3)


def while_data_count(x):
    v = x
    while anp.sum(v * v) < 30.0:
        v = v * 1.5 + 0.1 * anp.sin(v)
    return anp.sum(v) * anp.prod(x)


# ---- branches, early return, recursion
def if_value(x):
    if anp.sum(x) > 0:
        y = anp.sin(x) * x
    else:
        y = anp.cos(x) * x * 2.0
    return anp.sum(y * y)


def if_elif(x):
    t = x[0] * x[1]
    if t > 0.5:
        r = t ** 2
    elif t > -0.5:
        r = anp.sin(t) * x[2]
    else:
        r = anp.exp(t) * x[2] * x[2]
    return r


def early_return(x):
    for i in range(3):
        if x[i] > 1.5:
            return x[i] * anp.sum(x)
    return anp.sum(anp.sin(x) * x)


def early_return_if(x):
    if x[0] < -2.0:
        return x[0] ** 3
    y = x * x
    if anp.sum(y) > 100.0:
        return anp.sum(y)
    return anp.sum(anp.exp(-y) * x)


def _power(x, n):
    if n == 0:
        return 1.0
    return x * _power(x, n - 1)


def recursion_power(x):
    return anp.sum(_power(x, 3) + _power(anp.sin(x), 2))


def _rec_tree(x, depth):
    if depth == 0:
        return anp.sin(x)
    return _rec_tree(x * 0.8, depth - 1) * x + _rec_tree(x + 0.1, depth - 1)


def recursion_tree(x):
    return anp.sum(_rec_tree(x, 2))


def _rec_value(x):
    if anp.sum(x * x) < 0.5:
        return anp.sum(x)
    return _rec_value(x * 0.7) * 1.1 + anp.sum(anp.sin(x))


def recursion_on_value(x):
    return _rec_value(x)


# ---- in-place writes into fresh buffers (engines) and their JAX twins
def write_loop(x):
    out = anp.zeros(3)
    for i in range(3):
        out[i] = anp.sin(x[i]) * x[i - 1]
    return anp.sum(out * out)


def write_loop_jax(x):
    out = jnp.zeros(3)
    for i in range(3):
        out = out.at[i].set(anp.sin(x[i]) * x[i - 1])
    return anp.sum(out * out)


def write_2d(x):
    out = anp.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            out[i, j] = x[i] * anp.cos(x[j])
    return anp.sum(out @ out)


def write_2d_jax(x):
    out = jnp.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            out = out.at[i, j].set(x[i] * anp.cos(x[j]))
    return anp.sum(out @ out)


def write_slices(x):
    out = anp.zeros(6)
    out[:3] = x * x
    out[3:] = anp.sin(x)
    out[1:4] = out[1:4] * x[0]
    return anp.sum(out * anp.arange(1.0, 7.0))


def write_slices_jax(x):
    out = jnp.zeros(6)
    out = out.at[:3].set(x * x)
    out = out.at[3:].set(anp.sin(x))
    out = out.at[1:4].set(out[1:4] * x[0])
    return anp.sum(out * anp.arange(1.0, 7.0))


def write_accumulate(x):
    out = anp.zeros(3)
    for i in range(3):
        for j in range(3):
            out[i] += x[i] * x[j] * A[i, j]
    return anp.sum(anp.exp(out))


def write_accumulate_jax(x):
    out = jnp.zeros(3)
    for i in range(3):
        for j in range(3):
            out = out.at[i].add(x[i] * x[j] * A[i, j])
    return anp.sum(anp.exp(out))


def write_zeros_like(x):
    out = anp.zeros_like(x)
    out[0] = x[0]
    for i in range(1, 3):
        out[i] = out[i - 1] * x[i] + anp.sin(x[i])
    return anp.sum(out ** 2)


def write_zeros_like_jax(x):
    out = jnp.zeros_like(x)
    out = out.at[0].set(x[0])
    for i in range(1, 3):
        out = out.at[i].set(out[i - 1] * x[i] + anp.sin(x[i]))
    return anp.sum(out ** 2)


def write_fancy(x):
    out = anp.zeros(4)
    out[IDX[:3]] = x * x
    return anp.sum(out * anp.exp(out[IDX]))


def write_fancy_jax(x):
    out = jnp.zeros(4)
    out = out.at[IDX[:3]].set(x * x)
    return anp.sum(out * anp.exp(out[IDX]))


# ---- pytrees
def tree_dict(p):
    h = anp.tanh(anp.matmul(B, p["w"]) + p["b"])
    return anp.sum(h * h) + anp.sum(p["w"] ** 4)


def tree_list(p):
    a, b = p
    return anp.sum(anp.sin(a) * b[0]) + anp.sum(a * a) * b[1]


def tree_tuple_loop(p):
    s = 0.0
    for leaf in p:
        s = s + anp.sum(anp.exp(0.5 * leaf)) * anp.sum(leaf)
    return s


def tree_nested(p):
    layers = p["layers"]
    h = p["x"]
    for w in layers:
        h = anp.tanh(w * h + 0.1)
    return anp.sum(h * h)


# ---- closures, nested defs, helpers
def closure_nested_def(x):
    c = anp.sum(x)

    def inner(v):
        return anp.sin(v * c) + v

    return anp.sum(inner(x) * inner(x * 2.0))


def _layer(h, w):
    return anp.tanh(w * h) + h


def helper_many_calls(x):
    h = _layer(x, 0.5)
    h = _layer(h, x[0])
    h = _layer(h, anp.sum(h))
    return anp.sum(h * h)


def closure_lambda_map(x):
    fs = [lambda v, k=k: anp.sin(k * v) for k in (1.0, 2.0, 3.0)]
    return sum(anp.sum(f(x) * x) for f in fs)


# ---- reductions
def red_mean_var(x):
    mu = anp.mean(x)
    return anp.mean((x - mu) ** 2) + mu ** 3


def red_max(x):
    return anp.max(x * x * anp.sign(x)) + anp.min(anp.sin(x))


def red_logsumexp(x):
    mx = anp.max(x)
    return mx + anp.log(anp.sum(anp.exp(x - mx)))


def red_norm(x):
    return anp.linalg.norm(x) ** 3 + anp.linalg.norm(x * x)


def red_prod_cumsum(x):
    return anp.sum(anp.cumsum(x * x) * x) + anp.prod(x + 2.0)


def red_axis(x):
    M = anp.outer(x, anp.sin(x))
    return anp.sum(anp.max(M, axis=1)) + anp.sum(anp.mean(M, axis=0) ** 2)


# ---- matmul / einsum / linalg
def mat_quadratic(x):
    return x @ anp.matmul(A, x) * anp.sum(x)


def mat_einsum(x):
    M = anp.einsum("i,j->ij", x, anp.tanh(x))
    return anp.einsum("ij,jk,ki->", M, anp.asarray(A), M)


def mat_dot_outer(x):
    return anp.dot(anp.outer(x, x) @ x, anp.sin(x))


def mat_solve(x):
    M = anp.asarray(A) + anp.diag(x * x) + 2.0 * anp.eye(3)
    return anp.sum(anp.linalg.solve(M, x))


def mat_transpose(x):
    M = anp.reshape(anp.concatenate([x, x * x, anp.sin(x)]), (3, 3))
    return anp.sum((M.T @ M) * M)


# ---- indexing
def idx_slices(x):
    return anp.sum(x[1:] * x[:-1]) + anp.sum(x[::2] ** 3) + anp.sum(x[::-1] * x)


def idx_int_array(x):
    return anp.sum(x[IDX] * x[IDX[::-1]] * anp.sin(x[IDX]))


def idx_2d(x):
    M = anp.outer(x, x + 1.0)
    return anp.sum(M[1:, :2] ** 2) + M[0, 2] * M[2, 0]


def idx_negative(x):
    return x[-1] * x[0] ** 2 + anp.exp(x[-2])


# ---- kinks (away from the sample points)
def kink_where(x):
    return anp.sum(anp.where(x > 0.0, x ** 3, anp.sin(x) * x))


def kink_clip(x):
    return anp.sum(anp.clip(x, -0.8, 0.8) ** 2 * x)


def kink_abs_max(x):
    return anp.sum(anp.abs(x) ** 3) + anp.sum(anp.maximum(x, 0.2 * x) ** 2) + anp.sum(anp.minimum(x * x, 0.5) * x)


def kink_relu_net(x):
    h = anp.maximum(anp.matmul(A, x), 0.0)
    return anp.sum(h ** 3) + anp.sum(anp.exp(h) * x)


# ---- derivatives inside (perturbation confusion, nested)
def nest_confusion(x):
    s = anp.sum(x)
    return s * E.grad(lambda y: s + y)(1.0) + anp.sum(x * x)


def nest_closure_grad(x):
    def inner(y):
        return anp.sum(anp.sin(x * y) * y)

    g = E.grad(inner)(x)
    return anp.sum(g * x)


def nest_grad_loop(x):
    def inner(y):
        h = y
        for _ in range(3):
            h = anp.sin(h) * x[0] + y
        return anp.sum(h * h)

    return anp.sum(E.grad(inner)(x) ** 2)


def nest_jvp_of_grad(x):
    def f(y):
        return anp.sum(anp.exp(0.3 * y) * x)

    _, t = E.jvp(E.grad(f), (x,), (x * 0.5,))
    return anp.sum(t * anp.sin(x))


def nest_vjp(x):
    def f(y):
        return anp.tanh(y * x)

    y, pull = E.vjp(f, x * 2.0)
    return anp.sum(pull(y)[0] * x)


def nest_value_and_grad(x):
    v, g = E.value_and_grad(lambda y: anp.sum(y ** 3 * x))(x + 1.0)
    return v * anp.sum(g)


def nest_scalar_grad_twice(x):
    s = anp.sum(x * x)
    d2 = E.grad(E.grad(lambda t: anp.sin(t * s) * t))(0.4)
    return d2 * s


def nest_jacfwd_inside(x):
    J = E.jacfwd(lambda y: anp.sin(y * x))(x)
    return anp.sum(J * J)


def nest_grad_module_fn(x):
    return anp.sum(E.grad(_module_level)(x) * x)


def _module_level(y):
    return (y * y * y).sum()




# ==== second order where rules meet: the same operand twice, powers, linalg, sorting, shapes that change
def same_operand(x):
    return anp.dot(x, x) * anp.einsum("i,i->", x, x) + anp.sum(anp.outer(x, x) ** 2)


def powers_mixed(x):
    return anp.sum(x ** 2) * anp.sum(anp.square(x)) + anp.sum(anp.abs(x) ** x[0]) + anp.sum((x * x) ** 1.5)


def power_loop_counter(x):
    s = 0.0
    for k in range(1, 4):
        s = s + anp.sum(x ** k) / k
    return s


def sqrt_exp_log(x):
    return anp.sum(anp.sqrt(x * x + 1.0) * anp.log1p(x * x) + anp.expm1(x) / (1.0 + x * x))


def linalg_det_inv(x):
    M = anp.asarray(A) + anp.diag(x) + 3.0 * anp.eye(3)
    return anp.linalg.det(M) + anp.sum(anp.linalg.inv(M) * x)


def linalg_slogdet_chol(x):
    M = anp.outer(x, x) + 2.0 * anp.eye(3)
    L = anp.linalg.cholesky(M)
    return anp.linalg.slogdet(M)[1] + anp.sum(L * L * x)


def sort_and_argmax(x):
    s = anp.sort(x * anp.asarray([1.0, -2.0, 3.0]))
    return anp.sum(s * anp.asarray([1.0, 2.0, 3.0]) * s) + x[anp.argmax(x)] ** 3


def floor_round_consts(x):
    return anp.sum(anp.floor(3.0 * x) * x * x) + anp.sum(anp.sign(x) * x ** 3)


def concat_split(x):
    y = anp.concatenate([x, anp.sin(x), x * x])
    a, b, c = anp.split(y, 3)
    return anp.sum(a * b * c) + anp.sum(anp.tile(x, 2) * anp.repeat(x, 2))


def reassigned_shapes(x):
    y = anp.outer(x, x)
    y = anp.sum(y, axis=0)
    y = y[0] * y
    return anp.sum(y * x)


def tuple_helper_unused(x):
    def stats(v):
        return anp.mean(v), anp.std(v), anp.max(v)

    m, s, _ = stats(x * x)
    _, s2, mx = stats(anp.sin(x))
    return m * s + s2 * mx


def python_sum_list(x):
    return sum([anp.sin(x[i]) * x[i - 1] for i in range(3)]) + sum(xi ** 2 for xi in x)


def early_return_in_while(x):
    v = x[0] + 2.0
    k = 0
    while k < 20:
        v = v * 0.8 + anp.sin(x[1])
        if anp.abs(v) < 0.9:
            return v * x[2]
        k += 1
    return v


def loop_stack_of_arrays(x):
    hs = [x]
    for i in range(3):
        hs.append(anp.tanh(hs[-1] * x[i]) + hs[0])
    return anp.sum(anp.stack(hs) ** 2)


def loop_overwrite_with_copy(x):
    y = x.copy()
    for i in range(3):
        y = y * x[i] + anp.roll(y, 1)
    return anp.sum(y ** 2)


def loop_inplace_ops(x):
    y = x * 1.0
    for i in range(3):
        y *= anp.cos(x)
        y += x[i]
    return anp.sum(y)


def loop_inplace_ops_jax(x):
    y = x * 1.0
    for i in range(3):
        y = y * anp.cos(x)
        y = y + x[i]
    return anp.sum(y)


def argnums_two(x):
    def f(a, b):
        return anp.sum(anp.sin(a * b) * a)

    return f(x, x * 2.0) + f(x[::-1], x)


# ---- more nested derivatives inside
def nest_grad_in_loop(x):
    h = x
    for _ in range(2):
        h = h + 0.3 * E.grad(lambda y: anp.sum(anp.sin(y * h)))(h)
    return anp.sum(h * h)


def nest_hessian_inside(x):
    H = E.hessian(lambda y: anp.sum(anp.sin(y) * y * x))(x)
    return anp.sum(H * anp.outer(x, x))


def nest_jvp_active_tangent(x):
    _, t = E.jvp(lambda y: anp.sin(y) * y, (x * 0.5,), (x,))
    return anp.sum(t * t)


def nest_vjp_active_cotangent(x):
    y, pull = E.vjp(lambda y: anp.tanh(y) * y[0], x)
    return anp.sum(pull(x * y)[0])


def nest_grad_has_aux(x):
    g, aux = E.grad(lambda y: (anp.sum(y ** 3 * x), anp.sum(y)), has_aux=True)(x * 0.5)
    return anp.sum(g) * aux


def nest_jacrev_inside(x):
    J = E.jacrev(lambda y: anp.tanh(y * x[0]) * y)(x)
    return anp.sum(J @ x)


def nest_grad_argnums(x):
    g = E.grad(lambda a, b: anp.sum(a * a * b * x), argnums=1)(x, x * 2.0)
    return anp.sum(g * x)


def nest_grad_of_while(x):
    def inner(y):
        v = y
        while anp.sum(v * v) < 10.0:
            v = v * 1.5 + x
        return anp.sum(v)

    return anp.sum(E.grad(inner)(x) * x)


def nest_confusion_pure(x):
    return x[0] * E.grad(lambda y: x[0] + y)(1.0) + x[1] * E.grad(lambda y: x[1] * y)(2.0) + x[2] * x[2]


def nest_grad_twice_inner(x):
    def inner(y):
        return anp.sum(anp.exp(y * x))

    g1 = E.grad(inner)(x)
    g2 = E.grad(lambda z: anp.sum(E.grad(inner)(z) * z))(x)
    return anp.sum(g1 * g2)


def nest_value_and_grad_loop(x):
    s = 0.0
    for i in range(3):
        v, g = E.value_and_grad(lambda y: anp.sin(y * x[i]) * y)(x[i - 1])
        s = s + v * g
    return s


def nest_closure_helper_twice(x):
    def sq(y):
        return anp.sum(y * y * x)

    d = E.grad(sq)
    return anp.sum(d(x) * d(x * 2.0))




# ==== shapes: matrices, columns (broadcasting) and Python floats
def bc_matrix_rows(x):  # x: (3, 2)
    r = anp.sum(x, axis=1, keepdims=True)
    return anp.sum((x - r) ** 2 * anp.tanh(x)) + anp.sum(x.T @ x)


def bc_matrix_loop(x):  # x: (3, 2)
    h = anp.zeros(2)
    for row in x:
        h = anp.tanh(h + row * x[0])
    return anp.sum(h * h) + anp.prod(x[:, 0])


def bc_col(x):  # x: (3, 1)
    y = x + x.T  # (3, 3)
    return anp.sum(anp.sin(y) * y) + anp.sum(x * anp.arange(3.0))


def bc_col_mean(x):  # x: (3, 1)
    y = x * anp.ones((1, 4)) - anp.mean(x, axis=0)
    return anp.sum(y ** 3) + anp.max(anp.sum(y, axis=1))


def scalar_poly(x):  # x: float
    return x ** 4 - 3.0 * x * x + anp.sin(x) * x


def scalar_loop(x):  # x: float
    y = x
    for _ in range(4):
        y = anp.sin(y) + x * 0.5
    return y * y


def scalar_while(x):  # x: float
    y, k = x, 0
    while y < 5.0 and k < 40:
        y = y * 1.3 + 0.4 + anp.cos(x)
        k += 1
    return y * x


def scalar_branch_zero(x):  # x: float; constants that are Python 0.0 along the way
    z = x * 0.0
    w = x - x
    return (z + 1.0) * x ** 3 + w * x + anp.maximum(x, 0.0) ** 2


def scalar_to_vector(x):  # x: float
    v = anp.asarray([x, x * x, 1.0])
    out = anp.zeros(3)
    out[0] = v[1]
    out[2] = x ** 3
    return anp.sum(v * out) + anp.sum(anp.stack([x, 2.0 * x]) ** 2)


def scalar_to_vector_jax(x):
    v = anp.asarray([x, x * x, 1.0])
    out = jnp.zeros(3)
    out = out.at[0].set(v[1])
    out = out.at[2].set(x ** 3)
    return anp.sum(v * out) + anp.sum(anp.stack([x, 2.0 * x]) ** 2)


def scalar_nested(x):  # x: float: perturbation confusion in its pure form
    return E.grad(lambda y: x * E.grad(lambda z: x + z)(y) * y)(x) + x * E.grad(lambda y: x * y)(3.0)


def scalar_jvp_inside(x):
    return E.jvp(lambda y: anp.sin(x * y), (x,), (x * x,))[1]


PROGRAMS = {name: obj for name, obj in list(globals().items()) if callable(obj) and not name.startswith("_")
            and not name.endswith("_jax") and getattr(obj, "__module__", None) == __name__}
JAX_TWINS = {name[:-4]: obj for name, obj in list(globals().items()) if name.endswith("_jax")}
INPUTS = {"tree_dict": "dict", "tree_list": "list", "tree_tuple_loop": "tuple", "tree_nested": "nested",
          "bc_matrix_rows": "mat", "bc_matrix_loop": "mat", "bc_col": "col", "bc_col_mean": "col",
          **{n: "scalar" for n in PROGRAMS if n.startswith("scalar_")}}
