"""theory: SymPy + mpmath predictions for leapfrog HMC (no sampling; never imports numerics/ or _fastcore/).

Public API (import from the submodules; this package import stays light):

theory.parse       parse_potential(text) -> sympy.Expr in q          (whitelist parser, no eval)
theory.smooth      leapfrog_step_series(U, order, qs, ps), exact_flow_series(U, order, qs, ps),
                   local_error_series(U=None, order=4, qs=None, ps=None) -> LocalErrorSeries,
                   energy_error_leading_coefficient(U=None, qs, ps)  (coefficient of eps^3), EPS
theory.shadow      shadow_term_bch(U, qs, ps), shadow_term_formula(U, qs, ps),
                   shadow_terms_generic(order) -> {2: S2, 4: S4}, shadow_hamiltonian(U, order),
                   shadow_residual(U, H_tilde, order, qs, ps)
theory.kink        crossing_step_energy_error(U_left, U_right, q, p, eps),
                   piecewise_linear_crossing_error(g_minus, g_plus, kink),
                   crossing_error_in_phase(U_left, U_right, kink, order), leading_crossing_term(...),
                   crossing_conditions(...), uniform_phase_moments(expr), kinked_sigma0_expression()
theory.holder      holder_phase_function(theta, alpha, c_minus, c_plus), holder_phase_moments(...),
                   sigma0_holder(alpha, T, density_at_point, c_minus, c_plus)
theory.acceptance  acceptance_limit(Sigma), gaussian_energy_error_moments(eps, n_steps, sigma),
                   gaussian_energy_error_moments_symbolic(n_steps), gaussian_sigma0(T, sigma),
                   sigma0_smooth(U, T), sigma0_kinked(U, T), sigma0_holder
theory.tuning      optimal_x(k, m), optimal_acceptance(k, m), optimal_l(sigma0, k, m),
                   relative_efficiency(target_acceptance, k, m)
theory.gaussian_efficiency  gaussian_esjd_table(dims, T, max_steps) (finite-d ESJD per gradient
                   on N(0, I_d) against n_steps), normal_acceptance_moments(mu, var)
theory.classify    analyse_potential(U) -> PotentialAnalysis (kinks, holder_points, density(b))
theory.splitting   local energy-error series of any palindromic splitting, exact crossing step,
                   crossing phase function and kinked Sigma_0 constant (relu_hmc.splittings data)
theory.derive      derive_scaling_law(expr, T=1.0) -> dict   (the `relu-hmc derive` JSON contract)
theory.errors      TheoryInputError(ValueError), PotentialError(TheoryInputError)

Derivations: proofs_notes/*.md; each checked formula there is compared with these functions
by tests/test_proofs_notes.py.
"""
