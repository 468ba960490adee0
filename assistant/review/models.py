"""Typed records of the review features: comparison rows, drafts, references, the audit.

Plain dataclasses, like :mod:`assistant.models`; each knows its JSON shape
(``to_json``), which is exactly what ``--json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..models import Citation, Paper


def _citations_json(citations: list[Citation]) -> list[dict[str, object]]:
    return [{"n": c.n, "paper_id": c.paper_id, "title": c.title} for c in citations]


@dataclass(slots=True)
class Row:
    """One paper in a comparison. Empty cells mean "the abstract does not say", never a guess."""

    n: int
    paper_id: str
    title: str
    short_name: str
    task: str = ""
    approach: str = ""
    results: list[str] = field(default_factory=list)  # stated figures, with units and baselines
    efficiency: list[str] = field(default_factory=list)  # speed / memory / latency / throughput claims
    code_url: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"n": self.n, "paper_id": self.paper_id, "title": self.title, "short_name": self.short_name,
                "task": self.task, "approach": self.approach, "results": list(self.results),
                "efficiency": list(self.efficiency), "code_url": self.code_url}


@dataclass(slots=True)
class Comparison:
    """Rows numbered like the evidence they came from, and a synthesis citing them as [n]."""

    query: str
    rows: list[Row]
    synthesis: str
    citations: list[Citation]
    engine: str
    notes: list[str] = field(default_factory=list)
    usage: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"query": self.query, "rows": [r.to_json() for r in self.rows], "synthesis": self.synthesis,
                "citations": _citations_json(self.citations), "engine": self.engine, "notes": self.notes,
                "usage": self.usage}


@dataclass(frozen=True, slots=True)
class Reference:
    """A cited paper (as the store holds it) with its stable BibTeX key."""

    key: str
    paper: Paper
    n: int = 0  # the [n] it replaces in the draft's text

    def to_json(self) -> dict[str, object]:
        p = self.paper
        return {"key": self.key, "n": self.n, "paper_id": p.paper_id, "title": p.title, "authors": list(p.authors),
                "year": p.year, "venue": p.venue, "doi": p.doi, "url": p.url, "arxiv_id": p.arxiv_id}


@dataclass(slots=True)
class Section:
    heading: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    comparison: Comparison | None = None  # a theme section's table

    def to_json(self, keys: dict[int, str] | None = None) -> dict[str, object]:
        cites = _citations_json(self.citations)
        if keys:
            for cite, citation in zip(cites, self.citations):
                cite["key"] = keys.get(citation.n)
        out: dict[str, object] = {"heading": self.heading, "text": self.text, "citations": cites}
        if self.comparison is not None:
            out["rows"] = [r.to_json() for r in self.comparison.rows]
        return out


Status = Literal["kept", "flagged", "removed"]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One (sentence, citation) pair and how well the cited abstract supports the sentence."""

    section: str
    sentence: str
    n: int
    paper_id: str
    support: float  # the claim verifier's calibrated score (0..1)
    status: Status
    label: str = ""  # the verifier's label: supported | partial | unsupported | contradicted
    evidence: str | None = None  # the abstract sentence that decided it

    def to_json(self) -> dict[str, object]:
        return {"section": self.section, "sentence": self.sentence, "n": self.n, "paper_id": self.paper_id,
                "support": round(self.support, 3), "status": self.status, "label": self.label,
                "evidence": self.evidence}


@dataclass(slots=True)
class Audit:
    measure: str
    threshold: float
    records: list[AuditRecord] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)  # claim-like sentences with no citation (LLM text)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.records if r.status == status)

    @property
    def kept(self) -> int:
        return self.count("kept")

    @property
    def flagged(self) -> int:
        return self.count("flagged")

    @property
    def removed(self) -> int:
        return self.count("removed")

    def to_json(self) -> dict[str, object]:
        return {"measure": self.measure, "threshold": self.threshold, "kept": self.kept, "flagged": self.flagged,
                "removed": self.removed, "uncited": self.uncited, "records": [r.to_json() for r in self.records]}


@dataclass(slots=True)
class Theme:
    name: str
    paper_ids: list[str]
    terms: list[str] = field(default_factory=list)  # the distinctive terms the name came from


@dataclass(slots=True)
class Draft:
    topic: str
    outline: list[str]
    sections: list[Section]
    references: list[Reference]
    audit: Audit
    engine: str = "offline"
    themes: list[Theme] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    usage: dict[str, object] = field(default_factory=dict)

    @property
    def keys(self) -> dict[int, str]:
        return {r.n: r.key for r in self.references}

    def to_json(self) -> dict[str, object]:
        keys = self.keys
        return {"topic": self.topic, "outline": self.outline,
                "sections": [s.to_json(keys) for s in self.sections],
                "references": [r.to_json() for r in self.references], "audit": self.audit.to_json(),
                "themes": [{"name": t.name, "paper_ids": t.paper_ids, "terms": t.terms} for t in self.themes],
                "engine": self.engine, "notes": self.notes, "usage": self.usage}
