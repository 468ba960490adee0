"""Which papers a comparison or a draft covers, numbered as evidence.

Two ways in: a query (hybrid retrieval, then the same relevance gate as ``ask``), or
explicit titles resolved one by one: paper id, exact title, a fragment that matches
exactly one title, else the closest title by :class:`difflib.SequenceMatcher` ratio
(whole title, or the best run of as many words for a fragment). Ambiguity and misses are
errors that list the candidates, never a silent pick.
"""

from __future__ import annotations

import difflib
import json

from ..engines.evidence import build_evidence
from ..errors import ConfigError, NotFoundError
from ..models import Evidence, Paper
from ..retrieval import search
from ..textnorm import paper_id_for, title_key
from .terms import STOP
from .topicality import judge

FUZZY_MIN = 0.75  # SequenceMatcher ratio between normalised titles for a fuzzy match
FUZZY_MARGIN = 0.08  # the best match must beat the runner-up by this much
HINT_MIN = 0.6  # titles this close are suggested when nothing matches


def evidence_for_query(store, query: str, k: int, diverse: bool = False) -> list[Evidence]:  # type: ignore[no-untyped-def]
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


def evidence_for_topic(store, topic: str, limit: int) -> tuple[list[Evidence], list[str]]:  # type: ignore[no-untyped-def]
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


def _listing(papers: list[Paper], limit: int = 5) -> str:
    shown = "; ".join(p.title for p in papers[:limit])
    return shown + (" ..." if len(papers) > limit else "")


def _scorer(key: str):  # type: ignore[no-untyped-def]
    """similarity(title) for one normalised reference: the whole title, or (a hair lower) its best
    run of about as many words, so a misspelt fragment still finds its titles."""
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(key)  # the reference's index is built once, titles vary
    size = len(key.split())
    stems = {w[:4] for w in key.split() if len(w) >= 4 and w not in STOP}

    def ratio(text: str) -> float:
        matcher.set_seq1(text)
        return matcher.ratio() if matcher.real_quick_ratio() >= HINT_MIN and matcher.quick_ratio() >= HINT_MIN else 0.0

    def similarity(title: str) -> float:
        words = title.split()
        if not stems & {w[:4] for w in words if len(w) >= 4}:  # no word in common even loosely: only the whole title
            return ratio(title)
        windows = {" ".join(words[i:i + m]) for m in (size - 1, size, size + 1) if 0 < m < len(words)
                   for i in range(len(words) - m + 1)}
        return max([ratio(title)] + [0.97 * ratio(w) for w in windows])

    return similarity


def resolve_title(store, ref: str) -> Paper:  # type: ignore[no-untyped-def]
    """One paper for a title reference (id, exact title, unique fragment or close spelling)."""
    ref = ref.strip()
    if not ref:
        raise ConfigError("--paper needs a title (or a fragment of one)")
    paper = store.get(ref) or store.get(paper_id_for(ref))
    if paper:
        return paper
    matches = store.catalogue.find_titles(ref, limit=50)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise NotFoundError(f"{len(matches)} papers match {ref!r}; give more of the title: {_listing(matches)}")
    similarity = _scorer(title_key(ref))
    scored = [(similarity(title_key(p.title)), p) for p in store.catalogue.iter_papers()]
    scored.sort(key=lambda s: -s[0])
    close = [(r, p) for r, p in scored if r >= FUZZY_MIN]
    if close and (len(close) == 1 or close[0][0] - close[1][0] >= FUZZY_MARGIN):
        return close[0][1]
    if close:
        near = [p for r, p in close if close[0][0] - r < FUZZY_MARGIN]
        raise NotFoundError(f"{len(near)} papers have titles close to {ref!r}; give more of the title: "
                            f"{_listing(near)}")
    hint = [p for r, p in scored[:3] if r >= HINT_MIN]
    closest = f"; closest: {_listing(hint)}" if hint else ""
    raise NotFoundError(f"no paper title matches {ref!r}{closest} (try `litreview search {json.dumps(ref)}`)")


def resolve_titles(store, refs: list[str]) -> list[Paper]:  # type: ignore[no-untyped-def]
    """Each reference resolved, in the order given, duplicates dropped."""
    out: dict[str, Paper] = {}
    for ref in refs:
        paper = resolve_title(store, ref)
        out.setdefault(paper.paper_id, paper)
    return list(out.values())
