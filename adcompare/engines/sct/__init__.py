"""Source code transformation: ``ad.engine("sct")``, a Python function's source in, derivative source out.

The engine API is :class:`SCTEngine` (:mod:`.api`): JAX's ``jvp`` and ``vjp``
signatures on top of generated code, the rest from :class:`adcompare.engine.Engine`.
:mod:`.direct` is how a call reaches the generated code (through partials and bound methods),
and the direct gradient path of NumPy arguments, which keeps what it worked out per function.
:mod:`.transform` runs the passes below, in this order, and caches the result (:mod:`.validity`
checks on each call that what a cached result assumed still holds):

1. **front/**: the user's function into the normalized program (:mod:`.ir`).
   :mod:`.front.parse` reads the source and resolves its names (:mod:`.front.fence`
   refuses unsupported syntax up front, after :mod:`.front.vocab_writes` made the vocabulary's writes in
   place, ``anp.copyto(y, v)``, index writes); :mod:`.front.normalize` cuts deep
   expressions (:mod:`.front.flatten`), puts every jump last on its path
   (:mod:`.front.jumps`), then runs the normalizer's parts: A-normal form
   (:mod:`.front.anf`), desugaring of loops, index writes and list operands
   (:mod:`.front.desugar`), call classification (:mod:`.front.calls`) and the
   writes in place another name would see (:mod:`.front.aliases`, which asks the
   may-alias analysis :mod:`.analysis.aliasing`).
2. **analysis/**: facts about the normalized program. :mod:`.analysis.dataflow`
   (uses, definitions, readers, liveness: the one def/use module every pass asks),
   :mod:`.analysis.activity` (which variables carry derivatives) with
   :mod:`.analysis.refusals` (what cannot be differentiated, refused with its
   line), :mod:`.analysis.ranks` (the variables that hold numbers, shape ``()``, whenever
   bound: broadcasting against them keeps the other operand's shape), in reverse mode
   :mod:`.analysis.saves` (what the forward sweep keeps), and in
   forward mode :mod:`.analysis.owned` (the lists an append may grow in place).
3. **emit/**: the generated code. Forward mode is :mod:`.emit.forward`; reverse
   mode is :mod:`.emit.clobbers` (a pre-pass, before activity), :mod:`.emit.adjoints`
   (each statement's contributions), :mod:`.emit.sweeps` and :mod:`.emit.control`
   (the two sweeps of straight-line code, branches and loops) assembled by
   :mod:`.emit.reverse`, then :mod:`.emit.peephole` and :mod:`.emit.into` (a callee adds
   into its caller's cotangents); :mod:`.emit.specialize` makes them again knowing that some
   parameters hold 1-D arrays or numbers, behind a guard checked once per call. Both modes use
   :mod:`.emit.primal` and inline rules from :mod:`.emit.templates`;
   :mod:`.emit.codegen` turns the ``ast`` into source and live functions. With
   ``SCTEngine(control="lax")`` and JAX inputs, loops and branches are handed to JAX
   instead: :mod:`.emit.structured` (what they carry; forward mode) and
   :mod:`.emit.structured_reverse` emit calls of :mod:`.emit.lax_runtime` (``lax.scan``,
   ``lax.cond``, ``lax.while_loop``, over the carried state of :mod:`.emit.lax_carry`; the tests' ``and``,
   ``or`` and ``not`` of traced values as ``jnp.logical_*``, :mod:`.emit.lax_logic`). What
   the generated code calls when it runs is here too: :mod:`.emit.runtime` (containers' cotangents in
   :mod:`.emit.containers`),
   :mod:`.emit.direct` (the primitives an inline rule calls, without dispatch, in code that is run), and
   the stand-ins for callees that are not transformed from source (custom
   functions, :mod:`.emit.custom_callee`; engine-made functions, :mod:`.emit.boxed_callee`;
   SCT's runtime helpers met in generated code transformed again, :mod:`.emit.second`).
4. **Second order** (``SCTEngine(higher="sct")``): :mod:`.programs` writes a
   derivative this engine made (``grad``, ``jacrev``, ``jacfwd``) as a program
   that calls the generated code, which the pipeline above transforms again:
   :mod:`.front.generated` rewrites generated code (its stack idiom, its
   integers, its rule-table calls) into what the front end takes, and
   :mod:`.front.rule_source` gives each rule-table call the rule's own source; :mod:`.dynamic_second` takes a
   call the generated code knows only when it runs (``call_fwd``) in forward mode over that function's own code.

What a reverse sweep keeps is chosen in one place, :func:`.transform.residuals_for`:
rule pull-backs and shapes by default (the least kept), arrays (the rules called in
the reverse sweep) for code that is transformed again or whose loops ``lax.scan`` stacks.

Shared by all stages: :mod:`.ir` (the normalized program), :mod:`.naming` (every
generated name), :mod:`.errors` (:class:`SCTError`, refusals before any code runs),
:mod:`.located` (an error raised while generated code runs gets a note naming the user's
file and line) and :mod:`.asttools` (non-recursive ``ast`` copies and walks). A stage imports the shared modules and
the stages before it, with two exceptions: the front end asks
:mod:`.analysis.dataflow` which variables hold lists (to pack list operands) and
:mod:`.analysis.aliasing` which writes in place another name would see, and binds
run-time checks (:func:`.emit.runtime.check_sequence`, :mod:`.emit.inplace`) into the code.
"""

from adcompare.engines.sct import dynamic_second  # noqa: F401  (registers its stand-ins)
from adcompare.engines.sct.api import SCTEngine
from adcompare.engines.sct.errors import SCTError

__all__ = ["SCTEngine", "SCTError"]
