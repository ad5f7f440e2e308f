"""Every test compares in float64: JAX's default float32 would hide real errors.

XLA's CPU compiler: the suite runs JAX op by op (the JAX backend of every engine, JAX's reference
derivatives), and each operation on a new shape is one small XLA compilation (~40 ms, most of the suite's
JAX time). The legacy loop emitters at backend optimization level 0 compile them ~40% faster; they compute
the same IEEE operations (no fast math either way), and the engines and the JAX oracle share the setting.
Flags the caller set in XLA_FLAGS come after these and win. Set before XLA's backend starts (its first use).
"""

import os

os.environ["XLA_FLAGS"] = " ".join(
    ["--xla_cpu_use_fusion_emitters=false", "--xla_backend_optimization_level=0", os.environ.get("XLA_FLAGS", "")]
).strip()

import jax  # noqa: E402  (after XLA_FLAGS)

jax.config.update("jax_enable_x64", True)

# The slow tier: stress tests and second-order checks that repeat what the default suite checks on smaller cases;
# each over ~4 s in CI. The default run (the README's test command, CI) skips them, to stay within CI's 20 minutes
# on two cores (the whole tier: 181 s of the two processes' time here); ADCOMPARE_SLOW=1 runs them too (the whole
# suite). The random-program sweeps, checks against programs nobody wrote by hand, stay in the default run.
SLOW = {
    "test_speed6_red_reductions.py::test_second_order_through_max_and_min_as_jax",
    "test_speed6_red_reductions.py::test_second_order_through_logsumexp_as_jax",
    "test_sct_structured.py::test_workloads_under_jit",
    "test_overloading_aliases.py::test_second_order_hessian_and_jvp_of_grad_match_jax",
    "test_vocab_more_polynomials.py::test_programs_against_jax",
    "test_vocab_more_signal.py::test_programs_against_jax",
    "test_sct_long.py::test_one_long_expression",
    "test_sct_long.py::test_long_straight_line_function",
    "test_sct_long.py::test_long_expressions_in_loops_branches_and_calls",
    "test_probe11_review3_correlate.py::test_correlate_shorter_first_as_jax",
    "test_sct_higher_default.py::test_lax_hessian_of_if_elif_under_jit",
    "test_probe7_einsum_broadcast.py::test_grad_and_vjp",
    "test_vocab13_editing.py::test_programs_against_jax",
    "test_probe10_real_einsum.py::test_derivatives_through_an_ellipsis_are_jax_s",
    "test_views_more.py::test_diagonal_is_a_view_on_second_order_and_on_jax_inputs",
    "test_index_update.py::test_rnn_pattern_against_jax",
    "test_probe7_einsum_broadcast.py::test_hessian",
    "test_sct18_fix_module_dot.py::test_methods_and_a_modules_other_functions_agree_with_jax",
    "test_vocab_linalg.py::test_forward_over_reverse_matches_jax",
    "test_vocab_shapes.py::test_forward_over_reverse_against_jax",
    "test_numerics.py::test_binary_derivatives_at_the_edges",
    "test_speed6_red_reductions.py::test_positions_form_matches_the_mask_form_and_jax",
    "test_sct_control.py::test_jax_inputs_and_hessians",
    "test_probe10_autograd_lists.py::test_a_list_of_differentiated_values_is_packed",
    "test_probe10_real_vocabulary.py::test_a_realistic_program_calls_numpy_names_as_jax_differentiates_them",
    "test_sct_higher.py::test_einsum_and_linalg_rules_are_transformed_again",
    "test_views_more.py::test_write_into_base_read_view",
    "test_views_more.py::test_write_into_view_read_base",
    "test_sct_structured.py::test_control_suite_on_jax_inputs",
    "test_det_singular.py::test_grad_and_hessian_at_singular_matrix_match_jax",
    "test_vocab_elementwise.py::test_binary_derivatives_at_the_edges",
    "test_vocab_elementwise.py::test_unary_derivatives_at_the_edges",
    "test_numerics.py::test_reductions_at_the_edges",
    "test_sct_templates.py::test_generated_template_equals_rule",
}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("ADCOMPARE_SLOW") == "1":
        return
    import pytest

    skip = pytest.mark.skip(reason="slow tier: ADCOMPARE_SLOW=1 runs it")
    for item in items:
        if f"{item.path.name}::{item.originalname}" in SLOW:
            item.add_marker(skip)
