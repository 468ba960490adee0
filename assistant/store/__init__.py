"""The store: catalogue (SQLite) + vectors (Chroma) + lexical index (BM25).

Nothing outside this package opens Chroma. ``Store.open(settings)`` is cheap;
the embedding model, Chroma and the lexical index load on first use.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ReadOnlyStoreError, StoreBusyError, StoreError
from ..models import Paper
from ..settings import Settings
from .catalogue import Catalogue

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "seeds"


def bundled_corpus() -> list[Path]:
    """The seed listings shipped inside the package."""
    return sorted(BUNDLED_DIR.glob("*.txt"))


def _lock_holder(fh) -> str:  # type: ignore[no-untyped-def]
    """Who holds the write lock, as the holder wrote it in the lock file. The holder writes its name just
    after taking the lock, so a process refused in that instant waits for it a little (at most 0.5 s)."""
    for _ in range(20):
        fh.seek(0)
        holder = fh.read().strip()
        if holder:
            return holder
        time.sleep(0.025)
    return "another process"


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {self.home}: {exc.strerror}") from exc
        self.catalogue = Catalogue(settings.catalogue_path)

    @classmethod
    def open(cls, settings: Settings | None = None) -> "Store":
        return cls(settings or Settings.load())

    def close(self) -> None:
        self.catalogue.close()

    # -- components, loaded on first use ------------------------------------------------------
    @cached_property
    def embedder(self):  # type: ignore[no-untyped-def]
        from .embeddings import make_embedder

        s = self.settings
        return make_embedder(s.embedding, s.openai_api_key, s.openai_base_url)

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding; the last few are remembered (search and answering both need it)."""
        cache = self.__dict__.setdefault("_query_vectors", {})
        if text not in cache:
            if len(cache) >= 64:
                cache.pop(next(iter(cache)))
            cache[text] = self.embedder.embed([text])[0]
        return cache[text]

    def passage_text(self, paper: Paper, chunk_id: str) -> str:
        """The text of passage ``<paper_id>:<hash>:<n>`` (Chroma keeps no documents: writes are 2x faster)."""
        from .passages import passages

        try:
            n = int(chunk_id.rsplit(":", 1)[1])
            return passages(paper, self.embedder)[n]
        except (IndexError, ValueError):
            return ""

    def forget_queries(self) -> None:
        """Drop remembered query vectors (so a timing includes the embedding again)."""
        self.__dict__.pop("_query_vectors", None)

    @property
    def embedder_id(self) -> str:
        from .embeddings import MINILM_ID

        return MINILM_ID if self.settings.embedding == "minilm" else self.embedder.model_id

    @cached_property
    def vectors(self):  # type: ignore[no-untyped-def]
        from .vectors import VectorIndex, open_client

        client = open_client(self.settings.chroma_path, self.settings.chroma_url)
        return VectorIndex(client, self.embedder_id, create=not self.settings.read_only)

    def dense_scope(self) -> dict | None:
        """A Chroma ``where`` that keeps a writer's vector searches on a shared server to its own source files,
        so other users' papers cannot crowd its own out of the nearest-passage pool (readers mirror the whole
        collection and need none)."""
        if not self.settings.chroma_url or self.read_only:
            return None
        version = self.catalogue.version
        cached = self.__dict__.get("_scope")
        if cached is None or cached[0] != version:
            sources = self.catalogue.sources()
            cached = (version, {"source": {"$in": sources}} if sources else None)
            self.__dict__["_scope"] = cached
        return cached[1]

    @property
    def read_only(self) -> bool:
        return self.settings.read_only

    def sync(self):  # type: ignore[no-untyped-def]
        """A reader's mirror of the shared server brought in step (see ``shared.py``)."""
        from .shared import sync

        return sync(self)

    @property
    def lexical(self):  # type: ignore[no-untyped-def]
        from .lexical import LexicalIndex

        version = self.catalogue.version
        cached = getattr(self, "_lexical", None)
        if cached is not None and cached[0] == version:
            return cached[1]
        directory = self.home / "lexical"
        index = LexicalIndex.load(directory, version)
        if index is None:
            index = LexicalIndex.build(self.catalogue.iter_papers())
            try:
                index.save(directory, version)
            except OSError:
                pass  # a read-only data dir still searches; it just rebuilds next time
        self._lexical = (version, index)
        return index

    # -- reads ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.catalogue.count()

    def get(self, paper_id: str) -> Paper | None:
        return self.catalogue.get(paper_id)

    # -- writes --------------------------------------------------------------------------------
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer per data dir: a second ingest is refused, not interleaved."""
        if self.read_only:
            raise ReadOnlyStoreError(f"{self.home} reads the shared Chroma store at {self.settings.chroma_url} "
                                     "read-only (read_only / LITREVIEW_READ_ONLY); its maintainer ingests papers")
        path = self.home / "write.lock"
        with path.open("a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _lock_holder(fh)
                raise StoreBusyError(f"the store in {self.home} is being written by {holder}; "
                                     "wait for it to finish and try again") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"litreview pid {os.getpid()}")
            fh.flush()
            try:
                self.recover()
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def commit(self, to_write, ids: list[str], vectors: np.ndarray, metas: list[dict]) -> None:  # type: ignore[no-untyped-def]
        """Write new vectors, commit the catalogue, then drop the vectors the new rows superseded.

        The batch's paper ids are recorded as pending first: if the process dies before the end,
        the next write cleans up exactly those papers' vectors (never anyone else's, which matters
        on a shared Chroma server)."""
        self.catalogue.set_meta("pending", json.dumps([paper.paper_id for paper, _, _ in to_write]))
        before = self.catalogue.hashes_for(paper.paper_id for paper, _, _ in to_write)
        self.vectors.add(ids, vectors, metas)
        with self.catalogue.transaction():
            for paper, ehash, _ in to_write:
                self.catalogue.upsert(paper, ehash, self.embedder_id)
        # Only papers that had vectors under another text or model have anything to drop.
        self.vectors.delete_superseded([(paper.paper_id, ehash) for paper, ehash, _ in to_write
                                        if paper.paper_id in before and before[paper.paper_id][1:] != (
                                            ehash, self.embedder_id)])
        if self.settings.chroma_url:  # a shared server: publish the papers for its readers
            self.vectors.publish([(paper.to_dict(), ehash) for paper, ehash, _ in to_write])
            self.vectors.bump_revision()
        self.catalogue.set_meta("pending", "[]")

    def recover(self) -> int:
        """After an interrupted write: make the pending papers' vectors match the catalogue again."""
        pending = json.loads(self.catalogue.get_meta("pending") or "[]")
        if not pending:
            return 0
        hashes = self.catalogue.hashes_for(pending)
        self.vectors.delete_superseded([(pid, hashes[pid][1]) for pid in pending if pid in hashes])
        self.vectors.delete_papers([pid for pid in pending if pid not in hashes])
        if self.settings.chroma_url:  # the batch may have committed but died before publishing
            papers = self.catalogue.get_many(hashes)
            self.vectors.publish([(papers[pid].to_dict(), hashes[pid][1]) for pid in papers
                                  if hashes[pid][2] == self.embedder_id])
            self.vectors.bump_revision()
        self.catalogue.set_meta("pending", "[]")
        return len(pending)

    def ingest(self, paths, fmt: str | None = None, encoding: str | None = None, progress=None,  # type: ignore[no-untyped-def]
               use_cache: bool = True):
        """Read, embed and commit ``paths``; ``use_cache=False`` ignores the shipped seed vectors."""
        from .ingest import ingest

        return ingest(self, paths, fmt=fmt, encoding=encoding, progress=progress, use_cache=use_cache,
                      batch_size=self.settings.ingest_batch)

    def needs_reembedding(self) -> int:
        """Papers whose vectors were made by another embedding model than the configured one."""
        model = self.embedder_id
        return sum(1 for _, _, m in self.catalogue.hashes().values() if m != model)

    def missing_vectors(self) -> list[str]:
        """Papers the catalogue holds whose current vectors are not in Chroma (drift: e.g. a reset server)."""
        have = {(pid, eh) for _, pid, eh in self.vectors.iter_chunk_keys()}
        model = self.embedder_id
        return [pid for pid, (_, eh, m) in self.catalogue.hashes().items() if m == model and (pid, eh) not in have]

    def reembed(self, progress=None, repair: bool = False):  # type: ignore[no-untyped-def]
        """Re-embed papers made by another model (and, with ``repair``, papers whose vectors are missing)."""
        from .ingest import IngestReport, embed_hash, embed_passages

        report = IngestReport()
        with self.write_lock():
            model = self.embedder_id
            todo = [pid for pid, (_, _, m) in self.catalogue.hashes().items() if m != model]
            if repair:
                todo += self.missing_vectors()
            papers = self.catalogue.get_many(todo)
            to_write = [(p, embed_hash(p), True) for p in papers.values()]
            for start in range(0, len(to_write), self.settings.ingest_batch):
                batch = to_write[start:start + self.settings.ingest_batch]
                ids, vectors, metas = embed_passages(batch, self, report, progress)
                self.commit(batch, ids, vectors, metas)
            report.reembedded = len(to_write)
            if repair and self.settings.chroma_url:
                report.published = self._publish_missing()
        return report

    def _publish_missing(self) -> int:
        """Publish the catalogue's papers the server holds vectors for but not the paper itself (papers
        ingested by a litreview that did not publish yet)."""
        published = self.vectors.published_keys()
        missing = {pid: eh for pid, (_, eh, m) in self.catalogue.hashes().items()
                   if m == self.embedder_id and (pid, eh) not in published}
        papers = self.catalogue.get_many(missing)
        self.vectors.publish([(papers[pid].to_dict(), eh) for pid, eh in missing.items() if pid in papers])
        if missing:
            self.vectors.bump_revision()
        return len(missing)
