"""Measurement: time, memory and operation counts, for our engines and the peers.

* :mod:`cell`: a :class:`~adcompare.measure.cell.Cell`, what one measurement is (plain data).
* :mod:`fresh` and :mod:`worker`: the one subprocess protocol (cells go to a
  fresh process, rows come back); :data:`worker.KINDS` names every measuring function.
* :mod:`costs`: time, kept bytes, op counts and peaks of one derivative (kind ``bench``).
* :mod:`bench`: the ``adcompare bench`` driver that writes the CSV.
* :mod:`overhead`, :mod:`staging`: per-operation overhead; compile and transform times.
* :mod:`timing`: warm-up, adaptive repeats (ADBench's doubling), median and spread.
* :mod:`footprint`: bytes kept alive by a pull-back, and peaks.
* :mod:`opcount`: primitive applications, counted by a trace of their own.
* :mod:`modes`: each measured mode's derivative; :mod:`tools`: one adapter per engine or peer.
* :mod:`source_size`, :mod:`longsource`: source size of the two forms; generated long sources.
"""
