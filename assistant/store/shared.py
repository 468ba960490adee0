"""Reading a shared Chroma server: a local mirror of the papers its writers published.

A writer's ingest (any data dir pointed at the server without ``read_only``)
publishes each paper on its first chunk and changes the collection's revision.
A reader (``read_only``) never writes to the server: its catalogue and BM25
index, kept in its own data dir, mirror the published papers, and are brought
back in step whenever the server's revision differs from the one last mirrored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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
    skipped: list[str] = field(default_factory=list)  # published records that are not valid papers, and why


def sync(store) -> SyncReport:
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
        for raw, ehash in vectors.iter_published():
            paper = _paper(raw)
            if isinstance(paper, str):  # one bad record must not block every reader: skip it, say so
                report.skipped.append(paper)
                continue
            seen.add(paper.paper_id)
            old = have.get(paper.paper_id)
            if old is None:
                report.added += 1
            elif old[:2] != (paper.content_hash, ehash):
                report.updated += 1
            else:
                continue
            catalogue.upsert(paper, ehash, vectors.model_id, with_roles=False)  # tagged when read: a 100k mirror
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


def _paper(raw: str) -> Paper | str:
    """The published paper, or why it cannot be one (a malformed record written by a broken or hostile
    writer): a reader skips such records and reports them instead of failing on them."""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            return "a published record is not a JSON object"
        data["authors"] = tuple(str(a) for a in data.get("authors") or ())
        data["categories"] = tuple(str(c) for c in data.get("categories") or ())
        paper = Paper(**data)
    except (ValueError, TypeError) as exc:
        return f"a published record is not a paper this litreview can read ({str(exc)[:120]})"
    if not (isinstance(paper.title, str) and paper.title.strip() and isinstance(paper.abstract, str)
            and isinstance(paper.paper_id, str) and paper.paper_id):
        return f"a published record has no usable title, abstract or id ({str(paper.paper_id)[:40]!r})"
    if not isinstance(paper.year, (int, type(None))) or isinstance(paper.year, bool):
        return f"a published record has a year that is not a number ({paper.title[:60]!r})"
    return paper
