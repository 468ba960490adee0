"""The offline engine: answers composed from the abstracts' own sentences.

No model writes anything here. For each evidence abstract the engine scores
every sentence against the question (dense similarity from the same MiniLM
model that powers search, plus BM25-weighted term overlap, plus a bonus for
sentences that carry figures when the question asks for a quantity), then picks
the best few across papers, at most two per paper and no near-duplicates, and
cites each one to the paper it came from. Deterministic and honest by
construction: every sentence is quoted verbatim and cited to its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..models import Evidence
from ..store.lexical import tokenize
from ..textnorm import split_sentences

MAX_SENTENCES = 5
PER_PAPER = 2
MAX_CANDIDATES = 60  # sentences considered per question
DENSE_CANDIDATES = 12  # of which the lexically best are embedded: the engine's main cost
FOCUS_BONUS = 0.15  # follow-ups: bonus for sentences of the paper "it" refers to (conversation.referent)
QUANTITY_RE = re.compile(r"\b(how (many|much|fast|large|big|small|long|accurate)|what (percentage|fraction|speed|"
                         r"accuracy|score)|by how|speed-?up|faster|times|tokens? per second|fps|latency|number of)\b",
                         re.I)
FIGURE_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|x|×|times|fps|tokens|ms|s\b|GB|MB|B\b|M\b|K\b)|\d+\.\d+|\b\d{2,}\b")
# Text inside an abstract that addresses the reader's assistant is data, never an answer.
INJECTION_RE = re.compile(r"ignore (all |any )?(previous|prior|above) instructions|system prompt|you are now|"
                          r"disregard (the|all|previous)|as an ai", re.I)


@dataclass(frozen=True, slots=True)
class Scored:
    n: int  # evidence number
    position: int  # sentence index within the abstract
    text: str
    score: float


def short_name(title: str) -> str:
    """'PowerInfer-2: Fast LLM Inference on a Smartphone' -> 'PowerInfer-2'."""
    head = title.split(":", 1)[0].strip()
    if ":" in title and len(head.split()) <= 6:
        return head
    words = title.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def _candidates(evidence: list[Evidence]) -> list[tuple[int, int, str]]:
    per_paper = max(6, MAX_CANDIDATES // max(len(evidence), 1))
    out = []
    for item in evidence:
        sentences = [s for s in split_sentences(item.text) if len(s.split()) >= 4 and not INJECTION_RE.search(s)]
        out += [(item.n, i, s) for i, s in enumerate(sentences[:per_paper])]
    return out[:MAX_CANDIDATES]


def score_sentences(store, question: str, evidence: list[Evidence],  # type: ignore[no-untyped-def]
                    focus: int | None = None) -> list[Scored]:
    """Score candidate sentences; only the lexically most promising are embedded (the costly part).

    ``focus``: the evidence number a follow-up's "it" refers to; its sentences get ``FOCUS_BONUS``.
    """
    cands = _candidates(evidence)
    if not cands:
        return []
    q_terms = set(tokenize([question])[0])
    idf = store.lexical.idf(q_terms)
    total = sum(idf.values()) or 1.0
    lexical = np.array([sum(idf[t] for t in q_terms & set(toks)) / total for toks in tokenize([c[2] for c in cands])])
    wants_figure = bool(QUANTITY_RE.search(question))
    figure = np.array([1.0 if wants_figure and FIGURE_RE.search(c[2]) else 0.0 for c in cands])
    prior = np.array([evidence[c[0] - 1].similarity for c in cands])
    focused = np.array([FOCUS_BONUS if c[0] == focus else 0.0 for c in cands])
    cheap = 0.35 * lexical + 0.15 * figure + 0.2 * prior + focused
    keep = np.argsort(-cheap, kind="stable")[:DENSE_CANDIDATES]
    vectors = store.embedder.embed([cands[i][2] for i in keep])
    score = cheap[keep] + 0.5 * (vectors @ store.query_vector(question))
    return [Scored(cands[i][0], cands[i][1], cands[i][2], float(v)) for i, v in zip(keep, score)]


def select(scored: list[Scored], vectors_like: dict[str, set[str]] | None = None) -> list[Scored]:
    """Best sentences, at most PER_PAPER per paper, no near-duplicates, in reading order."""
    chosen: list[Scored] = []
    per: dict[int, int] = {}
    best = max((s.score for s in scored), default=0.0)
    for s in sorted(scored, key=lambda s: (-s.score, s.n, s.position)):
        if len(chosen) >= MAX_SENTENCES or s.score < best * 0.6:
            break
        if per.get(s.n, 0) >= PER_PAPER or any(_overlap(s.text, c.text) > 0.7 for c in chosen):
            continue
        chosen.append(s)
        per[s.n] = per.get(s.n, 0) + 1
    first_rank = {}
    for s in chosen:
        first_rank.setdefault(s.n, len(first_rank))
    return sorted(chosen, key=lambda s: (first_rank[s.n], s.position))


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def compose(store, question: str, evidence: list[Evidence],  # type: ignore[no-untyped-def]
            focus: int | None = None) -> str:
    """One paragraph per paper: its short name, then its chosen sentences, each cited."""
    chosen = select(score_sentences(store, question, evidence, focus))
    by_n = {e.n: e for e in evidence}
    paragraphs: list[str] = []
    current = None
    for s in chosen:
        sentence = s.text if s.text.endswith((".", "!", "?")) else s.text + "."
        cited = f"{sentence[:-1]} [{s.n}]{sentence[-1]}"
        if s.n != current:
            paragraphs.append(f"{short_name(by_n[s.n].paper.title)}: {cited}")
            current = s.n
        else:
            paragraphs[-1] += f" {cited}"
    return "\n\n".join(paragraphs)
