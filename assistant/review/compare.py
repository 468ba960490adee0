"""``compare``: papers side by side (task, approach, figures, efficiency, code) and a cited synthesis.

    query | titles -> numbered evidence (relevance gate / title resolution)
                   -> rows: pattern extraction (offline) | structured LLM output, validated cell by cell
                   -> synthesis: extractive (offline) | LLM from prompt files
                   -> citation checker -> Comparison

Offline, the synthesis is extractive: a "shared theme" line naming the terms that a
majority of the abstracts use (citing exactly the papers that use all of them), the
sentence that best represents those terms, then per paper the sentence with the
strongest contrastive / efficiency / quantitative claim. Every quoted sentence is
verbatim and cited to the row it came from.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable

from ..engines.answer import EngineName, resolve_engine
from ..engines.citations import check_citations
from ..engines.offline import short_name
from ..errors import ConfigError
from ..models import Evidence
from ..textnorm import split_sentences
from .audit import attach_markers
from .extract import CONTRAST_RE, EFFICIENCY_RE, FIGURE_RE, extract_row, quotable
from .models import Comparison, Row
from .select import evidence_for_query, number, resolve_titles
from .terms import Vocabulary, terms

ProgressFn = Callable[[str, int, int], None]
MAX_SHARED_TERMS = 4


def compare(store, query: str | None = None, titles: list[str] | None = None, k: int = 8,  # type: ignore[no-untyped-def]
            engine: EngineName = "auto", progress: ProgressFn | None = None, llm=None) -> Comparison:  # type: ignore[no-untyped-def]
    """Compare the papers matching ``query`` (top ``k``) or the papers named by ``titles``."""
    start = time.perf_counter()
    chosen = "llm" if llm is not None else resolve_engine(engine, store.settings)
    query = (query or "").strip()
    refs = [t for t in titles or []]
    if refs:
        evidence = number(resolve_titles(store, refs))
    elif query:
        evidence = evidence_for_query(store, query, k)
    else:
        raise ConfigError("compare needs a QUERY or at least one --paper TITLE")
    result = build_comparison(store, evidence, query, chosen, llm=llm, progress=progress)
    result.usage["seconds"] = round(time.perf_counter() - start, 3)
    return result


def build_comparison(store, evidence: list[Evidence], query: str, engine: str, *, llm=None,  # type: ignore[no-untyped-def]
                     progress: ProgressFn | None = None, synthesize: bool = True, review=None) -> Comparison:  # type: ignore[no-untyped-def]
    """Rows (and, with ``synthesize``, a synthesis) for already-numbered evidence."""
    report = progress or (lambda stage, done, total: None)
    rows: list[Row] = []
    for i, item in enumerate(evidence, 1):
        rows.append(extract_row(item.n, item.paper))
        report("extracting", i, len(evidence))
    notes: list[str] = []
    usage: dict[str, object] = {}
    label = "offline"
    if engine == "llm":
        from .llm import LLMReview

        review = review or LLMReview(store.settings, llm)
        label = f"llm:{review.model}"
        rows, row_notes = review.rows(evidence, rows, query)
        notes += row_notes
        report("rows", 1, 1)
        text = attach_markers(review.comparison_synthesis(evidence, rows, query)) if synthesize else ""
        usage = review.usage
    else:
        text = offline_synthesis(store, query, rows, evidence) if synthesize else ""
    checked = check_citations(text, evidence)
    notes += [f"removed citation {m}: it numbers no paper in this comparison" for m in checked.removed]
    if engine == "llm" and checked.uncited:
        notes.append(f"{len(checked.uncited)} sentence(s) of the synthesis cite no paper")
    report("synthesis", 1, 1)
    return Comparison(query, rows, checked.text, checked.citations, label, notes, usage)


def _cite(sentence: str, n: int) -> str:
    sentence = sentence.strip()
    if not sentence.endswith((".", "!", "?")):
        sentence += "."
    return f"{sentence[:-1]} [{n}]{sentence[-1]}"


def _markers(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def shared_terms(store, evidence: list[Evidence]) -> tuple[list[str], list[int], Vocabulary]:  # type: ignore[no-untyped-def]
    """Up to four distinctive terms that most abstracts use, and the papers that use all of them."""
    vocab = Vocabulary()
    used = {e.n: set(vocab.count(f"{e.paper.title}. {e.paper.abstract}")) for e in evidence}
    df: Counter[str] = Counter()
    for keys in used.values():
        df.update(keys)
    need = max(2, math.ceil(len(evidence) / 2))
    idf = store.lexical.idf({part for t in df for part in t.split()})

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
    return chosen, sorted(holders) if chosen else [], vocab


def _quote(terms_shown: list[str]) -> str:
    quoted = [f'"{t}"' for t in terms_shown]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _sentences(item: Evidence) -> list[tuple[int, str]]:
    return [(i, s) for i, s in enumerate(split_sentences(item.paper.abstract))
            if len(s.split()) >= 5 and quotable(s)]


def offline_synthesis(store, query: str, rows: list[Row], evidence: list[Evidence]) -> str:  # type: ignore[no-untyped-def]
    """Extractive synthesis: shared theme, then per-paper differences and trade-offs, all cited."""
    if not evidence:
        return ""
    paragraphs: list[str] = []
    used_sentences: set[str] = set()
    if len(evidence) > 1:
        keys, holders, vocab = shared_terms(store, evidence)
        if keys:
            shown = [vocab.show(k).lower() if not vocab.show(k).isupper() else vocab.show(k) for k in keys]
            line = (f"Shared theme: the abstracts of {_markers(holders)} all use the terms {_quote(shown)}.")
            best = max(((sum(k in {t for t, _ in terms(s)} for k in keys), -e.n, -i, e, s)
                        for e in evidence for i, s in _sentences(e)), default=None, key=lambda b: b[:3])
            if best and best[0] >= 2:
                line += f" {short_name(best[3].paper.title)}: {_cite(best[4], best[3].n)}"
                used_sentences.add(best[4])
            paragraphs.append(line)
    q_keys = {k for k, _ in terms(query, bigrams=False)}
    lines = []
    for item in evidence:
        scored = []
        for i, s in _sentences(item):
            if s in used_sentences:
                continue
            score = (2.0 * bool(CONTRAST_RE.search(s)) + 1.5 * bool(FIGURE_RE.search(s))
                     + 1.0 * bool(EFFICIENCY_RE.search(s)))
            overlap = len(q_keys & {k for k, _ in terms(s, bigrams=False)}) / len(q_keys) if q_keys else 0.0
            scored.append((score + overlap, -i, s))
        if scored:
            score, _, sentence = max(scored)
            if score >= 1.0:
                lines.append(f"- {short_name(item.paper.title)}: {_cite(sentence, item.n)}")
    if lines:
        paragraphs.append("Differences and trade-offs:\n" + "\n".join(lines))
    return "\n\n".join(paragraphs)
