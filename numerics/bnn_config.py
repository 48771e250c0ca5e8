"""Every experimental setting of the Bayesian-network study, in one place.

Dinh, Ho & Nguyen (NeurIPS 2024, arXiv 2410.22065) fix the synthetic data (100 points,
x ~ U(0, 4), y ~ N(cos 2x, 0.1^2)) and the activations compared (sigmoid, ReLU, leaky ReLU).
The stored copies of the paper reachable from here show its abstract and introduction only,
so every other setting below (priors, widths, step-size grids, trajectory lengths, chains,
seeds) is OUR choice; each is stated here and repeated in the report. Change a setting here
and nowhere else.

Sizes come in two budgets: ``quick`` (the whole BNN part of `relu-hmc verify --budget quick`
must fit in about 40 s on 2 cores) and ``full`` (minutes).
"""
from __future__ import annotations

#: Activations compared. Kinked ones have a gradient jump where a pre-activation is 0.
ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softplus")
KINKED: frozenset[str] = frozenset({"relu", "leaky_relu"})
#: leaky_relu(z) = z for z > 0, LEAKY_SLOPE * z otherwise (PyTorch's default slope).
LEAKY_SLOPE: float = 0.01

#: Gaussian priors. Biases and first-layer weights: N(0, PRIOR_SD^2). Weights of later
#: layers: N(0, PRIOR_SD^2 / fan_in) (Neal 1996 scaling), so the prior over functions does
#: not blow up with the width and "acceptance against width" compares like with like.
PRIOR_SD: float = 1.0
SCALE_HIDDEN_PRIOR_BY_FAN_IN: bool = True

#: The paper's synthetic regression set.
SYNTHETIC = {"n": 100, "x_low": 0.0, "x_high": 4.0, "noise_sd": 0.1, "seed": 20241029}

#: Real data sets that ship inside scikit-learn (nothing is downloaded at run time).
#: Regression targets and inputs are standardised; noise_sd is the likelihood's sd on the
#: standardised target (our choice: 0.75, about the residual sd of a linear fit to the
#: standardised diabetes target, so the likelihood is neither flat nor overconfident).
REAL_DATA = {
    "diabetes": {"task": "regression", "noise_sd": 0.75, "test_fraction": 0.25, "split_seed": 7},
    "iris": {"task": "classification", "test_fraction": 0.25, "split_seed": 7},
    "wine": {"task": "classification", "test_fraction": 0.25, "split_seed": 7},
}
DATA_NAMES: tuple[str, ...] = ("synthetic", *REAL_DATA)

#: Sampler start: each chain starts at a prior draw, moves toward a posterior mode by
#: INIT_DESCENT_STEPS iterations of Adam (numerics.bnn_hmc.descend: learning rate 0.01,
#: default betas), then runs warm-up proposals that are discarded...
INIT_DESCENT_STEPS: int = 300
#: ...WARMUP_PROPOSALS HMC proposals of WARMUP_LEAPFROG_STEPS leapfrog steps each at the
#: conservative step size WARMUP_EPS[data] (the same for every activation and measured step size).
WARMUP_PROPOSALS: int = 20
WARMUP_LEAPFROG_STEPS: int = 20
WARMUP_EPS = {"synthetic": 0.001, "diabetes": 0.005, "iris": 0.01, "wine": 0.01}

#: Default network and sampler for the CLI (`relu-hmc bnn`).
CLI_DEFAULTS = {"width": 20, "layers": 1, "data": "synthetic", "eps": 0.002, "steps": 50,
                "proposals": 200, "seed": 0, "chains": 8, "warmup": 30}

SEED: int = 20241029

#: Experiment sizes. eps values are absolute leapfrog step sizes on U = -log posterior
#: of the synthetic set with noise sd 0.1 (curvature ~ 100 / 0.1^2 along output weights,
#: so useful steps are ~1e-3; width-10 networks with unbounded activations become
#: linearly unstable near eps ~ 3e-3, wider ones earlier). Grids were placed after a pilot
#: run so that each curve spans acceptance ~1 down to ~0 (Fig. 3: below the stability
#: edge, where shallow and deep networks are both still accepting). The diabetes posterior
#: (noise sd 0.75 on the standardised target) is less stiff: its grid is 5-10x larger.
BUDGETS = {
    "quick": {
        "width": 10,
        "chains": 16,
        "warmup": 20,
        "proposals": 40,
        # Fig. 1: acceptance against L at fixed eps, and against eps at fixed L
        "fig1_eps": 0.003, "fig1_steps_grid": (10, 40),
        "fig1_steps": 20, "fig1_eps_grid": (0.0015, 0.003, 0.006),
        "fig1_activations": ("relu", "leaky_relu", "sigmoid"),
        # Fig. 2: efficiency against acceptance at fixed T = eps * L
        "fig2_T": 0.06, "fig2_eps_grid": (0.0015, 0.003, 0.006, 0.009),
        "fig2_activations": ("relu", "sigmoid"),
        # Fig. 3: acceptance against the number of parameters, shallow vs deep
        "fig3_eps": 0.0015, "fig3_steps": 20, "fig3_params": (100, 300),
        # acceptance against step size / width per activation
        "sweep_eps_grid": (0.0015, 0.003, 0.006), "sweep_steps": 20,
        "sweep_widths": (5, 20), "sweep_width_eps": 0.003,
        "sweep_activations": ACTIVATIONS,
        # energy-error orders on a network (start states from short HMC runs)
        "order_starts": 32, "order_paired_momenta": 16, "order_eps_grid": (2.5e-5, 5e-5, 1e-4, 2e-4), "order_T": 0.01,
        "order_fixed_T_eps_grid": (2.5e-5, 5e-5, 1e-4, 2e-4), "order_fixed_T": 0.02,
        # constructed one-surface crossing steps (numerics.bnn_crossings): far enough below the
        # stability edge that the eps^2 and eps^3 terms bend the slope by < 0.05
        "crossing_eps_grid": (1.25e-6, 2.5e-6, 5e-6, 1e-5, 2e-5), "crossing_momenta": 32,
        # crossing decomposition of ReLU trajectories: the share explained at one eps, and the
        # fixed-T ladder of the remainder's order
        "decomp_eps": 0.001, "decomp_steps": 20, "decomp_trajectories": 320,
        "decomp_eps_grid": (2.5e-5, 5e-5, 1e-4, 2e-4, 4e-4), "decomp_T": 0.02, "decomp_momenta": 20,
        # claim: ReLU acceptance below sigmoid's at equal eps and L
        "claim_eps": 0.002, "claim_steps": 20,
    },
    "full": {
        "width": 20,
        "chains": 16,
        "warmup": 100,
        "proposals": 300,
        "fig1_eps": 0.002, "fig1_steps_grid": (10, 25, 50, 100, 200),
        "fig1_steps": 50, "fig1_eps_grid": (0.0005, 0.001, 0.002, 0.003, 0.004, 0.006),
        "fig1_activations": ("relu", "leaky_relu", "sigmoid"),
        "fig2_T": 0.1, "fig2_eps_grid": (0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.006, 0.008, 0.01),
        "fig2_activations": ("relu", "leaky_relu", "sigmoid"),
        "fig3_eps": 0.001, "fig3_steps": 50, "fig3_params": (100, 200, 400, 800, 1600),
        "sweep_eps_grid": (0.0005, 0.001, 0.002, 0.003, 0.004, 0.006), "sweep_steps": 50,
        "sweep_widths": (5, 10, 20, 40, 80), "sweep_width_eps": 0.002,
        "sweep_activations": ACTIVATIONS,
        "order_starts": 256, "order_paired_momenta": 128, "order_eps_grid": (1.25e-5, 2.5e-5, 5e-5, 1e-4, 2e-4), "order_T": 0.02,
        "order_fixed_T_eps_grid": (1.25e-5, 2.5e-5, 5e-5, 1e-4, 2e-4), "order_fixed_T": 0.02,
        "crossing_eps_grid": (6.25e-7, 1.25e-6, 2.5e-6, 5e-6, 1e-5), "crossing_momenta": 128,
        # the decomposition: same eps and L as quick (the network is width 20 here, stiffer:
        # the ladder sits a factor 2 lower)
        "decomp_eps": 0.001, "decomp_steps": 20, "decomp_trajectories": 2000,
        "decomp_eps_grid": (1.25e-5, 2.5e-5, 5e-5, 1e-4, 2e-4), "decomp_T": 0.02, "decomp_momenta": 64,
        "claim_eps": 0.002, "claim_steps": 20,
    },
}


def budget(name: str) -> dict:
    """The settings of budget `name` ("quick" or "full")."""
    if name not in BUDGETS:
        raise ValueError(f"budget must be one of {sorted(BUDGETS)}, got {name!r}")
    return dict(BUDGETS[name])


def law_chain_count(budget: str, width: int) -> int:
    """Chains of a step-size-law run at `width` (NETWORK_BUDGETS; more for narrow networks)."""
    cfg = NETWORK_BUDGETS[budget]
    return max(cfg["law_chains"], cfg["law_chain_units"] // width)

#: Network-level claims (relu_hmc.claims.bnn_networks). Step-size law: one-hidden-layer
#: networks of widths spanning a factor 16, eps = l d^(-gamma) with l set so that eps =
#: NETWORK_EPS_REF at d = 49 (width 16): the stability rule eps sqrt(lambda_max) <= 1 at every
#: width (measured: <= 0.87 at d = 13, 0.40-0.63 elsewhere; numerics.bnn_stiffness),
#: trajectory length T fixed (L = round(T / eps)). ReLU'(0): one network, three values of
#: sigma'(0), identical random numbers. Control: softplus_beta against relu at one eps.
#: Shallow against deep (Fig. 3): one and two hidden layers at about the same d, at one eps (T
#: = 0.02, the law's), with lambda_max measured so the regime of each network is stated.
#: Chains of the law runs: max(law_chains, law_chain_units // width) (`law_chain_count`). Narrow
#: networks vary most from chain to chain (crossings per trajectory, seed 7, 8 chains: coefficient
#: of variation 1.24 at width 4, 0.45 at 16, 0.18 at 64: units that are dead or whose surfaces sit
#: away from the data differ per chain) and cost least, so they get more chains: at quick budget
#: 128, 32, 8 chains (widths 4, 16, 64) took the crossing-count exponent's SE from 0.08-0.22 to
#: 0.05 (seeds 7, 8) for about 2x the cost of these runs.
NETWORK_EPS_REF: float = 0.0005
NETWORK_D_REF: int = 49
NETWORK_BUDGETS = {
    "quick": {"law_widths": (4, 16, 64), "law_T": 0.01, "law_chains": 8, "law_chain_units": 512, "law_proposals": 30,
              "law_warmup": 10, "law_descent": 100, "law_activations": ("relu", "sigmoid"),
              "zero_width": 16, "zero_eps": 0.001, "zero_steps": 20, "zero_chains": 8, "zero_proposals": 30,
              "control_width": 10, "control_eps": 0.002, "control_steps": 20, "control_chains": 8,
              "control_proposals": 30, "control_betas": (1.0, 16.0, 256.0),
              "depth_params": (100, 400), "depth_eps": 0.0005, "depth_steps": 40, "depth_chains": 8,
              "depth_proposals": 20},
    "full": {"law_widths": (4, 8, 16, 32, 64), "law_T": 0.02, "law_chains": 16, "law_chain_units": 1024,
             "law_proposals": 100,
             "law_warmup": 30, "law_descent": 300, "law_activations": ("relu", "leaky_relu", "sigmoid", "softplus"),
             "zero_width": 20, "zero_eps": 0.001, "zero_steps": 50, "zero_chains": 16, "zero_proposals": 100,
             "control_width": 20, "control_eps": 0.002, "control_steps": 50, "control_chains": 16,
             "control_proposals": 100, "control_betas": (1.0, 4.0, 16.0, 64.0, 256.0),
             "depth_params": (100, 400, 800), "depth_eps": 0.0005, "depth_steps": 40, "depth_chains": 8,
             "depth_proposals": 50},
}

#: The real-data table (numerics.bnn_real_data, relu_hmc.claims.bnn_real_data): width-10
#: networks on the diabetes set, L = 20 at every eps of a ladder with ratio sqrt(2). The
#: ladder was placed after a pilot (12 chains x 30 proposals, seed 1): ReLU, leaky ReLU and
#: softplus accept ~0.9 at eps = 0.01 and ~0.1-0.2 at 0.02; sigmoid and tanh ~0.94 at 0.02 and
#: ~0.5-0.65 at 0.04; every activation accepts 0 at 0.08. So the ladder brackets every
#: activation's efficiency maximum from both sides. Quick: the diabetes network is the costliest
#: in the suite per step (332 training points), so 4 activations x 10 chains (about 10 s on one
#: core); softplus and gelu join at the full budget.
REAL_DATA_BUDGETS = {
    "quick": {"data": "diabetes", "width": 10, "steps": 20, "chains": 10, "proposals": 20,
              "eps_grid": (0.01, 0.014, 0.02, 0.028, 0.04, 0.057),
              "activations": ("relu", "leaky_relu", "sigmoid", "tanh")},
    "full": {"data": "diabetes", "width": 10, "steps": 20, "chains": 16, "proposals": 150,
             "eps_grid": (0.005, 0.007, 0.01, 0.014, 0.02, 0.028, 0.04, 0.057),
             "activations": ("relu", "leaky_relu", "softplus", "gelu", "sigmoid", "tanh")},
}

#: Efficiency against acceptance (numerics.bnn_efficiency, relu_hmc.claims.bnn_efficiency):
#: width-10 networks on the synthetic set, trajectory time T fixed (L = round(T / eps)), eps
#: ladders with ratio 2^(1/3) per activation, each bracketing the maximum of eps a(eps), which sits
#: where the acceptance collapses (a stability cliff). Why T = 0.4: the ESS per draw of f(x*)
#: grows with T (pilot, 8 chains x 1000-2000 draws, width 10: ReLU at eps 0.002 0.035 per draw at
#: T = 0.05, 0.054 at 0.2, 0.30 at 0.8; at eps 0.001 0.46 at T = 0.8, 0.65 at 2; sigmoid at eps 0.005
#: 0.018, 0.094, 0.51, 0.81 at T = 0.05, 0.2, 0.8, 2), so T = 0.05 was far shorter than the
#: posterior's slow scales and its 300-draw ESS estimates (median 1-65 per chain) were noise.
#: The acceptance at fixed eps also falls with T on ReLU (eps 0.002: 0.87 at T = 0.05, 0.66 at 0.4,
#: 0.48 at 0.8), so each T needs its own ladder (pilot at T = 0.4, 16 chains: tanh collapses between
#: eps 0.0032 (0.82) and 0.004 (0.42), leaky ReLU between 0.002 (0.74) and 0.0025 (0.31)).
#: Cost: quick ~20 s CPU (ReLU ~80%), full ~90e6 leapfrog steps, ~11 min CPU.
EFFICIENCY_BUDGETS = {
    "quick": {"width": 10, "T": 0.4, "chains": 8, "proposals": 200, "warmup": 20, "test_points": 5,
              "eps_grids": {"relu": (0.001, 0.00126, 0.0016, 0.002, 0.0025, 0.0032),
                            "sigmoid": (0.0032, 0.004, 0.005, 0.0063, 0.008)}},
    "full": {"width": 10, "T": 0.4, "chains": 16, "proposals": 1000, "warmup": 50, "test_points": 9,
             "eps_grids": {"relu": (0.0008, 0.001, 0.00126, 0.0016, 0.002, 0.0025, 0.0032),
                           "leaky_relu": (0.0008, 0.001, 0.00126, 0.0016, 0.002, 0.0025, 0.0032),
                           "sigmoid": (0.0025, 0.0032, 0.004, 0.005, 0.0063, 0.008),
                           "tanh": (0.0016, 0.002, 0.0025, 0.0032, 0.004, 0.005)}},
}
