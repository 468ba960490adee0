"""The offline draft writer: sections made of the abstracts' own sentences.

Every sentence that states something about a paper is copied verbatim from that paper's
abstract and cited to it, usually introduced by the paper's short name. The only other
sentences are framing that counts papers or names themes, and cites nothing. Sentences
are chosen lexically (BM25 idf-weighted overlap with the topic and the theme's terms,
plus cues for contributions, results and limitations), so a 30-paper draft embeds
nothing beyond what retrieval already did. No sentence is used twice in one draft.
"""

from __future__ import annotations

import re

from ..engines.offline import short_name
from ..models import Evidence
from ..textnorm import split_sentences
from .extract import APPROACH_RE, FIGURE_RE, limitation_sentences, quotable
from .models import Theme
from .terms import terms

INTRO, GAPS, CONCLUSION = "Introduction", "Open Problems and Gaps", "Conclusion"
SELF_RE = re.compile(r"\b(?:this (?:paper|work|study|report)|we|our|us)\b", re.I)
OUTCOME_RE = re.compile(r"\b(?:demonstrat\w*|show(?:s|n|ing)?|outperform\w*|achiev\w*|reveal\w*|find|found|"
                        r"results?|surpass\w*|improv\w*)\b", re.I)
MAX_GAPS = 6
MAX_INTRO = 3
PARAGRAPH = 6  # sentences per paragraph of a theme section


def _cite(sentence: str, n: int) -> str:
    sentence = sentence.strip()
    if not sentence.endswith((".", "!", "?")):
        sentence += "."
    return f"{sentence[:-1]} [{n}]{sentence[-1]}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _papers(n: int) -> str:
    return f"{n} paper{'s' if n != 1 else ''}"


class OfflineWriter:
    def __init__(self, store, topic: str, evidence: list[Evidence], themes: list[Theme]) -> None:  # type: ignore[no-untyped-def]
        self.topic = topic
        self.evidence = evidence
        self.themes = themes
        self.by_id = {e.paper.paper_id: e for e in evidence}
        self.theme_of = {pid: i for i, t in enumerate(themes) for pid in t.paper_ids}
        self.used: set[str] = set()
        self.topic_keys = {k for k, _ in terms(topic, bigrams=False)}
        self.theme_keys = [{k for term in t.terms for k, _ in terms(term, bigrams=False)} for t in themes]
        self.idf = store.lexical.idf(self.topic_keys.union(*self.theme_keys))
        self._sentences: dict[int, list[tuple[int, str, set[str]]]] = {}

    def sentences(self, item: Evidence) -> list[tuple[int, str, set[str]]]:
        """(position, sentence, stems) of the abstract's quotable sentences."""
        if item.n not in self._sentences:
            self._sentences[item.n] = [
                (i, s, {k for k, _ in terms(s, bigrams=False)})
                for i, s in enumerate(split_sentences(item.paper.abstract))
                if 6 <= len(s.split()) <= 70 and quotable(s)]
        return self._sentences[item.n]

    def focus(self, stems: set[str], keys: set[str]) -> float:
        total = sum(self.idf.get(k, 1.0) for k in keys) or 1.0
        return sum(self.idf.get(k, 1.0) for k in keys & stems) / total

    def quote(self, item: Evidence, sentence: str, named: bool = True) -> str:
        self.used.add(sentence)
        text = _cite(sentence, item.n)
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
        picks = []
        for item in self.evidence[:8]:
            for i, s, stems in self.sentences(item)[:3]:
                score = self.focus(stems, self.topic_keys) + (0.3 if i == 0 else 0.0) - 0.5 * bool(SELF_RE.search(s))
                picks.append((score, -item.n, item, s))
        chosen, seen_papers = [], set()
        for score, _, item, s in sorted(picks, key=lambda p: (-p[0], -p[1])):
            if len(chosen) < MAX_INTRO and item.n not in seen_papers and score > 0:
                chosen.append((item, s))
                seen_papers.add(item.n)
        chosen.sort(key=lambda c: c[0].n)
        quoted = [self.quote(item, s, named=bool(SELF_RE.search(s))) for item, s in chosen]
        return " ".join([framing, *quoted])

    def theme(self, theme: Theme) -> str:
        keys = self.topic_keys | self.theme_keys[self.themes.index(theme)]
        shown = f" (distinctive terms: {_join(theme.terms)})" if theme.terms else ""
        parts = [f"This theme groups {_papers(len(theme.paper_ids))}{shown}."]
        paragraphs: list[str] = []
        for pid in theme.paper_ids:
            item = self.by_id[pid]
            best = max(((self.focus(stems, keys) + 1.0 * bool(APPROACH_RE.search(s)) + 0.4 * bool(FIGURE_RE.search(s))
                         - 0.05 * i, s) for i, s, stems in self.sentences(item) if s not in self.used), default=None)
            if best is not None:
                parts.append(self.quote(item, best[1]))
            if len(parts) >= PARAGRAPH:
                paragraphs.append(" ".join(parts))
                parts = []
        return "\n\n".join(paragraphs + ([" ".join(parts)] if parts else []))

    def gaps(self) -> str:
        per_theme: dict[int, list[tuple[float, Evidence, str]]] = {}
        for item in self.evidence:
            options = [(strength + self.focus({k for k, _ in terms(s, bigrams=False)}, self.topic_keys), s)
                       for strength, s in limitation_sentences(item.paper.abstract)
                       if s not in self.used and 6 <= len(s.split()) <= 70 and quotable(s)]
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
            return "None of the gathered abstracts states a limitation or an open problem on this topic."
        picked.sort(key=lambda p: p[0].n)
        bullets = [f"- {self.quote(item, s)}" for item, s in picked]
        return "Limitations and open problems that the abstracts themselves point out:\n" + "\n".join(bullets)

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
                for i, s, stems in self.sentences(item):
                    if s not in self.used and OUTCOME_RE.search(s):
                        options.append((0.6 * bool(FIGURE_RE.search(s)) + self.focus(stems, keys), -item.n, item, s))
            if options:
                _, _, item, s = max(options, key=lambda o: (o[0], o[1]))
                parts.append(self.quote(item, s))
        return " ".join(parts)
