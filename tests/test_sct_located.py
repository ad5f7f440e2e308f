"""Errors raised while SCT's generated code runs name the user's file and line (adcompare.engines.sct.located).

Each case raises inside generated code (a NumPy error, the user's own ``raise``, a custom rule's error, a
refusal met at run time); the error keeps its type and message and gains one note naming the user's
function, this file and the line marked with ``# <- here: <case>``, found by reading this file (not typed in).
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import located

sct = ad.engine("sct")
PREFIX = "in the derivative SCT generated from "


def _line(case: str) -> int:
    with open(__file__) as f:
        hits = [k for k, text in enumerate(f, 1) if text.rstrip().endswith(f"# <- here: {case}")]
    assert len(hits) == 1, case
    return hits[0]


def reshaped(y, k):
    if k == 1:
        return anp.reshape(y, (4, 4))  # <- here: reshape
    return y * 2.0


def looped(x):
    y = x
    for k in range(3):
        y = reshaped(y, k)
    return anp.sum(y)


def raiser(x):
    s = anp.sum(x)
    if s > 100.0:
        raise ValueError("input too large")  # <- here: raise
    return s * x[0]


@ad.custom_vjp
def scaled(x):
    return 3.0 * x


def _scaled_fwd(x):
    return 3.0 * x, None


def _scaled_bwd(residuals, g):
    raise RuntimeError("custom pull-back failed")


scaled.defvjp(_scaled_fwd, _scaled_bwd)


def calls_custom(x):
    y = anp.sin(x)
    z = scaled(y)  # <- here: custom
    return anp.sum(z)


def inner(d):
    return {"a": d["x"] * 2.0, "b": d["x"] ** 2}


def nested(x):
    jac = sct.jacrev(inner)({"x": x})  # <- here: nested
    return anp.sum(jac["a"]["x"])


X = np.arange(6.0) + 1.0
CASES = [
    ("grad", lambda: sct.grad(looped)(X), ValueError, "cannot reshape", "reshaped", "reshape"),
    ("value_and_grad", lambda: sct.value_and_grad(looped)(X), ValueError, "cannot reshape", "reshaped", "reshape"),
    ("jvp", lambda: sct.jvp(looped, (X,), (X,)), ValueError, "cannot reshape", "reshaped", "reshape"),
    ("vjp", lambda: sct.vjp(looped, X), ValueError, "cannot reshape", "reshaped", "reshape"),
    ("hessian", lambda: sct.hessian(looped)(X), ValueError, "cannot reshape", "reshaped", "reshape"),
    ("hvp", lambda: sct.hvp(looped, (X,), (X,)), ValueError, "cannot reshape", "reshaped", "reshape"),
    ("grad raise", lambda: sct.grad(raiser)(100.0 * X), ValueError, "input too large", "raiser", "raise"),
    ("jacfwd raise", lambda: sct.jacfwd(raiser)(100.0 * X), ValueError, "input too large", "raiser", "raise"),
    ("backward sweep", lambda: sct.grad(calls_custom)(X), RuntimeError, "custom pull-back failed",
     "calls_custom", "custom"),
    ("nested derivative", lambda: sct.grad(nested)(X), TypeError, "not one real array", "nested", "nested"),
]


@pytest.mark.parametrize("label, thunk, kind, message, function, case", CASES, ids=[c[0] for c in CASES])
def test_error_names_the_users_line(label, thunk, kind, message, function, case):
    with pytest.raises(kind, match=message) as info:
        thunk()
    notes = [n for n in getattr(info.value, "__notes__", []) if n.startswith(PREFIX)]
    assert len(notes) == 1, notes  # noted once, however many entry points it passed
    assert notes[0].startswith(f"{PREFIX}{function!r}, {__file__}, line {_line(case)}:"), notes[0]
    assert "(generated code: <sct " in notes[0]


def test_error_outside_generated_code_gets_no_note():
    with pytest.raises(TypeError, match="real scalar output") as info:
        sct.grad(lambda x: 2.0 * x)(X)
    assert not any(str(n).startswith(PREFIX) for n in getattr(info.value, "__notes__", []))


def test_every_generated_line_of_a_function_maps_to_one_of_its_lines():
    """The table covers the generated statements of both sweeps, and each maps inside the function."""
    import inspect

    sct.grad(looped)(np.arange(16.0))
    lines, first = inspect.getsourcelines(looped)
    span = range(first, first + len(lines))
    tables = [(name, t) for name, (fn, file, _, t) in located.FILES.items() if fn == "looped" and file == __file__]
    assert tables
    for name, table in tables:
        assert table and set(table.values()) <= set(span), (name, table)
        assert set(span[2:]) & set(table.values())  # the loop's lines, not only the header
