"""Reading a shared Chroma server: a local mirror of the papers its writers published.

A writer's ingest (any data dir pointed at the server without ``read_only``)
publishes each paper on its first chunk and changes the collection's revision.
A reader (``read_only``) never writes to the server: its catalogue and BM25
index, kept in its own data dir, mirror the published papers, and are brought
back in step whenever the server's revision differs from the one last mirrored.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import StoreError
from ..models import Paper

MIRRORED = "mirrored_revision"


@dataclass(slots=True)
class SyncReport:
    revision: str
    changed: bool = False  # False: the mirror was already at the server's revision
    added: int = 0
    updated: int = 0
    removed: int = 0
    papers: int = 0


def sync(store) -> SyncReport:  # type: ignore[no-untyped-def]
    """Make ``store``'s catalogue mirror the server's published papers (a no-op when already in step).

    One SQLite transaction, so the mirror is the old one or the new one; the published papers stream
    through it page by page, so memory holds their ids, not the papers."""
    vectors = store.vectors
    revision = vectors.revision()
    catalogue = store.catalogue
    if revision and catalogue.get_meta(MIRRORED) == revision:
        return SyncReport(revision, papers=catalogue.count())
    have = catalogue.hashes()  # paper_id -> (content_hash, embed_hash, model)
    report = SyncReport(revision, changed=True)
    seen: set[str] = set()
    with catalogue.transaction():
        for data, ehash in vectors.iter_published():
            paper = _paper(data)
            seen.add(paper.paper_id)
            old = have.get(paper.paper_id)
            if old is None:
                report.added += 1
            elif old[:2] != (paper.content_hash, ehash):
                report.updated += 1
            else:
                continue
            catalogue.upsert(paper, ehash, vectors.model_id)
        if not seen:
            raise StoreError(f"the shared Chroma store at {store.settings.chroma_url} has no published papers "
                             "yet: its maintainer publishes them by running `litreview ingest` (or `litreview "
                             "ingest --repair` for papers ingested by an older litreview)")
        gone = [pid for pid in have if pid not in seen]
        catalogue.delete(gone)
        report.removed = len(gone)
    report.papers = len(seen)
    catalogue.set_meta(MIRRORED, revision)
    return report


def _paper(data: dict) -> Paper:
    data["authors"] = tuple(data.get("authors") or ())
    data["categories"] = tuple(data.get("categories") or ())
    try:
        return Paper(**data)
    except TypeError as exc:
        raise StoreError(f"the shared collection holds a paper this litreview cannot read ({exc}); "
                         "upgrade litreview") from exc
