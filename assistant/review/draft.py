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
from collections.abc import Callable

from ..engines.answer import EngineName, resolve_engine
from ..engines.citations import check_citations
from ..errors import ConfigError
from ..models import Evidence
from ..roles import Role, TaggedSentence
from .audit import Auditor, attach_markers
from .compare import build_comparison
from .models import Draft, Section, Theme
from .references import references_for
from .select import evidence_for_topic
from .themes import group_themes
from .writer import CONCLUSION, GAPS, INTRO, OfflineWriter, role_lines

ProgressFn = Callable[[str, int, int], None]
MAX_PAPERS = 30
INSTRUCTIONS = {
    INTRO: "Introduce the topic: what the collection's papers cover, the main directions (the themes: {themes}) "
           "and why they matter. One or two paragraphs.",
    GAPS: "Describe the limitations, open problems and future directions that the papers state about their own "
          "work. The sources below are those sentences; do not present any other paper's background as an open "
          "problem. One or two paragraphs.",
    CONCLUSION: "Conclude: summarise the main approaches and findings across the themes ({themes}). One paragraph.",
}
THEME_INSTRUCTIONS = ("Synthesise the papers of this theme: open with what they share and how their approaches "
                      "differ, then the results and trade-offs they report, comparing figures across papers. "
                      "One or two paragraphs.")


def _noop(stage: str, done: int, total: int) -> None:
    return None


def draft(store, topic: str, k: int = MAX_PAPERS, engine: EngineName = "auto",
          progress: ProgressFn | None = None, llm=None) -> Draft:
    """Draft a review of what the collection says on ``topic`` (NotFoundError when it says nothing)."""
    topic = " ".join((topic or "").split())
    if not topic:
        raise ConfigError('the topic is empty: say what the review is about, e.g. litreview draft "text-to-video '
                          'generation"')
    if k < 1:
        raise ConfigError(f"-k must be at least 1, not {k}")
    start = time.perf_counter()
    chosen = "llm" if llm is not None else resolve_engine(engine, store.settings)
    report = progress or _noop
    notes: list[str] = []
    if k > MAX_PAPERS:
        notes.append(f"-k {k} was capped at {MAX_PAPERS} papers")
        k = MAX_PAPERS
    report("gathering papers", 0, 1)
    evidence, found = evidence_for_topic(store, topic, k)
    notes += found
    report("gathering papers", 1, 1)
    themes = group_themes(store, evidence, topic)
    by_id = {e.paper.paper_id: e for e in evidence}
    review = None
    if chosen == "llm":
        from .llm import LLMReview

        review = LLMReview(store.settings, llm)
        names, name_notes = review.theme_names(topic, [[by_id[p].paper.title for p in t.paper_ids] for t in themes],
                                               [t.name for t in themes], [t.terms for t in themes])
        for named, name in zip(themes, names):
            named.name = name
        notes += name_notes
    report("grouping themes", 1, 1)
    writer = OfflineWriter(store, topic, evidence, themes)
    plan: list[tuple[str, Theme | None]] = [(INTRO, None), *[(t.name, t) for t in themes], (GAPS, None),
                                            (CONCLUSION, None)]
    auditor = Auditor(store, evidence, embedder=store.embedder if review is not None else None)
    sections: list[Section] = []
    for i, (heading, theme) in enumerate(plan):
        report("writing sections", i, len(plan))
        subset = evidence if theme is None else [by_id[p] for p in theme.paper_ids]
        if review is not None:
            text = attach_markers(review.section(topic, heading, _instructions(heading, theme, themes),
                                                 _llm_sources(writer, heading if theme is None else "", subset)))
        else:
            text = writer.write(heading, theme)
        checked = check_citations(text, subset)
        notes += [f"{heading}: removed citation {m}: it numbers no source given to this section"
                  for m in checked.removed]
        audited = auditor.check(checked.text, heading, "flag" if review is not None else "remove")
        final = check_citations(audited, subset)
        if review is not None:
            auditor.audit.uncited += [f"{heading}: {s}" for s in final.uncited]
        table = None
        if theme is not None:
            table = build_comparison(store, subset, topic, chosen, synthesize=False, review=review)
            notes += [f"{heading} table: {n}" for n in table.notes]
        sections.append(Section(heading, final.text, final.citations, table))
    report("writing sections", len(plan), len(plan))
    audit = auditor.audit
    if audit.removed or audit.flagged:
        notes.append(f"citation audit: {audit.removed} citation(s) removed and {audit.flagged} flagged as not "
                     "supported by the cited abstract")
    usage: dict[str, object] = dict(review.usage) if review is not None else {}
    usage["seconds"] = round(time.perf_counter() - start, 3)
    label = f"llm:{review.model}" if review is not None else "offline"
    return Draft(topic, [s.heading for s in sections], sections, references_for(evidence), audit, label, themes,
                 notes, usage)


def _instructions(heading: str, theme: Theme | None, themes: list[Theme]) -> str:
    if theme is not None:
        return THEME_INSTRUCTIONS
    return INSTRUCTIONS[heading].format(themes="; ".join(t.name for t in themes))


def _llm_sources(writer: OfflineWriter, heading: str, subset: list[Evidence]) -> list[Evidence]:
    """What the model reads, every sentence labelled with its role: the papers' own stated limitations
    for the gaps, their own problem and method sentences for intro and conclusion (30 full abstracts
    would crowd the context), full role-tagged abstracts for a theme."""
    def tagged(e: Evidence) -> list[TaggedSentence]:
        return writer.tagged.get(e.paper.paper_id, [])

    if heading == GAPS:
        out = [Evidence(e.n, e.paper, " ".join(f"(own limitation) {s}" for s in writer.limitations(e)), e.similarity)
               for e in subset]
        return [e for e in out if e.text] or [Evidence(e.n, e.paper, role_lines(tagged(e)), e.similarity)
                                              for e in subset]
    if heading in (INTRO, CONCLUSION):
        opening = (Role.PROBLEM, Role.METHOD, Role.RESULT)
        return [Evidence(e.n, e.paper, role_lines([t for t in tagged(e) if t.own and t.role in opening][:3]),
                         e.similarity) for e in subset]
    return [Evidence(e.n, e.paper, role_lines(tagged(e)), e.similarity) for e in subset]
