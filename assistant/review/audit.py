"""The citation audit: does the cited abstract actually say what each cited sentence says?

The citation checker (:mod:`assistant.engines.citations`) only proves that a marker numbers a real
source; this module asks the claim verifier (:mod:`assistant.verify`) whether that source supports
the sentence. Each (sentence, cited paper) pair gets the verifier's label -- supported, partial,
unsupported or contradicted -- its calibrated score and the abstract sentence that decided it.
"Contradicted" needs an explicit conflict (a negation, an opposite direction, another figure for the
same quantity) in the abstract sentence that matches the claim, so "X increases Y" and "X does not
increase Y" are told apart.

The claim checked for a citation is the clause that carries its marker (a sentence is cut at
semicolons), without markers, bullets, "Name:" lead-ins or audit tags: "A, 2x faster [1]; B, 3x
[2]" is checked as "A, 2x faster" against [1] and "B, 3x" against [2].

What happens to a citation:

* offline drafts (``remove``): unsupported and contradicted citations are removed, and a sentence
  left with no citation is dropped, as is a sentence that counts the papers it cites ("three
  papers …") once one of them is removed; a partial one is kept and tagged :data:`PARTIAL`;
* LLM drafts (``flag``): the sentence stays and is tagged -- :data:`CONTRADICTED` when any of its
  citations is contradicted, else :data:`UNVERIFIED` when none is supported, else :data:`PARTIAL`
  when one is only partly supported.

A contradicted sentence is never presented as supported. Every decision is recorded.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from ..engines.offline import short_name
from ..models import Evidence
from ..textnorm import split_sentences
from ..verify import Verifier
from .models import Audit, AuditRecord, Status

if TYPE_CHECKING:
    from ..store import Store

MEASURE = ("each (sentence, cited paper) pair is checked by the claim verifier ({calibration} signals: term "
           "coverage of the cited abstract's best-matching sentence and of the whole abstract, figures, "
           "negation and direction conflicts, names, whether the sentence is the paper's own work{cosine}); "
           "its calibrated score is 'supported' from {threshold}, 'partial' when part of the claim is not in "
           "the abstract, 'contradicted' only on an explicit conflict with the matching abstract sentence; "
           "unsupported and contradicted citations are {action}, partial ones are flagged")
UNVERIFIED = "[unverified]"
PARTIAL = "[partly supported]"
CONTRADICTED = "[contradicted by the cited abstract]"
TAGS = (UNVERIFIED, PARTIAL, CONTRADICTED)
MARK_RE = re.compile(r"\[(\d+)\]")
COUNTED_RE = re.compile(r"\b(?:all|both|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
                        r"(?: of (?:the|these|those)(?: \d+)?)? papers\b",
                        re.I)  # "Two of these papers …": a count that a removed citation would falsify


def attach_markers(text: str) -> str:
    """Move markers written after a sentence's full stop back into it: 'claim. [1]' -> 'claim [1].'

    Models often cite that way; left alone, the marker would open the next sentence and the
    claim it belongs to would look uncited."""
    return re.sub(r"([.!?])((?:[ \t]*\[\d+(?:\s*[,;–-]\s*\d+)*\])+)(?:[ \t]*\.(?!\d))?",
                  lambda m: f" {m.group(2).strip()}{m.group(1)}", text)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .!?;:…")


def _strip_tags(text: str) -> str:
    for tag in TAGS:
        text = text.replace(tag, "")
    return text


class Auditor:
    """Verdicts on the citations of a draft's sections against the abstracts of numbered evidence.

    One verifier per draft (it caches each paper's analysis); with ``embedder`` the verifier's
    embedding calibration is used (sentence cosines), without it the lexical one."""

    def __init__(self, store: Store, evidence: list[Evidence], embedder=None) -> None:
        self.store = store
        self.by_n = {e.n: e for e in evidence}
        self.verifier = Verifier(embedder)
        self.threshold = self.verifier.calibration.supported_min
        self._measure = MEASURE.format(calibration="embedding" if embedder is not None else "lexical",
                                       cosine=", sentence-embedding cosine" if embedder is not None else "",
                                       threshold=round(self.threshold, 3), action="{action}")
        self.audit = Audit(self._measure.format(action="removed (offline) or flagged (LLM)"), self.threshold)

    def claim(self, sentence: str, n: int) -> str:
        """The clause of ``sentence`` that carries [n], without markers, bullets, 'Name:' lead-ins or tags."""
        clauses = [c for c in sentence.split("; ") if f"[{n}]" in c] or [sentence]
        text = " ".join(MARK_RE.sub("", _strip_tags(c)) for c in clauses).strip().lstrip("-*• ").strip()
        paper = self.by_n[n].paper
        for prefix in (paper.title, short_name(paper.title)):
            if text.startswith(prefix + ":"):
                text = text[len(prefix) + 1:].strip()
        text = re.sub(r"^[A-Z][^:]{0,40}:\s+(?=[A-Z])", "", text) if len(clauses) == 1 and "; " in sentence else text
        return re.sub(r"\s+([.,;:])", r"\1", text).strip()

    def check(self, text: str, section: str, mode: Literal["remove", "flag"]) -> str:
        """``text`` with its citations audited (see the module docstring); records go to :attr:`audit`."""
        self.audit.measure = self._measure.format(action="removed" if mode == "remove" else "flagged")
        lines = text.split("\n")
        parsed = [split_sentences(line) if line.strip() else [] for line in lines]
        pairs: list[tuple[int, int, int, str]] = []  # (line, sentence, n, claim)
        for li, sentences in enumerate(parsed):
            for si, sentence in enumerate(sentences):
                for n in dict.fromkeys(int(m) for m in MARK_RE.findall(sentence) if int(m) in self.by_n):
                    pairs.append((li, si, n, self.claim(sentence, n)))
        verdicts = self.verifier.verify_many([(c, self.by_n[n].paper) for _, _, n, c in pairs]) if pairs else []
        by_sentence: dict[tuple[int, int], dict[int, str]] = {}
        for (li, si, n, claim), verdict in zip(pairs, verdicts):
            label = verdict.label if claim else "unsupported"  # a bare marker supports nothing
            bad = label in ("unsupported", "contradicted")
            status: Status = "kept" if label == "supported" else ("removed" if bad and mode == "remove" else "flagged")
            self.audit.records.append(AuditRecord(section, claim, n, self.by_n[n].paper.paper_id, verdict.score,
                                                  status, label, verdict.evidence))
            by_sentence.setdefault((li, si), {})[n] = label
        out_lines = []
        for li, (line, sentences) in enumerate(zip(lines, parsed)):
            kept_sentences = []
            for si, sentence in enumerate(sentences):
                labels = by_sentence.get((li, si))
                if labels:
                    sentence = self._apply(sentence, labels, mode)
                if sentence:
                    kept_sentences.append(sentence)
            joined = " ".join(kept_sentences)
            if line.strip() and not joined.strip().lstrip("-*• ").strip():
                continue  # a bullet or paragraph whose every sentence was removed
            out_lines.append(_indent(line) + joined if joined else "")
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out_lines)).strip()

    @staticmethod
    def _apply(sentence: str, labels: dict[int, str], mode: str) -> str:
        """The sentence after its verdicts: markers removed or the sentence tagged."""
        if mode == "remove":
            good = {n for n, label in labels.items() if label in ("supported", "partial")}
            if not good or (len(good) < len(labels) and COUNTED_RE.search(sentence)):
                return ""
            sentence = MARK_RE.sub(lambda m: m.group(0) if int(m.group(1)) in good or int(m.group(1)) not in labels
                                   else "", sentence)
            sentence = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", sentence))
            tag = PARTIAL if any(labels[n] == "partial" for n in good) else None
        elif "contradicted" in labels.values():
            tag = CONTRADICTED
        elif not any(label == "supported" for label in labels.values()):
            tag = UNVERIFIED
        elif "partial" in labels.values() or "unsupported" in labels.values():
            tag = PARTIAL
        else:
            tag = None
        if tag and tag not in sentence:
            sentence = re.sub(r"([.!?]?)$", rf" {tag}\1", sentence.rstrip(), count=1)
        return sentence


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
