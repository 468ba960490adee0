"""Which papers a comparison or a draft covers, numbered as evidence.

Two ways in: a query (hybrid retrieval, then the same relevance gate as ``ask``), or
explicit titles, resolved by the store's one title resolver (``store/titles.py``).

The reader can steer the choice:

* ``exclude``: papers left out, each named by id, title, fragment, method name or close spelling
  (the same resolver); a reference that names no paper, or several, is a ``ConfigError`` naming it.
  A query looks that many papers further down the ranking, so ``-k`` papers are still compared.
* ``min_score``: papers whose similarity to the query (``Evidence.similarity``: the cosine similarity
  of the paper's best passage, the score ``search`` shows) is below it are dropped, and a note says how
  many. Papers named by title were not retrieved and have no such score, so the two do not mix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..engines.evidence import build_evidence
from ..errors import ConfigError, NotFoundError
from ..models import Evidence, Hit, Paper
from ..retrieval import search
from ..store.titles import resolve_title, resolve_titles
from .topicality import Judged, judge, subtopics

if TYPE_CHECKING:
    from ..store import Store


@dataclass(slots=True)
class Selection:
    """The papers a comparison covers, numbered as evidence, and notes on how they were chosen."""

    evidence: list[Evidence]
    notes: list[str] = field(default_factory=list)


def excluded_papers(store: Store, refs: Iterable[str]) -> dict[str, Paper]:
    """Each ``--exclude`` reference resolved to its paper (by id); ConfigError naming a reference that
    matches no paper or several."""
    out: dict[str, Paper] = {}
    for ref in refs:
        try:
            paper = resolve_title(store, ref)
        except (NotFoundError, ConfigError) as exc:
            raise ConfigError(f"--exclude {ref!r}: {exc}") from None
        out.setdefault(paper.paper_id, paper)
    return out


def check_min_score(min_score: float | None) -> None:
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise ConfigError(f"--min-score must be between 0 and 1, not {min_score}")


def _left_out_note(papers: list[Paper]) -> list[str]:
    if not papers:
        return []
    return [f"left out as asked (--exclude): {'; '.join(p.title for p in papers)}"]


def _below_note(dropped: list[float], min_score: float) -> list[str]:
    if not dropped:
        return []
    shown = sorted(dropped, reverse=True)
    listed = ", ".join(f"{s:.2f}" for s in shown[:5]) + (", ..." if len(shown) > 5 else "")
    return [f"--min-score {min_score:g} dropped {len(dropped)} paper(s) whose similarity to the query is below it "
            f"({listed})"]


def _nothing_left(query: str, min_score: float, scores: list[float]) -> NotFoundError:
    return NotFoundError(f"none of the {len(scores)} papers found for {query!r} has a similarity of at least "
                         f"{min_score:g} (the closest: {max(scores):.2f}); lower --min-score")


def select_for_query(store: Store, query: str, k: int, diverse: bool = False, *, exclude: Iterable[str] = (),
                     min_score: float | None = None) -> Selection:
    """The ``k`` most relevant papers for ``query`` not excluded, numbered from 1, then those below
    ``min_score`` dropped (said in a note); NotFoundError when none passes the gate or the score."""
    if k < 1:
        raise ConfigError(f"-k must be at least 1, not {k}")
    check_min_score(min_score)
    excluded = excluded_papers(store, exclude)
    hits = search(store, query, k=k + len(excluded), diverse=diverse)
    left_out = [h.paper for h in hits if h.paper.paper_id in excluded]
    evidence = build_evidence([h for h in hits if h.paper.paper_id not in excluded][:k])
    if not evidence:
        raise NotFoundError(f"no papers in the collection match {query!r}: no stored abstract is relevant enough "
                            f"(try `litreview search {json.dumps(query)}` to see the nearest ones)")
    notes = _left_out_note(left_out)
    if min_score is not None:
        kept = [e for e in evidence if e.similarity >= min_score]
        if not kept:
            raise _nothing_left(query, min_score, [e.similarity for e in evidence])
        notes += _below_note([e.similarity for e in evidence if e.similarity < min_score], min_score)
        evidence = [replace(e, n=i) for i, e in enumerate(kept, 1)]
    return Selection(evidence, notes)


def select_named(store: Store, titles: list[str], *, exclude: Iterable[str] = (),
                 min_score: float | None = None) -> Selection:
    """The papers ``titles`` name, in order, minus the excluded ones, numbered from 1."""
    if min_score is not None:
        raise ConfigError("--min-score applies to papers found by a QUERY; papers named with --paper have no "
                          "retrieval score (leave one of the two out)")
    excluded = excluded_papers(store, exclude)
    named = resolve_titles(store, titles)
    kept = [p for p in named if p.paper_id not in excluded]
    if not kept:
        raise ConfigError("every paper named with --paper is also excluded with --exclude; nothing is left to "
                          "compare")
    return Selection(number(kept), _left_out_note([p for p in named if p.paper_id in excluded]))


def select_papers(store: Store, query: str | None, titles: list[str] | None, k: int, *, exclude: Iterable[str] = (),
                  min_score: float | None = None) -> Selection:
    """What ``compare`` covers: the papers named by ``titles`` if any, else the papers found by ``query``."""
    query = (query or "").strip()
    if titles:
        return select_named(store, titles, exclude=exclude, min_score=min_score)
    if query:
        return select_for_query(store, query, k, exclude=exclude, min_score=min_score)
    raise ConfigError("compare needs a QUERY or at least one --paper TITLE")


def evidence_for_query(store: Store, query: str, k: int, diverse: bool = False) -> list[Evidence]:
    """The relevant papers for ``query``, numbered from 1; NotFoundError when none passes the gate."""
    return select_for_query(store, query, k, diverse).evidence


TOPIC_POOL = 40  # retrieved papers judged for a draft (the review keeps those on the topic)
FALLBACK = 3  # papers reviewed when none is fully on the topic: the closest ones, said so in a note


def evidence_for_topic(store: Store, topic: str, limit: int, *, exclude: Iterable[str] = (),
                       min_score: float | None = None) -> tuple[list[Evidence], list[str]]:
    """The papers whose own work is on ``topic`` (:mod:`.topicality`), not excluded and with a similarity of
    at least ``min_score``, at most ``limit``, numbered from 1, and notes for the reader; NotFoundError when
    retrieval finds nothing relevant at all, or nothing at ``min_score``."""
    if limit < 1:
        raise ConfigError(f"-k must be at least 1, not {limit}")
    check_min_score(min_score)
    excluded = excluded_papers(store, exclude)
    left_out: dict[str, Paper] = {}
    best: dict[str, Judged] = {}  # each paper's judgement against the sub-topic it fits best
    relevant = False
    for part in subtopics(topic):
        hits = search(store, part, k=max(TOPIC_POOL, limit) + len(excluded))
        left_out.update((h.paper.paper_id, h.paper) for h in hits if h.paper.paper_id in excluded)
        hits = [h for h in hits if h.paper.paper_id not in excluded]
        relevant = relevant or bool(build_evidence(hits[:1]))
        for j in judge(store, part, hits):
            seen = best.get(j.hit.paper.paper_id)
            if seen is None or (j.on_topic, j.relative) > (seen.on_topic, seen.relative):
                best[j.hit.paper.paper_id] = j
    if not relevant:
        raise NotFoundError(f"no papers in the collection match {topic!r}: no stored abstract is relevant enough "
                            f"(try `litreview search {json.dumps(topic)}` to see the nearest ones)")
    notes = _left_out_note(list(left_out.values()))
    # relative = score / its sub-topic's best, so a topic of one part keeps retrieval order
    judged = sorted(best.values(), key=lambda j: -j.relative)
    kept = [j.hit for j in judged if j.on_topic]
    fallback = not kept
    if fallback:
        closest = sorted((j for j in judged if j.relative >= 0.5), key=lambda j: -(j.coverage * j.relative))
        kept = [j.hit for j in closest[:FALLBACK]]
    if min_score is not None:
        kept, dropped = _at_least(kept, min_score)
        if not kept and dropped:
            raise _nothing_left(topic, min_score, [h.dense for h in dropped])
        notes += _below_note([h.dense for h in dropped], min_score)
    if fallback:
        notes.append(f"no paper's own work covers the whole topic; the {len(kept)} closest are reviewed")
    elif len(kept) > limit:
        notes.append(f"{len(kept)} papers are on the topic; the {limit} most relevant are reviewed")
        kept = kept[:limit]
    return [Evidence(i, h.paper, h.paper.abstract, h.dense) for i, h in enumerate(kept, 1)], notes


def _at_least(hits: list[Hit], min_score: float) -> tuple[list[Hit], list[Hit]]:
    return [h for h in hits if h.dense >= min_score], [h for h in hits if h.dense < min_score]


def number(papers: list[Paper], start: int = 1) -> list[Evidence]:
    """Papers as evidence items numbered from ``start``, with their full abstracts."""
    return [Evidence(i, p, p.abstract, 1.0) for i, p in enumerate(papers, start)]
