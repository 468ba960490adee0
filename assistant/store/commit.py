"""The commit protocol: one writer at a time, batches that are all or nothing, recovery, publishing.

Every write to the store goes through here:

1. :func:`write_lock` takes the data dir's ``write.lock`` (a second writer is refused with the
   holder's name), then :func:`recover` finishes whatever an interrupted writer left.
2. :func:`commit` writes one batch: the batch's paper ids are recorded as ``pending``, the new
   vectors are upserted into Chroma, the catalogue rows are committed in one SQLite transaction,
   the vectors those rows superseded are dropped, a shared server's readers are told (publish and
   a new revision), and ``pending`` is cleared.
3. :func:`reembed` re-runs step 2 for papers whose vectors another model made, or (``repair``)
   whose vectors are missing.

If the process dies at any point, the catalogue is the old or the new one and the next write makes
the pending papers' vectors match it again. On a shared server a writer touches only the chunks it
owns (see ``vectors.py``), so one writer's recovery or update never removes another's papers.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DiskFullError, ReadOnlyStoreError, StoreBusyError, StoreError
from ..models import Paper

if TYPE_CHECKING:
    from . import Store
    from .ingest import IngestReport, Progress

# Free space a batch needs beyond its own size estimate (Chroma's compaction and SQLite's WAL copy pages).
MIN_FREE_BYTES = 16 * 1024 * 1024
NEARLY_FULL = 1024 * 1024  # a write that fails with less than this free is reported as a full disk
WritePlan = list[tuple[Paper, str, bool]]  # (paper, embed_hash, needs_vectors)


def _lock_holder(fh) -> str:
    """Who holds the write lock, as the holder wrote it in the lock file. The holder writes its name just
    after taking the lock, so a process refused in that instant waits for it a little (at most 0.5 s)."""
    for _ in range(20):
        fh.seek(0)
        holder = fh.read().strip()
        if holder:
            return holder
        time.sleep(0.025)
    return "another process"


def free_bytes(store: Store) -> int:
    return shutil.disk_usage(store.home).free


def disk_full(store: Store, need: int = 0) -> DiskFullError:
    free = free_bytes(store) / 2**20
    state = (f"has {free:.0f} MB free, about {need / 2**20:.0f} MB are needed" if need
             else f"is full ({free:.0f} MB free)")
    return DiskFullError(f"the disk holding the data dir {store.home} {state}; free some space and run the command "
                         "again (finished batches are kept)")


def check_space(store: Store, need: int) -> None:
    """Refuse a batch before writing anything of it when the data dir's disk cannot hold it (embedded
    Chroma only: a server's disk is the server's)."""
    if store.settings.chroma_url:
        return
    if free_bytes(store) < need + MIN_FREE_BYTES:
        raise disk_full(store, need + MIN_FREE_BYTES)


@contextmanager
def disk_errors(store: Store) -> Iterator[None]:
    """Turn ENOSPC/EDQUOT, however deep in SQLite or Chroma it surfaced, into one line."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as exc:
        # Chroma's compaction reports a full disk as "Failed to apply logs to the metadata segment", with no
        # cause attached: a failed write with (almost) no space left is taken to be the full disk.
        if _is_disk_full(exc) or free_bytes(store) < NEARLY_FULL:
            raise disk_full(store) from exc
        raise


def _is_disk_full(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(exc).lower()
        if "no space left" in text or "database or disk is full" in text or "disk quota" in text:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@contextmanager
def write_lock(store: Store, recovering: bool = True) -> Iterator[None]:
    """One writer per data dir: a second ingest is refused, not interleaved. ``recovering=False`` skips
    the recovery of an interrupted write (a rebuild replaces the vectors anyway)."""
    if store.read_only:
        raise ReadOnlyStoreError(f"{store.home} reads the shared Chroma store at {store.settings.chroma_url} "
                                 "read-only (read_only / LITREVIEW_READ_ONLY); its maintainer ingests papers")
    path = store.home / "write.lock"
    try:
        fh = path.open("a+")
    except OSError as exc:
        raise StoreError(f"cannot open the write lock {path}: {exc.strerror or exc}") from exc
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(fh)
            raise StoreBusyError(f"the store in {store.home} is being written by {holder}; "
                                 "wait for it to finish and try again") from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"litreview pid {os.getpid()}")
            fh.flush()
            with disk_errors(store):
                if recovering:
                    recover(store)
                yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def busy_writer(store: Store) -> str | None:
    """Who is writing the store right now (``"litreview pid N"``), or None when no one is."""
    path = store.home / "write.lock"
    if store.read_only or not path.is_file():
        return None
    try:
        fh = path.open("r")
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _lock_holder(fh)
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


def commit(store: Store, to_write: WritePlan, ids: list[str], vectors: np.ndarray, metas: list[dict]) -> None:
    """Write new vectors, commit the catalogue, then drop the vectors the new rows superseded."""
    check_space(store, vectors.nbytes * 3 + sum(len(p.abstract) + len(p.title) for p, _, _ in to_write) * 4)
    catalogue, index = store.catalogue, store.vectors
    with disk_errors(store):
        catalogue.set_meta("pending", json.dumps([paper.paper_id for paper, _, _ in to_write]))
        before = catalogue.hashes_for(paper.paper_id for paper, _, _ in to_write)
        index.add(ids, vectors, metas)
        with catalogue.transaction():
            for paper, ehash, _ in to_write:
                catalogue.upsert(paper, ehash, store.embedder_id)
        # Only papers that had vectors under another text or model have anything to drop.
        index.delete_superseded([(paper.paper_id, ehash) for paper, ehash, _ in to_write
                                 if paper.paper_id in before
                                 and before[paper.paper_id][1:] != (ehash, store.embedder_id)])
        if store.settings.chroma_url:  # a shared server: publish the papers for its readers
            index.publish([(paper.to_dict(), ehash) for paper, ehash, _ in to_write])
            index.bump_revision()
        catalogue.set_meta("pending", "[]")


def recover(store: Store) -> int:
    """After an interrupted write: make the pending papers' vectors match the catalogue again."""
    catalogue = store.catalogue
    pending = json.loads(catalogue.get_meta("pending") or "[]")
    if not pending:
        return 0
    index = store.vectors
    hashes = catalogue.hashes_for(pending)
    index.delete_superseded([(pid, hashes[pid][1]) for pid in pending if pid in hashes])
    index.delete_papers([pid for pid in pending if pid not in hashes])
    if store.settings.chroma_url:  # the batch may have committed but died before publishing
        papers = catalogue.get_many(hashes)
        index.publish([(papers[pid].to_dict(), hashes[pid][1]) for pid in papers
                       if hashes[pid][2] == store.embedder_id])
        index.bump_revision()
    catalogue.set_meta("pending", "[]")
    return len(pending)


def remove(store: Store, paper_ids: list[str]) -> int:
    """Remove these papers: catalogue rows in one transaction, then this writer's vectors (a crash in between
    leaves orphan vectors that the next write's recovery drops, as ``pending`` records them)."""
    with write_lock(store):
        present = list(store.catalogue.hashes_for(paper_ids))
        if not present:
            return 0
        store.catalogue.set_meta("pending", json.dumps(present))
        with store.catalogue.transaction():
            store.catalogue.delete(present)
        store.vectors.delete_papers(present)
        if store.settings.chroma_url:
            store.vectors.bump_revision()  # readers drop them on their next sync
        store.catalogue.set_meta("pending", "[]")
    return len(present)


def reembed(store: Store, progress: Progress | None = None, repair: bool = False) -> IngestReport:
    """Re-embed papers made by another model (and, with ``repair``, papers whose vectors are missing)."""
    from .ingest import IngestReport, embed_hash, embed_passages

    report = IngestReport()
    batch_size = store.settings.store.ingest_batch
    with write_lock(store):
        model = store.embedder_id
        todo = [pid for pid, (_, _, m) in store.catalogue.hashes().items() if m != model]
        if repair:
            todo += store.missing_vectors()
        papers = store.catalogue.get_many(todo)
        to_write = [(p, embed_hash(p), True) for p in papers.values()]
        for start in range(0, len(to_write), batch_size):
            batch = to_write[start:start + batch_size]
            ids, vectors, metas = embed_passages(batch, store, report, progress)
            commit(store, batch, ids, vectors, metas)
        report.reembedded = len(to_write)
        if repair and store.settings.chroma_url:
            report.published = publish_missing(store)
    return report


def publish_missing(store: Store) -> int:
    """Publish the catalogue's papers the server holds vectors for but not the paper itself (papers
    ingested by a litreview that did not publish yet)."""
    index = store.vectors
    published = index.published_keys()
    missing = {pid: eh for pid, (_, eh, m) in store.catalogue.hashes().items()
               if m == store.embedder_id and (pid, eh) not in published}
    papers = store.catalogue.get_many(missing)
    index.publish([(papers[pid].to_dict(), eh) for pid, eh in missing.items() if pid in papers])
    if missing:
        index.bump_revision()
    return len(missing)


def rebuild(store: Store, progress: Progress | None = None) -> IngestReport:
    """Rebuild the vectors from the catalogue, the record of truth: after a crash or a full disk left the
    vector index unreadable. An embedded index that cannot be opened is moved aside first and deleted once
    the new one is complete; on a shared server only this writer's own chunks are replaced."""
    from .ingest import IngestReport, embed_hash, embed_passages

    report = IngestReport()
    with write_lock(store, recovering=False):
        damaged = _clear_vectors(store)
        papers = list(store.catalogue.iter_papers())
        batch_size = store.settings.store.ingest_batch
        for start in range(0, len(papers), batch_size):
            batch = [(p, embed_hash(p), True) for p in papers[start:start + batch_size]]
            ids, vectors, metas = embed_passages(batch, store, report, progress)
            commit(store, batch, ids, vectors, metas)
            if progress:
                progress("rebuilding", min(start + batch_size, len(papers)), len(papers))
        store.catalogue.set_meta("pending", "[]")
        report.reembedded = len(papers)
        if damaged is not None:
            shutil.rmtree(damaged, ignore_errors=True)
    return report


def _clear_vectors(store: Store):
    """Empty this data dir's vector collection (embedded: drop it; a damaged one is moved aside and its new
    path returned). On a server, delete only this writer's chunks."""
    store.__dict__.pop("vectors", None)
    if store.settings.chroma_url:
        store.vectors.delete_own()
        return None
    try:
        store.vectors.drop()
        store.__dict__.pop("vectors", None)
        return None
    except StoreError:
        pass
    from .vectors import forget_client

    forget_client(store.settings.chroma_path)  # the client that failed on the damaged files
    store.__dict__.pop("vectors", None)
    aside = store.settings.chroma_path.with_name(f"chroma.damaged-{int(time.time())}")
    if store.settings.chroma_path.exists():
        store.settings.chroma_path.rename(aside)
    return aside  # the fresh collection is made on first use
