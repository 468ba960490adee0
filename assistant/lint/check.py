"""Checking a draft: every cited sentence against the abstract of every paper it cites.

:func:`lint` parses the draft (:mod:`.parse`), resolves its keys (:mod:`.resolve`) and runs one
:class:`~assistant.verify.Verifier` over all (claim, paper) pairs in a single ``verify_many`` call, so
the claims are embedded in one batch. The result is a :class:`LintReport`; nothing here prints.

Keys resolve through the ``.bib`` given, else the bibliography the draft names (pandoc front matter
``bibliography:``, LaTeX ``\\bibliography{}`` / ``\\addbibresource{}``, relative to the draft), and,
for numbered markers and LaTeX ``thebibliography``, through the draft's own reference entries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import InputError
from .parse import Draft, parse_draft
from .resolve import BibEntry, Resolution, Resolver, read_bib

if TYPE_CHECKING:
    from ..store import Store

LintLabel = Literal["supported", "partial", "unsupported", "contradicted", "not_found"]
LINT_LABELS: tuple[LintLabel, ...] = ("supported", "partial", "unsupported", "contradicted", "not_found")
FAILING: frozenset[str] = frozenset({"unsupported", "contradicted"})  # what --strict fails on


@dataclass(frozen=True, slots=True)
class CitationCheck:
    """One citation of one sentence and its verdict."""

    key: str
    paper_id: str | None
    title: str | None
    label: LintLabel
    score: float
    evidence: str | None  # the abstract sentence that decided it
    conflict: str | None = None  # "figure" | "negation" | "direction" | "attribution" when contradicted
    known: bool = True  # False: the key is in no .bib or reference list

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "paper_id": self.paper_id, "title": self.title, "label": self.label,
                "score": self.score, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    """A cited sentence of the draft and the verdict on each of its citations."""

    line: int
    text: str
    citations: tuple[CitationCheck, ...]

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "text": self.text, "citations": [c.to_json() for c in self.citations]}


@dataclass(frozen=True)
class LintReport:
    """Every cited sentence of a draft, in file order, with its verdicts."""

    file: str
    format: str
    sentences: tuple[SentenceCheck, ...]
    bib: str | None = None  # the .bib the keys were resolved through
    notes: tuple[str, ...] = ()  # what the user should know beside the verdicts (bib entries skipped)

    @property
    def checked(self) -> int:
        """The number of cited sentences checked."""
        return len(self.sentences)

    @property
    def summary(self) -> dict[str, int]:
        """Citations per label (every label present, zeros included)."""
        counts = Counter(c.label for s in self.sentences for c in s.citations)
        return {label: counts[label] for label in LINT_LABELS}

    @property
    def failing(self) -> int:
        """Sentences with an unsupported or contradicted citation (what ``--strict`` fails on)."""
        return sum(any(c.label in FAILING for c in s.citations) for s in self.sentences)

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "checked": self.checked, "sentences": [s.to_json() for s in self.sentences],
                "summary": self.summary}


def bib_entries(draft: Draft, bib: Path | None,
                skipped: list[str] | None = None) -> tuple[dict[str, BibEntry], str | None]:
    """The entries of the ``.bib`` given, or of the bibliography files the draft names."""
    if bib is not None:
        return read_bib(bib, skipped), str(bib)
    entries: dict[str, BibEntry] = {}
    used = []
    for name, line in draft.bibliographies:
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".bib")
        if not path.is_absolute():
            path = draft.path.parent / path
        if not path.exists():
            raise InputError(draft.path, f"names the bibliography {name!r}, but {path} does not exist; "
                                         "pass the .bib with --bib", f"{line}")
        for key, entry in read_bib(path, skipped).items():
            entries.setdefault(key, entry)
        used.append(str(path))
    return entries, ", ".join(used) or None


def resolve_keys(draft: Draft, entries: dict[str, BibEntry], resolver: Resolver) -> dict[str, Resolution]:
    """Every key the draft cites -> its resolution."""
    folded = {k.casefold(): e for k, e in entries.items()}
    out: dict[str, Resolution] = {}
    for sentence in draft.sentences:
        for key in sentence.keys:
            if key in out:
                continue
            entry = entries.get(key) or folded.get(key.casefold())
            if entry is not None:
                out[key] = resolver.entry(entry)
            elif key in draft.references:
                out[key] = resolver.reference(key, draft.references[key].text)
            else:
                out[key] = resolver.unknown(key)
    return out


@dataclass(frozen=True)
class LintInput:
    """A draft and the bibliography its keys resolve through, read and checked for bad input."""

    draft: Draft
    entries: dict[str, BibEntry]
    bib: str | None
    notes: tuple[str, ...] = ()


def read_input(path: Path | str, bib: Path | str | None = None) -> LintInput:
    """The draft and its ``.bib``; every bad-input case raises :class:`InputError` here, before any store
    work (no citations, unknown format, a missing or unparsable file, keys without a bibliography)."""
    draft = parse_draft(path)
    skipped: list[str] = []
    entries, used = bib_entries(draft, Path(bib) if bib is not None else None, skipped)
    if draft.format != "numbered" and not entries and not draft.references:
        first = draft.sentences[0]
        raise InputError(draft.path, f"cites keys such as {first.keys[0]!r} but no .bib was given or named in "
                                     "the draft; pass it with --bib refs.bib", f"{first.line}")
    notes = tuple(f"skipped a BibTeX entry that cannot be parsed: {line}" for line in skipped[:5])
    if len(skipped) > 5:
        notes += (f"... and {len(skipped) - 5} more BibTeX entries that cannot be parsed",)
    return LintInput(draft, entries, used, notes)


def check(given: LintInput, store: Store, verifier=None) -> LintReport:
    """Every cited sentence of the draft against the papers it cites in ``store``: one ``verify_many``."""
    from ..engines.output import verifier_for

    draft = given.draft
    resolved = resolve_keys(draft, given.entries, Resolver(store))
    pairs = [(claim, resolved[key].paper) for s in draft.sentences for key, claim in zip(s.keys, s.claims)
             if resolved[key].paper is not None]
    verifier = verifier or verifier_for(store)
    verdicts = iter(verifier.verify_many(pairs)) if pairs else iter(())
    sentences = []
    for s in draft.sentences:
        checks = []
        for key in s.keys:
            r = resolved[key]
            if r.paper is None:
                checks.append(CitationCheck(key, None, r.title, "not_found", 0.0, None, known=r.known))
                continue
            v = next(verdicts)
            checks.append(CitationCheck(key, r.paper.paper_id, r.paper.title, v.label, round(v.score, 3),
                                        v.evidence, v.conflict))
        sentences.append(SentenceCheck(s.line, s.text, tuple(checks)))
    return LintReport(str(draft.path), draft.format, tuple(sentences), given.bib, given.notes)


def lint(path: Path | str, store: Store, bib: Path | str | None = None,
         verifier=None) -> LintReport:
    """Check every cited sentence of the draft at ``path`` against the papers it cites in ``store``."""
    return check(read_input(path, bib), store, verifier)
