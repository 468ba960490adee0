"""Hybrid retrieval: BM25 and dense passage similarity, fused by weighted scores.

Why not reciprocal-rank fusion: RRF throws away how *much* better the top
candidate is, and on paraphrased questions over this corpus it recovers only
part of the gap (STACK.md; ``litreview eval`` measures it side by side). Here
each signal is normalised per query and mixed with a weight tuned on
``evals/sets`` (``retrieval.dense_weight`` in the settings):

* lexical: BM25 over title (counted twice) + abstract, divided by the query's
  best BM25 score;
* dense: the best cosine similarity over the paper's title-prefixed passages
  (abstracts are split to fit the embedding window), rescaled between the
  query's best and its ``retrieval.dense_pool``-th best passage.

Topic queries can ask for diversity (MMR over mean passage vectors), so a
handful of near-duplicate papers does not crowd out the rest of a topic.
Pure: no printing, no LLM.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .models import Filters, Hit
from .query import content_terms, core_query

if TYPE_CHECKING:
    from .store import StoreLike

Mode = Literal["hybrid", "lexical", "dense"]
CROWDED = 0.5  # share of a writer's dense pool that must be its own papers before its search is scoped


@dataclass(frozen=True, slots=True)
class Candidate:
    paper_id: str
    lexical: float = 0.0
    dense: float = 0.0
    similarity: float = 0.0  # raw best cosine, an absolute relevance signal
    chunk_id: str = ""  # the paper's best-matching passage


def lexical_candidates(store: StoreLike, query: str, pool: int) -> dict[str, Candidate]:
    import numpy as np  # imported here so `litreview --help` (which reads RELEVANCE_MIN) stays light

    paper_ids, scores = store.lexical_scores(query)
    if scores.size == 0 or float(scores.max()) <= 0:
        return {}
    top = np.argsort(-scores)[:pool]
    best = float(scores[top[0]])
    return {paper_ids[i]: Candidate(paper_ids[i], lexical=float(scores[i]) / best)
            for i in top if scores[i] > 0}


def dense_candidates(store: StoreLike, query: str, pool: int, filters: Filters | None) -> dict[str, Candidate]:
    # On a cold start, loading the embedding model and opening Chroma each take a few hundred ms:
    # do them side by side (both spend most of that time in native code).
    with ThreadPoolExecutor(max_workers=1) as side:
        vector = side.submit(store.query_vector, core_query(query))
        store.open_vectors()
        hits = store.nearest_passages(vector.result(), pool, filters=filters)
    if store.shared_writer and hits and store.catalogue.share_known({h.paper_id for h in hits}) < CROWDED:
        # A writer on a shared server whose pool is mostly other users' papers: ask again, limited to its own
        # files (a filtered query costs Chroma 3-5x more, so only when it matters).
        hits = store.nearest_passages(vector.result(), pool, filters=filters, own_only=True)
    if not hits:
        return {}
    best, floor = hits[0].similarity, hits[-1].similarity
    span = max(best - floor, 1e-6)
    out: dict[str, Candidate] = {}
    for hit in hits:  # sorted best first: the first passage seen per paper is its best
        if hit.paper_id not in out:
            out[hit.paper_id] = Candidate(hit.paper_id, dense=(hit.similarity - floor) / span,
                                          similarity=hit.similarity, chunk_id=hit.chunk_id)
    return out


def search(store: StoreLike, query: str, k: int = 10, filters: Filters | None = None,
           mode: Mode = "hybrid", diverse: bool = False, dense_weight: float | None = None) -> list[Hit]:
    """The ``k`` best papers for ``query``, best first."""
    query = query.strip()
    if not query or len(store) == 0:
        return []
    wide = filters is not None and filters.active
    tuning = store.settings.retrieval
    dense_weight = tuning.dense_weight if dense_weight is None else dense_weight
    lex = lexical_candidates(store, query, tuning.lexical_pool * (4 if wide else 1)) if mode != "dense" else {}
    den = dense_candidates(store, query, tuning.dense_pool * (4 if wide else 1), filters) if mode != "lexical" else {}
    weight = {"hybrid": dense_weight, "lexical": 0.0, "dense": 1.0}[mode]
    fused: dict[str, tuple[float, Candidate]] = {}
    for pid in set(lex) | set(den):
        lx, d = lex.get(pid), den.get(pid)
        score = weight * (d.dense if d else 0.0) + (1 - weight) * (lx.lexical if lx else 0.0)
        fused[pid] = (score, Candidate(pid, lexical=lx.lexical if lx else 0.0, dense=d.dense if d else 0.0,
                                       similarity=d.similarity if d else 0.0, chunk_id=d.chunk_id if d else ""))
    ranked = sorted(fused.items(), key=lambda item: (-item[1][0], item[0]))
    # With filters, look at every candidate: the best ones may all be filtered out.
    papers = store.catalogue.get_many(pid for pid, _ in (ranked if wide else ranked[: max(k * 5, 50)]))
    kept = [(pid, score, c) for pid, (score, c) in ranked
            if pid in papers and (filters is None or filters.admits(papers[pid]))]
    if diverse and len(kept) > k:
        kept = mmr(store, kept, k)
    kept = kept[:k]
    return [Hit(papers[pid], score, lexical=c.lexical, dense=c.similarity, chunk_id=c.chunk_id)
            for pid, score, c in kept]


Ranked = tuple[str, float, Candidate]  # (paper_id, fused score, candidate)


def mmr(store: StoreLike, ranked: list[Ranked], k: int, lam: float = 0.7, pool: int = 40) -> list[Ranked]:
    """Maximal marginal relevance: trade a little relevance for less redundancy."""
    head = ranked[:pool]
    vecs = store.paper_vectors([pid for pid, _, _ in head])
    chosen: list[Ranked] = []
    rest = [r for r in head if r[0] in vecs]
    top = max((r[1] for r in rest), default=1.0) or 1.0
    while rest and len(chosen) < k:
        def gain(r: Ranked) -> float:
            sim = max((float(vecs[r[0]] @ vecs[c[0]]) for c in chosen), default=0.0)
            return lam * r[1] / top - (1 - lam) * sim
        best = max(rest, key=gain)
        chosen.append(best)
        rest.remove(best)
    return chosen


# -- the score a user sees, and the floor under search results ----------------------------------------
# The fused score above ranks papers within one query only: both of its parts are divided by the query's
# best, so the top hit is near 1.0 for any query, "the fall of the Roman Empire" included. What a user is
# shown is the paper's *similarity*: the cosine similarity between the query (framing stripped) and the
# paper's best-matching passage, the same number `ask` uses for its relevance gate (engines/evidence.py).
#
# Search draws the two lines `ask` draws, so a similarity means the same everywhere:
#
# * RELEVANCE_MIN, under which the collection is taken to hold nothing on the query: `ask` refuses, `search`
#   shows nothing and names the nearest paper. Measured on evals/sets with all-MiniLM-L6-v2: out-of-collection
#   questions top out at 0.338, in-collection questions start at 0.359 (a thin margin: `litreview eval`
#   reports refusal accuracy and false refusals, so a change here is measured).
# * ``settings.answer.weak_match`` (0.5), under which a paper is only a neighbour of the query: `ask` answers
#   and says so, `search` marks the result "near miss".
#
# On 35 hand-written search queries (tests/test_cli_everyday.py), the best similarity among each query's 10
# hits: the 20 about papers in the bundled corpus reach 0.40-0.74, so all are shown, 2 of them as near
# misses; of the 15 about topics it does not cover, 7 are refused outright and 7 of the 8 others are marked
# near misses ("differential privacy for training neural networks" reaches 0.51 on a federated-learning
# paper). A floor at 0.5 would refuse 14 of the 15, but would also hide the right paper for 2 of the 20 and
# for this README's own pavement-crack example (0.49).
# Names and bare keywords ("YOLOv8", "LoRA") embed poorly (0.39-0.45 on their own papers) although the
# paper uses the very word, so a paper whose text holds every word of the query is shown whatever its
# similarity (`keyword_matches`).
RELEVANCE_MIN = 0.345


def similarity(hit: Hit) -> float | None:
    """The score a user sees: the cosine similarity of the paper's best passage to the query, or ``None``
    when none of its passages was among the nearest ``retrieval.dense_pool`` (a keyword-only hit, or
    ``--mode lexical``), i.e. its similarity is below the pool's last one and was not measured."""
    return hit.dense if hit.chunk_id else None


def keyword_matches(query: str, hits: list[Hit]) -> set[str]:
    """Ids of the hits whose title or abstract holds every content word of ``query`` (question words such as
    "what" left out; stemmed, as BM25 indexes them); empty when the query has no such word."""
    from .store.lexical import document_text, tokenize

    terms = set(tokenize([" ".join(content_terms(core_query(query)))])[0])
    if not terms or not hits:
        return set()
    texts = tokenize([document_text(h.paper) for h in hits])
    return {h.paper.paper_id for h, words in zip(hits, texts) if terms <= set(words)}


@dataclass(frozen=True, slots=True)
class Floored:
    """Search results split by a floor: ``shown`` (ranked as retrieved) and ``hidden`` (below it)."""

    shown: list[Hit]
    hidden: list[Hit]
    floor: float
    keyword_ids: frozenset[str]  # shown because they hold every word of the query, whatever their similarity
    near_below: float = 0.5  # a shown result under this similarity is a near miss (settings.answer.weak_match)

    def near_miss(self, hit: Hit) -> bool:
        """Shown, but only a neighbour of the query (``ask`` would say so)."""
        value = similarity(hit)
        return value is not None and value < self.near_below

    @property
    def nearest(self) -> Hit | None:
        """The closest hidden result (by similarity), named when nothing is shown."""
        return max(self.hidden, key=lambda h: similarity(h) or 0.0, default=None)


def apply_floor(store: StoreLike, query: str, hits: list[Hit], floor: float | None = None) -> Floored:
    """``hits`` whose similarity is at least ``floor``. With no ``floor`` given the default line
    (``RELEVANCE_MIN``) is drawn, and papers holding every word of the query are kept below it too; an explicit
    ``floor`` (``--min-score``) is the similarity alone."""
    keywords = frozenset(keyword_matches(query, hits)) if floor is None else frozenset()
    line = RELEVANCE_MIN if floor is None else floor
    below = {h.paper.paper_id for h in hits if (similarity(h) or 0.0) < line} - keywords
    return Floored([h for h in hits if h.paper.paper_id not in below],
                   [h for h in hits if h.paper.paper_id in below], line,
                   frozenset(h.paper.paper_id for h in hits
                             if h.paper.paper_id in keywords and (similarity(h) or 0.0) < line),
                   store.settings.answer.weak_match)
