"""The two engines that write an answer: from the abstracts' own sentences (offline) or with a model (LLM).

:func:`engine_for` turns the user's choice ("auto", "offline", "llm") into an :class:`Engine` once; the
answer pipeline (:mod:`.answer`), and compare and draft (through :func:`assistant.review.engine.review_engine`),
then call its methods and never test its name. An engine decides three things:

* **search**: how the question is searched (the offline engine draws "which" questions from a larger pool
  and searches a negative question's subject without its excluded term; the LLM engine reads follow-ups
  together with the question they continue);
* **evidence**: how much of each abstract is kept (the LLM engine within a token budget);
* **answer**: the text, the evidence it numbers, notes and usage. The LLM engine falls back to the offline
  one when the model's answer does not hold up, and says why.

What every engine's text then goes through (citation checker, verifier) is the pipeline's, not the engine's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from ..models import Evidence, Filters, Turn
from ..prompts import render, template
from .conversation import contextual_search, history_messages, referent
from .evidence import build_evidence

if TYPE_CHECKING:
    from ..retrieval import Hit
    from ..settings import Settings
    from ..store import Store
    from .conversation import Reading
    from .llm import LLMClient

EngineName = Literal["auto", "llm", "offline"]
OnToken = Callable[[str], None]
OnStatus = Callable[[str], None]  # what a slow engine is doing before its first token ("reading 4 sources …")


@dataclass
class Written:
    """What an engine wrote: the text, the evidence its markers number, and what the user should know."""

    text: str
    evidence: list[Evidence]
    notes: list[str] = field(default_factory=list)
    usage: dict[str, object] = field(default_factory=dict)
    partial: bool = False  # the model's stream was cut or stopped
    label: str | None = None  # set when another engine than the chosen one wrote the text
    quotes: bool = False  # the text quotes the papers' own sentences verbatim (the offline engine)
    checks: dict[str, int] = field(default_factory=dict)  # engines.output.OutputCheck's counts for a model's text


class Engine(Protocol):
    label: str  # "offline" or "llm:<model>", shown with every answer
    client: LLMClient | None  # the model client; None for the offline engine

    def search(self, store: Store, question: str, history: Sequence[Turn], k: int,
               filters: Filters | None) -> tuple[list[Hit], Reading]: ...

    def evidence(self, hits: list[Hit], question: str) -> list[Evidence]: ...

    def answer(self, store: Store, question: str, evidence: list[Evidence], *, history: Sequence[Turn],
               reading: Reading, weak: bool, k: int, filters: Filters | None, on_token: OnToken | None,
               stop: threading.Event | None, on_status: OnStatus | None = None) -> Written: ...


def engine_for(settings: Settings, name: EngineName = "auto", llm: LLMClient | None = None) -> Engine:
    """The engine the user asked for: "auto" is the LLM when one is configured (or ``llm`` is given)."""
    if llm is not None:
        return LLMEngine(settings, llm)
    if name == "auto":
        name = "llm" if settings.llm_configured else "offline"
    if name == "offline":
        return OfflineEngine()
    if not settings.llm_configured:
        from ..errors import ConfigError

        raise ConfigError("--engine llm needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    return LLMEngine(settings)


class OfflineEngine:
    """Quotes the sentences in which the cited papers state their own work, one paragraph per paper."""

    label = "offline"
    client: LLMClient | None = None

    def search(self, store: Store, question: str, history: Sequence[Turn], k: int,
               filters: Filters | None) -> tuple[list[Hit], Reading]:
        """"Which" questions draw on a larger pool, and a negative question ("… without a draft model") is
        also searched for its topic alone, so papers that never name the excluded thing are found too."""
        from .offline import pool_size
        from .question import Kind, read_question, topic_query

        pool = pool_size(question, k)
        hits, reading = contextual_search(store, question, history, pool, filters)
        if read_question(question).kind is Kind.NEGATIVE and (topic := topic_query(question)) != question:
            more, _ = contextual_search(store, topic, history, pool, filters)
            merged, seen = [], set()
            for pair in zip(hits, more):  # merged in turn
                for hit in pair:
                    if hit.paper.paper_id not in seen:
                        seen.add(hit.paper.paper_id)
                        merged.append(hit)
            hits = merged[:pool + pool // 2]
        return hits, reading

    def evidence(self, hits: list[Hit], question: str) -> list[Evidence]:
        return build_evidence(hits, question=question)

    def answer(self, store: Store, question: str, evidence: list[Evidence], *, history: Sequence[Turn],
               reading: Reading, weak: bool, k: int, filters: Filters | None, on_token: OnToken | None,
               stop: threading.Event | None, on_status: OnStatus | None = None) -> Written:
        """The evidence comes back renumbered so the markers run [1], [2], ... in reading order."""
        from .offline import compose_answer

        composed = compose_answer(store, question, evidence,
                                  referent(question, history, evidence) if reading.followup else None, weak)
        notes = [] if composed.reported else ["the abstracts do not report what is asked: the nearest papers "
                                              "are listed, not cited"]
        if on_token:
            on_token(composed.text)
        return Written(composed.text, composed.evidence, notes + composed.notes, quotes=True)


class LLMEngine:
    """A model writes from role-tagged sources; its output is checked (:mod:`.output`) and, when it does not
    hold up, the offline engine answers instead."""

    def __init__(self, settings: Settings, client: LLMClient | None = None) -> None:
        from .llm import LLMClient

        self.settings = settings
        self.client: LLMClient | None = client or LLMClient(settings)
        self.model = getattr(self.client, "model", None) or settings.llm.model
        self.label = f"llm:{self.model}"

    def count_tokens(self, text: str) -> int:
        from ..tokens import count_tokens

        return count_tokens(text, self.model)

    def search(self, store: Store, question: str, history: Sequence[Turn], k: int,
               filters: Filters | None) -> tuple[list[Hit], Reading]:
        return contextual_search(store, question, history, k, filters)

    def evidence(self, hits: list[Hit], question: str) -> list[Evidence]:
        return build_evidence(hits, self.settings.answer.evidence_tokens, self.count_tokens, question=question)

    def answer(self, store: Store, question: str, evidence: list[Evidence], *, history: Sequence[Turn],
               reading: Reading, weak: bool, k: int, filters: Filters | None, on_token: OnToken | None,
               stop: threading.Event | None, on_status: OnStatus | None = None) -> Written:
        from .llm_sources import llm_sources
        from .output import ReasoningFilter, check_output, fallback_reason, verifier_for

        assert self.client is not None
        tuning = self.settings.answer
        prior = history_messages(history, tuning.history_tokens, self.count_tokens)
        shown = ReasoningFilter()  # a <think> block is never streamed to the user
        # fewer, role-tagged sentences: what is shown is citable
        evidence, sources = llm_sources(evidence, question, tuning.llm_sources, tuning.llm_sentences)
        if on_status:
            on_status(f"reading {len(evidence)} source{'s' if len(evidence) != 1 else ''} with {self.model}")
        completion = self.client.complete(
            render("answer_system"),
            render("answer_user", sources=sources, question=question,
                   caution="\n" + template("answer_weak_caution") if weak else ""),
            on_token=(lambda piece: on_token(shown.feed(piece))) if on_token else None,
            stop=stop, history=prior)
        notes = [completion.note or completion.error or ""] if completion.note or completion.error else []
        usage = dict(completion.usage)
        output = check_output(completion.text, evidence, verifier_for(store))
        reason = fallback_reason(output, weak) if completion.finished or not completion.text.strip() else None
        if not reason:
            return Written(output.text, evidence, notes + output.notes, usage, partial=not completion.finished,
                           checks=output.summary())
        # the model's answer does not hold up: the offline engine answers, and says why
        offline = OfflineEngine()
        hits, reading = offline.search(store, question, history, k, filters)
        evidence = offline.evidence(hits, question) or evidence
        written = offline.answer(store, question, evidence, history=history, reading=reading, weak=weak, k=k,
                                 filters=filters, on_token=None, stop=stop)
        written.notes[:0] = [*notes, f"the model's answer was not shown ({reason}); the offline engine "
                                     "answered instead"]
        written.usage, written.label = usage, f"offline (after {self.label})"
        return written
