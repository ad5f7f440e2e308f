"""The h14 vocabulary tests' program check: ``vocab_more_check``'s, with SCT's second order left to the overloading
engine's (the same compositions of the same rules; SCT's own second order re-transforms these long vocabulary
functions, seconds each: CI's time). Values, gradients and JVPs on both engines, Hessian-vector products on one."""

from __future__ import annotations

import pytest
from vocab_more_check import ENGINES, check_program, seeded


def program_tests(programs: list, shapes: list):
    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("program", programs)
    def test_programs_against_jax(program, engine):
        for args in seeded(shapes):
            check_program(program, args, engine, second=engine == "overloading")

    return test_programs_against_jax
