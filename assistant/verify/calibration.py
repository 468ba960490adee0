"""The fitted combination of signals: a logistic regression in numpy, and its stored coefficients.

``assistant/data/verifier.json`` holds two fitted models (``lexical`` without an embedder,
``embedding`` with one), each with its weights per signal, bias and label thresholds, plus the
dev-set figures they were fitted to. ``scripts/fit_verifier.py`` refits it from
``evals/claims/dev.jsonl``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ConfigError

COEFFICIENTS = Path(__file__).resolve().parent.parent / "data" / "verifier.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    """One fitted model: score = sigmoid(bias + sum(weight * signal)); label thresholds on it."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    supported_min: float
    partial_min: float
    conflict_match_min: float

    def score(self, values: dict[str, float]) -> float:
        z = self.bias + sum(w * values.get(f, 0.0) for f, w in zip(self.features, self.weights))
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_dict(self) -> dict[str, object]:
        return {"weights": dict(zip(self.features, self.weights)), "bias": self.bias,
                "thresholds": {"supported": self.supported_min, "partial": self.partial_min,
                               "conflict_match": self.conflict_match_min}}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibration":
        weights = data["weights"]
        th = data["thresholds"]
        return cls(tuple(weights), tuple(float(v) for v in weights.values()), float(data["bias"]),
                   float(th["supported"]), float(th["partial"]), float(th["conflict_match"]))


@lru_cache(maxsize=4)
def load(kind: str, path: Path = COEFFICIENTS) -> Calibration:
    """The stored model for ``kind`` ("lexical" or "embedding")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration.from_dict(data["models"][kind])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"the claim verifier's coefficients in {path} cannot be read ({exc}); "
                          "run scripts/fit_verifier.py to rebuild them") from exc


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (the bias is not penalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -40, 40)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])
