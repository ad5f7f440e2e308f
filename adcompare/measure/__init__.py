"""Measurement: time, memory and operation counts, for our engines and the peers.

* :mod:`timing`: warm-up, adaptive repeats (ADBench's doubling), median and spread.
* :mod:`memory`: bytes kept alive for the reverse sweep, bytes of f's
  intermediates, and peaks (tracemalloc, ``memory_stats``, RSS).
* :mod:`opcount`: primitive applications in f, jvp and vjp.
* :mod:`tools`: one adapter per engine or peer (JAX, autograd, PyTorch).
* :mod:`cell`: one measurement cell, run in a fresh process.
* :mod:`bench`: the ``adcompare bench`` driver that writes the CSV.
"""
