"""The analyses of a normalized program: dataflow, activity and its refusals, saves.

See :mod:`adcompare.engines.sct` for where they sit in the pipeline.
"""
