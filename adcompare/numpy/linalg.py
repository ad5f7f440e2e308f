"""``anp.linalg``: linear algebra (empty so far)."""
