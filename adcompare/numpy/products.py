"""Products of arrays.

``matmul``, ``dot`` and ``einsum`` are primitives; ``outer``, ``inner``,
``tensordot``, ``kron`` and ``cross`` are compositions of primitives (a reshape,
a transpose, a matmul, a product), so their derivatives are exactly those of
the parts. ``einsum`` takes explicit subscripts (``"ij,jk->ik"``) only.
"""

from __future__ import annotations

from adcompare import primitives as _p
from adcompare.numpy.elementwise import multiply, subtract
from adcompare.numpy.shapes import moveaxis, ndim, reshape, shape, stack, transpose

matmul = _p.matmul_p
dot = _p.dot_p  # NumPy's: N-d operands contract the last axis of x with the second-to-last of y


def einsum(subscripts, *operands, optimize=False):
    """NumPy's einsum (``"ij,jk->ik"``, ``"...ij,...jk"``: an ellipsis, an implicit output); ``optimize`` is ignored.

    Several operands are contracted two at a time, left to right (each step keeps the
    letters still needed), so every primitive application has one or two operands.
    """
    shapes = ()
    for x in operands:
        shapes = shapes + (shape(x),)
    steps = _einsum_steps(_einsum_subscripts(subscripts, shapes))
    out = operands[0]
    for i in range(1, len(operands)):
        out = _p.einsum_p(out, operands[i], subscripts=steps[i - 1])
    if steps[-1] is not None:
        out = _p.einsum_p(out, subscripts=steps[-1])
    return out


def _einsum_steps(subscripts: str) -> list:
    """Pairwise steps ``acc,x_i->kept``, then the last one-operand step (None if not needed)."""
    ins, out = subscripts.split("->")
    ins = ins.split(",")
    steps, acc = [], ins[0]
    for i in range(1, len(ins)):
        needed = set(out).union(*ins[i + 1:])
        kept = "".join(c for c in dict.fromkeys(acc + ins[i]) if c in needed)
        steps.append(f"{acc},{ins[i]}->{kept}")
        acc = kept
    steps.append(None if acc == out else f"{acc}->{out}")
    return steps


def _einsum_subscripts(subscripts, shapes: tuple) -> str:
    if not isinstance(subscripts, str):
        raise NotImplementedError("einsum: subscripts must be a string such as 'ij,jk->ik' "
                                  "(the interleaved form einsum(a, [0, 1], ...) is not supported)")
    s = subscripts.replace(" ", "")
    ins = s.split("->")[0].split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, {len(shapes)} given")
    ins, spread = _einsum_ellipses(ins, shapes, subscripts)
    if "->" in s:
        out = s.split("->")[1].replace("...", spread)
    else:  # NumPy's implicit output: the ellipsis's axes, then the letters named once, in alphabetical order
        joined = "".join(ins)
        out = spread + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in spread))
    s = ",".join(ins) + "->" + out
    for sub, s_ in zip(ins, shapes):
        if not sub.isalpha() and sub != "" or len(sub) != len(s_):
            raise ValueError(f"einsum: subscripts {sub!r} do not match an operand of shape {s_}")
    if not (out.isalpha() or out == "") or len(set(out)) != len(out) or not set(out) <= set("".join(ins)):
        raise ValueError(f"einsum: output subscripts {out!r} must be distinct letters of the inputs")
    return s


def _einsum_ellipses(ins: list, shapes: tuple, subscripts: str) -> tuple[list, str]:
    """Each operand's ``...`` replaced by letters it does not use, right-aligned as NumPy broadcasts them."""
    counts = [len(s_) - len(sub.replace("...", "")) for sub, s_ in zip(ins, shapes) if "..." in sub]
    if any(sub.count("...") > 1 or sub.replace("...", "").count(".") for sub in ins) or min(counts, default=0) < 0:
        raise ValueError(f"einsum: {subscripts!r} has an ellipsis that does not fit its operand's shape")
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in subscripts]
    spread = "".join(free[:max(counts, default=0)])
    return [sub.replace("...", spread[len(spread) - n:] if n else "") for sub, n in
            zip(ins, [len(s_) - len(sub.replace("...", "")) for sub, s_ in zip(ins, shapes)])], spread


def _axes_of(axes, na: int, nb: int) -> tuple[list, list]:
    if isinstance(axes, _p.INTEGERS):
        return list(range(na - axes, na)), list(range(axes))
    ax, bx = axes
    ax, bx = ([ax] if isinstance(ax, _p.INTEGERS) else list(ax)), ([bx] if isinstance(bx, _p.INTEGERS) else list(bx))
    if len(ax) != len(bx):
        raise ValueError("tensordot: the two sequences of axes must have the same length")
    return [a % na for a in ax], [b % nb for b in bx]


def _tensordot_plan(sa: tuple, sb: tuple, axes):
    """The transposes and matrix shapes that make tensordot one matmul."""
    ax, bx = _axes_of(axes, len(sa), len(sb))
    for a, b in zip(ax, bx):
        if sa[a] != sb[b]:
            raise ValueError(f"tensordot: shape mismatch for summed axes {a} and {b}: {sa[a]} != {sb[b]}")
    free_a = [i for i in range(len(sa)) if i not in ax]
    free_b = [i for i in range(len(sb)) if i not in bx]
    k = 1
    for a in ax:
        k *= sa[a]
    out = tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b)
    return tuple(free_a + ax), (-1, k), tuple(bx + free_b), (k, -1), out


def tensordot(a, b, axes=2):
    perm_a, mat_a, perm_b, mat_b, out = _tensordot_plan(shape(a), shape(b), axes)
    product = matmul(reshape(transpose(a, perm_a), mat_a), reshape(transpose(b, perm_b), mat_b))
    return reshape(product, out)


def outer(a, b):
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def inner(a, b):
    if ndim(a) == 0 or ndim(b) == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def _kron_shapes(sa: tuple, sb: tuple):
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    ra, rb, out = [], [], []
    for i in range(n):
        ra += [sa[i], 1]
        rb += [1, sb[i]]
        out.append(sa[i] * sb[i])
    return tuple(ra), tuple(rb), tuple(out)


def kron(a, b):
    ra, rb, out = _kron_shapes(shape(a), shape(b))
    return reshape(multiply(reshape(a, ra), reshape(b, rb)), out)


def _component(x, i):
    return _p.getitem_p(x, idx=(Ellipsis, i))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or the z-component for two 2-vectors) along ``axis``."""
    if axis is not None:
        axisa, axisb, axisc = axis, axis, axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    na, nb = shape(a)[-1], shape(b)[-1]
    if na == 2 and nb == 2:
        return subtract(multiply(_component(a, 0), _component(b, 1)),
                        multiply(_component(a, 1), _component(b, 0)))
    if na != 3 or nb != 3:
        raise ValueError(f"cross: vectors of lengths {na} and {nb}; both must be 3 (or both 2)")
    a0, a1, a2 = _component(a, 0), _component(a, 1), _component(a, 2)
    b0, b1, b2 = _component(b, 0), _component(b, 1), _component(b, 2)
    c = stack([subtract(multiply(a1, b2), multiply(a2, b1)),
               subtract(multiply(a2, b0), multiply(a0, b2)),
               subtract(multiply(a0, b1), multiply(a1, b0))], axis=-1)
    return moveaxis(c, -1, axisc)
