"""Typed records that travel through litreview.

Readers make :class:`Paper` and :class:`Skip`; the store keeps papers; retrieval
returns :class:`Hit`; engines return :class:`Answer` with :class:`Citation`.
Plain frozen dataclasses: cheap to import, easy to print, no validation magic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict, Unpack

from .textnorm import Markup, clean_identifier, clean_text, paper_id_for


class PaperMeta(TypedDict, total=False):
    """The metadata a reader may hand to :meth:`Paper.make`; every key is optional."""

    authors: Iterable[object]
    year: int | None
    venue: str | None
    doi: str | None
    url: str | None
    arxiv_id: str | None
    categories: Iterable[object]
    date: str | None
    paper_id: str


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper: a title and an abstract, plus whatever metadata the source had."""

    title: str
    abstract: str
    source: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    url: str | None = None
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    date: str | None = None
    paper_id: str = ""

    def __post_init__(self) -> None:
        if not self.paper_id:
            object.__setattr__(self, "paper_id", paper_id_for(self.title))

    @classmethod
    def make(cls, title: str, abstract: str, source: str, markup: Markup = "plain",
             **meta: Unpack[PaperMeta]) -> "Paper":
        """Build a paper from raw reader fields, cleaning the text the user will see.

        ``markup`` says what the reader's text is: ``"plain"`` (kept as typed), ``"tex"`` (prose with TeX
        fragments, as in arXiv abstracts) or ``"bibtex"`` (a BibTeX field value); see :mod:`textnorm`.
        Identifiers (``doi``, ``url``, ``arxiv_id``) only have TeX escapes undone, never dashes or ties.
        Text that cleans to nothing is stored as ``None``.
        """

        def prose(value: str | None) -> str | None:
            return (clean_text(value, markup) or None) if isinstance(value, str) else value

        def identifier(value: str | None) -> str | None:
            return (clean_identifier(value, markup) or None) if isinstance(value, str) else value

        authors = tuple(a for a in (clean_text(str(x), markup) for x in meta.get("authors") or ()) if a)
        categories = tuple(str(c) for c in meta.get("categories") or ())
        return cls(
            title=clean_text(title, markup), abstract=clean_text(abstract, markup), source=source,
            authors=authors, categories=categories, year=meta.get("year"), venue=prose(meta.get("venue")),
            doi=identifier(meta.get("doi")), url=identifier(meta.get("url")),
            arxiv_id=identifier(meta.get("arxiv_id")), date=prose(meta.get("date")),
            paper_id=prose(meta.get("paper_id")) or "",
        )

    @property
    def content_hash(self) -> str:
        """Changes whenever anything stored about the paper changes."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        data["categories"] = list(self.categories)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Paper":
        """The paper :meth:`to_dict` wrote (decoded JSON: lists where the paper holds tuples)."""
        fields = dict(data)
        fields["authors"] = tuple(fields.get("authors") or ())
        fields["categories"] = tuple(fields.get("categories") or ())
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class Skip:
    """A record a reader could not turn into a paper, and why."""

    source: str
    where: str  # "line 12", "entry smith2020", "paragraph 3"
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Filters:
    """Metadata filters for retrieval. ``None`` means no constraint."""

    year_min: int | None = None
    year_max: int | None = None
    source: str | None = None
    venue: str | None = None
    category: str | None = None

    def admits(self, paper: Paper) -> bool:
        if self.year_min is not None and (paper.year is None or paper.year < self.year_min):
            return False
        if self.year_max is not None and (paper.year is None or paper.year > self.year_max):
            return False
        if self.source is not None and self.source.casefold() not in paper.source.casefold():
            return False
        if self.venue is not None and self.venue.casefold() not in (paper.venue or "").casefold():
            return False
        if self.category is not None and self.category not in paper.categories:
            return False
        return True

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.year_min, self.year_max, self.source, self.venue, self.category))

    KEYS = ("year", "source", "venue", "category")

    @classmethod
    def parse_year(cls, text: str) -> tuple[int | None, int | None]:
        """``2023`` (one year), ``2021-2024``, ``2021-`` or ``-2024``; a reversed range is an error."""
        lo, dash, hi = text.strip().partition("-")
        try:
            year_min = int(lo) if lo.strip() else None
            year_max = int(hi) if hi.strip() else (None if dash else year_min)
        except ValueError:
            raise ValueError(f"year must look like 2023 or 2021-2024, not {text!r}") from None
        if year_min is None and year_max is None:
            raise ValueError(f"year must look like 2023 or 2021-2024, not {text!r}")
        if year_min is not None and year_max is not None and year_min > year_max:
            raise ValueError(f"year range {text!r} is reversed; did you mean {year_max}-{year_min}?")
        return year_min, year_max

    def with_field(self, key: str, value: str) -> Filters:
        """A copy with one filter set from text (``""`` drops it); ValueError names what is wrong."""
        from dataclasses import replace

        key = key.strip().lower()
        if key not in self.KEYS:
            raise ValueError(f"unknown filter {key!r} (filters: {', '.join(self.KEYS)})")
        value = value.strip()
        if key == "year":
            year_min, year_max = self.parse_year(value) if value else (None, None)
            return replace(self, year_min=year_min, year_max=year_max)
        if key == "source":
            return replace(self, source=value or None)
        if key == "venue":
            return replace(self, venue=value or None)
        return replace(self, category=value or None)

    @classmethod
    def parse(cls, text: str, current: Filters | None = None) -> Filters:
        """``year=2023-2024 source=NAME`` on top of ``current``; ``key=`` drops one, ``clear`` drops all."""
        import shlex

        words = shlex.split(text)
        if words == ["clear"]:
            return cls()
        out = current or cls()
        for word in words:
            key, eq, value = word.partition("=")
            if not eq:
                raise ValueError(f"filters look like key=value ({', '.join(cls.KEYS)}), not {word!r}")
            out = out.with_field(key, value)
        return out

    def describe(self) -> str:
        """The filters in the grammar :meth:`parse` reads ("none" when there are none)."""
        parts = []
        if self.year_min is not None or self.year_max is not None:
            if self.year_min == self.year_max:
                parts.append(f"year={self.year_min}")
            else:
                parts.append(f"year={self.year_min or ''}-{self.year_max or ''}")
        parts += [f"{k}={getattr(self, k)}" for k in ("source", "venue", "category") if getattr(self, k)]
        return " ".join(parts) if parts else "none"

    def coverage(self, papers: Iterable[Paper]) -> tuple[int, int, dict[str, int]]:
        """``(kept, total, {field: papers without it})`` over ``papers``: how much of the collection the
        filters can see (390 of the 460 bundled papers have no year, say)."""
        kept = total = 0
        missing = {"year": 0, "venue": 0, "category": 0}
        for paper in papers:
            total += 1
            kept += self.admits(paper)
            missing["year"] += paper.year is None
            missing["venue"] += not paper.venue
            missing["category"] += not paper.categories
        asked = {"year": self.year_min is not None or self.year_max is not None, "venue": self.venue is not None,
                 "category": self.category is not None}
        return kept, total, {k: v for k, v in missing.items() if asked[k] and v}

    def coverage_note(self, papers: Iterable[Paper]) -> str:
        """One sentence: "35 of 460 papers match year=2024; 390 have no year"."""
        kept, total, missing = self.coverage(papers)
        lacking = "; ".join(f"{n} have no {field}" for field, n in missing.items())
        return f"{kept} of {total} papers match {self.describe()}" + (f"; {lacking}" if lacking else "")


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved paper with the scores that ranked it."""

    paper: Paper
    score: float
    lexical: float = 0.0
    dense: float = 0.0
    chunk_id: str = ""  # the best-matching passage (text: Store.passage_text), "" for lexical-only hits


@dataclass(frozen=True, slots=True)
class Evidence:
    """A numbered piece of evidence given to an engine: the only things an answer may cite."""

    n: int
    paper: Paper
    text: str  # the abstract, possibly trimmed to the token budget
    similarity: float  # best-passage cosine similarity to the question
    relevance: float = 0.0  # the paper's fused retrieval score for the question (compare within one question only)


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered reference in an answer: always a paper that was in the evidence."""

    n: int
    paper_id: str
    title: str
    support: str | None = None  # the verifier's label for what this answer cites it for (weakest sentence)
    score: float | None = None
    evidence: str | None = None  # the abstract sentence that decided it


@dataclass(slots=True)
class Answer:
    """What an engine returns for a question."""

    question: str
    text: str
    engine: str
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    usage: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the citation checker changed, and why
    uncited: list[str] = field(default_factory=list)  # sentences that carry no valid citation
    partial: bool = False  # generation stopped or cut before the end
    evidence: list[Evidence] = field(default_factory=list)
    weak_match: bool = False  # relevant enough to answer from, but no abstract matches the question closely
    sentences: list = field(default_factory=list)  # each cited sentence's verdict (engines.output.SentenceVerdict)
    checks: dict[str, int] = field(default_factory=dict)  # what the output checks found in a model's text (counts)

    def to_json(self) -> dict[str, object]:
        return {"question": self.question, "answer": self.text, "engine": self.engine, "grounded": self.grounded,
                "citations": [{"n": c.n, "paper_id": c.paper_id, "title": c.title, "support": c.support,
                               "score": c.score, "evidence": c.evidence} for c in self.citations],
                "sentences": [{"text": v.sentence, "citations": list(v.kept or v.markers), "support": v.label,
                               "score": round(v.score, 3), "evidence": v.evidence} for v in self.sentences],
                "usage": self.usage, "partial": self.partial, "uncited": self.uncited, "notes": self.notes,
                "weak_match": self.weak_match}


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange of a conversation, given to ``ask`` so that a follow-up can be understood.

    ``cited`` holds the paper ids the answer cited, in the order it numbered them (best match
    first). Only ids travel, never citation numbers: an old answer's ``[n]`` numbered that
    answer's evidence and means nothing for the next one.
    """

    question: str
    answer: str = ""
    cited: tuple[str, ...] = ()

    @classmethod
    def of(cls, answer: Answer) -> "Turn":
        """The turn an :class:`Answer` makes, for the next question's ``history``."""
        return cls(answer.question, answer.text, tuple(c.paper_id for c in answer.citations))
