"""Probe 12 review: ``+`` of lists (front/dict_writes._local_lists) looks only at the function's own scope.

``_local_lists`` took every assignment in the function's tree, nested defs and lambdas included, so a name the
function reads from outside (a global array ``G``) that a nested function assigns a list (its own local ``G``)
was taken as a local list of the function: ``G + [1.0]`` became list concatenation, where Python broadcasts the
array: a silently wrong value and gradient (``sum(square(G + [1.0]))`` was ``G0**2 + 1`` for ``(G0 + 1)**2``,
no error), or a NumPy broadcasting error. A nested def's name, and names declared global or nonlocal, are no
local list either. Checked with grad, jvp, vjp and the Hessian on SCT (both second orders) and overloading against JAX.
"""

from __future__ import annotations

import numpy as np

import adcompare.numpy as anp
from tests.test_probe11_python_dicts import check_engines

G = np.array([0.5])
H = np.array([0.25, -1.5])

def shadowed_in_a_nested_def(x):
    def inner():
        G = [1.0]
        return G[0]

    return anp.sum(anp.square(G + [1.0])) * x[0] + inner() * x[1]

def shadowed_in_a_lambda(x):
    first = lambda: [x[0]]  # noqa: E731  (H, assigned nowhere here, is the global array)
    return anp.sum((H + [1.0, 2.0]) * x[:2]) * first()[0]

def test_a_nested_scopes_list_is_not_the_functions():
    check_engines(shadowed_in_a_nested_def, [np.array([1.3, -0.4]), np.array([-2.1, 0.7])], 0)
    check_engines(shadowed_in_a_lambda, [np.array([1.3, -0.4]), np.array([0.6, 0.9])], 1)

def test_own_lists_still_concatenate():
    def grown(x):
        def scale(v):
            return v * 2.0

        xs = [x[0]]
        xs = xs + [scale(x[1])]
        xs += [x[0] * x[1]]
        return xs[0] * xs[1] + xs[2] * len(xs)

    check_engines(grown, [np.array([1.3, -0.4]), np.array([-2.1, 0.7])], 2)
