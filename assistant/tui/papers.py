"""Papers in the transcript: search results and the paper list as tables, and what they hold.

The searches run in workers (``chat.run_background``); these functions fetch and shape the rows.
"""

from __future__ import annotations

from typing import Any

from ..models import Filters, Hit, Paper
from ..retrieval import apply_floor, search, similarity

SEARCH_K = 10
TITLE_WIDTH = 64  # characters of a title in result tables (the full title is one enter away)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def find_papers(view: Any, query: str, filters: Filters) -> list[Hit]:
    """The papers matching ``query`` above the floor ``search`` draws (in a worker holding the store lock)."""
    hits = search(view, query, k=SEARCH_K, filters=filters if filters.active else None)
    return apply_floor(view, query, hits).shown


def hit_rows(hits: list[Hit]) -> list[tuple[object, ...]]:
    """Rows of the results table: rank, title, year and the similarity the CLI shows."""
    def shown(hit: Hit) -> str:
        value = similarity(hit)
        return "—" if value is None else f"{value:.2f}"

    return [(i, clip(h.paper.title, TITLE_WIDTH), h.paper.year or "n.d.", shown(h)) for i, h in enumerate(hits, 1)]


def paper_rows(papers: list[Paper]) -> list[tuple[object, ...]]:
    return [(i, clip(p.title, TITLE_WIDTH - 8), p.year or "n.d.", p.paper_id) for i, p in enumerate(papers, 1)]
