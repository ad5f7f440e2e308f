"""The front end: a Python function in, its normalized program (:mod:`..ir`) out (see :mod:`adcompare.engines.sct`)."""
