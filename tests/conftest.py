"""Every test compares in float64: JAX's default float32 would hide real errors."""

import jax

jax.config.update("jax_enable_x64", True)
