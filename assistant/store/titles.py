"""Finding a paper from what a user types: an id, a title, part of one, the method's name, or a close spelling.

One resolver for every front end (``show``, ``compare --paper``, chat's ``/compare`` and ``/cite``), in this
order: paper id; exact title (normalised); a fragment that matches exactly one title; a method name the
paper's own abstract introduces ("RT-DETR" is "DETRs Beat YOLOs on Real-time Object Detection", whose abstract
proposes "the Real-Time DEtection TRansformer (RT-DETR)"); else the closest title by
:class:`difflib.SequenceMatcher` ratio (the whole title, or its best run of about as many words). Ambiguity and
misses are errors that list the candidates, never a silent pick.
"""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING

from ..errors import ConfigError, NotFoundError
from ..models import Paper
from ..textnorm import paper_id_for, title_key

if TYPE_CHECKING:
    from . import Store

FUZZY_MIN = 0.75  # SequenceMatcher ratio between normalised titles for a fuzzy match
FUZZY_MARGIN = 0.08  # the best match must beat the runner-up by this much
HINT_MIN = 0.6  # titles this close are suggested when nothing matches
# words too common to tell titles apart when looking for a loose word overlap
_COMMON = frozenset("a an and are as at be by for from in into is of on or the to with via using towards toward"
                    .split())


def _listing(papers: list[Paper], limit: int = 5) -> str:
    shown = "; ".join(p.title for p in papers[:limit])
    return shown + (" ..." if len(papers) > limit else "")


def _scorer(key: str):
    """similarity(title) for one normalised reference: the whole title, or (a hair lower) its best run of
    about as many words, so a misspelt fragment still finds its titles."""
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(key)  # the reference's index is built once, titles vary
    size = len(key.split())
    stems = {w[:4] for w in key.split() if len(w) >= 4 and w not in _COMMON}

    def ratio(text: str) -> float:
        matcher.set_seq1(text)
        return matcher.ratio() if matcher.real_quick_ratio() >= HINT_MIN and matcher.quick_ratio() >= HINT_MIN else 0.0

    def similarity(title: str) -> float:
        words = title.split()
        if not stems & {w[:4] for w in words if len(w) >= 4}:  # no word in common even loosely: the whole title
            return ratio(title)
        windows = {" ".join(words[i:i + m]) for m in (size - 1, size, size + 1) if 0 < m < len(words)
                   for i in range(len(words) - m + 1)}
        return max([ratio(title)] + [0.97 * ratio(w) for w in windows])

    return similarity


def by_method_name(store: Store, ref: str) -> list[Paper]:
    """Papers whose own abstract (or title) introduces a method called ``ref`` (case-insensitive)."""
    from ..roles import method_names

    wanted = ref.casefold()
    candidates = store.catalogue.find_text(ref, limit=200)
    return [p for p in candidates if wanted in {n.casefold() for n in method_names(p.title, p.abstract)}]


def resolve_title(store: Store, ref: str) -> Paper:
    """One paper for a reference (id, exact title, unique fragment, method name or close spelling)."""
    ref = ref.strip()
    if not ref:
        raise ConfigError("a paper reference needs a title, a fragment of one, a method name or an id")
    paper = store.get(ref) or store.get(paper_id_for(ref))
    if paper:
        return paper
    matches = store.catalogue.find_titles(ref, limit=50)
    if len(matches) == 1:
        return matches[0]
    named = by_method_name(store, ref)
    if len(named) == 1:
        return named[0]
    if matches:
        raise NotFoundError(f"{len(matches)} papers match {ref!r}; give more of the title: {_listing(matches)}")
    if named:
        raise NotFoundError(f"{len(named)} papers introduce a method called {ref!r}: {_listing(named)}")
    similarity = _scorer(title_key(ref))
    scored = [(similarity(title_key(p.title)), p) for p in store.catalogue.iter_papers()]
    scored.sort(key=lambda s: -s[0])
    close = [(r, p) for r, p in scored if r >= FUZZY_MIN]
    if close and (len(close) == 1 or close[0][0] - close[1][0] >= FUZZY_MARGIN):
        return close[0][1]
    if close:
        near = [p for r, p in close if close[0][0] - r < FUZZY_MARGIN]
        raise NotFoundError(f"{len(near)} papers have titles close to {ref!r}; give more of the title: "
                            f"{_listing(near)}")
    hint = [p for r, p in scored[:3] if r >= HINT_MIN]
    closest = f"; closest: {_listing(hint)}" if hint else ""
    raise NotFoundError(f"no paper title matches {ref!r}{closest} (try `litreview search {json.dumps(ref)}`)")


def resolve_titles(store: Store, refs: list[str]) -> list[Paper]:
    """Each reference resolved, in the order given, duplicates dropped."""
    out: dict[str, Paper] = {}
    for ref in refs:
        paper = resolve_title(store, ref)
        out.setdefault(paper.paper_id, paper)
    return list(out.values())
