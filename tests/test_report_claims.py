"""The report's verdicts are decided from the rows: synthetic rows, every verdict each claim can give.

Covers study 7's ``claims`` (SCT over SCT), study 6's ``sequence_claims``
(compile time against sequence length) and study 5's ``tape_claim`` (SCT's
kept bytes against the tape's). No timing is measured here.
"""

from __future__ import annotations

import math

import pytest

from adcompare.report.studies import compile as compile_study
from adcompare.report.studies import higher_order, memory
from adcompare.report.study import loglog_slope

NOT_BUILT = "NotImplementedError: SCTEngine(higher='sct', control='python') is not built yet"


def second_order(tool: str, mode: str, status: str = "ok", seconds: float = 1e-3, **extra) -> dict:
    row = {"tool": tool, "problem": "rosenbrock", "size": "tiny", "mode": mode, "status": status,
           "derivative_s": seconds if status == "ok" else None, "ratio": 10.0,
           "max_error": 1e-16 if status == "ok" else None, "note": None}
    return {**row, **extra}


MODES = ("hessian", "hessian-rr", "hvp", "hvp-rr")


def boxes(seconds: float = 2e-3) -> list[dict]:
    return [second_order("sct:boxes", m, seconds=seconds) for m in MODES]


def test_sct_over_sct_that_ran_and_agreed_everywhere_holds():
    rows = [second_order("sct:sct", m) for m in MODES] + boxes()
    first, speed = higher_order.claims(rows)
    assert first.verdict == "holds" and "4/4" in first.evidence
    assert speed.verdict == "holds" and "4/4" in speed.evidence and "2.00" in speed.evidence


def test_sct_over_sct_in_some_compositions_is_partly_and_says_why_not():
    refused = "SCTError: reverse over reverse: not supported by the SCT engine"
    rows = [second_order("sct:sct", m) for m in MODES[:2]]
    rows += [second_order("sct:sct", m, "unsupported", note=refused) for m in MODES[2:]] + boxes(seconds=5e-4)
    first, speed = higher_order.claims(rows)
    assert first.verdict == "partly" and "2/4" in first.evidence and refused in first.evidence
    assert speed.verdict == "does not hold" and "0/2" in speed.evidence and "slower by as much in 2" in speed.evidence


def test_a_speed_difference_within_the_run_to_run_spread_is_not_faster():
    rows = [second_order("sct:sct", m, seconds=1e-3) for m in MODES] + boxes(seconds=1.2e-3)
    assert higher_order.claims(rows)[1].verdict == "does not hold"
    rows[0]["derivative_s"] = 0.5e-3
    assert higher_order.claims(rows)[1].verdict == "partly"


def test_sct_over_sct_not_built_leaves_overloading_over_sct():
    rows = [second_order("sct:sct", m, "unsupported", note=NOT_BUILT) for m in MODES] + boxes()
    (first,) = higher_order.claims(rows)  # no speed claim without a pair that ran
    assert first.verdict == "partly" and "0/4" in first.evidence and NOT_BUILT in first.evidence
    rows[-1] = second_order("sct:boxes", "hvp-rr", "error", note="TypeError: boom")
    assert higher_order.claims(rows)[0].verdict == "does not hold"


def test_a_wrong_second_derivative_means_the_claim_does_not_hold():
    rows = [second_order("sct:sct", m) for m in MODES[:3]] + boxes()
    rows.append(second_order("sct:sct", "hvp-rr", "wrong", max_error=0.3, note="max scaled error 3.00e-01"))
    first = higher_order.claims(rows)[0]
    assert first.verdict == "does not hold" and "rosenbrock/tiny hvp-rr" in first.evidence


def test_an_unchecked_cell_does_not_count_as_correct():
    rows = [second_order("sct:sct", m, max_error=None) for m in MODES] + boxes()
    assert not higher_order.claims(rows)[0].verdict == "holds"
    assert higher_order.claims([])[0].verdict == "not measured"


def staged(tool: str, length: int, staging_s: float, jit_s: float = 1e-3, status: str = "ok", note=None) -> dict:
    return {"tool": tool, "length": length, "status": status, "note": note,
            "staging_s": staging_s if status == "ok" else None, "jit_s": jit_s if status == "ok" else None}


LENGTHS = (64, 512, 4096)


def test_flat_compile_time_of_the_structured_output_holds():
    rows = [staged("sct:lax+jit", c, 2.0 + c / 1e5, jit_s=c * 1e-5) for c in LENGTHS]
    rows += [staged("jax+scan", c, 1.7, jit_s=c * 1e-5) for c in LENGTHS]
    rows += [staged("sct+jit", 64, 10.0), staged("sct+jit", 512, 90.0),
             staged("sct+jit", 4096, 0, status="skipped", note="not run: past the cap")]
    flat, speed = compile_study.sequence_claims(rows)
    assert flat.verdict == "holds" and "c = 64" in flat.evidence and "sct+jit 1.06 (64-512)" in flat.evidence
    assert speed.verdict == "holds" and "c = 4096 1.00" in speed.evidence


@pytest.mark.parametrize("growth, verdict", [(0.2, "partly"), (0.5, "does not hold"), (1.0, "does not hold")])
def test_compile_time_that_grows_with_the_sequence_is_not_flat(growth, verdict):
    rows = [staged("sct:lax+jit", c, c ** growth, jit_s=2e-3) for c in LENGTHS]
    rows += [staged("jax+scan", c, 1.7, jit_s=1e-3) for c in LENGTHS]
    flat, speed = compile_study.sequence_claims(rows)
    assert flat.verdict == verdict and speed.verdict == "does not hold"


def test_a_structured_output_not_built_is_not_measured_and_says_why():
    note = "NotImplementedError: SCTEngine(higher='boxes', control='lax') is not built yet"
    rows = [staged("sct:lax+jit", c, 0, status="unsupported", note=note) for c in LENGTHS]
    rows += [staged("jax+scan", c, 1.7) for c in LENGTHS]
    (flat,) = compile_study.sequence_claims(rows)
    assert flat.verdict == "not measured" and note in flat.evidence
    one = compile_study.sequence_claims([staged("sct:lax+jit", 4, 2.0)])[0]
    assert one.verdict == "not measured"  # one length (smoke): no slope


def kept(tool: str, problem: str, length: int, kept_bytes: int, status: str = "ok") -> dict:
    return {"tool": tool, "problem": problem, "length": length, "kept_bytes": kept_bytes, "status": status}


def test_sct_keeping_no_more_than_the_tape_is_decided_per_cell():
    rows = [kept("overloading", "lstm", n, 1000 * n) for n in (4, 16)] + [kept("jax", "lstm", 4, 1)]
    rows += [kept("overloading", "ode", 2, 500), kept("sct", "ode", 2, 400)]
    assert memory.tape_claim(rows).verdict == "holds" and "1/1" in memory.tape_claim(rows).evidence
    rows += [kept("sct", "lstm", 4, 4000), kept("sct", "lstm", 16, 16000)]
    assert memory.tape_claim(rows).verdict == "holds"
    rows[-1] = kept("sct", "lstm", 16, 32000)
    claim = memory.tape_claim(rows)
    assert claim.verdict == "partly" and "2/3" in claim.evidence and "lstm length 16" in claim.evidence
    assert memory.tape_claim([r for r in rows if r["problem"] == "lstm" and r["length"] == 16]).verdict == \
        "does not hold"
    assert memory.tape_claim([kept("sct", "lstm", 4, 10), kept("overloading", "lstm", 4, 5, "error")]) is None


def test_loglog_slope():
    """First to last point by x, whatever order they come in."""
    assert loglog_slope([(100, 4.0), (10, 2.0), (1000, 8.0)]) == pytest.approx(math.log(4) / math.log(100))
