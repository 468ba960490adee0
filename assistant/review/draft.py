"""``draft``: a literature-review draft on a topic, from the collection's abstracts.

    topic -> retrieval (40 papers) -> only the papers whose own work is on the topic
             (:mod:`.topicality`: relevance floor + own-account coverage; at most -k, 30 by default)
          -> themes (k-means over mean passage vectors; named by method keyphrase offline, or by the LLM)
          -> sections: Introduction, one per theme (synthesis + one line per paper + comparison table),
             Open Problems and Gaps (the papers' own stated limitations), Conclusion
          -> citation checker -> citation audit with the claim verifier (remove offline / flag LLM)
          -> references

Offline, sections are built from the papers' own sentences (see :mod:`.writer`). On the LLM
path the model reads each abstract sentence with its role, so it can attribute to a paper only
its own method and result sentences. Nothing is written to disk here; :mod:`.export` renders and
writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..engines.citations import check_citations
from ..engines.engine import EngineName, engine_for
from ..errors import ConfigError
from .audit import Auditor
from .compare import build_comparison
from .engine import review_engine
from .models import Draft, Section, Theme
from .references import references_for
from .select import evidence_for_topic
from .themes import group_themes
from .writer import CONCLUSION, GAPS, INTRO, OfflineWriter

if TYPE_CHECKING:
    from ..store import Store

ProgressFn = Callable[[str, int, int], None]
MAX_PAPERS = 30


def _noop(stage: str, done: int, total: int) -> None:
    return None


def draft(store: Store, topic: str, k: int = MAX_PAPERS, engine: EngineName = "auto",
          progress: ProgressFn | None = None, llm=None, *, exclude: Sequence[str] = (),
          min_score: float | None = None) -> Draft:
    """Draft a review of what the collection says on ``topic`` (NotFoundError when it says nothing)."""
    topic = " ".join((topic or "").split())
    if not topic:
        raise ConfigError('the topic is empty: say what the review is about, e.g. litreview draft "text-to-video '
                          'generation"')
    if k < 1:
        raise ConfigError(f"-k must be at least 1, not {k}")
    start = time.perf_counter()
    writer = review_engine(engine_for(store.settings, engine, llm), store)
    report = progress or _noop
    notes: list[str] = []
    if k > MAX_PAPERS:
        notes.append(f"-k {k} was capped at {MAX_PAPERS} papers")
        k = MAX_PAPERS
    report("gathering papers", 0, 1)
    evidence, found = evidence_for_topic(store, topic, k, exclude=exclude, min_score=min_score)
    notes += found
    report("gathering papers", 1, 1)
    themes = group_themes(store, evidence, topic)
    by_id = {e.paper.paper_id: e for e in evidence}
    names, name_notes = writer.theme_names(topic, [[by_id[p].paper.title for p in t.paper_ids] for t in themes],
                                           [t.name for t in themes], [t.terms for t in themes])
    for named, name in zip(themes, names):
        named.name = name
    notes += name_notes
    report("grouping themes", 1, 1)
    offline = OfflineWriter(store, topic, evidence, themes)
    plan: list[tuple[str, Theme | None]] = [(INTRO, None), *[(t.name, t) for t in themes], (GAPS, None),
                                            (CONCLUSION, None)]
    # quotes are checked and wrong citations removed; a model's own sentences are checked and flagged
    auditor = Auditor(store, evidence, embedder=None if writer.quotes else store.embedder)
    sections: list[Section] = []
    for i, (heading, theme) in enumerate(plan):
        report("writing sections", i, len(plan))
        subset = evidence if theme is None else [by_id[p] for p in theme.paper_ids]
        text, section_notes = writer.section(offline, heading, theme, themes, subset)
        notes += [f"{heading}: {n}" for n in section_notes]
        checked = check_citations(text, subset)
        notes += [f"{heading}: removed citation {m}: it numbers no source given to this section"
                  for m in checked.removed]
        audited = auditor.check(checked.text, heading, "remove" if writer.quotes else "flag")
        final = check_citations(audited, subset)
        if not writer.quotes:
            auditor.audit.uncited += [f"{heading}: {s}" for s in final.uncited]
        table = None
        if theme is not None:
            table = build_comparison(store, subset, topic, writer, synthesize=False)
            notes += [f"{heading} table: {n}" for n in table.notes]
        sections.append(Section(heading, final.text, final.citations, table))
    report("writing sections", len(plan), len(plan))
    audit = auditor.audit
    if audit.removed or audit.flagged:
        notes.append(f"citation audit: {audit.removed} citation(s) removed and {audit.flagged} flagged as not "
                     "supported by the cited abstract")
    usage: dict[str, object] = dict(writer.usage)
    usage["seconds"] = round(time.perf_counter() - start, 3)
    return Draft(topic, [s.heading for s in sections], sections, references_for(evidence), audit, writer.label,
                 themes, notes, usage)
