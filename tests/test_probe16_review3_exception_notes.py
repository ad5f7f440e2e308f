"""Review 3 of stop 16: the note naming the user's line (concrete.locate, sct/located.note) was added with
``exc.add_note``, which sets an attribute: an exception that refuses that (a frozen dataclass's, a class whose
``__setattr__`` raises) left as FrozenInstanceError or AttributeError in place of the user's own, so the user's
``except`` no longer caught it. It now leaves as raised (without the note); others keep theirs, and
KeyboardInterrupt is never touched. Every engine, gradient and Jacobian."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import adcompare as ad


@dataclasses.dataclass(frozen=True)
class Frozen(Exception):
    code: int


class Fixed(Exception):
    def __setattr__(self, name, value):
        raise AttributeError(f"{name} is read-only")


def raiser(kind):
    def f(x):  # noqa: ARG001
        if kind == "frozen":
            raise Frozen(3)
        if kind == "fixed":
            raise Fixed("fixed")
        if kind == "interrupt":
            raise KeyboardInterrupt
        raise ValueError("plain")
    return f


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("kind, raised", [("frozen", Frozen), ("fixed", Fixed)])
def test_an_exception_that_refuses_attributes_leaves_as_raised(engine, kind, raised):
    eng, x = ad.engine(engine), np.array([0.3, -1.2])
    for transform in (eng.grad, eng.jacrev):
        with pytest.raises(raised) as info:
            transform(raiser(kind))(x)
        assert info.value.__context__ is None and not hasattr(info.value, "__notes__")


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
def test_other_exceptions_keep_their_note_and_interrupts_none(engine):
    eng, x = ad.engine(engine), np.array([0.3, -1.2])
    with pytest.raises(ValueError, match="plain") as info:
        eng.grad(raiser("plain"))(x)
    assert any("test_probe16_review3_exception_notes.py" in n for n in info.value.__notes__)
    with pytest.raises(KeyboardInterrupt) as stop:
        eng.grad(raiser("interrupt"))(x)
    assert not hasattr(stop.value, "__notes__")
