"""The claim verifier: does a cited abstract support, contradict or not bear out a sentence?

``Verifier(embedder=None).verify(claim, paper)`` returns a :class:`Verdict`. The score is the
calibrated combination of the signals in :mod:`.signals`; the label comes from it, except that
``partial`` also follows from the ``half_right`` signal, and ``contradicted`` needs an explicit conflict
(a negation, an opposite direction, a different figure for the same quantity, or the paper's own figure
credited to a method it compares with) in abstract text that closely matches the claim: a low score
alone only ever gives ``unsupported``. Per-paper work (sentences, roles, terms, figures and
sentence vectors) is cached; :meth:`Verifier.verify_many` embeds all claims in one batch, and only
the few abstract sentences each claim is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..models import Paper
from .calibration import Calibration, load
from .signals import Measured, PaperView, anchor, clean_claim, cosine_candidates, measure

if TYPE_CHECKING:
    from .judge import LLMJudge

Label = Literal["supported", "partial", "unsupported", "contradicted"]
LABELS: tuple[Label, ...] = ("supported", "partial", "unsupported", "contradicted")


@dataclass(frozen=True, slots=True)
class Verdict:
    """How far a paper's abstract supports a claim, and why."""

    label: Label
    score: float  # 0..1, higher = more support
    evidence: str | None  # the abstract sentence that decided it
    signals: dict[str, float] = field(default_factory=dict)
    conflict: str | None = None  # "figure" | "negation" | "direction" | "attribution" when contradicted


def decide(measured: Measured, calibration: Calibration) -> tuple[Label, float]:
    """Label and score from measured signals."""
    score = calibration.score(measured.values)
    if measured.conflict and measured.conflict_match >= calibration.conflict_match_min:
        return "contradicted", score
    if score >= calibration.supported_min:
        return "supported", score
    if score >= calibration.partial_min or measured.values.get("half_right"):
        return "partial", score
    return "unsupported", score


class Verifier:
    """Checks claims against cited papers; offline and deterministic. One per store or draft."""

    def __init__(self, embedder=None, calibration: Calibration | None = None, judge: LLMJudge | None = None) -> None:
        self.embedder = embedder
        self.judge = judge  # an optional model's second opinion (:mod:`.judge`)
        self.calibration = calibration or load("embedding" if embedder is not None else "lexical")
        self._views: dict[tuple[str, str], PaperView] = {}

    def view(self, paper: Paper) -> PaperView:
        """The cached analysis of a paper's abstract."""
        key = (paper.title, paper.abstract)
        if key not in self._views:
            self._views[key] = PaperView.of(paper.title, paper.abstract)
        return self._views[key]

    def embed_sentences(self, wanted: list[tuple[PaperView, int]]) -> None:
        """Embed, in one batch, the wanted abstract sentences not embedded yet (kept on their view)."""
        if self.embedder is None:
            return
        todo = list({(id(v), i): (v, i) for v, i in wanted if i not in v.vectors}.values())
        if not todo:
            return
        vectors = self.embedder.embed([v.sentences[i] for v, i in todo])
        for (v, i), vector in zip(todo, vectors):
            v.vectors[i] = np.asarray(vector)

    def measure_many(self, pairs: list[tuple[str, Paper]]) -> list[Measured]:
        """Signals of every pair. With an embedder, the claims are embedded in one batch and so are
        the abstract sentences they are compared with (each sentence once per verifier)."""
        views = [self.view(p) for _, p in pairs]
        claims = [clean_claim(c) for c, _ in pairs]
        vectors: list[np.ndarray | None] = [None] * len(pairs)
        if self.embedder is not None:
            self.embed_sentences([(v, i) for c, v in zip(claims, views) if c for i in cosine_candidates(c, v)])
            unique = list(dict.fromkeys(c for c in claims if c))
            if unique:
                embedded = dict(zip(unique, self.embedder.embed(unique)))
                vectors = [embedded.get(c) for c in claims]
        return [measure(c, v, vec) for c, v, vec in zip(claims, views, vectors)]

    def verify_many(self, pairs: list[tuple[str, Paper]]) -> list[Verdict]:
        """A verdict for each (claim, paper) pair, in order."""
        out = []
        for (claim, paper), m in zip(pairs, self.measure_many(pairs)):
            label, score = decide(m, self.calibration)
            view = self.view(paper)
            evidence = view.sentences[m.evidence] if m.evidence is not None and view.sentences else None
            verdict = Verdict(label, round(score, 6), evidence, {k: round(v, 6) for k, v in m.values.items()},
                              m.conflict if label == "contradicted" else None)
            out.append(self._judged(claim, paper, verdict) if self.judge is not None else verdict)
        return out

    def _judged(self, claim: str, paper: Paper, verdict: Verdict) -> Verdict:
        """The verdict with the model's label and deciding sentence, when its quote anchors in the abstract."""
        assert self.judge is not None
        judged = self.judge.judge(clean_claim(claim), paper)
        view = self.view(paper)
        strength, index = anchor(judged.quote, view) if judged is not None and judged.quote.strip() else (0.0, None)
        if judged is None or index is None or strength < 0.8:
            return replace(verdict, signals={**verdict.signals, "judge_discarded": 1.0})
        return replace(verdict, label=judged.label, evidence=view.sentences[index],
                       signals={**verdict.signals, "judge_agrees": float(judged.label == verdict.label)},
                       conflict=verdict.conflict if judged.label == "contradicted" else None)

    def verify(self, claim: str, paper: Paper) -> Verdict:
        """The verdict on one claim against one cited paper."""
        return self.verify_many([(claim, paper)])[0]
