"""Emission: the generated code, and what it calls when it runs (see :mod:`adcompare.engines.sct`)."""
