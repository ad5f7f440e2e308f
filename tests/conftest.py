"""Every test compares in float64: JAX's default float32 would hide real errors.

XLA's CPU compiler: the suite runs JAX op by op (the JAX backend of every engine, JAX's reference
derivatives), and each operation on a new shape is one small XLA compilation (~40 ms, most of the suite's
JAX time). The legacy loop emitters at backend optimization level 0 compile them ~40% faster; they compute
the same IEEE operations (no fast math either way), and the engines and the JAX oracle share the setting.
Flags the caller set in XLA_FLAGS come after these and win. Set before XLA's backend starts (its first use).
"""

import os

os.environ["XLA_FLAGS"] = " ".join(
    ["--xla_cpu_use_fusion_emitters=false", "--xla_backend_optimization_level=0", os.environ.get("XLA_FLAGS", "")]
).strip()

import jax  # noqa: E402  (after XLA_FLAGS)

jax.config.update("jax_enable_x64", True)
