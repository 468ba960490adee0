"""References and their BibTeX keys.

A key is ``<first author's last name, else first title word><year><first distinctive
title word>``, lower-case ASCII (accents folded, everything else dropped), e.g.
``zhao2024detrs`` or ``powerinfer2fast`` for a paper with no authors and no year. Keys that
collide get ``a``, ``b``, ... suffixes in paper-id order, so the same set of papers always
gets the same keys, whatever order they were cited in.
"""

from __future__ import annotations

import re
import unicodedata

from ..models import Evidence, Paper
from .models import Reference

TITLE_SKIP = frozenset("a an the on of for in to and with via from by is are at as towards toward into its "
                       "your you we our how what when why do does can".split())


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)).lower())


def _last_name(author: str) -> str:
    author = author.strip()
    if "," in author:  # "Zhao, Yian"
        return author.split(",", 1)[0]
    parts = author.split()
    return parts[-1] if parts else ""


def base_key(paper: Paper) -> str:
    """The key before de-duplication."""
    words = [w for w in (_ascii(w) for w in re.split(r"[\s:/]+", paper.title)) if w]
    content = [w for w in words if w not in TITLE_SKIP] or words or ["untitled"]
    lead = _ascii(_last_name(paper.authors[0])) if paper.authors else ""
    if lead:
        distinctive = content[0]
    else:
        lead = content[0]
        distinctive = next((w for w in content[1:] if w != lead and not w.isdigit()), "")
    year = str(paper.year) if paper.year else ""
    return f"{lead[:24]}{year}{distinctive[:20]}" or "paper"


def assign_keys(papers: list[Paper]) -> dict[str, str]:
    """paper_id -> unique key for a set of papers (stable for the same set)."""
    by_base: dict[str, list[Paper]] = {}
    for p in sorted({p.paper_id: p for p in papers}.values(), key=lambda p: p.paper_id):
        by_base.setdefault(base_key(p), []).append(p)
    keys: dict[str, str] = {}
    used = set(by_base)
    for base, group in by_base.items():
        if len(group) == 1:
            keys[group[0].paper_id] = base
            continue
        suffixes = (chr(ord("a") + i) if i < 26 else f"x{i}" for i in range(10_000))
        for p in group:
            key = next(base + s for s in suffixes if base + s not in used)
            used.add(key)
            keys[p.paper_id] = key
    return keys


def references_for(evidence: list[Evidence]) -> list[Reference]:
    """One reference per evidence item, in citation-number order, fields copied from the store."""
    keys = assign_keys([e.paper for e in evidence])
    return [Reference(key=keys[e.paper.paper_id], paper=e.paper, n=e.n) for e in evidence]
