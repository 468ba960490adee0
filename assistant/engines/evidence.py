"""Numbered evidence: the only papers an answer may cite.

Evidence is built from retrieval hits, numbered from 1, and trimmed to a token
budget. Whatever the engine writes, a citation ``[n]`` is valid only if ``n``
numbers an item here (see :mod:`assistant.engines.citations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..models import Evidence, Hit
from ..query import content_terms, core_query
from ..retrieval import RELEVANCE_MIN, keyword_matches

# Best-passage cosine similarity (question framing stripped, see query.py) below which the collection is taken
# to hold no evidence: the line search draws too, measured where it is defined (retrieval.RELEVANCE_MIN).
# Above the gate but below ``settings.answer.weak_match``, the best abstract is only a neighbour of the
# question: the answer is given, and says so.
# A paper much weaker than the best hit is not evidence, just a neighbour.
RELATIVE_MIN = 0.6


# A question that names a paper's own coined method ("How do RazorAttention and DuoAttention ...") is about
# the collection even when its wording is far from the abstract's: the names are checked among this many
# top hits, and such a question must still clear this much lower similarity.
NAMED_HITS = 3
NAMED_MIN = 0.2
KEYWORD_WORDS = 3
_CODED_TOKEN = re.compile(r"(?<![\w-])[A-Za-z][\w-]*(?:[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z])[\w-]*")


def names_in_collection(question: str, hits: list[Hit]) -> list[Hit]:
    """The top hits whose own coined method name (a word with an inner capital or a digit, such as
    DuoAttention or PowerInfer-2) the question uses."""
    from ..roles import method_names

    coined = {m.group(0).rstrip("-").casefold() for m in _CODED_TOKEN.finditer(question)}
    if not coined:
        return []
    return [h for h in hits[:NAMED_HITS]
            if coined & {n.casefold() for n in method_names(h.paper.title, h.paper.abstract)}]


def is_relevant(hits: list[Hit], question: str | None = None) -> bool:
    """The best hit is close enough to the question (``RELEVANCE_MIN``); or it is at least ``NAMED_MIN`` close
    and one of the top hits carries a name the question uses, or every content word of a question that has at
    least :data:`KEYWORD_WORDS` of them ("What is the mutual waiting problem?": the words embed far from the
    abstract that uses them; search shows such a paper whatever its similarity)."""
    if not hits:
        return False
    if hits[0].dense >= RELEVANCE_MIN:
        return True
    if question is None or hits[0].dense < NAMED_MIN:
        return False
    if names_in_collection(question, hits):
        return True
    return len(set(content_terms(core_query(question)))) >= KEYWORD_WORDS \
        and bool(keyword_matches(question, hits[:NAMED_HITS]))


def build_evidence(hits: list[Hit], budget_tokens: int | None = None,
                   count_tokens: Callable[[str], int] | None = None, question: str | None = None) -> list[Evidence]:
    """Number the relevant hits; trim abstracts so the whole fits ``budget_tokens``.

    ``question``: when given, a question naming a collection paper's own method passes the relevance
    gate (see ``NAMED_MIN``) and the named papers are always kept."""
    if not is_relevant(hits, question):
        return []
    named = {h.paper.paper_id for h in names_in_collection(question, hits)} if question else set()
    floor = max(RELEVANCE_MIN * 0.8, hits[0].dense * RELATIVE_MIN)
    kept = [h for h in hits if h.dense >= floor or h.lexical >= 0.8 or h.paper.paper_id in named]
    items: list[Evidence] = []
    used = 0
    for hit in kept:
        text = hit.paper.abstract
        if budget_tokens is not None and count_tokens is not None:
            cost = count_tokens(hit.paper.title) + count_tokens(text) + 12
            if used + cost > budget_tokens:
                room = budget_tokens - used - count_tokens(hit.paper.title) - 12
                if room < 60:
                    break
                text = _trim(text, room, count_tokens)
                cost = budget_tokens - used
            used += cost
        items.append(Evidence(len(items) + 1, hit.paper, text, hit.dense, hit.score))
    return items


def _trim(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> str:
    words = text.split()
    lo, hi = 0, len(words)
    while lo < hi:  # longest prefix of words that fits
        mid = (lo + hi + 1) // 2
        if count_tokens(" ".join(words[:mid])) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo]) + " ..."
