"""SCT's output is a program: its shape, its names, its cache, its files, and what it composes with."""

from __future__ import annotations

import ast
import linecache
import traceback

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import workloads
from adcompare.engines.sct import transform
from adcompare.oracle import max_error
from adcompare.workloads.control import newton_sqrt as newton

sct = ad.engine("sct")


def straight_line(x, w):
    z = anp.sin(x) * w
    y = z + x * x
    return anp.sum(y) / 2.0


def loop_of_products(x):
    y = x
    for _ in range(3):
        y = y * x
    return y


def integer_loop(x):
    n = 0
    for i in range(5):
        n = n + i
    return x * n


def _functions(text: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(text)  # it parses
    return {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}


def test_straight_line_code_has_no_stack_and_a_comment_per_adjoint_block():
    text = sct.source(straight_line, "reverse", (0, 1))
    assert set(_functions(text)) == {"straight_line_fwd", "straight_line_bwd"}
    for word in ("stack", "push", "pop", "branch", "trips"):
        assert word not in text
    bwd = text[text.index("def straight_line_bwd"):]
    for statement in ("# return anp.sum(y) / 2.0", "# y = z + x * x", "# z = anp.sin(x) * w"):
        assert statement in bwd
    assert bwd.index("# return") < bwd.index("# y =") < bwd.index("# z =")  # reverse order
    assert "x_bar" in bwd and "w_bar" in bwd
    assert "cos(x)" in bwd  # sin's rule, inlined
    fwd = text[:text.index("def straight_line_bwd")]
    assert "sum_vjps[0]" in fwd and "pull(" in bwd  # a reduction's rule: its pull-back made forward, called back


def test_forward_source_interleaves_tangents():
    text = sct.source(straight_line, "forward", (0, 1))
    (jvp,) = _functions(text).values()
    assert [a.arg for a in jvp.args.args] == ["x", "x_dot", "w", "w_dot"]
    assert "z_dot = " in text and "stack" not in text
    lines = [line.strip() for line in text.splitlines()]
    # sin's rule inlined; a parameter's tangent may be a symbolic zero, whose rule is left out
    tangent = "_t1_dot = zeros(_t1) if is_symbolic_zero(x_dot) else x_dot * cos(x)"
    assert lines.index("_t1 = anp.sin(x)") + 1 == lines.index(tangent)


def test_scalar_arithmetic_is_native_python():
    text = sct.source(loop_of_products, "reverse")
    bwd = text[text.index("def loop_of_products_bwd"):]
    assert "y_bar * x" in bwd and "multiply" not in bwd  # a_bar += c_bar * b, not a dispatch


def test_stacks_only_where_values_are_overwritten_in_loops():
    assert "push(" in sct.source(loop_of_products, "reverse")
    text = sct.source(integer_loop, "reverse")
    assert "stack" not in text and "for i in" in text  # the loop runs forward only: nothing to undo
    assert "reversed" not in text


def test_while_loops_record_their_trip_count():
    text = sct.source(newton, "reverse")
    fwd = text[:text.index("def newton_sqrt_bwd")]
    bwd = text[text.index("def newton_sqrt_bwd"):]
    assert "trips += 1" in fwd and "while abs(y * y - x) > 1e-10 * x:" in fwd
    assert "for _ in range(trips):" in bwd
    assert "# y = 0.5 * (y + x / y)" in bwd


def test_recursive_functions_call_their_own_generated_code():
    det = workloads.get("det").natural
    text = sct.source(det, "reverse")
    assert "det_fwd(" in text.split("def det_bwd")[0] and "det_bwd(" in text.split("def det_bwd")[1]


def colliding_names(x, x_bar, stack):
    push = x * x_bar
    unbroadcast = anp.sin(push) + stack
    cos = unbroadcast * 2.0
    return cos * x


def test_generated_names_never_collide_with_the_users():
    args = (0.3, 1.7, 0.5)
    ours = sct.grad(colliding_names, (0, 1, 2))(*args)
    assert max_error(ours, jax.grad(colliding_names, (0, 1, 2))(*args)) < 1e-14


def test_results_are_cached_per_function_mode_and_argnums():
    transform.clear_cache()
    first = sct.transform(straight_line, "reverse", (0, 1))
    assert sct.transform(straight_line, "reverse", (0, 1)) is first
    assert sct.transform(straight_line, "reverse", (0,)) is not first
    assert sct.transform(straight_line, "forward", (0, 1)) is not first
    transform.clear_cache()
    assert sct.transform(straight_line, "reverse", (0, 1)) is not first


def dividing(x):
    y = x * 2.0
    n = 0
    return y + 1 // n  # integers: Python's ZeroDivisionError, in JAX too (floats give inf, as NumPy)


def test_tracebacks_show_the_generated_lines():
    with pytest.raises(ZeroDivisionError) as info:
        sct.grad(dividing)(1.0)
    frame = traceback.extract_tb(info.tb)[-1]
    assert frame.filename.startswith("<sct reverse dividing")
    assert frame.line == linecache.getline(frame.filename, frame.lineno).strip()
    assert "/" in frame.line  # the generated statement that divided by zero


def test_vjp_follows_jax_and_its_pullback_can_be_called_again():
    f = workloads.get("chain").natural
    x, codes, consts = workloads.get("chain").inputs()
    y, f_vjp = sct.vjp(f, x, codes, consts)
    first = f_vjp(1.0)
    assert isinstance(first, tuple) and len(first) == 3
    assert first[0] == f_vjp(1.0)[0] == sct.grad(f)(x, codes, consts)
    assert all(c.dtype == jax.dtypes.float0 for c in first[1])  # a tuple of ints is a constant, as in JAX
    assert len(first[2]) == len(consts)  # a tuple of floats is differentiated, as in JAX
    assert max_error(first[2], ad.engine("overloading").vjp(f, x, codes, consts)[1](1.0)[2]) < 1e-12
    assert f_vjp(2.0)[0] == 2.0 * first[0]


@pytest.mark.parametrize("problem", ["rosenbrock", "mlp"])
def test_jit_of_sct_grad_matches_jax(problem):
    w = workloads.get(problem)
    args = w.inputs("small", backend="jax")
    ours = jax.jit(sct.grad(w.natural, w.argnums))(*args)
    theirs = jax.jit(jax.grad(w.natural, w.argnums))(*args)
    assert max_error(ours, theirs) < 1e-13


def test_higher_order_runs_the_generated_code_on_boxes():
    def f(x):
        return anp.sin(x) * x ** 3

    for k, g in enumerate([sct.grad(sct.grad(f)), sct.grad(sct.grad(sct.grad(f)))]):
        expected = jax.grad(jax.grad(f)) if k == 0 else jax.grad(jax.grad(jax.grad(f)))
        assert abs(g(0.7) - expected(0.7)) < 1e-13
    x, v = np.linspace(-1, 1, 4), np.ones(4)
    rosen = workloads.get("rosenbrock").natural
    assert max_error(sct.hvp(rosen, (x,), (v,)),
                     jax.jvp(jax.grad(rosen), (jnp.asarray(x),), (jnp.asarray(v),))[1]) < 1e-12
    for mode in ("fwd-rev", "rev-rev"):
        assert max_error(sct.hessian(newton, mode=mode)(2.0), jax.hessian(newton)(2.0)) < 1e-12


def test_example_reverse_source_for_a_while_loop_is_readable():
    text = sct.source(workloads.get("newton_sqrt").natural, "reverse")
    assert "def newton_sqrt_bwd(residuals, y_bar):" in text
    assert text.count("pop()") == text.count("push(")
