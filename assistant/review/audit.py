"""The citation audit: does the cited abstract actually support each cited sentence?

The citation checker (:mod:`assistant.engines.citations`) only proves that a marker
numbers a real source; this module measures whether that source says what the
sentence says. For each (sentence, cited paper) pair:

    support = 0.6 * max cosine(sentence, each sentence of the cited abstract)
            + 0.4 * share of the sentence's content terms (stemmed) that the abstract uses

with the store's embedder (all-MiniLM-L6-v2 by default). A sentence that is a verbatim
quote of the cited abstract scores 1.0 without being embedded (identical text has cosine
1 and full term overlap). Pairs below :data:`SUPPORT_MIN` are unsupported: the marker is
removed (offline drafts: the sentence goes when none of its markers is supported) or
flagged (LLM drafts: the sentence is kept and tagged :data:`UNVERIFIED`). Every decision
is recorded; nothing is dropped or kept silently.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np

from ..engines.offline import short_name
from ..models import Evidence
from ..textnorm import split_sentences
from .models import Audit, AuditRecord
from .terms import terms

SUPPORT_MIN = 0.5
MEASURE = ("support = 0.6 x max cosine similarity (sentence embeddings, {model}) between the sentence and the "
           "cited abstract's sentences + 0.4 x share of the sentence's content terms found in the cited abstract; "
           "verbatim quotes of the cited abstract score 1.0; below {threshold} the citation is unsupported")
UNVERIFIED = "[unverified]"
MARK_RE = re.compile(r"\[(\d+)\]")


def attach_markers(text: str) -> str:
    """Move markers written after a sentence's full stop back into it: 'claim. [1]' -> 'claim [1].'

    Models often cite that way; left alone, the marker would open the next sentence and the
    claim it belongs to would look uncited."""
    return re.sub(r"([.!?])((?:[ \t]*\[\d+(?:\s*[,;–-]\s*\d+)*\])+)(?:[ \t]*\.(?!\d))?",
                  lambda m: f" {m.group(2).strip()}{m.group(1)}", text)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .!?;:…")


class Auditor:
    """Support scores against the abstracts of numbered evidence (sentence vectors cached per paper)."""

    def __init__(self, store, evidence: list[Evidence], threshold: float = SUPPORT_MIN) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.by_n = {e.n: e for e in evidence}
        self.threshold = threshold
        self._vectors: dict[str, np.ndarray] = {}
        self.audit = Audit(MEASURE.format(model=getattr(store, "embedder_id", "embedder"), threshold=threshold),
                           threshold)

    def _claim(self, sentence: str, n: int) -> str:
        """The sentence without markers, bullets, 'Name:' lead-ins or the unverified tag."""
        text = MARK_RE.sub("", sentence).replace(UNVERIFIED, "").strip().lstrip("-*• ").strip()
        paper = self.by_n[n].paper
        for prefix in (paper.title, short_name(paper.title)):
            if text.startswith(prefix + ":"):
                text = text[len(prefix) + 1:].strip()
        return re.sub(r"\s+([.,;:])", r"\1", text)

    def _abstract_vectors(self, n: int) -> np.ndarray:
        paper = self.by_n[n].paper
        if paper.paper_id not in self._vectors:
            parts = split_sentences(paper.abstract) or [paper.abstract]
            self._vectors[paper.paper_id] = self.store.embedder.embed(parts)
        return self._vectors[paper.paper_id]

    def support(self, sentence: str, n: int) -> float:
        claim = self._claim(sentence, n)
        abstract = self.by_n[n].paper.abstract
        if not claim:
            return 0.0  # a bare marker supports nothing
        if _norm(claim) in _norm(abstract):
            return 1.0
        words = {k for k, _ in terms(claim, bigrams=False)}
        overlap = len(words & {k for k, _ in terms(abstract, bigrams=False)}) / len(words) if words else 0.0
        vector = self.store.embedder.embed([claim])[0]
        cosine = float(np.max(self._abstract_vectors(n) @ vector))
        return 0.6 * max(cosine, 0.0) + 0.4 * overlap

    def check(self, text: str, section: str, mode: Literal["remove", "flag"]) -> str:
        """``text`` with unsupported citations removed or flagged; records go to :attr:`audit`."""
        lines_out = []
        for line in text.split("\n"):
            sentences_out = []
            for sentence in split_sentences(line) if line.strip() else []:
                cited = [int(m) for m in MARK_RE.findall(sentence) if int(m) in self.by_n]
                if not cited:
                    sentences_out.append(sentence)
                    continue
                scores = {n: self.support(sentence, n) for n in dict.fromkeys(cited)}
                supported = [n for n, s in scores.items() if s >= self.threshold]
                for n, s in scores.items():
                    status = "kept" if n in supported else ("removed" if mode == "remove" else "flagged")
                    self.audit.records.append(AuditRecord(section, self._claim(sentence, n), n,
                                                          self.by_n[n].paper.paper_id, s, status))  # type: ignore[arg-type]
                if mode == "remove":
                    if not supported:
                        continue
                    sentence = MARK_RE.sub(lambda m: m.group(0) if int(m.group(1)) in supported
                                           or int(m.group(1)) not in scores else "", sentence)
                elif not supported and UNVERIFIED not in sentence:
                    sentence = re.sub(r"([.!?]?)$", rf" {UNVERIFIED}\1", sentence.rstrip(), count=1)
                sentences_out.append(sentence)
            joined = " ".join(sentences_out)
            if line.strip() and not joined.strip().lstrip("-*• ").strip():
                continue  # a bullet or paragraph whose every sentence was removed
            lines_out.append(_indent(line) + joined if joined else "")
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines_out)).strip()


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
