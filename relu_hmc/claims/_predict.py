"""Theory adapter shared by the claim modules that compare against a scaling law (acceptance,
step_size, optimal_acceptance): JSON-able arguments in, a dict out."""
from __future__ import annotations


def predict_scaling_law(potential: str, T: float = 1.0) -> dict:
    """relu_hmc.theory.derive's scaling law: gamma, 2k, Sigma_0, optimal acceptance; plus the exponent
    of Var(dH) in d at fixed eps, 2k gamma (Var = Sigma_0 eps^(2k) d^(2k gamma))."""
    from relu_hmc.theory.derive import derive_scaling_law

    law = derive_scaling_law(potential, T)
    keys = ("potential", "T", "regularity", "k", "step_size_exponent", "sigma_exponent", "sigma0",
            "optimal_acceptance", "optimal_l")
    out = {key: law[key] for key in keys}
    out["d_exponent_fixed_eps"] = law["sigma_exponent"] * law["step_size_exponent"]
    return out
