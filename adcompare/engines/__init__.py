"""The engines: one module (or package) per approach."""
