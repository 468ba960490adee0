"""Conversation context: follow-up questions read against the earlier turns.

    "what does PowerInfer-2 do?"  ->  "how fast is it on a phone?"

Searched on its own, the follow-up finds phone papers in general; "it" is
PowerInfer-2. So before retrieval, :func:`contextual_search` decides *in
code* whether a question depends on the conversation (:func:`needs_context`).
It does when, and only when, there is history and

* it refers back: an anaphor ("it", "their", "these", "that method", "the
  lighter model", "the authors") or a continuation ("what about ...", "and
  ...?", "tell me more"), in a question of at most ``CUE_MAX_TERMS`` content
  terms (the eval sets' self-contained "a method that ... it ..." questions
  carry eight or more);
* or it is elliptical: at most ``SHORT_TERMS`` content terms, no strong match
  of its own (best passage cosine below ``OWN_STRONG``) and no term that
  names something (used by at most ``RARE_DF`` papers): "fps on the CPU
  only?" depends on context, "What is StreamDiffusion?" does not;
* and it is not out of the collection on its own terms: a question with more
  than ``SHORT_TERMS`` content terms whose own best match is below the
  relevance gate stays standalone (and refused), whatever pronouns it has.

A dependent question is searched together with the previous question (and
the ones before it while the conversation stayed on one subject: each was
elliptical, or its answer's first citation was cited by the turn before; at
most ``CHAIN_TURNS``). The papers the previous answer cited get a score bonus,
``CITED_BONUS`` for the first, half that for the second, ...: the first is
what "it" most likely means. A question read as a follow-up only for being
short must still resemble the paper found (``OWN_FLOOR``), so "capital of
France?" after a question on PowerInfer-2 is refused as before instead of
being answered from PowerInfer-2's abstract.

Standalone questions, and every question without history, are searched
exactly as before. Old answers never supply evidence and their citation
numbers never carry over: evidence is always the current retrieval, and the
LLM sees old answers with their ``[n]`` markers removed.

``evals/followups.jsonl`` measures this (tests/engines/test_followups.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..models import Evidence, Filters, Hit, Turn
from ..query import content_terms, has_anaphor, refers_back
from ..retrieval import search
from .citations import MARKER_RE
from .evidence import RELEVANCE_MIN, _trim

if TYPE_CHECKING:
    from ..store import Store

CUE_MAX_TERMS = 5  # an anaphor in a question longer than this is taken as the question's own ("asks it to")
SHORT_TERMS = 3  # this few content terms and no strong match of its own: elliptical ("fps on the CPU only?")
OWN_STRONG = 0.5  # best-passage cosine at which a short question is taken to name its own topic
RARE_DF = 3  # a term in at most this many papers names something ("StreamDiffusion", "SpQR")
OWN_FLOOR = 0.15  # a short question must resemble the paper the context found at least this much
CHAIN_TURNS = 3  # at most this many earlier questions make up a follow-up's search query
CITED_BONUS = 0.1  # fused-score bonus for the previous answer's first citation (1/2 for the second, ...)
POOL_FACTOR = 4  # a follow-up searches k * POOL_FACTOR papers before the bonus reorders them
HISTORY_TURNS = 6  # LLM path: at most this many earlier turns are sent (settings.answer.history_tokens)


@dataclass(frozen=True, slots=True)
class Reading:
    """How a question was read against the conversation."""

    followup: bool
    reason: str = ""  # why it was (or was not) taken as a follow-up
    query: str = ""  # the retrieval query used
    anchors: tuple[str, ...] = ()  # the earlier questions folded into the query


def needs_context(question: str, own_hits: list[Hit],
                  names: Callable[[list[str]], bool] = lambda _: False) -> str | None:
    """Why ``question`` depends on the earlier turns, or None if it stands on its own.

    ``names(terms)`` says whether some of the question's content terms name something specific
    (a term only a few papers use: "StreamDiffusion"), which makes a short question its own.
    """
    terms = content_terms(question)
    best = own_hits[0].dense if own_hits else 0.0
    if len(terms) > SHORT_TERMS and best < RELEVANCE_MIN:
        return None  # a question with words of its own that match nothing: out of the collection, refused
    if refers_back(question) and len(terms) <= CUE_MAX_TERMS:
        return "refers back"
    if len(terms) <= SHORT_TERMS and best < OWN_STRONG and not names(terms):
        return "short"
    return None


def _names_something(store: Store, terms: list[str]) -> bool:
    """Whether a term is used by at least one and at most ``RARE_DF`` papers (a name, not a topic)."""
    from ..store.lexical import tokenize

    stems = [t for toks in tokenize(terms) for t in toks] if terms else []
    return any(1 <= df <= RARE_DF for df in store.doc_freq(stems).values())


def _is_elliptical(question: str) -> bool:
    """Text-only version of :func:`needs_context`, for the earlier questions of a chain."""
    terms = content_terms(question)
    return (refers_back(question) and len(terms) <= CUE_MAX_TERMS) or len(terms) <= SHORT_TERMS


def anchor_questions(history: Sequence[Turn]) -> list[str]:
    """The earlier questions a follow-up continues, oldest first: the previous one, and the ones
    before it for as long as the conversation stayed on the same subject, that is while each
    question was itself elliptical or its answer's first citation was cited by the turn before."""
    anchors: list[str] = []
    turns = [t for t in history if t.question.strip()]
    for i in range(len(turns) - 1, -1, -1):
        turn = turns[i]
        anchors.insert(0, turn.question.strip())
        if len(anchors) >= CHAIN_TURNS or i == 0:
            break
        same_subject = bool(turn.cited) and turn.cited[0] in turns[i - 1].cited
        if not (same_subject or _is_elliptical(turn.question)):
            break
    return anchors


def contextual_search(store: Store, question: str, history: Sequence[Turn], k: int,
                      filters: Filters | None = None) -> tuple[list[Hit], Reading]:
    """The ``k`` best papers for ``question`` read in the light of ``history``."""
    own = search(store, question, k=k, filters=filters)
    if not history:
        return own, Reading(False)
    reason = needs_context(question, own, lambda terms: _names_something(store, terms))
    anchors = tuple(anchor_questions(history))
    if reason is None or not anchors:
        return own, Reading(False, "stands on its own", question)
    query = " ".join([*anchors, question.strip()])
    pool = search(store, query, k=k * POOL_FACTOR, filters=filters)
    bonus: dict[str, float] = {}  # the previous answer's first citation is the likeliest referent of "it"
    for i, pid in enumerate(history[-1].cited):
        bonus.setdefault(pid, CITED_BONUS / (i + 1))
    ranked = sorted(((h.score + bonus.get(h.paper.paper_id, 0.0), i, h) for i, h in enumerate(pool)),
                    key=lambda t: (-t[0], t[1]))
    hits = [replace(h, score=score) for score, _, h in ranked[:k]]
    if reason == "short" and hits and _resemblance(store, question, hits[0]) < OWN_FLOOR:
        return own, Reading(False, "short, but unrelated to the conversation", question)
    return hits, Reading(True, reason, query, anchors)


def _resemblance(store: Store, question: str, hit: Hit) -> float:
    """Cosine between the bare question and the paper's mean passage vector."""
    vectors = store.paper_vectors([hit.paper.paper_id])
    vec = vectors.get(hit.paper.paper_id)
    if vec is None:
        return 1.0  # nothing to compare with: trust the context
    return float(np.asarray(vec) @ store.query_vector(question))


def referent(question: str, history: Sequence[Turn], evidence: list[Evidence]) -> int | None:
    """The evidence number that "it" in a follow-up most likely means: the first paper the previous
    answer cited that is in the current evidence. None without an anaphor, history or such paper."""
    if not history or not has_anaphor(question):
        return None
    by_paper = {e.paper.paper_id: e.n for e in evidence}
    return next((by_paper[pid] for pid in history[-1].cited if pid in by_paper), None)


# -- the LLM path ---------------------------------------------------------------------------------------
def without_markers(text: str) -> str:
    """An old answer without its citation numbers: they numbered that answer's evidence, not this one's."""
    cleaned = MARKER_RE.sub("", text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned))
    return cleaned.strip()


def history_messages(history: Sequence[Turn], budget: int,
                     count_tokens: Callable[[str], int]) -> list[tuple[str, str]]:
    """Earlier turns as ("user" | "assistant", text) chat messages, oldest first.

    The most recent turns are kept within ``budget`` tokens (and ``HISTORY_TURNS``); an answer
    that does not fit whole is cut, and older turns are dropped. Citation markers are removed
    from the answers (:func:`without_markers`).
    """
    kept: list[tuple[str, str]] = []
    used = 0
    for turn in list(reversed(history))[:HISTORY_TURNS]:
        question, answer = turn.question.strip(), without_markers(turn.answer)
        if not question:
            continue
        q_cost = count_tokens(question) + 4
        a_cost = count_tokens(answer) + 4 if answer else 0
        if used + q_cost + a_cost > budget:
            room = budget - used - q_cost - 4
            if room < 40:
                break
            answer = _trim(answer, room, count_tokens)
            a_cost = budget - used - q_cost
        used += q_cost + a_cost
        pair = [("user", question)] + ([("assistant", answer)] if answer else [])
        kept[:0] = pair
    return kept

