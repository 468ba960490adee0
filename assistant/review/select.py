"""Which papers a comparison or a draft covers, numbered as evidence.

Two ways in: a query (hybrid retrieval, then the same relevance gate as ``ask``), or
explicit titles, resolved by the store's one title resolver (``store/titles.py``).
"""

from __future__ import annotations

import json

from ..engines.evidence import build_evidence
from ..errors import ConfigError, NotFoundError
from ..models import Evidence, Paper
from ..retrieval import search
from .topicality import judge


def evidence_for_query(store, query: str, k: int, diverse: bool = False) -> list[Evidence]:
    """The relevant papers for ``query``, numbered from 1; NotFoundError when none passes the gate."""
    if k < 1:
        raise ConfigError(f"-k must be at least 1, not {k}")
    evidence = build_evidence(search(store, query, k=k, diverse=diverse))
    if not evidence:
        raise NotFoundError(f"no papers in the collection match {query!r}: no stored abstract is relevant enough "
                            f"(try `litreview search {json.dumps(query)}` to see the nearest ones)")
    return evidence


TOPIC_POOL = 40  # retrieved papers judged for a draft (the review keeps those on the topic)
FALLBACK = 3  # papers reviewed when none is fully on the topic: the closest ones, said so in a note


def evidence_for_topic(store, topic: str, limit: int) -> tuple[list[Evidence], list[str]]:
    """The papers whose own work is on ``topic`` (:mod:`.topicality`), at most ``limit``, numbered from 1,
    and notes for the reader; NotFoundError when retrieval finds nothing relevant at all."""
    if limit < 1:
        raise ConfigError(f"-k must be at least 1, not {limit}")
    hits = search(store, topic, k=max(TOPIC_POOL, limit))
    if not build_evidence(hits[:1]):
        raise NotFoundError(f"no papers in the collection match {topic!r}: no stored abstract is relevant enough "
                            f"(try `litreview search {json.dumps(topic)}` to see the nearest ones)")
    judged = judge(store, topic, hits)
    kept = [j.hit for j in judged if j.on_topic]
    notes: list[str] = []
    if not kept:
        closest = sorted((j for j in judged if j.relative >= 0.5), key=lambda j: -(j.coverage * j.relative))
        kept = [j.hit for j in closest[:FALLBACK]]
        notes.append(f"no paper's own work covers the whole topic; the {len(kept)} closest are reviewed")
    elif len(kept) > limit:
        notes.append(f"{len(kept)} papers are on the topic; the {limit} most relevant are reviewed")
        kept = kept[:limit]
    return [Evidence(i, h.paper, h.paper.abstract, h.dense) for i, h in enumerate(kept, 1)], notes


def number(papers: list[Paper], start: int = 1) -> list[Evidence]:
    """Papers as evidence items numbered from ``start``, with their full abstracts."""
    return [Evidence(i, p, p.abstract, 1.0) for i, p in enumerate(papers, start)]
