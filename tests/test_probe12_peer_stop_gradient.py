"""anp.stop_gradient on a peer's values: torch detaches (its gradient is torch's of the detached form);
autograd has no stop_gradient in its numpy, so the call is refused by name. Before, both peers
differentiated through it silently (the vocabulary only unwrapped this project's own values)."""

import numpy as np
import pytest

import adcompare.numpy as anp


def f(x):
    return anp.sum(anp.stop_gradient(x) * x)


def test_autograd_refuses_by_name():
    pytest.importorskip("autograd")
    from adcompare.measure.autograd_api import load

    autograd = load()
    with pytest.raises(TypeError, match="stop_gradient.*ArrayBox"):
        autograd.grad(f)(np.array([1.0, -2.0, 3.0]))


def test_torch_detaches():
    torch = pytest.importorskip("torch")
    from adcompare.measure.tools import enable_torch

    enable_torch()
    x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    f(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, -2.0, 3.0])  # d/dx sum(c * x) at c = x: c
