"""Nested derivatives: GradBench's ``particle`` and ``saddle`` (Siskind and Pearlmutter, 2008).

Both optimise, by gradient descent, an objective that itself takes a
derivative, so the outer derivative runs through an inner one, and the inner
function closes over the value the outer one differentiates: a tool that
confuses the two perturbations gets a wrong answer. Each takes the engine that
takes both derivatives (``jax`` itself works too: it has ``grad`` and
``jacfwd``) and a composition ``"ff"``, ``"fr"``, ``"rf"`` or ``"rr"``: the
outer (argmin) and inner mode, forward (``jacfwd``) or reverse (``grad``).

* ``particle(eng, modes, w0)``: a charged particle starts at (0, 8) with
  velocity (0.75, 0) and is accelerated by ``-grad_x p(x; w)``,
  ``p(x; w) = 1/|x - (10, 10 - w)| + 1/|x - (10, 0)|``, with naive Euler steps
  of 0.1 until it crosses the x axis; the crossing point is found by linear
  interpolation, and ``w`` is chosen to bring it to the origin (minimise its
  x coordinate squared). GradBench expects ``w* = 0.2071918746486116`` from ``w0 = 0``.
* ``saddle(eng, modes, start)``: with ``f(p1, p2) = |p1|^2 - |p2|^2`` it finds
  ``p1* = argmin_p1 max_p2 f(p1, p2)`` and then ``p2* = argmax_p2 f(p1*, p2)``, all
  from ``start``. GradBench expects ``8.246324826140356e-06`` four times from (1, 1).

The gradient descent is GradBench's (``gd.hpp``): step ``eta`` starting at
1e-5, doubled after 10 accepted steps, halved after a rejected one; it stops
when the gradient or the step is 1e-5 or shorter. It runs on plain values,
except inside an outer derivative, where its iterates are active.

``*_elemental`` are the same programs written with elemental library calls only.

The source-transformation engine runs these programs as written, as both
engines, with ``SCTEngine(higher="sct")``: the nested functions, lambdas and
comprehensions inside the code it transforms are closure-converted (their
captured values become explicit arguments; see
``adcompare.engines.sct.front.closures``), and each inner derivative is an
explicit program the outer transformation transforms again.
"""

from __future__ import annotations

import adcompare.elemental as el
import adcompare.numpy as anp

COMPOSITIONS = ("ff", "fr", "rf", "rr")
EXPECTED = {"particle": 0.2071918746486116, "saddle": (8.246324826140356e-06,) * 4}


def derivative(eng, mode: str, f):
    """The gradient of scalar ``f`` of a vector, by forward (``"f"``) or reverse (``"r"``) mode."""
    if mode not in ("f", "r"):
        raise ValueError(f"a mode is 'f' (forward) or 'r' (reverse), not {mode!r}")
    return eng.jacfwd(f) if mode == "f" else eng.grad(f)


def _split(modes: str) -> tuple[str, str]:
    if modes not in COMPOSITIONS:
        raise ValueError(f"a composition is one of {', '.join(COMPOSITIONS)}, not {modes!r}")
    return modes[0], modes[1]


# --------------------------------------------------------------------------
# Gradient descent (GradBench's gd.hpp). Vectors are tuples of scalars, which
# every engine takes as a pytree and runs on its scalar fast path. The harness
# is written with library calls, so it runs on every engine's values (inside
# an outer derivative its iterates are active), and it branches on primals.


def norm(v):
    return el.sqrt(el.sum(el.stack([el.multiply(c, c) for c in v])))


def axpy(a, x, y):
    """``a * x + y`` for vectors ``x`` and ``y``."""
    return tuple(el.add(el.multiply(a, xi), yi) for xi, yi in zip(x, y))


def argmin(f, grad_f, x):
    fx, gx = f(x), grad_f(x)
    i, eta = 0, 1e-5
    while True:
        if el.primal(norm(gx)) <= 1e-5:
            return x
        if i == 10:
            eta, i = 2.0 * eta, 0
            continue
        x_new = axpy(-eta, gx, x)
        if el.primal(norm(axpy(-1.0, x_new, x))) <= 1e-5:
            return x
        fx_new = f(x_new)
        if el.primal(fx_new) < el.primal(fx):
            x, fx, gx, i = x_new, fx_new, grad_f(x_new), i + 1
        else:
            eta, i = eta / 2.0, 0


def argmax(f, grad_f, x):
    return argmin(lambda v: el.negative(f(v)), lambda v: tuple(map(el.negative, grad_f(v))), x)


# --------------------------------------------------------------------------
# particle


def naive_euler(w, eng, inner: str):
    """x(t_f)[0]^2, where the particle crosses the x axis, for control ``w``."""
    charges = ((10.0, 10.0 - w), (10.0, 0.0))

    def potential(x):
        a = anp.sqrt((x[0] - charges[0][0]) ** 2 + (x[1] - charges[0][1]) ** 2)
        b = anp.sqrt((x[0] - charges[1][0]) ** 2 + (x[1] - charges[1][1]) ** 2)
        return 1.0 / a + 1.0 / b

    grad_potential = derivative(eng, inner, potential)
    x0, x1, v0, v1, dt = 0.0, 8.0, 0.75, 0.0, 0.1
    while True:
        g0, g1 = grad_potential((x0, x1))
        if x1 + dt * v1 > 0.0:
            x0, x1, v0, v1 = x0 + dt * v0, x1 + dt * v1, v0 - dt * g0, v1 - dt * g1
        else:
            dt_f = -x1 / v1
            return (x0 + dt_f * v0) ** 2


def naive_euler_elemental(w, eng, inner: str):
    charges = ((10.0, el.subtract(10.0, w)), (10.0, 0.0))

    def potential(x):
        a = norm(axpy(-1.0, charges[0], x))
        b = norm(axpy(-1.0, charges[1], x))
        return el.add(el.divide(1.0, a), el.divide(1.0, b))

    grad_potential = derivative(eng, inner, potential)
    x, v, dt = (0.0, 8.0), (0.75, 0.0), 0.1
    while True:
        g = grad_potential(x)
        x_new = axpy(dt, v, x)
        if el.primal(x_new[1]) > 0.0:
            x, v = x_new, axpy(-dt, g, v)
        else:
            dt_f = el.negative(el.divide(x[1], v[1]))
            return el.power(el.add(x[0], el.multiply(dt_f, v[0])), 2)


def particle(eng, modes: str = "rr", w0: float = 0.0, form: str = "natural"):
    """The control ``w*`` that brings the particle to the origin."""
    outer, inner = _split(modes)
    euler = _form(form, naive_euler, naive_euler_elemental)

    def objective(v):
        return euler(v[0], eng, inner)

    return argmin(objective, derivative(eng, outer, objective), (w0,))[0]


# --------------------------------------------------------------------------
# saddle


def saddle_objective(p1, p2):
    return (p1[0] * p1[0] + p1[1] * p1[1]) - (p2[0] * p2[0] + p2[1] * p2[1])


def saddle_objective_elemental(p1, p2):
    return el.subtract(el.add(el.multiply(p1[0], p1[0]), el.multiply(p1[1], p1[1])),
                       el.add(el.multiply(p2[0], p2[0]), el.multiply(p2[1], p2[1])))


def best_response(p1, eng, inner: str, start=(1.0, 1.0), form: str = "natural"):
    """``max_p2 f(p1, p2)`` by gradient ascent from ``start``: an inner derivative closing over ``p1``."""
    f = _form(form, saddle_objective, saddle_objective_elemental)

    def against(p2):
        return f(p1, p2)

    return against(argmax(against, derivative(eng, inner, against), tuple(start)))


def saddle(eng, modes: str = "rr", start=(1.0, 1.0), form: str = "natural"):
    """``p1* + p2*``, four numbers: the saddle point of ``saddle_objective``."""
    outer, inner = _split(modes)
    f = _form(form, saddle_objective, saddle_objective_elemental)

    def outer_objective(p1):
        return best_response(p1, eng, inner, start, form)

    p1 = argmin(outer_objective, derivative(eng, outer, outer_objective), tuple(start))

    def against_p1(p2):
        return f(p1, p2)

    return p1 + argmax(against_p1, derivative(eng, inner, against_p1), tuple(start))


def _form(form: str, natural, elemental):
    if form not in ("natural", "elemental"):
        raise ValueError(f"a form is 'natural' or 'elemental', not {form!r}")
    return natural if form == "natural" else elemental
