"""People's names as a reader expects them: "Tim Dettmers, Artidoro Pagnoni".

Bibliographic sources store authors BibTeX-style, "Last, First" (and "von Last, Jr, First");
:func:`display_author` turns one such name into "First von Last Jr" and :func:`display_authors`
joins a paper's list, shortened with "et al." when a limit is given. Names already written
"First Last" are kept as they are.
"""

from __future__ import annotations

from collections.abc import Sequence


def display_author(name: str) -> str:
    """``"Dettmers, Tim"`` -> ``"Tim Dettmers"``; ``"Ford, Jr., Henry"`` -> ``"Henry Ford Jr."``."""
    parts = [p.strip() for p in " ".join(name.split()).split(",")]
    parts = [p for p in parts if p]
    if len(parts) == 2:
        last, first = parts
        return f"{first} {last}"
    if len(parts) == 3:
        last, suffix, first = parts
        return f"{first} {last} {suffix}"
    return " ".join(parts)


def split_authors(authors: Sequence[str] | str) -> list[str]:
    """The names in ``authors``: a list, or one BibTeX ``author`` field joined with " and "."""
    items = [authors] if isinstance(authors, str) else list(authors)
    out: list[str] = []
    for item in items:
        out += [n for n in (" ".join(part.split()) for part in f" {item} ".split(" and ")) if n]
    return out


def display_authors(authors: Sequence[str] | str, limit: int | None = None) -> str:
    """A paper's authors for display, in order: ``"Tim Dettmers, Artidoro Pagnoni"``.

    With ``limit``, a longer list shows its first ``limit`` names and "et al.".
    """
    names = [display_author(n) for n in split_authors(authors)]
    if limit is not None and len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    return ", ".join(names)
