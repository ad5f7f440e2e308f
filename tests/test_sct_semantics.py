"""SCT keeps Python's meaning: names read when the function runs, signatures, loop variables,
generated names, introspection, NumPy constants, calls of call results, where source comes from.

Each function is differentiated by the SCT engine in reverse mode (``grad``) and forward mode
(``jvp``) and by JAX, on several seeded inputs; refusals are checked by their message and line.
"""

from __future__ import annotations

import functools
import inspect
import linecache

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

sct = ad.engine("sct")
SEEDS = (0, 1, 2)
TOL = 1e-12


def _inputs(shapes, seed):
    rng = np.random.default_rng(seed)
    return tuple(float(rng.uniform(0.5, 1.5)) if s == () else rng.uniform(0.5, 1.5, size=s) for s in shapes)


def agree(f, shapes, argnums=0, engine=sct, seeds=SEEDS):
    """SCT's grad (reverse) and jvp (forward, every argument) match JAX's on seeded inputs."""
    for seed in seeds:
        args = _inputs(shapes, seed)
        assert max_error(engine.grad(f, argnums)(*args), jax.grad(f, argnums)(*args)) < TOL
        tangents = _inputs(shapes, seed + 100)
        ours = engine.jvp(f, args, tangents)
        theirs = jax.jvp(f, tuple(jnp.asarray(a) for a in args), tuple(jnp.asarray(t) for t in tangents))
        assert max_error(ours, theirs) < TOL


def refused(f, *args, construct: str, line: int):
    """Both modes refuse ``f`` with an SCTError naming ``construct`` at this file's ``line``."""
    for run in (lambda: sct.grad(f)(*args), lambda: sct.jvp(f, args, args)):
        with pytest.raises(ad.SCTError) as info:
            run()
        assert construct in str(info.value), str(info.value)
        assert info.value.filename == __file__ and info.value.line == line, str(info.value)


def _line_of(f, marker: str) -> int:
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if marker in text)


# --- globals, closure cells and helpers are read when the function runs ---------------------

G = 2.0


def times_global(x):
    return x * G + anp.sin(x)


def test_a_rebound_global_is_read_when_the_function_runs():
    global G
    try:
        for value in (2.0, 5.0, -0.5):
            G = value
            agree(times_global, [()])
            assert sct.vjp(times_global, 1.5)[0] == jax.vjp(times_global, 1.5)[0]  # the primal too
            agree(times_global, [()], engine=ad.engine("sct"))  # a new engine instance as well
    finally:
        G = 2.0


W = 2.0


def sums_times_global(x):
    return anp.sum(x * W) * x


def test_a_global_that_turns_from_a_number_into_an_array():
    global W
    try:
        agree(sums_times_global, [()])
        W = np.array([1.0, -2.0, 3.5])  # broadcasting now sums x's cotangent over W's shape
        agree(sums_times_global, [()])
    finally:
        W = 2.0


def _make_scaled():
    scale = 2.0

    def scaled(x):
        return anp.tanh(x) * scale

    def set_scale(value):
        nonlocal scale
        scale = value

    return scaled, set_scale


def test_a_rebound_closure_cell_is_read_when_the_function_runs():
    scaled, set_scale = _make_scaled()
    for value in (2.0, 7.0):
        set_scale(value)
        agree(scaled, [()])


def _double(x):
    return 2.0 * x


def _square(x):
    return x * x


helper = _double


def calls_helper(x):
    return helper(x) + anp.exp(x)


def test_a_rebound_helper_is_called_when_the_function_runs():
    global helper
    try:
        agree(calls_helper, [()])
        helper = _square
        agree(calls_helper, [()])
        helper = lambda x: anp.sin(x) * x  # noqa: E731
        agree(calls_helper, [()])
    finally:
        helper = _double


def calls_calls_helper(x):
    return calls_helper(x) * x


def test_a_helper_two_calls_down_is_also_read_again():
    global helper
    try:
        agree(calls_calls_helper, [()])
        helper = _square
        agree(calls_calls_helper, [()])
    finally:
        helper = _double


# --- signatures: defaults, keyword-only parameters, *args, lambdas ---------------------------


def with_default(x, scale=2.0, shift=0.5):
    return anp.sin(x * scale) + shift * x


def with_keyword_only(x, y, *, scale=3.0, power=2.0):
    return x ** power * scale + y * x


def spread(*xs):
    return xs[0] * anp.sin(xs[1]) + xs[-1]


def first_and_rest(a, *rest):
    total = a * a
    for r in rest:
        total = total + r * a
    return total


def calls_with_defaults_and_spread(x, y):
    return with_default(x) + with_default(y, 0.5) + with_keyword_only(x, y, power=3.0) + spread(x, y, x * y)


def test_default_arguments():
    agree(with_default, [()])
    agree(with_default, [(), ()], argnums=(0, 1))
    agree(with_default, [(), (), ()], argnums=(0, 2))


def test_keyword_only_parameters_have_the_users_signature():
    agree(with_keyword_only, [(), ()], argnums=(0, 1))
    for seed in SEEDS:
        x, y = _inputs([(), ()], seed)
        # the generated functions take the user's parameters, defaults and keywords included
        fwd = sct.transform(with_keyword_only, "reverse", (0,)).functions["fwd"]
        jvp = sct.transform(with_keyword_only, "forward", (0,)).functions["jvp"]
        f = functools.partial(with_keyword_only, scale=1.5)
        assert fwd(x, y, scale=1.5)[0] == f(x, y)
        y_dot = jvp(x, 1.0, y, scale=1.5)[1]
        assert max_error(y_dot, jax.jvp(lambda v: f(v, y), (x,), (1.0,))[1]) < TOL


def test_star_args():
    agree(spread, [(), ()], argnums=(0, 1))
    agree(spread, [(), (), ()], argnums=(0, 1, 2))
    agree(first_and_rest, [(), (), (), ()], argnums=(0, 2))
    agree(first_and_rest, [()])


def test_callees_with_defaults_keywords_and_star_args():
    agree(calls_with_defaults_and_spread, [(), ()], argnums=(0, 1))


square_plus_sin = lambda x: x * x + anp.sin(x)  # noqa: E731
twice, thrice = (lambda x: 2.0 * anp.exp(x)), (lambda x: 3.0 * anp.exp(x))  # noqa: E731


def calls_a_lambda(x):
    return square_plus_sin(x) * thrice(x)


def test_lambdas():
    agree(square_plus_sin, [()])
    agree(lambda x, y: anp.tanh(x) * y, [(), ()], argnums=(0, 1))
    agree(twice, [()])
    agree(thrice, [()])  # two lambdas on one line: each is its own
    agree(calls_a_lambda, [()])


def uses_inner_lambda(x):
    g = lambda v: v * v  # noqa: E731
    return g(x)


def test_a_lambda_inside_a_differentiated_function():
    """Closure conversion (issue 14): a lambda defined inside is lifted and called like any function."""
    agree(uses_inner_lambda, [()])


# --- a loop variable the body assigns to ------------------------------------------------------


def reassigns_loop_variable(x):
    s = 0.0
    for i in range(3):
        i = i * 2
        s = s + x * i
    return s


def reassigns_loop_element(x, xs):
    s = x
    for v in xs:
        v = v * s
        s = s + anp.sin(v)
    return s


def reassigns_in_nested_loops(x):
    s = x
    for i in range(2):
        for j in range(3):
            j = j + i
            s = s * x + j
        i = i + 1
        s = s * i
    return s


def test_a_reassigned_loop_variable():
    agree(reassigns_loop_variable, [()])
    assert sct.grad(reassigns_loop_variable)(1.0) == 6.0  # 0 + 2 + 4: checked against JAX above
    agree(reassigns_loop_element, [(), (4,)], argnums=(0, 1))
    agree(reassigns_in_nested_loops, [()])


# --- generated names never collide with the user's ---------------------------------------------


def g_fwd(x):
    return x * 3.0


def g_jvp(x):
    return x * 5.0


def g_bwd(x):
    return x * 7.0


def g(x):
    return g_fwd(x) + g_jvp(x) * g_bwd(x) + x


def locals_named_like_builtins(x):
    range = 3.0  # noqa: A001
    len = x * 2.0  # noqa: A001
    reversed = 0.0  # noqa: A001
    s = x
    for v in (x, len):  # iterating over a tuple uses len and range under the hood
        s = s * v + range
    k = 0
    while k < 2:  # a loop the reverse sweep runs backwards with range and reversed
        s = s * x + reversed
        k = k + 1
    return s


def residuals(x, stack, push, pop, trips, out):
    y = x
    for _ in range(2):
        y = y * stack + push * pop
    return y * trips + out


def test_helpers_named_like_generated_functions():
    agree(g, [()])


def test_locals_named_like_builtins_and_internals():
    agree(locals_named_like_builtins, [()])
    agree(residuals, [(), (), (), (), (), ()], argnums=(0, 1, 2, 3, 4, 5))


# --- introspection is refused; class-private names are honoured -------------------------------


def uses_eval(x):
    return eval("x * 2.0")  # marker


def uses_exec(x):
    y = x
    exec("y = x * 2.0")  # marker
    return y


def uses_locals(x):
    y = x * 2.0
    return locals()["y"]  # marker


def uses_globals(x):
    return x * globals()["G"]  # marker


def uses_vars(x):
    y = x * 2.0  # noqa: F841
    return vars()["y"]  # marker


@pytest.mark.parametrize("f, name", [(uses_eval, "eval()"), (uses_exec, "exec()"), (uses_locals, "locals()"),
                                     (uses_globals, "globals()"), (uses_vars, "vars()")])
def test_introspection_is_refused_with_its_line(f, name):
    refused(f, 0.5, construct=name, line=_line_of(f, "# marker"))


_Scaler__K = 3.0  # what ``__K`` means inside class Scaler


class Scaler:
    __w = 0.5

    def apply(self, x):
        return anp.sin(x * __K) * self.__w  # noqa: F821

    @staticmethod
    def static(x):
        return x * __K  # noqa: F821


def test_class_private_names_are_mangled_as_python_does():
    box = Scaler()
    for seed in SEEDS:
        (x,) = _inputs([()], seed)
        assert max_error(sct.grad(Scaler.apply, 1)(box, x), jax.grad(Scaler.apply, 1)(box, x)) < TOL
        assert max_error(sct.jvp(lambda v: Scaler.apply(box, v), (x,), (1.0,)),
                         jax.jvp(lambda v: Scaler.apply(box, v), (x,), (1.0,))) < TOL
    agree(Scaler.static, [()])


# --- NumPy constructors are constants ----------------------------------------------------------


def uses_numpy_constructors(x):
    a = x * np.ones(3) + np.eye(3) @ x + np.identity(3)[1] * x
    b = np.full(3, 2.0) * x + np.arange(3.0) * x + np.linspace(0.0, 1.0, 3) * x
    c = np.zeros(3) + np.array([1.0, -1.0, 2.0]) * x + np.diag(np.ones(3)) @ x
    return anp.sum(a * b + c) + np.pi * anp.sum(x)


def test_numpy_constructors_are_constants():
    agree(uses_numpy_constructors, [(3,)])


def passes_active_to_numpy(x):
    return anp.sum(np.cumsum(x))  # marker


def test_a_numpy_function_of_a_differentiated_value_is_refused():
    refused(passes_active_to_numpy, np.ones(3), construct="neither a vocabulary primitive",
            line=_line_of(passes_active_to_numpy, "# marker"))


# --- calls of call results ----------------------------------------------------------------------


def step(h, w):
    return anp.tanh(h * w) + h


def scale_by(a, x):
    return a * anp.sin(x)


def checkpoints_in_a_loop(x, w):
    h = x
    for _ in range(4):
        h = ad.checkpoint(step)(h, w)
    return h


def partial_in_a_loop(x, a):
    h = x
    for _ in range(3):
        h = functools.partial(scale_by, a)(h) + functools.partial(scale_by, x=h)(a)
    return h


scale_by_two = functools.partial(scale_by, 2.0)


def calls_a_partial_object(x):
    return scale_by_two(x) * x


def _make_adder(c):
    def add(v):
        return v * anp.sin(v) + c

    return add


def calls_a_made_function(x):
    return _make_adder(1.0)(x) * x


def calls_through_variables(x, w):
    g = step
    act = anp.sin if w > 10.0 else anp.cos  # a primitive in a variable
    fs = (scale_by, functools.partial(scale_by, 2.0))
    s = x
    for _ in range(3):
        s = g(s, w) + fs[1](s) + fs[0](w, s)
    return act(s) * x


def closes_over_a_differentiated_value(x):
    return _make_adder(x)(2.0)  # marker


def test_calls_of_call_results():
    agree(checkpoints_in_a_loop, [(), ()], argnums=(0, 1))
    agree(partial_in_a_loop, [(), ()], argnums=(0, 1))
    agree(calls_a_partial_object, [()])


def test_calls_of_functions_known_only_when_they_run():
    agree(calls_a_made_function, [()])
    agree(calls_through_variables, [(), ()], argnums=(0, 1))
    text = sct.source(calls_through_variables, "reverse")
    assert "apply_fwd(" in text and "apply_bwd(" in text  # transformed when called, then cached


def test_a_function_made_from_a_differentiated_value():
    """Closure conversion (issue 14): the closure carries the differentiated value it captured."""
    agree(closes_over_a_differentiated_value, [()])


def _bumpy(y):
    return anp.sin(y) * y


grad_bumpy = sct.grad(_bumpy)


def calls_an_engine_made_gradient(x):
    return x * grad_bumpy(x) + anp.cos(x)


def test_a_gradient_an_engine_made_called_inside():
    agree(calls_an_engine_made_gradient, [()])
    for seed in SEEDS:
        (x,) = _inputs([()], seed)
        expected = jax.hessian(lambda v: v * jax.grad(_bumpy)(v) + jnp.cos(v))(x)
        assert max_error(sct.hessian(calls_an_engine_made_gradient)(x), expected) < TOL


def test_checkpointed_call_of_a_call_recomputes_in_the_adjoint():
    text = sct.source(checkpoints_in_a_loop, "reverse")
    assert "recompute step" in text


# --- where the source comes from ------------------------------------------------------------------


def _define(source: str, filename: str, register: bool) -> dict:
    if register:  # as IPython does for a notebook cell
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = {"anp": anp}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


CELL = "def cell_f(x):\n    y = anp.sin(x) * x\n    return y * y\n\ncell_g = lambda x: cell_f(x) + x\n"


@pytest.mark.parametrize("filename", ["<ipython-input-3-0123456789ab>", "/tmp/ipykernel_4242/4242424242.py"])
def test_functions_defined_in_notebook_cells(filename):
    namespace = _define(CELL, filename, register=True)
    agree(namespace["cell_f"], [()])
    agree(namespace["cell_g"], [()])


@pytest.mark.parametrize("filename", ["<string>", "<stdin>"])
def test_a_function_without_readable_source_is_refused_with_the_reason(filename):
    f = _define("def typed_at_a_prompt(x):\n    return x * 2.0\n", filename, register=False)["typed_at_a_prompt"]
    for run in (lambda: sct.grad(f)(0.5), lambda: sct.jvp(f, (0.5,), (1.0,))):
        with pytest.raises(ad.SCTError) as info:
            run()
        message = str(info.value)
        assert "without source code" in message and "could not read" in message
        assert "exec" in message and "interactive prompt" in message
