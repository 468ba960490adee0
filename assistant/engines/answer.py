"""The answer pipeline: retrieve, number the evidence, compose, check citations.

    question (+ earlier turns) -> search -> evidence (relevance gate, token budget)
             -> offline engine | LLM (prompt files, earlier turns as messages, streaming)
             -> citation checker -> Answer

Both engines return the same :class:`~assistant.models.Answer`. Whatever an
engine writes, only citations that number a piece of evidence survive, and the
titles in the answer's citation list come from the store, never from the text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..models import Answer, Filters, Turn
from .citations import check_citations
from .engine import EngineName, engine_for
from .output import verifier_for, verify_sentences

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["NO_EVIDENCE", "EngineName", "ask"]

NO_EVIDENCE = ("The collection holds no evidence on this question: no stored abstract is relevant enough "
               "to answer it, so nothing is cited.")


def ask(store: Store, question: str, *, engine: EngineName = "auto", k: int = 6,
        filters: Filters | None = None, on_token: Callable[[str], None] | None = None,
        stop: threading.Event | None = None, llm=None,
        history: Sequence[Turn] = (), on_status: Callable[[str], None] | None = None) -> Answer:
    """Answer ``question`` from the store's abstracts, citing them, with the engine ``engine`` names (a given
    ``llm`` client is the LLM engine's).

    ``on_status``: told what a slow engine is doing before its first token ("reading 4 sources with
    qwen2.5"), so a CLI or TUI can show it; the offline engine answers at once and says nothing.

    ``history``: the conversation's earlier turns, oldest first (``Turn.of(answer)``). A follow-up
    ("how fast is it on a phone?") is then searched together with the question it continues
    (:mod:`.conversation`), and the LLM also sees the earlier turns as chat messages. Evidence and
    citations are always the current retrieval's alone: nothing from an old turn can be cited.
    """
    chosen = engine_for(store.settings, engine, llm)
    start = time.perf_counter()
    hits, reading = chosen.search(store, question, history, k, filters)
    evidence = chosen.evidence(hits, question)
    if not evidence:
        if on_token:
            on_token(NO_EVIDENCE)
        return Answer(question, NO_EVIDENCE, chosen.label, grounded=False,
                      usage={"seconds": round(time.perf_counter() - start, 3)})

    notes: list[str] = []
    closest = max(e.similarity for e in evidence)
    weak = closest < store.settings.answer.weak_match
    if weak:
        notes.append(f"no abstract matches this question closely (best similarity {closest:.2f}): "
                     "these are the nearest papers, and they may not address it")
    if reading.followup:
        notes.append(f"read as a follow-up to \"{reading.anchors[-1]}\": searched for both together")
    written = chosen.answer(store, question, evidence, history=history, reading=reading, weak=weak, k=k,
                            filters=filters, on_token=on_token, stop=stop, on_status=on_status)
    text, evidence, partial, usage = written.text, written.evidence, written.partial, written.usage
    engine_label = written.label or chosen.label
    notes += written.notes
    checked = check_citations(text, evidence)
    notes += [f"removed citation {m}: it numbers no source given to this answer" for m in checked.removed]
    if partial and not any("before it finished" in n or "cut" in n for n in notes):
        notes.append("the answer was stopped before it finished")
    verdicts = verify_sentences(checked.text, evidence, verifier_for(store)).verdicts
    support = _citation_support(checked.citations, verdicts)
    usage["seconds"] = round(time.perf_counter() - start, 3)
    # Quotes of the papers' own sentences are grounded by construction; a model's answer only if what it cites
    # bears its sentences out.
    grounded = bool(checked.citations) and (written.quotes
                                            or all(s.label in ("supported", "partial") for s in support.values()))
    citations = [replace(c, support=support[c.n].label, score=support[c.n].score, evidence=support[c.n].evidence)
                 if c.n in support else c for c in checked.citations]
    # The offline engine's uncited lines are its framing (the nearest papers, "Also close …"), never claims.
    uncited = [] if written.quotes else checked.uncited
    return Answer(question, checked.text, engine_label, grounded=grounded,
                  citations=citations, usage=usage, notes=notes, uncited=uncited,
                  partial=partial, evidence=evidence, weak_match=weak, sentences=verdicts, checks=written.checks)


_WORST_FIRST = {"contradicted": 0, "unsupported": 1, "partial": 2, "supported": 3}


def _citation_support(citations, verdicts):
    """Per cited source, the weakest verdict among the sentences that cite it (a source is shown as
    supporting an answer only if it bears out every sentence it is cited for)."""
    out: dict[int, _Support] = {}
    for verdict in verdicts:
        for n in verdict.kept or verdict.markers:
            label = verdict.per_source.get(n, verdict.label)
            current = out.get(n)
            if current is None or _WORST_FIRST[label] < _WORST_FIRST[current.label]:
                out[n] = _Support(label, round(verdict.score, 3), verdict.evidence)
    return out


@dataclass(frozen=True, slots=True)
class _Support:
    label: str
    score: float
    evidence: str | None
