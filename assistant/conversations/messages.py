"""What a conversation is made of, independent of any widget: messages and their sources.

An assistant message keeps the numbered evidence it was given (``sources``), each marked cited
or not, so that a reopened conversation can show its sources panel and open ``[n]`` again
without re-running retrieval. Its ``kind`` says what produced it: an ``answer`` to a question,
or the result of a command (``compare``, ``draft``); only answers to questions are context for
a follow-up question (:func:`turns`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..models import Answer, Citation, Evidence, Hit, Turn
from ..retrieval import similarity

KINDS = ("answer", "compare", "draft")


def is_command(text: str) -> bool:
    """A slash command (``/draft ...``), as opposed to a question."""
    return text.lstrip().startswith("/")


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered paper in the sources panel: an answer's evidence or a search result."""

    n: int
    paper_id: str
    title: str
    year: int | None = None
    score: float = 0.0
    cited: bool = False
    support: str | None = None  # the verifier's label for what the answer cites this paper for
    evidence: str | None = None  # the abstract sentence that decided it

    BADGES = {"supported": "✓", "partial": "≈", "unsupported": "?", "contradicted": "✗"}

    @property
    def badge(self) -> str:
        """A mark for how the cited abstract bears the answer out ("" when it was not judged)."""
        return self.BADGES.get(self.support or "", "")

    def label(self) -> str:
        year = self.year if self.year else "n.d."
        score = f" {self.score:.2f}" if self.score else ""  # drafts and comparisons list papers unscored
        badge = f"{self.badge} " if self.badge else ""
        return f"{badge}[{self.n}] {self.title} ({year}){score}"

    def to_dict(self) -> dict[str, object]:
        return {"n": self.n, "paper_id": self.paper_id, "title": self.title, "year": self.year,
                "score": self.score, "cited": self.cited, "support": self.support, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, data: dict) -> "Source":
        return cls(int(data["n"]), str(data["paper_id"]), str(data.get("title", "")), data.get("year"),
                   float(data.get("score") or 0.0), bool(data.get("cited")), data.get("support"),
                   data.get("evidence"))

    @classmethod
    def from_evidence(cls, e: Evidence, cited: bool, citation: Citation | None = None) -> "Source":
        return cls(e.n, e.paper.paper_id, e.paper.title, e.paper.year, e.similarity, cited,
                   citation.support if citation else None, citation.evidence if citation else None)

    @classmethod
    def from_hit(cls, rank: int, hit: Hit) -> "Source":
        return cls(rank, hit.paper.paper_id, hit.paper.title, hit.paper.year, similarity(hit) or 0.0, False)


@dataclass(slots=True)
class Message:
    """One turn of a conversation. ``question`` is set on assistant messages (what they answer:
    the question, or the command line that produced a comparison or draft)."""

    role: str  # "user" | "assistant"
    text: str
    sources: list[Source] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    engine: str = ""
    partial: bool = False
    notes: list[str] = field(default_factory=list)
    question: str = ""
    kind: str = "answer"  # see KINDS; user messages keep the default

    @property
    def cited(self) -> list[Source]:
        return [s for s in self.sources if s.cited]

    @property
    def is_answer(self) -> bool:
        """An answer to a question (not a command's result): what a follow-up can refer back to."""
        return self.role == "assistant" and self.kind == "answer" and bool(self.question) \
            and not is_command(self.question)

    def source(self, n: int) -> Source | None:
        return next((s for s in self.sources if s.n == n), None)

    def citations_json(self) -> str:
        """What the ``citations_json`` column holds: citations plus the evidence they number."""
        if self.role != "assistant":
            return "{}"
        return json.dumps({
            "citations": [{"n": c.n, "paper_id": c.paper_id, "title": c.title} for c in self.citations],
            "sources": [s.to_dict() for s in self.sources],
            "engine": self.engine, "partial": self.partial, "notes": self.notes, "question": self.question,
            "kind": self.kind,
        }, ensure_ascii=False)

    def to_json(self) -> dict[str, object]:
        """The message as the JSON export writes it."""
        if self.role == "user":
            return {"role": "user", "text": self.text}
        data = json.loads(self.citations_json())
        return {"role": "assistant", "kind": self.kind, "text": self.text, **{k: v for k, v in data.items()
                                                                             if k != "kind"}}

    @classmethod
    def from_row(cls, role: str, text: str, citations_json: str | None) -> "Message":
        try:
            data = json.loads(citations_json or "{}")
        except json.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        question = str(data.get("question", ""))
        kind = str(data.get("kind") or "")
        if kind not in KINDS:  # saved before messages had a kind: a command's result names its command
            word = question.lstrip("/").split(" ", 1)[0].lower() if is_command(question) else ""
            kind = word if word in KINDS else "answer"
        return cls(role, text,
                   sources=[Source.from_dict(s) for s in data.get("sources", []) if isinstance(s, dict)],
                   citations=[Citation(int(c["n"]), str(c["paper_id"]), str(c.get("title", "")))
                              for c in data.get("citations", []) if isinstance(c, dict)],
                   engine=str(data.get("engine", "")), partial=bool(data.get("partial")),
                   notes=[str(n) for n in data.get("notes", [])], question=question,
                   kind=kind if role == "assistant" else "answer")

    @classmethod
    def from_answer(cls, answer: Answer, text: str | None = None, citations: list[Citation] | None = None,
                    partial: bool | None = None) -> "Message":
        """An assistant message; ``text``/``citations`` override the answer's (a stopped answer keeps less)."""
        cits = answer.citations if citations is None else citations
        cited = {c.n: c for c in cits}
        return cls("assistant", answer.text if text is None else text,
                   sources=[Source.from_evidence(e, e.n in cited, cited.get(e.n)) for e in answer.evidence],
                   citations=list(cits), engine=answer.engine,
                   partial=answer.partial if partial is None else partial, notes=list(answer.notes),
                   question=answer.question)


def turns(messages: list[Message], limit: int = 6) -> list[Turn]:
    """The conversation's last answered questions, oldest first, for ``ask(history=...)``: what lets a
    follow-up ("how fast is it on a phone?") be read against the question it continues. Commands and
    their results (``/draft``, ``/compare``, ``/filter``) are not questions and never count."""
    out = [Turn(m.question, m.text, tuple(c.paper_id for c in sorted(m.citations, key=lambda c: c.n)))
           for m in messages if m.is_answer]
    return out[-limit:]
