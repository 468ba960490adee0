"""``compare``: papers side by side (task, approach, figures, efficiency, code) and a cited synthesis.

    query | titles -> numbered evidence (relevance gate / title resolution)
                   -> rows: pattern extraction (offline) | structured LLM output, validated cell by cell
                   -> synthesis: extractive (offline) | LLM from prompt files
                   -> citation checker -> Comparison

Offline, the synthesis is built from the table's cells: a "shared theme" line naming the
terms that a majority of the abstracts use (citing exactly the papers that use all of them),
then per paper its approach cell, and its headline result (the one stating a trade-off, "...
without compromising generation quality", when there is one) with its efficiency figure. Every
such sentence is a cell, so verbatim from the paper's own sentences, and cited to its row; each is
then checked with :class:`assistant.verify.Verifier` against the abstract it cites, and a sentence
the abstract does not support (a title phrase, a claim the verifier finds contradicted) is dropped.
An LLM-written synthesis goes through every check a model's answer gets
(:func:`assistant.engines.output.check_output`); what it found is said in the notes.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..engines.citations import check_citations
from ..engines.engine import EngineName, engine_for
from ..engines.markers import cite
from ..models import Evidence
from .engine import ReviewEngine, review_engine
from .extract import extract_row
from .models import Comparison, Row
from .select import select_papers
from .terms import Vocabulary

if TYPE_CHECKING:
    from ..store import Store

ProgressFn = Callable[[str, int, int], None]
MAX_SHARED_TERMS = 4
SUPPORTED = ("supported", "partial")
TRADE_OFF_RE = re.compile(r"\b(?:while|whereas|without|at the cost|with only|trade-?offs?|compared (?:to|with)|than|"
                          r"over|outperform\w*|surpass\w*|maintain\w*|preserv\w*)\b", re.I)


def compare(store: Store, query: str | None = None, titles: list[str] | None = None, k: int = 8,
            engine: EngineName = "auto", progress: ProgressFn | None = None, llm=None, *,
            exclude: Sequence[str] = (), min_score: float | None = None) -> Comparison:
    """Compare the papers matching ``query`` (top ``k``) or the papers named by ``titles``, without the papers
    ``exclude`` names and, for a query, without those whose similarity is below ``min_score``."""
    start = time.perf_counter()
    writer = review_engine(engine_for(store.settings, engine, llm), store)
    query = (query or "").strip()
    chosen = select_papers(store, query, list(titles or []), k, exclude=exclude, min_score=min_score)
    result = build_comparison(store, chosen.evidence, query, writer, progress=progress)
    result.notes[:0] = chosen.notes
    result.usage["seconds"] = round(time.perf_counter() - start, 3)
    return result


def build_comparison(store: Store, evidence: list[Evidence], query: str, writer: ReviewEngine, *,
                     progress: ProgressFn | None = None, synthesize: bool = True) -> Comparison:
    """Rows (and, with ``synthesize``, a synthesis) for already-numbered evidence, written by ``writer``."""
    report = progress or (lambda stage, done, total: None)
    rows: list[Row] = []
    tagged = store.tagged([e.paper for e in evidence])
    for i, item in enumerate(evidence, 1):
        rows.append(extract_row(item.n, item.paper, tagged.get(item.paper.paper_id)))
        report("extracting", i, len(evidence))
    rows, notes = writer.rows(evidence, rows, query, tagged)
    report("rows", 1, 1)
    text = ""
    if synthesize:
        text, synthesis_notes = writer.synthesis(store, evidence, rows, query, tagged)
        notes += synthesis_notes
    checked = check_citations(text, evidence)
    notes += [f"removed citation {m}: it numbers no paper in this comparison" for m in checked.removed]
    if not writer.quotes and checked.uncited:
        notes.append(f"{len(checked.uncited)} sentence(s) of the synthesis cite no paper")
    report("synthesis", 1, 1)
    return Comparison(query, rows, checked.text, checked.citations, writer.label, notes, dict(writer.usage))


def _markers(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def shared_terms(store: Store, evidence: list[Evidence]) -> tuple[list[str], list[int], Vocabulary]:
    """Up to four distinctive terms that most abstracts use, and the papers that use all of them; none unless
    one of them is a phrase ("speculative decoding"): single shared words are no theme."""
    vocab = Vocabulary()
    used = {e.n: set(vocab.count(f"{e.paper.title}. {e.paper.abstract}")) for e in evidence}
    df: Counter[str] = Counter()
    for keys in used.values():
        df.update(keys)
    need = max(2, math.ceil(len(evidence) / 2))
    idf = store.idf({part for t in df for part in t.split()})

    def weight(term: str) -> float:
        return df[term] * sum(idf.get(p, 0.0) for p in term.split()) * (1.3 if " " in term else 1.0)

    chosen: list[str] = []
    holders = set(used)
    for term in sorted((t for t in df if df[t] >= need), key=lambda t: (-weight(t), t)):
        if len(chosen) >= MAX_SHARED_TERMS:
            break
        if any(set(term.split()) & set(c.split()) for c in chosen):
            continue
        with_term = {n for n in holders if term in used[n]}
        if len(with_term) >= need:
            chosen.append(term)
            holders = with_term
    if not any(" " in term for term in chosen):  # single words only ("numbers", "scaling"): no shared theme
        return [], [], vocab
    return chosen, sorted(holders), vocab


def _quote(terms_shown: list[str]) -> str:
    quoted = [f'"{t}"' for t in terms_shown]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _verified(claims: list[tuple[str, Evidence]]) -> list[bool]:
    """Whether each (sentence, cited paper) pair is supported by that paper's abstract."""
    from ..verify import Verifier

    if not claims:
        return []
    verdicts = Verifier().verify_many([(text.replace(" … ", " "), item.paper) for text, item in claims])
    return [v.label in SUPPORTED for v in verdicts]


def _label(row: Row) -> str:
    return row.short_name


def _without_name(cell: str, row: Row) -> str:
    """An approach cell without a leading "NAME: " when the bullet's label already shows NAME."""
    head, sep, rest = cell.partition(": ")
    if sep and head and head in row.short_name:
        return rest
    return cell


def headline(row: Row) -> str:
    """The row's result to quote: the first that states a trade-off or a baseline, else the first."""
    return next((r for r in row.results if TRADE_OFF_RE.search(r)), row.results[0] if row.results else "")


def offline_synthesis(store: Store, query: str, rows: list[Row], evidence: list[Evidence]) -> str:
    """Shared theme, then each paper's approach and its headline result and efficiency figure, every
    sentence a cell cited to its row and kept only when the verifier finds the abstract supports it."""
    if not evidence:
        return ""
    by_n = {e.n: e for e in evidence}
    paragraphs: list[str] = []
    if len(evidence) > 1:
        keys, holders, vocab = shared_terms(store, evidence)
        if keys:
            shown = [vocab.show(k).lower() if not vocab.show(k).isupper() else vocab.show(k) for k in keys]
            paragraphs.append(f"Shared theme: the abstracts of {_markers(holders)} all use the terms {_quote(shown)}.")
    approach = [(row, _without_name(row.approach, row)) for row in rows if row.approach and row.n in by_n]
    results = [(row, headline(row), row.efficiency[0] if row.efficiency else "") for row in rows if row.n in by_n]
    claims = [(text, by_n[row.n]) for row, text in approach]
    claims += [(text, by_n[row.n]) for row, *texts in results for text in texts if text]
    supported = {(text, item.n) for (text, item), ok in zip(claims, _verified(claims)) if ok}
    lines = [f"- {_label(row)}: {cite(text, row.n)}" for row, text in approach if (text, row.n) in supported]
    if lines:
        paragraphs.append("Approaches:\n" + "\n".join(lines))
    lines = []
    for row, result, efficiency in results:
        kept = [cite(t, row.n) for t in (result, efficiency) if t and (t, row.n) in supported]
        if kept:
            lines.append(f"- {_label(row)}: " + " ".join(kept))
    if lines:
        paragraphs.append("Results and trade-offs:\n" + "\n".join(lines))
    return "\n\n".join(paragraphs)
