"""The offline draft writer: sections built from what each paper says of its own work.

Every sentence that states something about a paper is either copied verbatim from that paper's
abstract or built from facts taken verbatim from it, and cited to it. Facts come from the role
tags of :mod:`assistant.roles` (kept in the catalogue, :meth:`Store.tagged`): only a paper's own
METHOD and RESULT sentences speak for its contribution, only its own PROBLEM, RESULT and CONCLUSION
sentences with a limitation cue speak for open problems; background and descriptions of other
people's work are never quoted as a paper's own.

* Introduction: a framing sentence (counts, themes; cites nothing), then the most relevant
  papers' own problem statements (or, lacking one, the sentence introducing their contribution).
* A theme: a synthesis paragraph -- which of its papers share the theme's method keyphrase, cited
  to each of them, and the figures their own result sentences report, each cited to its paper --
  then one line per paper with its own main claim.
* Open problems and gaps: the papers' own stated limitations and future work, round-robin over
  themes; if none states one, the section says so.
* Conclusion: the largest themes and one stated result of each.

Sentences are chosen lexically (BM25 idf overlap with the topic and the theme's keyphrases, cues
for contributions and figures), so a 30-paper draft embeds nothing beyond what retrieval did.
No abstract sentence is quoted twice in one draft.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..engines.markers import as_data, cite
from ..engines.offline import short_name
from ..models import Evidence
from ..roles import Role, TaggedSentence
from .extract import quotable
from .models import Theme
from .terms import terms
from .themes import phrase_key, phrase_runs

if TYPE_CHECKING:
    from ..store import Store

INTRO, GAPS, CONCLUSION = "Introduction", "Open Problems and Gaps", "Conclusion"
MAX_GAPS = 6
MAX_INTRO = 3
MAX_FIGURES = 4  # figures quoted in a theme's synthesis
FIGURE_RE = re.compile(r"\d(?:[\d.,]*\d)?\s*(?:x\b|×|times\b|%|-?fold\b|fps\b|ms\b|tokens?/s|GB\b|MB\b|bits?\b|-bit\b)"
                       r"|\b(?:FID|PSNR|BLEU|WER|perplexity|top-?1|mAP|AP)\b[^.;]{0,20}\d", re.I)
CONTRIBUTION_RE = re.compile(r"\b(?:we|this (?:paper|work|report|study)|our (?:work|paper))(?:\s+\w+){0,2}?\s+"
                             r"(?:propose|introduce|present|develop|design|build|create|devise|release|construct)s?\b",
                             re.I)
LIMITATION_RE = re.compile(
    r"\b(?:limitations?|limited to|future (?:work|research|directions?)|we leave|left (?:for|to) future|"
    r"remains? (?:a |an )?(?:challeng\w*|difficult|open|unclear|unexplored|unsolved|elusive)|open (?:problems?|"
    r"questions?|challenges?)|not yet|does not|do not|cannot|fails? to|struggl\w*|only (?:when|for|on|if)|"
    r"at the (?:cost|expense) of|trade-?offs?|(?:under|un)explored|not due to|(?:has|have) not been \w+ed|"
    r"remains? to be \w+ed)\b", re.I)
SOLVED_RE = re.compile(r"\b(?:address(?:es|ed|ing)?|overcom\w*|tackl\w*|solv\w*|mitigat\w*|alleviat\w*|"
                       r"we propose|we introduce|we present|aim\w* to|we hope|hope (?:this|that|to)|empower\w*)\b",
                       re.I)  # the paper solving a limitation, or its hopes for the field, is no open problem
DEPENDENT_RE = re.compile(r"^(?:\(?\w\)|\d+[.)]|(?:it|they|this|these|its|their|within this|first|second|"
                          r"third|then|finally|additionally|moreover|furthermore|specifically)\b)", re.I)
_NUMBERS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _papers(n: int) -> str:
    return f"{n} paper{'s' if n != 1 else ''}"


def _count(n: int) -> str:
    return _NUMBERS[n] if n < len(_NUMBERS) else str(n)


def figure_clause(sentence: str) -> str | None:
    """The clause of ``sentence`` that states its first figure (cut at ';' and ', '), or None."""
    match = FIGURE_RE.search(sentence)
    if not match:
        return None
    cuts = ("; ", ", ", " -- ", " — ")
    start = max(sentence.rfind(c, 0, match.start()) + len(c) if sentence.rfind(c, 0, match.start()) >= 0 else 0
                for c in cuts)
    ends = [i for i in (sentence.find(c, match.end()) for c in cuts) if i >= 0]
    end = min(ends) if ends else len(sentence)
    clause = sentence[start:end].strip().rstrip(".")
    if len(clause.split()) < 5:  # too short to stand alone: the sentence up to the figure's clause end
        clause = sentence[:end].strip().rstrip(".")
    return clause if len(clause.split()) <= 40 else None


class OfflineWriter:
    def __init__(self, store: Store, topic: str, evidence: list[Evidence], themes: list[Theme]) -> None:
        self.store = store
        self.topic = topic
        self.evidence = evidence
        self.themes = themes
        self.by_id = {e.paper.paper_id: e for e in evidence}
        self.theme_of = {pid: i for i, t in enumerate(themes) for pid in t.paper_ids}
        self.used: set[str] = set()
        self.tagged: dict[str, list[TaggedSentence]] = store.tagged([e.paper for e in evidence])
        self.topic_keys = {k for k, _ in terms(topic, bigrams=False)}
        self.theme_keys = [{k for term in t.terms for k, _ in terms(term, bigrams=False)} for t in themes]
        self.idf = store.idf(self.topic_keys.union(*self.theme_keys))

    # -- facts ---------------------------------------------------------------------------------
    def own(self, item: Evidence, roles: tuple[Role, ...]) -> list[TaggedSentence]:
        """The paper's own sentences in ``roles`` that can be quoted."""
        return [t for t in self.tagged.get(item.paper.paper_id, [])
                if t.own and t.role in roles and 6 <= len(t.text.split()) <= 70 and quotable(t.text)]

    def focus(self, text: str, keys: set[str]) -> float:
        stems = {k for k, _ in terms(text, bigrams=False)}
        total = sum(self.idf.get(k, 1.0) for k in keys) or 1.0
        return sum(self.idf.get(k, 1.0) for k in keys & stems) / total

    def main_claim(self, item: Evidence, keys: set[str]) -> str | None:
        """The paper's own statement of its contribution: the METHOD sentence that introduces it
        (or the one most about the topic and theme), else its best RESULT sentence."""
        best = None
        for t in self.own(item, (Role.METHOD, Role.RESULT)):
            if t.text in self.used:
                continue
            score = (self.focus(t.text, keys) + 1.0 * bool(CONTRIBUTION_RE.search(t.text))
                     + 0.3 * (t.role is Role.METHOD) - 0.03 * t.index - 0.8 * bool(DEPENDENT_RE.match(t.text))
                     + 0.2 * min(len(t.text.split()), 30) / 30)
            if best is None or score > best[0]:
                best = (score, t.text)
        return best[1] if best else None

    def quote(self, item: Evidence, sentence: str, named: bool = True) -> str:
        self.used.add(sentence)
        text = cite(sentence, item.n)
        return f"{short_name(item.paper.title)}: {text}" if named else text

    def write(self, heading: str, theme: Theme | None) -> str:
        if theme is not None:
            return self.theme(theme)
        return {INTRO: self.intro, GAPS: self.gaps, CONCLUSION: self.conclusion}[heading]()

    # -- sections ------------------------------------------------------------------------------
    def intro(self) -> str:
        names = [f"{t.name} ({_papers(len(t.paper_ids))})" for t in self.themes]
        framing = (f'This draft reviews {_papers(len(self.evidence))} from the collection on "{self.topic}", '
                   f"grouped into {len(self.themes)} theme{'s' if len(self.themes) != 1 else ''}: {_join(names)}.")
        quoted: list[str] = []
        for item in self.evidence:
            if len(quoted) >= MAX_INTRO:
                break
            opening = next((t.text for t in self.own(item, (Role.PROBLEM,)) if t.text not in self.used), None)
            if opening is None:  # no own problem statement: the sentence that introduces its contribution
                opening = next((t.text for t in self.own(item, (Role.METHOD,))
                                if t.text not in self.used and CONTRIBUTION_RE.search(t.text)), None)
            if opening:
                quoted.append(self.quote(item, opening))
        return " ".join([framing, *quoted])

    def synthesis(self, theme: Theme, items: list[Evidence]) -> list[str]:
        """Sentences across the theme's papers: who shares its keyphrases, what figures they report."""
        out = []
        for phrase in theme.terms[:2]:
            wanted = phrase_key(phrase.split())
            if not wanted:
                continue
            users = [item for item in items if _uses(self.own(item, (Role.METHOD, Role.RESULT)), wanted)]
            if len(users) >= 2:
                first = phrase.split()[0]
                keep_case = first.isupper() or any(c.isupper() for c in first[1:])  # KV, LoRA
                shown = phrase if keep_case else phrase[:1].lower() + phrase[1:]
                out.append(f"{_count(len(users))} of these papers work on {shown} "
                           + "".join(f"[{u.n}]" for u in users) + ".")
        figures: list[tuple[str, str, int]] = []
        for item in items:
            for t in self.own(item, (Role.RESULT,)):
                clause = figure_clause(t.text)
                if clause:
                    figures.append((short_name(item.paper.title), clause, item.n))
                    break
            if len(figures) >= MAX_FIGURES:
                break
        if len(figures) >= 2:
            stated = "; ".join(_with_name(name, clause, n) for name, clause, n in figures)
            out.append(f"Their own results report: {stated}.")
        elif figures:
            out.append(f"Its stated result: {_with_name(*figures[0])}.")
        return out

    def theme(self, theme: Theme) -> str:
        items = [self.by_id[p] for p in theme.paper_ids]
        keys = self.topic_keys | self.theme_keys[self.themes.index(theme)]
        opening = [f"This theme groups {_papers(len(items))}."] + self.synthesis(theme, items)
        lines = []
        for item in items:
            claim = self.main_claim(item, keys)
            if claim is not None:
                lines.append(f"- {self.quote(item, claim)}")
        return " ".join(opening) + ("\n\n" + "\n".join(lines) if lines else "")

    def limitations(self, item: Evidence) -> list[str]:
        """The paper's own stated limitations and open problems (never its background)."""
        return [t.text for t in self.own(item, (Role.PROBLEM, Role.RESULT, Role.CONCLUSION))
                if LIMITATION_RE.search(t.text) and not SOLVED_RE.search(t.text) and t.text not in self.used]

    def gaps(self) -> str:
        per_theme: dict[int, list[tuple[float, Evidence, str]]] = {}
        for item in self.evidence:
            options = [(self.focus(s, self.topic_keys), s) for s in self.limitations(item)]
            if options:
                score, s = max(options)
                per_theme.setdefault(self.theme_of.get(item.paper.paper_id, 0), []).append((score, item, s))
        queues = [sorted(v, key=lambda x: (-x[0], x[1].n)) for _, v in sorted(per_theme.items())]
        picked: list[tuple[Evidence, str]] = []
        while len(picked) < MAX_GAPS and any(queues):
            for q in queues:  # round-robin over themes, strongest first within each
                if q and len(picked) < MAX_GAPS:
                    _, item, s = q.pop(0)
                    picked.append((item, s))
        if not picked:
            return ("None of the reviewed abstracts states a limitation or an open problem of its own work, "
                    "so none is listed here.")
        picked.sort(key=lambda p: p[0].n)
        bullets = [f"- {self.quote(item, s)}" for item, s in picked]
        return "Limitations and open problems that the papers state about their own work:\n" + "\n".join(bullets)

    def conclusion(self) -> str:
        biggest = [f"{t.name} ({_papers(len(t.paper_ids))})" for t in self.themes[:3]]
        parts = [f"Across the {_papers(len(self.evidence))}, the largest themes are {_join(biggest)}."
                 if len(self.themes) > 1 else f"All {_papers(len(self.evidence))} fall under one theme, "
                 f"{self.themes[0].name}."]
        for index, theme in enumerate(self.themes[:4]):
            keys = self.topic_keys | self.theme_keys[index]
            options = []
            for pid in theme.paper_ids:
                item = self.by_id[pid]
                for t in self.own(item, (Role.RESULT,)):
                    if t.text not in self.used:
                        options.append((0.6 * bool(FIGURE_RE.search(t.text)) + self.focus(t.text, keys), -item.n,
                                        item, t.text))
            if options:
                _, _, item, s = max(options, key=lambda o: (o[0], o[1]))
                parts.append(self.quote(item, s))
        return " ".join(parts)


def _with_name(name: str, clause: str, n: int) -> str:
    """'Name, clause [n]', or just 'clause [n]' when the clause already names the paper."""
    name, clause = as_data(name), as_data(clause)
    return f"{clause} [{n}]" if name.casefold() in clause.casefold() else f"{name}, {clause} [{n}]"


def _uses(sentences: list[TaggedSentence], phrase: tuple[str, ...]) -> bool:
    """Whether one of the sentences says ``phrase`` (stems in order)."""
    n = len(phrase)
    for text in [t.text for t in sentences]:
        for run in phrase_runs(text):
            seq = phrase_key(run)
            if any(seq[i:i + n] == phrase for i in range(len(seq) - n + 1)):
                return True
    return False
