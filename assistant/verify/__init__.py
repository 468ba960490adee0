"""Claim verification against cited abstracts: supported, partial, unsupported or contradicted.

* :mod:`.verifier` -- :class:`Verifier` (``verify``, ``verify_many``) and :class:`Verdict`.
* :mod:`.signals` -- the measured signals and the per-paper cache they read.
* :mod:`.statements`, :mod:`.figures`, :mod:`.lexicon` -- clauses, negation, direction, names, figures.
* :mod:`.ownership` -- which sentences are the paper's own work (:mod:`assistant.roles` when present).
* :mod:`.calibration` -- the fitted logistic combination and its stored coefficients.
* :mod:`.evaluation` -- ``evaluate_claims`` on hand-labelled claims, beside the draft audit's score.
"""

from __future__ import annotations

from .verifier import LABELS, Label, Verdict, Verifier

__all__ = ["LABELS", "Label", "Verdict", "Verifier", "evaluate_claims"]



def evaluate_claims(path, embedder=None):
    """See :func:`assistant.verify.evaluation.evaluate_claims`."""
    from .evaluation import evaluate_claims as run

    return run(path, embedder)
