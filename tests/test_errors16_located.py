"""Errors raised inside the user's code while an engine runs it name the user's function, file and line.

NumPy's and Python's own errors (a shape mismatch, a dict's missing key, an axis out of range, a position out of
range, a reshape of the wrong size, einsum's subscripts, a concatenate of mismatched shapes, a list where an array
is expected) keep their type and their text, and carry one note naming the innermost frame of the user's code
(:func:`adcompare.concrete.locate`; SCT's generated code: :mod:`adcompare.engines.sct.located`), on every engine
and derivative, nested ones (the Hessian) and a user's pull-back (a custom_vjp's bwd) included. The expected type
and text are those of the same code run on NumPy's arrays, without an engine.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.concrete import NOTES

X = np.array([0.5, -1.0, 2.0])
T = np.array([1.0, 0.5, -0.25])


def _cases(v) -> dict:
    """Each kind of error: (function, its input). ``v`` is the vocabulary (elemental code for the elemental engine).
    Each function fails on its last line."""
    def broadcast(x):
        y = v.multiply(x, 2.0)
        return v.sum(v.multiply(y, np.ones(4)))

    def key(d):
        y = v.multiply(d["a"], 2.0)
        return v.sum(v.add(y, d["b"]))

    def axis(x):
        y = v.multiply(x, 2.0)
        return v.sum(y, axis=3)

    def index(x):
        y = v.multiply(x, 2.0)
        return v.getitem(y, 5) if v is el else y[5]

    def reshape(x):
        y = v.multiply(x, 2.0)
        return v.sum(v.reshape(y, (4,)))

    def einsum(x):
        y = v.multiply(x, 2.0)
        return v.sum(v.einsum("ij,j->i", y, x))

    def concatenate(x):
        y = v.multiply(x, 2.0)
        return v.sum(v.concatenate([y, np.ones((2, 2))]))

    def a_list(xs):
        y = v.multiply(xs[0], 2.0)
        return v.sum(v.add(y, xs ** 2))

    args = {key: {"a": X}, a_list: [X, T]}
    return {f.__name__: (f, args.get(f, X)) for f in
            (broadcast, key, axis, index, reshape, einsum, concatenate, a_list)}


KINDS = list(_cases(anp))


def _tangent(x):
    return {k: T for k in x} if isinstance(x, dict) else [T, T] if isinstance(x, list) else T


DERIVATIVES = {
    "grad": lambda e, f, x: e.grad(f)(x),
    "value_and_grad": lambda e, f, x: e.value_and_grad(f)(x),
    "jvp": lambda e, f, x: e.jvp(f, (x,), (_tangent(x),)),
    "vjp": lambda e, f, x: e.vjp(f, x),
    "jacfwd": lambda e, f, x: e.jacfwd(f)(x),
    "jacrev": lambda e, f, x: e.jacrev(f)(x),
    "hessian": lambda e, f, x: e.hessian(f)(x),
    "hvp": lambda e, f, x: e.hvp(f, (x,), (_tangent(x),)),
}


def _notes(exc: BaseException) -> list[str]:
    return [n for n in getattr(exc, "__notes__", ()) if n.startswith(NOTES)]


def _check(exc: BaseException, f, x) -> None:
    """``exc`` is what ``f(x)`` on NumPy raises, with one note naming ``f``'s last line in this file."""
    with pytest.raises(Exception) as plain:
        f(x)
    assert type(exc) is type(plain.value)
    assert str(exc).startswith(str(plain.value))  # SCT's IndexError adds its place: ``(at file:line (in f))``
    notes = _notes(exc)
    assert len(notes) == 1, notes
    lines, first = inspect.getsourcelines(f)
    line = first + len(lines) - 1
    assert f"{__file__}:{line} (in {f.__name__})" in notes[0] or \
        f"{f.__qualname__!r}, {__file__}, line {line}" in notes[0], notes[0]


@pytest.mark.parametrize("name", ["overloading", "elemental", "sct"])
@pytest.mark.parametrize("kind", KINDS)
def test_an_error_in_user_code_names_its_line(name, kind):
    f, x = _cases(el if name == "elemental" else anp)[kind]
    eng = ad.engine(name)
    derivatives = DERIVATIVES
    for d in derivatives:
        with pytest.raises(Exception) as info:
            DERIVATIVES[d](eng, f, x)
        _check(info.value, f, x)


def _bad_bwd(res, g):
    return (g * np.ones(4),)  # a cotangent of the wrong shape: NumPy's broadcast error in the user's rule


@pytest.mark.parametrize("name", ["overloading", "elemental", "sct"])
def test_an_error_in_a_users_pullback_names_its_line(name):
    h, v = ad.custom_vjp(lambda x: x * 2.0), el if name == "elemental" else anp
    h.defvjp(lambda x: (x * 2.0, None), _bad_bwd)
    _, f_vjp = ad.engine(name).vjp(lambda x: v.sum(h(v.sin(x))), X)
    with pytest.raises(ValueError) as info:
        f_vjp(1.0)
    notes = _notes(info.value)
    assert str(info.value).startswith("operands could not be broadcast together") and len(notes) == 1, notes
    assert f"{__file__}:{inspect.getsourcelines(_bad_bwd)[1] + 1} (in _bad_bwd)" in notes[0], notes[0]


@pytest.mark.parametrize("name, higher", [("overloading", None), ("elemental", None), ("sct", "sct")])
def test_second_order_notes_once(name, higher):
    eng = ad.engine(name, higher=higher) if higher else ad.engine(name)
    f, x = _cases(el if name == "elemental" else anp)["reshape"]
    for mode in ("fwd-rev", "rev-rev"):
        with pytest.raises(ValueError) as info:
            eng.hessian(f, mode=mode)(x)
        _check(info.value, f, x)


@pytest.mark.parametrize("outer, inner", [("overloading", "sct"), ("sct", "overloading"), ("sct", "sct")])
def test_nested_engines_note_once(outer, inner):
    f, x = _cases(anp)["broadcast"]
    with pytest.raises(ValueError) as info:
        ad.engine(outer).grad(lambda z: anp.sum(ad.engine(inner).grad(f)(z) * z))(x)
    _check(info.value, f, x)


KEPT = KeyError("b")


def raises_a_kept_error(x):
    if el.primal(x)[0] < 10.0:
        raise KEPT  # the same object raised by each call
    return el.sum(x)


@pytest.mark.parametrize("name", ["overloading", "elemental", "sct"])
def test_an_error_raised_again_is_noted_once(name):
    for _ in range(2):
        with pytest.raises(KeyError) as info:
            ad.engine(name).grad(raises_a_kept_error)(X)
        assert info.value is KEPT and len(_notes(KEPT)) == 1, _notes(KEPT)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_refusal_naming_its_line_gets_no_note(name):
    with pytest.raises((ad.ConcretizationTypeError, ad.SCTError)) as info:
        ad.engine(name).grad(lambda x: float(x[0]) * x[1])(X)
    assert __file__ in str(info.value) and not _notes(info.value)


def always_raises(x):
    x = x * 2.0
    raise KeyError("no such key")  # no return: SCT's generated code read an output it never set


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_function_that_always_raises_raises_its_error(name):
    eng = ad.engine(name)
    for d in ("grad", "jvp", "hessian"):
        with pytest.raises(KeyError) as info:
            DERIVATIVES[d](eng, always_raises, X)
        _check(info.value, always_raises, X)
