"""Measuring the verifier on hand-labelled claims, beside the draft audit's older support score.

A claims file is JSON lines: ``{"id", "title", "claim", "label", "kind"}``, each title a paper of
the bundled corpus. :func:`evaluate_claims` reports AUROC of the score (supported vs
contradicted, supported vs everything else), the share of each predicted label per gold label,
and the same figures for the audit's score (0.6 x best sentence cosine + 0.4 x term overlap,
verbatim quotes 1.0, supported at 0.5), computed the way :mod:`assistant.review.audit` does.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..models import Paper
from .verifier import LABELS, Verifier

# swapped_subject: a figure credited to the wrong side of a comparison (the paper's own to a method it compares
# with, or a compared method's to the paper)
KINDS = ("paraphrase", "negated", "direction", "wrong_figure", "swapped_subject", "other_paper", "background",
         "partial", "unsupported")


@dataclass(frozen=True, slots=True)
class LabelledClaim:
    id: str
    title: str
    claim: str
    label: str
    kind: str


@lru_cache(maxsize=1)
def corpus_papers() -> dict[str, Paper]:
    """The bundled corpus by exact title (first record of a title wins)."""
    from ..readers import read_records
    from ..store import bundled_corpus

    out: dict[str, Paper] = {}
    for path in bundled_corpus():
        for record in read_records(path):
            if isinstance(record, Paper):
                out.setdefault(record.title, record)
    return out


def load_claims(path: Path | str, papers: dict[str, Paper] | None = None) -> list[LabelledClaim]:
    """Labelled claims from a JSON-lines file; a bad line raises InputError naming it."""
    path = Path(path)
    papers = corpus_papers() if papers is None else papers
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the claims file ({exc})") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not valid JSON ({exc.msg})", f"line {n}") from exc
        if not isinstance(row, dict):
            raise InputError(path, "expected a JSON object", f"line {n}")
        for key in ("id", "title", "claim", "label", "kind"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise InputError(path, f"field '{key}' is missing or empty", f"line {n}")
        if row["label"] not in LABELS:
            raise InputError(path, f"label '{row['label']}' is not one of {', '.join(LABELS)}", f"line {n}")
        if row["kind"] not in KINDS:
            raise InputError(path, f"kind '{row['kind']}' is not one of {', '.join(KINDS)}", f"line {n}")
        if row["title"] not in papers:
            raise InputError(path, f"title '{row['title'][:80]}' is not a paper of the corpus", f"line {n}")
        out.append(LabelledClaim(row["id"], row["title"], row["claim"], row["label"], row["kind"]))
    return out


OLD_SUPPORT_MIN = 0.5  # the old audit called a citation supported at this score


def auroc(positive: list[float], negative: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positive or not negative:
        return float("nan")
    pos = np.asarray(positive)[:, None]
    neg = np.asarray(negative)[None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def audit_scores(verifier: Verifier, claims: list[str], papers: list[Paper]) -> list[float]:
    """The old draft audit's support score for each pair, 0.6 x best sentence cosine + 0.4 x content-term
    overlap (1.0 for a verbatim quote; the cosine term is 0 without an embedder), kept to measure against."""
    from ..terms import terms

    def _norm(text: str) -> str:
        return " ".join(text.casefold().split()).strip(" .!?;:…")

    vectors = verifier.embedder.embed(claims) if verifier.embedder is not None and claims else None
    out = []
    for k, (claim, paper) in enumerate(zip(claims, papers)):
        if _norm(claim) in _norm(paper.abstract):
            out.append(1.0)
            continue
        words = {key for key, _ in terms(claim, bigrams=False)}
        overlap = len(words & {key for key, _ in terms(paper.abstract, bigrams=False)}) / len(words) if words else 0.0
        cosine = 0.0
        if vectors is not None:
            view = verifier.view(paper)  # the audit compares with every sentence of the abstract
            verifier.embed_sentences([(view, i) for i in range(len(view.sentences))])
            cosine = max((float(view.vectors[i] @ vectors[k]) for i in range(len(view.sentences))), default=0.0)
        out.append(0.6 * max(cosine, 0.0) + 0.4 * overlap)
    return out


def _rates(gold: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for g in LABELS:
        picked = [p for gg, p in zip(gold, predicted) if gg == g]
        if picked:
            counts = Counter(picked)
            out[g] = {p: round(counts[p] / len(picked), 3) for p in LABELS if counts[p]}
    return out


def summarise(gold: list[str], scores: list[float], predicted: list[str]) -> dict[str, object]:
    """AUROCs and label rates of one scorer."""
    sup = [s for g, s in zip(gold, scores) if g == "supported"]
    con = [s for g, s in zip(gold, scores) if g == "contradicted"]
    rest = [s for g, s in zip(gold, scores) if g != "supported"]
    rates = _rates(gold, predicted)
    return {
        "auroc_supported_vs_contradicted": round(auroc(sup, con), 4),
        "auroc_supported_vs_rest": round(auroc(sup, rest), 4),
        "supported_as_supported": rates.get("supported", {}).get("supported", 0.0),
        "contradicted_as_supported": rates.get("contradicted", {}).get("supported", 0.0),
        "contradicted_as_contradicted": rates.get("contradicted", {}).get("contradicted", 0.0),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted)) / max(len(gold), 1), 4),
        "rates": rates,
    }


def evaluate_claims(path: Path | str, embedder=None, verifier: Verifier | None = None) -> dict[str, object]:
    """The verifier's figures on a labelled claims file, and the audit score's beside them."""
    items = load_claims(path)
    papers = corpus_papers()
    verifier = verifier or Verifier(embedder)
    pairs = [(c.claim, papers[c.title]) for c in items]
    verdicts = verifier.verify_many(pairs)
    gold = [c.label for c in items]
    new = summarise(gold, [v.score for v in verdicts], [v.label for v in verdicts])
    by_kind: dict[str, dict[str, int]] = {}
    for c, v in zip(items, verdicts):
        by_kind.setdefault(c.kind, Counter())[v.label] += 1
    new["by_kind"] = {k: dict(v) for k, v in sorted(by_kind.items())}
    old_scores = audit_scores(verifier, [c for c, _ in pairs], [p for _, p in pairs])
    old = summarise(gold, old_scores, ["supported" if s >= OLD_SUPPORT_MIN else "unsupported" for s in old_scores])
    old["measure"] = ("0.6 x cosine + 0.4 x term overlap, threshold 0.5" if verifier.embedder is not None
                      else "0.4 x term overlap only (no embedder), threshold 0.5")
    return {"file": str(path), "n": len(items), "labels": dict(Counter(gold)),
            "embedder": getattr(verifier.embedder, "model_id", None) if verifier.embedder is not None else None,
            "verifier": new, "audit": old}
