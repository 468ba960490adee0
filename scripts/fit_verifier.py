"""Refit the claim verifier's coefficients from the hand-labelled dev claims and print the figures.

    .venv/bin/python scripts/fit_verifier.py            # fit on evals/claims/dev.jsonl, print, do not write
    .venv/bin/python scripts/fit_verifier.py --write    # ... and store assistant/data/verifier.json

Two models are fitted: ``lexical`` (no embedder) and ``embedding`` (all-MiniLM-L6-v2 sentence
cosines as one more signal). Each is a logistic regression of "supported" against every other
label over the signals in ``assistant.verify.signals.FEATURES``; the label thresholds are then
chosen on the same dev set:

* ``conflict_match``: how closely the conflicting abstract text must match the claim before a
  conflict makes the claim ``contradicted`` (most contradicted found, few others flagged);
* ``supported``: the lowest score called supported, keeping >= 85% of supported claims while
  maximising balanced accuracy;
* ``partial``: between ``partial`` and ``unsupported`` below that, the cut that separates them best.

The held-out file is never read here; measure it with ``evaluate_claims`` after fitting.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.verify.calibration import COEFFICIENTS, Calibration, fit_logistic  # noqa: E402
from assistant.verify.evaluation import corpus_papers, load_claims, summarise  # noqa: E402
from assistant.verify.signals import FEATURES, Measured  # noqa: E402
from assistant.verify.verifier import Verifier, decide  # noqa: E402

L2 = 1.0
SUPPORTED_RECALL_MIN = 0.85


def choose_conflict_match(measured: list[Measured], gold: list[str]) -> float:
    best, best_gain = 0.5, -1e9
    for m_min in np.arange(0.5, 0.96, 0.05):
        strong = [bool(m.conflict) and m.conflict_match >= m_min for m in measured]
        hit = sum(1 for s, g in zip(strong, gold) if s and g == "contradicted")
        false = sum(1 for s, g in zip(strong, gold) if s and g != "contradicted")
        gain = hit - 2 * false
        if gain > best_gain + 1e-9:
            best, best_gain = float(round(m_min, 2)), gain
    return best


def choose_supported(scores: list[float], gold: list[str], blocked: list[bool]) -> float:
    free = [(s, g) for s, g, b in zip(scores, gold, blocked) if not b]
    sup = [s for s, g in free if g == "supported"]
    rest = [s for s, g in free if g != "supported"]
    n_sup = sum(g == "supported" for g in gold)
    best, best_value = 0.5, -1.0
    for t in sorted(set(scores)):
        recall = sum(s >= t for s in sup) / max(n_sup, 1)
        reject = sum(s < t for s in rest) / max(len(rest), 1)
        if recall >= SUPPORTED_RECALL_MIN and (recall + reject) / 2 > best_value + 1e-12:
            best, best_value = t, (recall + reject) / 2
    return float(best)


def choose_partial(scores: list[float], gold: list[str], below: float, blocked: list[bool]) -> float:
    """``blocked`` here: contradicted by a conflict, or partial by the half_right signal anyway."""
    rows = [(s, g) for s, g, b in zip(scores, gold, blocked) if not b and s < below and g in ("partial", "unsupported")]
    best, best_right = below, -1
    for t in sorted({s for s, _ in rows} | {below}):
        right = sum((s >= t) == (g == "partial") for s, g in rows)
        if right > best_right:
            best, best_right = t, right
    return float(best)


def calibrate(features: tuple[str, ...], measured: list[Measured], gold: list[str]) -> Calibration:
    """Fit the weights, then choose the thresholds, on the given rows."""
    x = np.array([[m.values[f] for f in features] for m in measured])
    y = np.array([g == "supported" for g in gold], dtype=float)
    weights, bias = fit_logistic(x, y, L2)
    trial = Calibration(features, tuple(float(round(w, 4)) for w in weights), float(round(bias, 4)), 0.5, 0.3, 0.5)
    scores = [trial.score(m.values) for m in measured]
    conflict_min = choose_conflict_match(measured, gold)
    blocked = [bool(m.conflict and m.conflict_match >= conflict_min) for m in measured]
    supported_min = choose_supported(scores, gold, blocked)
    settled = [b or bool(m.values["half_right"]) for b, m in zip(blocked, measured)]
    partial_min = choose_partial(scores, gold, supported_min, settled)
    return Calibration(features, trial.weights, trial.bias, round(supported_min, 4), round(partial_min, 4),
                       conflict_min)


def cross_validate(features: tuple[str, ...], measured: list[Measured], gold: list[str], groups: list[str],
                   folds: int = 5) -> dict:
    """Figures when each paper's claims are scored by a model fitted without that paper (5 folds by paper)."""
    papers = sorted(set(groups))
    fold_of = {p: i % folds for i, p in enumerate(papers)}
    scores, labels = [0.0] * len(gold), [""] * len(gold)
    for k in range(folds):
        train = [i for i, g in enumerate(groups) if fold_of[g] != k]
        cal = calibrate(features, [measured[i] for i in train], [gold[i] for i in train])
        for i, g in enumerate(groups):
            if fold_of[g] == k:
                labels[i], scores[i] = decide(measured[i], cal)
    return summarise(gold, scores, labels)


def fit(kind: str, embedder, items, papers) -> tuple[Calibration, dict, dict]:
    features = tuple(f for f in FEATURES if kind == "embedding" or f != "cos_best")
    verifier = Verifier(embedder, Calibration(features, (0.0,) * len(features), 0.0, 0.5, 0.3, 0.5))
    measured = verifier.measure_many([(c.claim, papers[c.title]) for c in items])
    gold = [c.label for c in items]
    calibration = calibrate(features, measured, gold)
    decided = [decide(m, calibration) for m in measured]
    figures = summarise(gold, [s for _, s in decided], [lab for lab, _ in decided])
    return calibration, figures, cross_validate(features, measured, gold, [c.title for c in items])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", default=str(ROOT / "evals" / "claims" / "dev.jsonl"))
    parser.add_argument("--write", action="store_true", help=f"store the coefficients in {COEFFICIENTS}")
    parser.add_argument("--no-embedder", action="store_true", help="fit only the lexical model")
    args = parser.parse_args(argv)
    items = load_claims(args.dev)
    papers = corpus_papers()
    out: dict = {"fitted_on": str(Path(args.dev).relative_to(ROOT)) if Path(args.dev).is_absolute() else args.dev,
                 "n": len(items), "l2": L2, "models": {}, "dev": {}}
    kinds = ["lexical"] if args.no_embedder else ["lexical", "embedding"]
    if not args.no_embedder and COEFFICIENTS.exists():
        out["models"] = json.loads(COEFFICIENTS.read_text(encoding="utf-8")).get("models", {})
    for kind in kinds:
        embedder = None
        if kind == "embedding":
            from assistant.store.embeddings import make_embedder

            embedder = make_embedder("minilm")
        calibration, figures, crossed = fit(kind, embedder, items, papers)
        out["models"][kind] = calibration.to_dict()
        out["dev"][kind] = {"fitted": figures, "cross_validated_by_paper": crossed}
        print(f"== {kind}: weights", json.dumps(calibration.to_dict(), indent=None))
        for name, fig in (("dev, in sample", figures), ("dev, 5-fold by paper", crossed)):
            print(f"-- {name}:", json.dumps({k: v for k, v in fig.items() if k != "rates"}))
            print("   rates (gold -> predicted):", json.dumps(fig["rates"]))
    if args.write:
        COEFFICIENTS.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {COEFFICIENTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
