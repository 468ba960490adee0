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
from typing import Literal

from ..models import Answer, Evidence, Filters, Turn
from ..prompts import render, template
from ..settings import Settings
from .citations import check_citations
from .conversation import HISTORY_TOKENS, contextual_search, history_messages, referent
from .evidence import WEAK_MATCH, build_evidence
from .output import verify_sentences

EngineName = Literal["auto", "llm", "offline"]
NO_EVIDENCE = ("The collection holds no evidence on this question: no stored abstract is relevant enough "
               "to answer it, so nothing is cited.")
EVIDENCE_BUDGET = 3000  # tokens of abstracts given to the LLM


def resolve_engine(engine: EngineName, settings: Settings) -> Literal["llm", "offline"]:
    if engine == "auto":
        return "llm" if settings.llm_configured else "offline"
    if engine == "llm" and not settings.llm_configured:
        from ..errors import ConfigError

        raise ConfigError("--engine llm needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    return engine



# -- the offline engine's part of the pipeline -----------------------------------------------------------

def _offline_search(store, question: str, history: Sequence[Turn], k: int,
                    filters: Filters | None):
    """Retrieval for the offline engine: "which" questions draw on a larger pool, and a negative question
    is also searched without its excluded thing."""
    from .offline import pool_size
    from .question import Kind, read_question, topic_query

    pool = pool_size(question, k)
    hits, reading = contextual_search(store, question, history, pool, filters)
    if read_question(question).kind is Kind.NEGATIVE and (topic := topic_query(question)) != question:
        # the papers that do without X: searched for the topic alone too, and merged in turn
        more, _ = contextual_search(store, topic, history, pool, filters)
        merged, seen = [], set()
        for pair in zip(hits, more):
            for hit in pair:
                if hit.paper.paper_id not in seen:
                    seen.add(hit.paper.paper_id)
                    merged.append(hit)
        hits = merged[:pool + pool // 2]
    return hits, reading


def _offline_compose(store, question: str, evidence: list[Evidence], history: Sequence[Turn],
                     reading) -> tuple[str, list[Evidence], list[str]]:
    """The offline answer, the evidence renumbered so the markers run [1], [2], ... in reading order, notes."""
    from .offline import compose_answer

    composed = compose_answer(store, question, evidence,
                              referent(question, history, evidence) if reading.followup else None)
    notes = [] if composed.reported else ["the abstracts do not report what is asked: the nearest papers are "
                                          "listed, not cited"]
    return composed.text, composed.evidence, notes + composed.notes


def ask(store, question: str, *, engine: EngineName = "auto", k: int = 6,
        filters: Filters | None = None, on_token: Callable[[str], None] | None = None,
        stop: threading.Event | None = None, llm=None,
        history: Sequence[Turn] = ()) -> Answer:
    """Answer ``question`` from the store's abstracts, citing them.

    ``history``: the conversation's earlier turns, oldest first (``Turn.of(answer)``). A follow-up
    ("how fast is it on a phone?") is then searched together with the question it continues
    (:mod:`.conversation`), and the LLM also sees the earlier turns as chat messages. Evidence and
    citations are always the current retrieval's alone: nothing from an old turn can be cited.
    """
    settings: Settings = store.settings
    chosen = resolve_engine(engine, settings)
    start = time.perf_counter()
    if chosen == "offline":
        hits, reading = _offline_search(store, question, history, k, filters)
    else:
        hits, reading = contextual_search(store, question, history, k, filters)
    if chosen == "llm":
        from ..tokens import count_tokens

        evidence = build_evidence(hits, EVIDENCE_BUDGET, lambda t: count_tokens(t, settings.llm.model),
                                  question=question)
    else:
        evidence = build_evidence(hits, question=question)
    engine_label = "offline" if chosen == "offline" else f"llm:{settings.llm.model}"
    if not evidence:
        if on_token:
            on_token(NO_EVIDENCE)
        return Answer(question, NO_EVIDENCE, engine_label, grounded=False,
                      usage={"seconds": round(time.perf_counter() - start, 3)})

    partial, notes, usage = False, [], {}
    closest = max(e.similarity for e in evidence)
    weak = closest < WEAK_MATCH
    if weak:
        notes.append(f"no abstract matches this question closely (best similarity {closest:.2f}): "
                     "these are the nearest papers, and they may not address it")
    if reading.followup:
        notes.append(f"read as a follow-up to \"{reading.anchors[-1]}\": searched for both together")
    if chosen == "offline":
        text, evidence, offline_notes = _offline_compose(store, question, evidence, history, reading)
        notes += offline_notes
        if on_token:
            on_token(text)
    else:
        from .llm import LLMClient
        from .llm_sources import llm_sources
        from .output import ReasoningFilter, check_output, fallback_reason

        client = llm or LLMClient(settings)
        prior = history_messages(history, HISTORY_TOKENS, lambda t: count_tokens(t, settings.llm.model))
        shown = ReasoningFilter()  # a <think> block is never streamed to the user
        evidence, sources = llm_sources(evidence, question)  # fewer, role-tagged sentences: what is shown is citable
        completion = client.complete(render("answer_system"),
                                     render("answer_user", sources=sources, question=question,
                                            caution="\n" + template("answer_weak_caution") if weak else ""),
                                     on_token=(lambda piece: on_token(shown.feed(piece))) if on_token else None,
                                     stop=stop, history=prior)
        usage, partial = dict(completion.usage), not completion.finished
        if completion.note or completion.error:
            notes.append(completion.note or completion.error or "")
        output = check_output(completion.text, evidence, _verifier(store))
        reason = fallback_reason(output, weak) if completion.finished or not completion.text.strip() else None
        if reason:  # the model's answer does not hold up: the offline engine answers, and says why
            hits, reading = _offline_search(store, question, history, k, filters)
            evidence = build_evidence(hits, question=question) or evidence
            text, evidence, offline_notes = _offline_compose(store, question, evidence, history, reading)
            notes += [f"the model's answer was not shown ({reason}); the offline engine answered instead",
                      *offline_notes]
            engine_label = f"offline (after llm:{settings.llm.model})"
            partial = False
        else:
            text = output.text
            notes += output.notes
    checked = check_citations(text, evidence)
    notes += [f"removed citation {m}: it numbers no source given to this answer" for m in checked.removed]
    if partial and not any("before it finished" in n or "cut" in n for n in notes):
        notes.append("the answer was stopped before it finished")
    verdicts = verify_sentences(checked.text, evidence, _verifier(store)).verdicts
    support = _citation_support(checked.citations, verdicts)
    usage["seconds"] = round(time.perf_counter() - start, 3)
    # The offline engine quotes the papers' own sentences; a model's answer is grounded only if what it cites
    # bears its sentences out.
    grounded = bool(checked.citations) and (engine_label.startswith("offline")
                                            or all(s.label in ("supported", "partial") for s in support.values()))
    citations = [replace(c, support=support[c.n].label, score=support[c.n].score, evidence=support[c.n].evidence)
                 if c.n in support else c for c in checked.citations]
    return Answer(question, checked.text, engine_label, grounded=grounded,
                  citations=citations, usage=usage, notes=notes, uncited=checked.uncited,
                  partial=partial, evidence=evidence, weak_match=weak, sentences=verdicts)


def _verifier(store):
    """One verifier per store (it remembers each paper's analysed abstract)."""
    from ..verify import Verifier

    if "_verifier" not in store.__dict__:
        store.__dict__["_verifier"] = Verifier(store.embedder)
    return store.__dict__["_verifier"]


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
