"""The sources block of the LLM answer prompt, cut down for small models.

A 1-3B model given six whole abstracts loses track of which sentence came from where, echoes
the list back or credits a paper with the background its authors wrote to set the scene. So the
model gets fewer, shorter sources (:func:`llm_sources`):

* at most :data:`MAX_SOURCES` papers, the best-ranked evidence first (their numbers unchanged);
* from each, at most :data:`MAX_SENTENCES` sentences: the paper's first own method sentence (what
  it is) and those sharing most words with the question, in abstract order;
* each sentence on its own line, tagged with its role from :mod:`assistant.roles` ("(method)",
  "(result)", "(background)", "(prior work)" …); "method" and "result" only for the paper's own work.

The caller cites against the evidence it returns, so a marker for a source the model never saw
is not valid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Evidence
from ..roles import Role, TaggedSentence, tag_abstract
from .markers import as_data

MAX_SOURCES = 4
MAX_SENTENCES = 5
_BLOCK_TAG = re.compile(r"<\s*(/?)\s*(sources)\s*>", re.I)  # the prompt's untrusted-data delimiters
ROLE_NAMES = {Role.BACKGROUND: "background", Role.PRIOR: "prior work", Role.PROBLEM: "problem",
           Role.METHOD: "method", Role.RESULT: "result", Role.CONCLUSION: "conclusion"}
_FIGURE_QUESTION = re.compile(r"\b(?:how (?:many|much|fast|large|big|small|long)|what (?:speed|accuracy|score|"
                              r"percentage|rate)|by how|which (?:score|accuracy))\b", re.I)


def role_label(tagged: TaggedSentence) -> str:
    """The tag a sentence gets: its role, with "method" / "result" only for the paper's own work."""
    if tagged.role in (Role.METHOD, Role.RESULT) and not tagged.own:
        return "prior work"
    return ROLE_NAMES[tagged.role]


def _as_data(text: str) -> str:
    """Evidence text for the inside of the <sources> block: a tag that would close it (or open another)
    is defused, so the text cannot step out of the untrusted-data block, and its own bracketed numbers
    cannot be read (or copied) as citation markers."""
    return as_data(_BLOCK_TAG.sub(lambda m: f"‹{m.group(1)}{m.group(2)}›", text))


def format_sources(evidence: Sequence[Evidence]) -> str:
    """The whole-passage sources block (compare and draft prompts): ``[n] Title (year)`` then the text."""
    blocks = []
    for e in evidence:
        year = f" ({e.paper.year})" if e.paper.year else ""
        blocks.append(f"[{e.n}] {_as_data(e.paper.title)}{year}\n{_as_data(e.text)}")
    return "\n\n".join(blocks)


def pick_sentences(question: str, tagged: list[TaggedSentence], limit: int = MAX_SENTENCES) -> list[TaggedSentence]:
    """The sentences of one abstract the model sees: its first own method sentence and the ones that
    share most content words with the question (own method and result sentences first on ties; a
    figure counts when the question asks for one), in abstract order."""
    from ..verify.statements import content_terms

    if len(tagged) <= limit:
        return list(tagged)
    wanted = content_terms(question)
    figures = bool(_FIGURE_QUESTION.search(question))

    def score(t: TaggedSentence) -> float:
        shared = len(wanted & content_terms(t.text)) / (len(wanted) or 1)
        own = t.own and t.role in (Role.METHOD, Role.RESULT)
        return shared + 0.15 * own + (0.2 if figures and re.search(r"\d", t.text) else 0.0)

    first_method = next((t for t in tagged if t.own and t.role is Role.METHOD), None)
    chosen = {first_method.index} if first_method is not None else set()
    for t in sorted(tagged, key=score, reverse=True):
        if len(chosen) >= limit:
            break
        chosen.add(t.index)
    return [t for t in tagged if t.index in chosen]


def llm_sources(evidence: Sequence[Evidence], question: str, max_sources: int = MAX_SOURCES,
                max_sentences: int = MAX_SENTENCES) -> tuple[list[Evidence], str]:
    """``(shown, block)``: the evidence the model is given and the text of its sources block."""
    shown = list(evidence[:max_sources])
    blocks = []
    for e in shown:
        tagged = [t for t in tag_abstract(e.paper.title, e.paper.abstract) if t.text in e.text]
        year = f" ({e.paper.year})" if e.paper.year else ""
        if tagged:
            lines = [f"({role_label(t)}) {_as_data(t.text)}" for t in pick_sentences(question, tagged, max_sentences)]
        else:
            lines = [_as_data(e.text)]
        blocks.append(f"[{e.n}] {_as_data(e.paper.title)}{year}\n" + "\n".join(lines))
    return shown, "\n\n".join(blocks)
