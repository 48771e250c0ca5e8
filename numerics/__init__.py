"""Measurements on the compiled leapfrog kernels (NumPy + _fastcore); no symbolic algebra.

Core API:
- `numerics.potentials`: built-in families (`gaussian`, `laplace`, `piecewise_linear`,
  `piecewise_quadratic`, `power`, `softplus_kink`, `logcosh`, `quartic`) and
  `CallablePotential(u, du)` for any vectorised 1D potential; `.sample(rng, shape)` draws
  exact stationary starts.
- `numerics.leapfrog.leapfrog_trajectory(potential, q0, p0, eps, n_steps) -> Trajectory`.
- `numerics.hmc.stationary_energy_errors(...)`, `numerics.hmc.run_hmc(...)`.
- `numerics.estimators`: every statistic (slopes, bootstrap, Richardson, acceptance probability).
- `numerics.potentials.from_spec(spec)`: the potential of a `relu_hmc.systems` entry's spec.

Test systems (names, parameters) come from the plain-data registry `relu_hmc.systems`.
"""
