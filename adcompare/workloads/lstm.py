"""``lstm``: ADBench's diagonal LSTM (D-LSTM) sequence loss.

l layers, hidden size b (the bits of one character), c characters.

* ``main_params`` (2l × 4b): row 2j holds layer j's weights (w_f, w_i, w_o,
  w_c), each b wide; row 2j+1 the matching biases.
* ``extra_params`` (3 × b): the input weights w_in, the output weights w_out
  and the output bias b_out.
* ``state`` (2l × b): rows (h_j, c_j) of every layer. It is an input, and the
  state reached after step t is the state of step t+1 (carried over).
* ``sequence`` (c × b): one one-hot row per character.

Layer j with input u and state (h, c), all products elementwise:
f = σ(u w_f + b_f), i = σ(h w_i + b_i), o = σ(u w_o + b_o),
g = tanh(h w_c + b_c); then c ← c f + i g and h ← o tanh(c). Layer j's new h
is layer j+1's input; u_0 = x_t w_in; the prediction is ŷ_t = h_{l−1} w_out + b_out.

    loss = −Σ_{t=0}^{c−2} Σ_k x_{t+1,k} (ŷ_{t,k} − log(Σ_k exp ŷ_{t,k} + 2)) / ((c−1) b)

The "+2" inside the logarithm is in every reference implementation (ADBench's
C++, PyTorch and Tapenade versions); we keep it.

Differentiated: main_params and extra_params, 8lb + 3b values (266 at l = 2,
b = 14); ``state`` and ``sequence`` are constants.

Inputs, seeded, in this order: main_params, extra_params and state ~ U(0, 1);
then the sequence as seeded random one-hot rows (character k_t ~ U{0..b−1}),
not a text: the problem only needs one-hot rows, and random ones give every
size without shipping data.

``lstm_checkpointed`` (``lstm@step``, ``lstm@sqrt``, ``lstm@k``) is the same
loss with its loop cut into segments of k steps, each an ``ad.checkpoint``
function of the state and the running total; ``every`` (k) follows the inputs.

Sizes (l, b, c): (2, 1, 3) tiny: two layers, and the state carried over
once, while b = 1 keeps the Hessian over main_params to 16 passes (on JAX
arrays every engine pays JAX's eager dispatch per operation, about 1.4 s for
that Hessian against 2.5 s at b = 2; the tests check b = 14 at small);
(2, 14, 8) small; (2, 14, 1024) medium, the size of the peer
measurements in WORKLOADS.md; (2, 14, 4096) large.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.checkpoint import checkpoint
from adcompare.workloads.registry import Workload, register, register_checkpointed


def lstm(main_params, extra_params, state, sequence):
    c = len(sequence)
    _, total = lstm_segment(main_params, extra_params, state, 0.0, sequence, 0, c - 1)
    return -total / ((c - 1) * len(extra_params[0]))


def lstm_elemental(main_params, extra_params, state, sequence):
    c = el.shape(sequence)[0]
    _, total = lstm_segment_elemental(main_params, extra_params, state, 0.0, sequence, 0, c - 1)
    return el.divide(el.negative(total), float((c - 1) * el.shape(extra_params)[1]))


def lstm_segment(main_params, extra_params, state, total, sequence, start, stop):
    """Steps start .. stop-1 of lstm's loop: the state and running total after them."""
    layers = len(state) // 2
    b = len(extra_params[0])
    for t in range(start, stop):
        u = sequence[t] * extra_params[0]
        rows = []
        for j in range(layers):
            hidden = state[2 * j]
            cell = state[2 * j + 1]
            # all four gates in one product: f and o read u, i and g read h
            gates = anp.concatenate([u, hidden, u, hidden]) * main_params[2 * j] + main_params[2 * j + 1]
            sigmoids = anp.sigmoid(gates[:3 * b])
            forget = sigmoids[:b]
            ingate = sigmoids[b:2 * b]
            outgate = sigmoids[2 * b:]
            change = anp.tanh(gates[3 * b:])
            cell = cell * forget + ingate * change
            hidden = outgate * anp.tanh(cell)
            rows.append(hidden)
            rows.append(cell)
            u = hidden
        state = anp.stack(rows)
        prediction = u * extra_params[1] + extra_params[2]
        log_normalizer = anp.log(anp.sum(anp.exp(prediction)) + 2.0)
        total = total + anp.sum(sequence[t + 1] * (prediction - log_normalizer))
    return state, total


lstm_segment_checkpointed = checkpoint(lstm_segment, static_argnums=(5, 6))


def lstm_checkpointed(main_params, extra_params, state, sequence, every):
    """lstm, its loop cut into checkpointed segments of ``every`` steps (the last may be shorter)."""
    steps = len(sequence) - 1
    total = 0.0
    for start in range(0, steps, every):
        state, total = lstm_segment_checkpointed(main_params, extra_params, state, total, sequence,
                                                 start, min(start + every, steps))
    return -total / (steps * len(extra_params[0]))


def lstm_segment_elemental(main_params, extra_params, state, total, sequence, start, stop):
    """``lstm_segment`` in elemental form: ``lstm_elemental`` is this segment over every step."""
    layers = el.shape(state)[0] // 2
    b = el.shape(extra_params)[1]
    for t in range(start, stop):
        u = el.multiply(sequence[t], el.getitem(extra_params, 0))
        rows = []
        for j in range(layers):
            hidden = el.getitem(state, 2 * j)
            cell = el.getitem(state, 2 * j + 1)
            gates = el.add(el.multiply(el.concatenate([u, hidden, u, hidden]), el.getitem(main_params, 2 * j)),
                           el.getitem(main_params, 2 * j + 1))
            sigmoids = el.sigmoid(el.getitem(gates, slice(None, 3 * b)))
            forget, ingate = el.getitem(sigmoids, slice(None, b)), el.getitem(sigmoids, slice(b, 2 * b))
            outgate = el.getitem(sigmoids, slice(2 * b, None))
            change = el.tanh(el.getitem(gates, slice(3 * b, None)))
            cell = el.add(el.multiply(cell, forget), el.multiply(ingate, change))
            hidden = el.multiply(outgate, el.tanh(cell))
            rows += [hidden, cell]
            u = hidden
        state = el.stack(rows)
        prediction = el.add(el.multiply(u, el.getitem(extra_params, 1)), el.getitem(extra_params, 2))
        log_normalizer = el.log(el.add(el.sum(el.exp(prediction)), 2.0))
        total = el.add(total, el.sum(el.multiply(sequence[t + 1], el.subtract(prediction, log_normalizer))))
    return state, total


lstm_segment_elemental_checkpointed = checkpoint(lstm_segment_elemental, static_argnums=(5, 6))


def lstm_checkpointed_elemental(main_params, extra_params, state, sequence, every):
    steps = el.shape(sequence)[0] - 1
    total = 0.0
    for start in range(0, steps, every):
        state, total = lstm_segment_elemental_checkpointed(main_params, extra_params, state, total, sequence,
                                                           start, min(start + every, steps))
    return el.divide(el.negative(total), float(steps * el.shape(extra_params)[1]))


def lstm_scan(main_params, extra_params, state, sequence, every=0):
    """lstm as one ``jax.lax.scan`` (JAX values only): the JAX peer's form at long sequences.

    ``every`` > 0 checkpoints segments of that many steps with ``jax.checkpoint``
    (a scan over segments, each a checkpointed scan over its steps), as ``lstm_checkpointed`` does.
    """
    steps, b = len(sequence) - 1, len(extra_params[0])
    pairs = jnp.stack([jnp.asarray(sequence[:-1]), jnp.asarray(sequence[1:])], axis=1)  # rows t and t + 1

    def run(carry, segment_pairs):
        def step(carry, pair):  # lstm_segment on a two-row sequence takes exactly one step
            return lstm_segment(main_params, extra_params, *carry, pair, 0, 1), None

        return jax.lax.scan(step, carry, segment_pairs)[0]

    carry = (state, jnp.zeros((), dtype=pairs.dtype))
    if every == 0:
        carry = run(carry, pairs)
    else:
        segment, full = jax.checkpoint(run), steps // every * every
        carry = jax.lax.scan(lambda c, p: (segment(c, p), None), carry,
                             pairs[:full].reshape((steps // every, every) + pairs.shape[1:]))[0]
        if full < steps:
            carry = segment(carry, pairs[full:])
    return -carry[1] / (steps * b)


def lstm_inputs(size: tuple[int, int, int], rng) -> tuple:
    layers, b, c = size
    main_params = rng.uniform(size=(2 * layers, 4 * b))
    extra_params = rng.uniform(size=(3, b))
    state = rng.uniform(size=(2 * layers, b))
    sequence = np.eye(b)[rng.integers(b, size=c)]
    return main_params, extra_params, state, sequence


register(Workload(
    "lstm", lstm, lstm_inputs,
    {"tiny": (2, 1, 3), "small": (2, 14, 8), "medium": (2, 14, 1024), "large": (2, 14, 4096)},
    argnums=(0, 1), tags=frozenset({"array", "control-flow"}), elemental=lstm_elemental, scan=lstm_scan))
register_checkpointed("lstm", lstm_checkpointed, lstm_checkpointed_elemental, steps=lambda size: size[2] - 1)
