"""Rules of the products (``matmul``, ``dot``, ``einsum``).

An einsum's VJP for one operand is another einsum (of the cotangent and the other
operands); an N-d ``dot`` is differentiated as the einsum it is."""

from __future__ import annotations

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import shape
from adcompare.rules.base import PerOperand, append_axis, defjvp, defvjp, swap_last, unbroadcast

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative


def _matmul_x_bar(g, y, sx: tuple, sy: tuple):
    """Operand x's cotangent of ``x @ y`` (shapes ``sx``, ``sy``) from the result's ``g``."""
    if len(sx) == 1 and len(sy) == 1:
        return mul(g, y)
    if len(sy) == 1:  # (..., n, k) @ (k,): outer product of g and y
        return unbroadcast(mul(append_axis(g, -1), y), sx)
    if len(sx) == 1 and len(sy) == 2:  # (k,) @ (k, m): y @ g, a matrix-vector product
        return anp.matmul(y, g)
    if len(sx) == 1:  # (k,) @ (..., k, m)
        gx = anp.matmul(y, append_axis(g, -1))
        return unbroadcast(anp.reshape(gx, shape(gx)[:-1]), sx)
    return unbroadcast(anp.matmul(g, swap_last(y)), sx)


def _matmul_y_bar(g, x, sx: tuple, sy: tuple):
    """Operand y's cotangent of ``x @ y`` (shapes ``sx``, ``sy``) from the result's ``g``."""
    if len(sx) == 1 and len(sy) == 1:
        return mul(g, x)
    if len(sx) == 1:  # (k,) @ (..., k, m): outer product of x and g
        return unbroadcast(mul(append_axis(x, -1), append_axis(g, -2)), sy)
    if len(sy) == 1 and len(sx) == 2:  # (n, k) @ (k,): g @ x, a vector-matrix product
        return anp.matmul(g, x)
    if len(sy) == 1:  # (..., n, k) @ (k,)
        gy = anp.matmul(swap_last(x), append_axis(g, -1))
        return unbroadcast(anp.reshape(gy, shape(gy)[:-1]), sy)
    return unbroadcast(anp.matmul(swap_last(x), g), sy)


def _matmul_vjp_x(ans, x, y):
    sx, sy = shape(x), shape(y)
    return lambda g: _matmul_x_bar(g, y, sx, sy)


def _matmul_vjp_y(ans, x, y):
    sx, sy = shape(x), shape(y)
    return lambda g: _matmul_y_bar(g, x, sx, sy)


def _matmul_vjp(active, ans, x, y):
    """Both operands' pull-back at once: the shapes read once, one closure (the per-operand rules' cotangents)."""
    sx, sy = shape(x), shape(y)
    if not active[1]:
        return lambda g: (_matmul_x_bar(g, y, sx, sy) if active[0] else None, None)
    if not active[0]:
        return lambda g: (None, _matmul_y_bar(g, x, sx, sy))
    return lambda g: (_matmul_x_bar(g, y, sx, sy), _matmul_y_bar(g, x, sx, sy))


defjvp(p.matmul_p,
       lambda t, ans, x, y: anp.matmul(t, y),
       lambda t, ans, x, y: anp.matmul(x, t))
defvjp(p.matmul_p, _matmul_vjp_x, _matmul_vjp_y, joint=_matmul_vjp)


# --------------------------------------------------------------------------
# einsum: operand i's JVP puts the tangent in its place; its VJP is the einsum of the
# cotangent with the other operands, down to operand i's letters


def _einsum_jvp(i, t, ans, *xs, subscripts):
    return p.einsum_p(*xs[:i], t, *xs[i + 1:], subscripts=subscripts)


def _fresh_letters(used: str):
    return (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)


def _einsum_vjp_plan(i: int, subscripts: str, shape_i: tuple) -> tuple:
    """Operand i's VJP as subscripts and shapes (constants): (the einsum of g with the other
    operands, its letters' sizes, operand i's letters' sizes with 1 where summed, their sizes,
    the subscripts that place the result back onto repeated letters' diagonals or None, and the
    identity matrices' sizes for those letters)."""
    ins, out = subscripts.split("->")
    ins = ins.split(",")
    target, others = ins[i], ins[:i] + ins[i + 1:]
    sizes = dict(zip(target, shape_i))
    unique = "".join(dict.fromkeys(target))  # operand i's letters, each once
    reached = set(out).union(*others)
    kept = "".join(c for c in unique if c in reached)
    # a letter repeated in operand i ("ii->i") reads its diagonal: the cotangent goes back onto
    # that diagonal, through identity matrices (constants) joined to fresh letters
    fresh, placed, eyes = _fresh_letters(subscripts), "", []
    seen: set = set()
    for c in target:
        if c in seen:
            placed += (f := next(fresh))
            eyes.append((c + f, sizes[c]))
        else:
            placed += c
            seen.add(c)
    down = f"{','.join((out, *others))}->{kept}"
    placing = f"{unique},{''.join(s for s, _ in eyes)}->{placed}" if eyes else None
    return (down, tuple(sizes[c] for c in kept), tuple(sizes[c] if c in kept else 1 for c in unique),
            tuple(sizes[c] for c in unique), placing, tuple(n for _, n in eyes))


def _identities(xp, sizes: tuple, dtype):
    """The outer product of identity matrices of ``sizes`` (a constant: one einsum operand)."""
    out = xp.eye(sizes[0], dtype=dtype)
    for n in sizes[1:]:
        out = xp.tensordot(out, xp.eye(n, dtype=dtype), axes=0)
    return out


def _shorter(a: tuple, b: tuple) -> tuple:
    """The shorter length of each axis of two shapes of one rank."""
    return tuple(min(n, k) for n, k in zip(a, b))


def _einsum_vjp(i, ans, *xs, subscripts):
    down, kept, padded, full, placing, eyes = _einsum_vjp_plan(i, subscripts, shape(xs[i]))
    operands = xs[:i] + xs[i + 1:]

    def vjp(g):
        r = p.einsum_p(g, *operands, subscripts=down)
        if shape(r) != kept:  # a length-1 axis met a longer one: operand i's is summed down,
            # another operand's is spread back over operand i's longer axis
            r = anp.broadcast_to(unbroadcast(r, _shorter(shape(r), kept)), kept)
        if padded != kept:  # letters only operand i has were summed: spread back over them
            r = anp.broadcast_to(anp.reshape(r, padded), full)
        if placing is not None:
            pr = p.primal(r)
            r = p.einsum_p(r, _identities(p.namespace((pr,)), eyes, p.result_dtype(pr)), subscripts=placing)
        return r

    return vjp


defjvp(p.einsum_p, PerOperand(_einsum_jvp))
defvjp(p.einsum_p, PerOperand(_einsum_vjp))

# --------------------------------------------------------------------------
# dot: multiply with a scalar, matmul up to 2-D, and beyond that the einsum NumPy defines
# (the last axis of x against the second-to-last of y)


def _dot_subscripts(nx: int, ny: int) -> str:
    letters = _fresh_letters("")
    xs = "".join(next(letters) for _ in range(nx - 1))
    k = next(letters)
    if ny == 1:
        return f"{xs}{k},{k}->{xs}"
    ys = "".join(next(letters) for _ in range(ny - 2))
    m = next(letters)
    return f"{xs}{k},{ys}{k}{m}->{xs}{ys}{m}"


def _dot_vjp(i):
    def vjp(ans, x, y):
        nx, ny = len(shape(x)), len(shape(y))
        if 0 in (nx, ny):
            return p.multiply_p.vjps[i](ans, x, y)
        if nx <= 2 and ny <= 2:
            return p.matmul_p.vjps[i](ans, x, y)
        return _einsum_vjp(i, ans, x, y, subscripts=_dot_subscripts(nx, ny))

    return vjp


def _dot_joint_vjp(active, ans, x, y):
    """dot's joint pull-back: matmul's (up to 2-D), else multiply's or einsum's, as the per-operand rules."""
    sx, sy = shape(x), shape(y)
    if 0 < len(sx) <= 2 and 0 < len(sy) <= 2:
        return _matmul_vjp(active, ans, x, y)
    pullbacks = [_dot_vjp(k)(ans, x, y) if a else None for k, a in enumerate(active)]
    return lambda g: tuple([None if pb is None else pb(g) for pb in pullbacks])


defjvp(p.dot_p,
       lambda t, ans, x, y: anp.dot(t, y),
       lambda t, ans, x, y: anp.dot(x, t))
defvjp(p.dot_p, _dot_vjp(0), _dot_vjp(1), joint=_dot_joint_vjp)
