"""The studies, in report order. Each module has ``run(ctx) -> Section``."""

ORDER = ("correctness", "overhead", "scaling", "opcounts", "memory", "compile", "higher_order",
         "usability", "gpu", "checkpointing")
