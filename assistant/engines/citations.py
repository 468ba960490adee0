"""The citation checker: every ``[n]`` in an answer is checked against the evidence.

Models are not trusted to cite correctly. Markers that number no evidence item
are removed (and the removal recorded); titles are never taken from the model's
text, only from the evidence; sentences that carry no valid marker are listed
so the user sees which claims are unsupported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Citation, Evidence
from ..textnorm import split_sentences
from .markers import MARKER_RE, numbers, single_markers


@dataclass
class Checked:
    text: str
    citations: list[Citation]
    removed: list[str] = field(default_factory=list)  # markers dropped, as written
    uncited: list[str] = field(default_factory=list)  # sentences with no valid citation


def check_citations(text: str, evidence: list[Evidence]) -> Checked:
    by_n = {e.n: e for e in evidence}
    removed: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        nums = numbers(match.group(1))
        good = [n for n in dict.fromkeys(nums) if n in by_n]
        if len(good) != len(nums):
            removed.append(match.group(0))
        return "".join(f"[{n}]" for n in good)

    cleaned = MARKER_RE.sub(rewrite, text)
    while (again := MARKER_RE.sub(rewrite, cleaned)) != cleaned:  # removing "[7]" from "[[7]9]" makes "[9]"
        cleaned = again
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    cited = single_markers(cleaned)
    citations = [Citation(n, by_n[n].paper.paper_id, by_n[n].paper.title) for n in sorted(cited)]
    uncited = [s for para in cleaned.split("\n") for s in split_sentences(para)
               if not re.search(r"\[\d+\]", s) and _is_claim(s)]
    return Checked(cleaned, citations, removed, uncited)


def _is_claim(sentence: str) -> bool:
    """Headings, list labels and very short connective lines are not claims."""
    s = sentence.strip().lstrip("#*->• ").strip()
    return len(s.split()) >= 3 and not s.endswith(":")
