"""Data sets for the Bayesian-network experiments; nothing is downloaded at run time.

- ``synthetic``: the regression set of Dinh, Ho & Nguyen (NeurIPS 2024): n = 100 points,
  x ~ U(0, 4), y ~ N(cos 2x, 0.1^2), drawn from a fixed seed (`bnn_config.SYNTHETIC`).
- ``diabetes``: scikit-learn's bundled diabetes regression set (442 patients, 10 inputs),
  inputs and target standardised on the training split. It stands in for the paper's
  UTKFace age regression, which needs a download (and image features) that this
  environment cannot reach.
- ``iris``, ``wine``: scikit-learn's bundled classification sets, for the categorical
  likelihood; inputs standardised on the training split.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics import bnn_config


@dataclass(frozen=True)
class Dataset:
    """x: (n, n_in) float64; y: (n, n_out) float64 for regression, (n,) int64 class labels
    for classification; noise_sd: the Gaussian likelihood's sd (None for classification)."""

    name: str
    task: str
    x: np.ndarray
    y: np.ndarray
    noise_sd: float | None
    n_classes: int | None = None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    @property
    def n_in(self) -> int:
        return self.x.shape[1]

    @property
    def n_out(self) -> int:
        return self.n_classes if self.task == "classification" else self.y.shape[1]


def check_dataset(data: Dataset) -> Dataset:
    """ValueError (one line) unless x, y are finite and shaped for the task."""
    if data.task not in ("regression", "classification"):
        raise ValueError(f"task must be 'regression' or 'classification', got {data.task!r}")
    x = np.asarray(data.x)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (n, n_in) with n, n_in >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (it holds NaN or inf)")
    y = np.asarray(data.y)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"x and y must have the same number of rows, got {x.shape[0]} and {y.shape[0]}")
    if data.task == "regression":
        if y.ndim != 2 or not np.all(np.isfinite(y)):
            raise ValueError("regression y must be a finite (n, n_out) array (it holds NaN or inf "
                             "or has the wrong shape)")
        if data.noise_sd is None or not np.isfinite(data.noise_sd) or data.noise_sd <= 0:
            raise ValueError(f"noise_sd must be a finite number > 0, got {data.noise_sd}")
    else:
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError("classification y must be a 1-D integer array of class labels")
        if data.n_classes is None or data.n_classes < 2 or y.min() < 0 or y.max() >= data.n_classes:
            raise ValueError("class labels must lie in 0..n_classes-1 with n_classes >= 2")
    return data


def synthetic(n: int | None = None, seed: int | None = None) -> Dataset:
    """The paper's synthetic regression set (defaults from `bnn_config.SYNTHETIC`)."""
    cfg = bnn_config.SYNTHETIC
    n = cfg["n"] if n is None else n
    rng = np.random.default_rng(cfg["seed"] if seed is None else seed)
    x = rng.uniform(cfg["x_low"], cfg["x_high"], size=(n, 1))
    y = np.cos(2.0 * x) + cfg["noise_sd"] * rng.standard_normal((n, 1))
    # held-out points from the same law, for predictive MSE
    xt = rng.uniform(cfg["x_low"], cfg["x_high"], size=(n, 1))
    yt = np.cos(2.0 * xt) + cfg["noise_sd"] * rng.standard_normal((n, 1))
    return Dataset("synthetic", "regression", x, y, cfg["noise_sd"], None, xt, yt)


def _split(n: int, fraction: float, seed: int):
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(fraction * n))
    return perm[n_test:], perm[:n_test]


def _standardise(train: np.ndarray, test: np.ndarray):
    mean, sd = train.mean(axis=0), train.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (train - mean) / sd, (test - mean) / sd


def bundled(name: str) -> Dataset:
    """A data set bundled with scikit-learn, split and standardised (see `bnn_config.REAL_DATA`)."""
    if name not in bnn_config.REAL_DATA:
        raise ValueError(f"data must be one of {', '.join(bnn_config.DATA_NAMES)}, got {name!r}")
    from sklearn import datasets  # bundled CSVs: no network access

    cfg = bnn_config.REAL_DATA[name]
    raw = {"diabetes": datasets.load_diabetes, "iris": datasets.load_iris,
           "wine": datasets.load_wine}[name]()
    x = np.asarray(raw.data, dtype=np.float64)
    train, test = _split(x.shape[0], cfg["test_fraction"], cfg["split_seed"])
    x_train, x_test = _standardise(x[train], x[test])
    if cfg["task"] == "regression":
        y = np.asarray(raw.target, dtype=np.float64).reshape(-1, 1)
        y_train, y_test = _standardise(y[train], y[test])
        return Dataset(name, "regression", x_train, y_train, cfg["noise_sd"], None, x_test, y_test)
    y = np.asarray(raw.target, dtype=np.int64)
    return Dataset(name, "classification", x_train, y[train], None, int(y.max()) + 1, x_test, y[test])


def load(name: str) -> Dataset:
    """`synthetic` or one of the bundled sets by name."""
    if name == "synthetic":
        return synthetic()
    return bundled(name)
