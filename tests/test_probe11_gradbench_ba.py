"""Probe 11 (GradBench's evals as NumPy programs nobody here wrote): bundle adjustment and hand tracking in the
style of GradBench's TensorFlow tools, whose nested functions SCT lifts out of their function.

GradBench's ``ba`` projects a point through a camera (Rodrigues rotation, radial distortion) and asks for the
Jacobian of each observation's reprojection error; ``ht`` poses a skinned hand. Their TensorFlow code defines
``rotate()`` before the ``sqtheta`` it reads is assigned, and builds the pose with a generator. SCT refused
both (a late-bound capture, a ``yield``; the first now runs: a def only called is lifted and passed what its
variables hold at the call), but its messages did not name the user's place: a refusal
inside a nested def, lambda or generator named ``'_sct_define.<locals>.gen_lifted'`` in the file
``<sct lifted gen_lifted #1 from ...>`` at a line of SCT's own text of the lifted code, and the late assignment
was named by its line within the function (line 10 for a file's line 50). A run-time error inside a nested
def was named at its caller's line. Now each names the user's function (as Python's qualname), file and line
(``errors.lift`` keeps the user's line of each line of the lifted text), and the program written as the hint
says is differentiated as JAX differentiates it.
"""

from __future__ import annotations

import inspect
import types

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

np = anp  # the programs below are NumPy code ported mechanically; ``on_jax`` runs them with np = jax.numpy

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}


def rodrigues_late(rot, X):
    def rotate():
        theta = np.sqrt(sqtheta)
        w = rot / theta
        return X * np.cos(theta) + np.cross(w, X) * np.sin(theta) + w * np.dot(w, X) * (1.0 - np.cos(theta))
    sqtheta = np.sum(rot ** 2)  # (late)
    return rotate() if sqtheta != 0.0 else X + np.cross(rot, X)


def rodrigues(rot, X):
    def rotate(sqtheta):
        theta = np.sqrt(sqtheta)
        w = rot / theta
        return X * np.cos(theta) + np.cross(w, X) * np.sin(theta) + w * np.dot(w, X) * (1.0 - np.cos(theta))
    sqtheta = np.sum(rot ** 2)
    return rotate(sqtheta) if sqtheta != 0.0 else X + np.cross(rot, X)


def reprojection_error(cam, X, w, feat, rotate=rodrigues):
    Xcam = rotate(cam[0:3], X - cam[3:6])
    proj = Xcam[0:2] / Xcam[2]
    rsq = np.sum(proj ** 2)
    return w * (proj * (1.0 + cam[9] * rsq + cam[10] * rsq * rsq) * cam[6] + cam[7:9] - feat)


def pose_params(theta):
    def tail(theta):
        i = 6
        for _ in range(5):
            yield np.concatenate((theta[i:i + 2], np.zeros(1)))  # (yield)
            yield np.concatenate((theta[i + 2:i + 3], np.zeros(2)))
            i += 3
    return np.concatenate((np.stack((theta[0:3], np.ones(3), theta[3:6])), np.stack(tuple(tail(theta)))))


def lambda_method(x):
    scale = lambda v: v.partition(1) * 2.0  # noqa: E731  (partition)
    return np.sum(scale(x))


def nested_runtime_error(x):
    def inner(v):
        w = v * 2.0
        return v @ np.ones(5) * w  # (runtime)
    return np.sum(inner(x))


def _line(fn, mark: str) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, text in enumerate(lines) if mark in text)


def _observation(seed):
    r = onp.random.default_rng(seed)
    cam = r.standard_normal(11) * 0.3
    cam[6] = 1.0 + r.random()
    if seed == 2:
        cam[:3] = 0.0  # the branch of a zero rotation
    return cam, r.standard_normal(3) + onp.array([0.0, 0.0, 6.0]), 0.5 + r.random(), r.standard_normal(2)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_late_capture_is_read_when_the_call_runs_and_both_forms_match_jax(engine):
    """``rotate()`` reads ``sqtheta``, assigned after the def: once refused, now lifted (it is only called,
    :mod:`adcompare.engines.sct.front.direct_defs`) and passed the value it holds at the call, as Python reads it."""
    eng = ENGINES[engine]
    g = {**reprojection_error.__globals__, "np": jnp}
    for seed in (1, 2):  # (2: a zero rotation)
        cam, X, w, feat = _observation(seed)
        for rotate in (rodrigues, rodrigues_late):
            on_jax = types.FunctionType(reprojection_error.__code__, g, "reprojection_error", (
                types.FunctionType(rotate.__code__, g, rotate.__name__),))
            want = jax.jacfwd(on_jax, argnums=(0, 1, 2))(cam, X, w, feat)
            for jacobian in (eng.jacrev, eng.jacfwd):
                ours = jacobian(reprojection_error, argnums=(0, 1, 2))(cam, X, w, feat, rotate)
                for a, b in zip(ours, want):
                    onp.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("program, function, mark, construct", [
    (pose_params, "pose_params.<locals>.tail", "(yield)", "yield"),
    (lambda_method, "lambda_method.<locals>.<lambda>", "(partition)", r"the method \.partition\(\)"),
])
def test_a_refusal_inside_a_nested_function_names_the_users_function_file_and_line(engine, program, function,
                                                                                      mark, construct):
    with pytest.raises(SCTError, match=construct) as info:
        ENGINES[engine].jacrev(program)(onp.linspace(0.1, 2.6, 26))
    assert (info.value.function, info.value.filename, info.value.line) == (function, __file__, _line(program, mark))
    assert f"in function '{function}', {__file__}, line {_line(program, mark)}" in str(info.value)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_run_time_error_inside_a_nested_def_names_its_line(mode):
    eng, x = ENGINES["sct"], onp.ones(3)
    with pytest.raises(ValueError) as info:
        eng.grad(nested_runtime_error)(x) if mode == "grad" else eng.jvp(nested_runtime_error, (x,), (x,))
    note = "\n".join(getattr(info.value, "__notes__", ()))
    assert f"'nested_runtime_error.<locals>.inner', {__file__}, line {_line(nested_runtime_error, '(runtime)')}" \
        in note
