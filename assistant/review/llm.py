"""The LLM-written parts of comparisons and drafts, each checked against the abstracts.

Nothing a model returns is taken on trust:

* table rows come from :meth:`LLMClient.structured` with :class:`RowsOut`; a row whose
  ``n`` numbers no source is dropped, and every cell is validated (figures must appear in
  the abstract, text cells must share most of their terms with it and come from the paper's
  own sentences rather than its background, an efficiency item must state a speed / memory /
  cost figure and not repeat a result, a code link must be in the abstract); an invalid or
  missing cell is filled by offline extraction (:mod:`.extract`) instead;
* the abstracts reach the model sentence by sentence, each marked with its role ("(method)",
  "(background)", from :mod:`assistant.roles`), and the prompts say a paper is credited only with
  its own method and result sentences;
* prose (synthesis, draft sections) goes through the citation checker by the caller;
* theme names must be 2-6 words, one per theme, distinct, not "X & Y" word pairs; otherwise
  offline names stay;
* draft sections read role-labelled abstract sentences (:func:`role_lines`), and the prompt
  says to attribute to a paper only its own method and result sentences, facts first, then prose;
* a model that answers but never with a valid object (tool call or JSON) leaves the offline
  table or names in place, with a note; an unreachable endpoint is still an LLMError.

Prompts are the ``prompts/compare_*.md`` and ``prompts/draft_*.md`` files.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..engines.llm import LLMClient
from ..engines.llm_sources import ROLE_NAMES, format_sources, role_label
from ..engines.output import check_output, fallback_reason, verifier_for
from ..errors import LLMError
from ..models import Evidence
from ..prompts import render
from ..roles import Role, TaggedSentence
from .extract import FIGURE_RE
from .figures import is_efficiency_statement
from .models import Row, Theme
from .terms import terms
from .writer import CONCLUSION, GAPS, INTRO

if TYPE_CHECKING:
    from ..store import Store
    from .writer import OfflineWriter

NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
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
MIN_OVERLAP = 0.5  # share of a text cell's content terms that its abstract must use


class RowOut(BaseModel):
    n: int = Field(description="the number [n] of the source this row describes")
    task: str = Field("", description="the problem addressed, from the abstract")
    approach: str = Field("", description="what the paper proposes, from the abstract")
    results: list[str] = Field(default_factory=list, description="figures exactly as stated, with units and baselines")
    efficiency: list[str] = Field(default_factory=list, description="speed/memory/latency/throughput/cost claims")
    code_url: str | None = Field(None, description="code or project link, only if in the abstract")


class RowsOut(BaseModel):
    rows: list[RowOut]


class ThemeNamesOut(BaseModel):
    names: list[str] = Field(description="one name per theme, in the order given")


def _overlap(text: str, abstract: str) -> float:
    words = {k for k, _ in terms(text, bigrams=False)}
    if not words:
        return 0.0
    return len(words & {k for k, _ in terms(abstract, bigrams=False)}) / len(words)


def _numbers_stated(text: str, abstract: str) -> bool:
    stated = set(NUMBER_RE.findall(abstract))
    return all(n in stated for n in NUMBER_RE.findall(text))


def valid_text(cell: str, abstract: str, max_words: int = 60) -> bool:
    cell = cell.strip()
    return (3 <= len(cell.split()) <= max_words and _overlap(cell, abstract) >= MIN_OVERLAP
            and _numbers_stated(cell, abstract))


def valid_figure(item: str, abstract: str) -> bool:
    return bool(FIGURE_RE.search(item)) and _numbers_stated(item, abstract) and _overlap(item, abstract) >= MIN_OVERLAP


def format_role_sources(evidence: list[Evidence], tagged: dict[str, list[TaggedSentence]] | None) -> str:
    """The numbered sources, each abstract one sentence per line with its role: "(method) We propose ...".
    A paper without tags is given as plain text."""
    if not tagged:
        return format_sources(evidence)
    marked = []
    for e in evidence:
        tags = tagged.get(e.paper.paper_id)
        kept = [t for t in tags or [] if t.text in e.text]  # the evidence may be trimmed to a token budget
        text = "\n".join(f"({role_label(t)}) {t.text}" for t in kept) if kept else e.text
        marked.append(Evidence(e.n, e.paper, text, e.similarity))
    return format_sources(marked)


def from_own_sentences(cell: str, tags: list[TaggedSentence] | None) -> bool:
    """Whether the sentence ``cell`` takes most from is one of the paper's own (not background, prior
    work or someone else's problem). Without tags every cell passes."""
    words = {k for k, _ in terms(cell, bigrams=False)}
    if not tags or not words:
        return True
    best = max(tags, key=lambda t: len(words & {k for k, _ in terms(t.text, bigrams=False)}))
    return best.own


def merge_row(model: RowOut, offline: Row, abstract: str,
              tags: list[TaggedSentence] | None = None) -> tuple[Row, int]:
    """The model's cells where valid, the offline cells elsewhere; returns (row, cells replaced)."""
    replaced = 0

    def own_text(cell: str) -> bool:
        return valid_text(cell, abstract) and from_own_sentences(cell, tags)

    task = model.task.strip() if own_text(model.task) else None
    approach = model.approach.strip() if own_text(model.approach) else None
    results = [r.strip() for r in model.results if valid_figure(r, abstract) and from_own_sentences(r, tags)]
    efficiency = [e.strip() for e in model.efficiency
                  if valid_figure(e, abstract) and is_efficiency_statement(e) and from_own_sentences(e, tags)
                  and e.strip() not in results]
    url = (model.code_url or "").strip().rstrip(".,;")
    code_url = url if url and url in abstract else None
    replaced += (task is None) + (approach is None) + (not results and bool(model.results or offline.results))
    replaced += (not efficiency and bool(model.efficiency or offline.efficiency)) + (bool(url) and code_url is None)
    return Row(n=offline.n, paper_id=offline.paper_id, title=offline.title, short_name=offline.short_name,
               task=task if task is not None else offline.task,
               approach=approach if approach is not None else offline.approach,
               results=results or offline.results, efficiency=efficiency or offline.efficiency,
               code_url=code_url or offline.code_url), replaced


def rows_line(row: Row) -> str:
    cells = [f"task: {row.task}", f"approach: {row.approach}", "results: " + "; ".join(row.results),
             "efficiency: " + "; ".join(row.efficiency)]
    return f"[{row.n}] {row.short_name} | " + " | ".join(cells)


class LLMReview:
    """The model's side of a comparison or draft: one client for all the calls, usage summed over them."""

    quotes = False  # the model writes its own sentences: the draft audit flags what they misattribute

    def __init__(self, settings, client=None) -> None:
        self.client = client or LLMClient(settings)
        self.model = getattr(self.client, "model", settings.llm.model)
        self.label = f"llm:{self.model}"
        self.failures: list[str] = []
        self._calls = 0
        self._tokens = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        self._cost: float | None = 0.0  # None once a call's cost is unknown
        self.usage: dict[str, object] = {"calls": 0, **self._tokens, "cost_usd": 0.0}

    def _add(self, usage: dict | None) -> None:
        got = usage or {}
        self._calls += 1
        for key in self._tokens:
            self._tokens[key] += int(got.get(key) or 0)
        cost = got.get("cost_usd")
        self._cost = None if cost is None or self._cost is None else round(self._cost + float(cost), 6)
        self.usage.update(calls=self._calls, **self._tokens, cost_usd=self._cost)

    def _structured(self, system: str, user: str, schema: type[BaseModel]) -> BaseModel | None:
        """The model's object, or None when it answered but never with a valid one (other
        failures, such as an unreachable endpoint, propagate as LLMError)."""
        try:
            return self.client.structured(system, user, schema)
        except LLMError as exc:
            if "did not return a valid" not in str(exc):
                raise
            self.failures.append(str(exc))
            return None
        finally:
            self._add(getattr(self.client, "last_usage", None))

    def rows(self, evidence: list[Evidence], offline: list[Row], query: str,
             tagged: dict[str, list[TaggedSentence]] | None = None) -> tuple[list[Row], list[str]]:
        """Table rows from the model, each cell validated; offline cells (``offline``) where it fails."""
        out = self._structured(render("compare_rows_system"),
                               render("compare_rows_user", sources=format_role_sources(evidence, tagged),
                                      query=query or "(no query: the papers were named by the user)"), RowsOut)
        if not isinstance(out, RowsOut):
            return offline, [f"the model gave no usable table ({self.failures[-1]}); offline extraction used"]
        by_n = {e.n: e for e in evidence}
        by_row = {r.n: r for r in offline}
        notes: list[str] = []
        merged: dict[int, Row] = {}
        replaced = 0
        for row in out.rows:
            if row.n not in by_n:
                notes.append(f"dropped a table row for source [{row.n}]: no such paper in this comparison")
                continue
            if row.n in merged:
                notes.append(f"dropped a second table row for source [{row.n}]")
                continue
            paper = by_n[row.n].paper
            merged[row.n], count = merge_row(row, by_row[row.n], paper.abstract,
                                             (tagged or {}).get(paper.paper_id))
            replaced += count
        missing = [n for n in by_row if n not in merged]
        if replaced:
            notes.append(f"{replaced} table cell(s) the model left invalid or unsupported were filled by "
                         "offline extraction")
        if missing:
            notes.append("rows from offline extraction for source(s) the model skipped: "
                         + "".join(f"[{n}]" for n in missing))
        return [merged.get(r.n, r) for r in offline], notes

    def synthesis(self, store: Store, evidence: list[Evidence], rows: list[Row], query: str,
                  tagged: dict[str, list[TaggedSentence]] | None = None) -> tuple[str, list[str]]:
        """The model's synthesis after every check a model's answer gets (:func:`check_output`: reasoning,
        echoed sources, loops, first-person copies, each cited sentence verified against its abstract, and
        one they do not bear out removed), with a note when the stream was cut. When too little of it holds
        up (:func:`fallback_reason`) the offline synthesis is shown instead, and the notes say why."""
        done = self.client.complete(render("compare_synthesis_system"),
                                    render("compare_synthesis_user", sources=format_role_sources(evidence, tagged),
                                           rows="\n".join(rows_line(r) for r in rows),
                                           query=query or "the papers listed"))
        self._add(done.usage)
        output = check_output(done.text, evidence, verifier_for(store), remove_unsupported=True)
        notes = [done.note or done.error or ""] if done.note or done.error else []
        notes = [f"synthesis: {n}" for n in notes + output.notes]
        if why := fallback_reason(output):
            from .compare import offline_synthesis

            notes.append(f"the model's synthesis was not shown ({why}); the offline synthesis is shown instead")
            return offline_synthesis(store, query, rows, evidence), notes
        return output.text, notes

    def section(self, writer: OfflineWriter, heading: str, theme: Theme | None, themes: list[Theme],
                subset: list[Evidence]) -> tuple[str, list[str]]:
        """One draft section from the model, cleaned and verified like an answer; a cited sentence its
        sources do not bear out is removed (and named in the notes). A section with no supported citation,
        or mostly unsupported ones, gives way to the offline section, and the notes say so: every section
        cites. The caller's audit checks the result again."""
        instructions = (THEME_INSTRUCTIONS if theme is not None
                        else INSTRUCTIONS[heading].format(themes="; ".join(t.name for t in themes)))
        sources = section_sources(writer, heading if theme is None else "", subset)
        done = self.client.complete(render("draft_section_system"),
                                    render("draft_section_user", sources=format_sources(sources),
                                           topic=writer.topic, heading=heading, instructions=instructions))
        self._add(done.usage)
        output = check_output(done.text, sources, verifier_for(writer.store), remove_unsupported=True)
        notes = [done.note or done.error or ""] if done.note or done.error else []
        notes += output.notes
        if why := fallback_reason(output):
            notes.append(f"the model's section was not shown ({why}); the offline section is shown instead")
            return writer.write(heading, theme), notes
        return output.text, notes

    def theme_names(self, topic: str, groups: list[list[str]], fallback: list[str],
                    keyphrases: list[list[str]] | None = None) -> tuple[list[str], list[str]]:
        """Names for groups of titles (with the method keyphrases their own sentences share, when
        given); the offline names where the model's are unusable."""
        phrases = keyphrases or [[] for _ in groups]
        listing = "\n\n".join(f"Theme {i}:\n" + (f"Shared method phrases: {'; '.join(kp)}\n" if kp else "")
                              + "\n".join(f"- {t}" for t in titles)
                              for i, (titles, kp) in enumerate(zip(groups, phrases), 1))
        out = self._structured(render("draft_themes_system"),
                               render("draft_themes_user", topic=topic, themes=listing), ThemeNamesOut)
        names = [" ".join(n.split()).strip(" .:#*") for n in out.names] if isinstance(out, ThemeNamesOut) else []
        usable = (len(names) == len(groups) and len({n.casefold() for n in names}) == len(names)
                  and all(2 <= len(n.split()) <= 6 and "&" not in n for n in names))
        if usable:
            return names, []
        return fallback, ["the model's theme names were unusable (wrong count, length or duplicates); "
                          "offline names kept"]


def role_lines(tagged: list[TaggedSentence]) -> str:
    """An abstract as the model reads it for a draft: one sentence a line, each labelled with its role,
    "own" for the paper's own work ("(own method) We propose …", "(prior work) Existing methods …")."""
    return "\n".join(f"({'own ' if t.own else ''}{ROLE_NAMES[t.role]}) {t.text}" for t in tagged)


def section_sources(writer: OfflineWriter, heading: str, subset: list[Evidence]) -> list[Evidence]:
    """What the model reads for a section, every sentence labelled with its role: the papers' own stated
    limitations for the gaps, their own problem and method sentences for intro and conclusion (30 full
    abstracts would crowd the context), full role-tagged abstracts for a theme (``heading`` "")."""
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
