"""Chroma, embedded or server: the only module that talks to chromadb.

One collection per embedding model (its name and metadata say which model made
the vectors), so switching models re-embeds into a new collection instead of
mixing vectors from two models. Chunk ids are ``<paper_id>:<embed_hash>:<n>``.

On a shared server every writer (data dir) owns its own chunks: their ids end in
``:<writer>`` and their metadata carries ``writer``. A writer deletes and counts
only its own chunks, so nothing one writer does (recovering from a crash,
updating a paper) can remove vectors that another writer's catalogue holds.
Identical passages are still embedded once: a writer copies the vectors another
writer already stored for the same paper text (:meth:`VectorIndex.borrow`).

On a shared server the collection also carries the papers themselves, so readers
can mirror them (see ``shared.py``): a paper's first chunk is *published* with
``head=1`` and the paper as JSON in its metadata, and the collection's metadata
holds a ``revision`` that every write changes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from ..errors import StoreError
from ..models import Filters

ADD_BATCH = 500  # vectors per upsert: Chroma copies a call's vectors and metadata (2000 at once held ~30 MB more)


@dataclass(frozen=True, slots=True)
class ChunkHit:
    chunk_id: str
    paper_id: str
    similarity: float  # cosine similarity, 1 = identical


def collection_name(model_id: str) -> str:
    return "papers-" + re.sub(r"[^a-zA-Z0-9._-]+", "-", model_id).strip("-._")[:60]


def open_client(chroma_path: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
            return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_path), settings=chroma_settings)
    except Exception as exc:  # chromadb raises bare Exceptions for connection problems
        where = chroma_url or chroma_path
        raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from exc


def _where(filters: Filters | None, scope: dict | None = None) -> dict | None:
    """The Chroma ``where`` for a search: the years of ``filters`` (chunks carry the paper's year) and a scope."""
    clauses: list[dict] = [scope] if scope else []
    if filters is not None and filters.year_min is not None:
        clauses.append({"year": {"$gte": filters.year_min}})
    if filters is not None and filters.year_max is not None:
        clauses.append({"year": {"$lte": filters.year_max}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def chunk_number(chunk_id: str) -> int:
    """The passage number ``n`` of ``<paper_id>:<embed_hash>:<n>[:<writer>]``."""
    return int(chunk_id.split(":")[2])


def forget_client(chroma_path: Path) -> None:
    """Make the next ``open_client`` of this path start afresh (chromadb keeps one shared client per path and
    process; after its files were moved aside it must not be reused). Other paths' clients are untouched."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(chroma_path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(chroma_path), None)


class VectorIndex:
    def __init__(self, client, model_id: str, create: bool = True, writer: str | None = None) -> None:
        """``create=False`` (a read-only reader) opens an existing collection and never makes one.
        ``writer``: this data dir's tag on a shared server (its chunks are its own); None when embedded."""
        self.model_id = model_id
        self.writer = writer
        self._client = client
        name = collection_name(model_id)
        try:
            if create:
                self._col = client.get_or_create_collection(
                    name, metadata={"embedding_model": model_id},
                    configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
                )
            else:
                self._col = self._existing(client, name)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma collection for {model_id}: {exc}") from exc
        recorded = (self._col.metadata or {}).get("embedding_model")
        if recorded and recorded != model_id:
            raise StoreError(f"Chroma collection {self._col.name} was made by {recorded}, not {model_id}")

    def _existing(self, client, name: str):
        names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
        if name not in names:
            others = ", ".join(n.removeprefix("papers-") for n in names if n.startswith("papers-")) or "none"
            raise StoreError(f"the Chroma server has no collection for the embedding model {self.model_id} "
                             f"(it has: {others}); set LITREVIEW_EMBEDDING to the model its maintainer used")
        return client.get_collection(name, embedding_function=None)

    def count(self) -> int:
        return int(self._col.count())

    # -- ownership ------------------------------------------------------------------------------
    def chunk_id(self, paper_id: str, embed_hash: str, n: int) -> str:
        """The id of this writer's passage ``n`` of a paper's text ``embed_hash``."""
        base = f"{paper_id}:{embed_hash}:{n}"
        return f"{base}:{self.writer}" if self.writer else base

    def chunk_meta(self, paper_id: str, embed_hash: str, source: str, year: int | None) -> dict:
        meta: dict = {"paper_id": paper_id, "embed_hash": embed_hash, "source": source}
        if year is not None:
            meta["year"] = year
        if self.writer:
            meta["writer"] = self.writer
        return meta

    def own(self, where: dict | None = None) -> dict | None:
        """``where`` limited to this writer's chunks (unchanged when the store is not shared)."""
        if not self.writer:
            return where
        mine = {"writer": self.writer}
        return mine if where is None else {"$and": [where, mine]}

    # -- sharing: published papers and the revision ---------------------------------------------
    def revision(self) -> str:
        """The collection's current revision, read fresh from Chroma ("" before any published write)."""
        try:
            col = self._client.get_collection(self._col.name, embedding_function=None)
        except Exception as exc:
            raise StoreError(f"cannot read the Chroma collection {self._col.name}: {exc}") from exc
        return str((col.metadata or {}).get("revision", ""))

    def bump_revision(self) -> None:
        """Tell readers the collection changed."""
        metadata = {k: v for k, v in (self._col.metadata or {}).items() if not k.startswith("hnsw:")}
        metadata.update(embedding_model=self.model_id, revision=uuid.uuid4().hex)
        self._col.modify(metadata=metadata)

    def publish(self, papers: list[tuple[dict, str]], batch: int = 500) -> None:
        """Put each paper (``Paper.to_dict()``, embed_hash) on its first chunk, for readers to mirror."""
        for start in range(0, len(papers), batch):
            part = papers[start:start + batch]
            self._col.update(ids=[self.chunk_id(str(paper["paper_id"]), ehash, 0) for paper, ehash in part],
                             metadatas=[{"head": 1, "paper": json.dumps(paper, ensure_ascii=False)}
                                        for paper, _ in part])

    def published_keys(self) -> set[tuple[str, str]]:
        """``(paper_id, embed_hash)`` of every published paper (ids only: cheap)."""
        keys = (cid.split(":") for cid, _ in self._pages(where=self.own({"head": 1}), include=[]))
        return {(parts[0], parts[1]) for parts in keys}

    def iter_published(self) -> Iterator[tuple[str, str]]:
        """Yield ``(paper as JSON, embed_hash)`` for every published paper (parsed and checked by the reader)."""
        for _, meta in self._pages(where={"head": 1}, include=["metadatas"], batch=2000):
            yield str(meta.get("paper", "")), str(meta.get("embed_hash", ""))

    def add(self, ids: list[str], vectors: np.ndarray, metas: list[dict]) -> None:
        """Store passage vectors. No documents: Chroma would full-text index them (2x slower writes), and
        the passage text is recomputed from the catalogue when shown."""
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            self._col.upsert(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metas[start:end])

    def delete_superseded(self, current: list[tuple[str, str]], batch: int = 500) -> None:
        """Delete this writer's chunks of these papers whose embed_hash is not the current one."""
        for start in range(0, len(current), batch):
            part = current[start:start + batch]
            where = {"$and": [{"paper_id": {"$in": [pid for pid, _ in part]}},
                              {"embed_hash": {"$nin": [eh for _, eh in part]}}]}
            self._col.delete(where=self.own(where))

    def delete_papers(self, paper_ids: list[str], batch: int = 500) -> None:
        """Delete every chunk of these papers that this writer owns."""
        for start in range(0, len(paper_ids), batch):
            self._col.delete(where=self.own({"paper_id": {"$in": paper_ids[start:start + batch]}}))

    def delete_own(self) -> None:
        """Delete every chunk this writer owns (the whole collection's chunks when not shared)."""
        if self.writer:
            self._col.delete(where={"writer": self.writer})
        else:
            self.drop()

    def drop(self) -> None:
        """Delete the collection and make it again, empty."""
        try:
            name, metadata = self._col.name, self._col.metadata
            self._client.delete_collection(name)
            self._col = self._client.get_or_create_collection(
                name, metadata={k: v for k, v in (metadata or {}).items() if k != "revision"},
                configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
        except Exception as exc:
            raise StoreError(f"cannot reset the Chroma collection {self._col.name}: {exc}") from exc

    def probe(self) -> None:
        """Read the index once (a count and a one-result query), raising StoreError when it is damaged."""
        try:
            if self._col.count():
                dim = len(self._col.get(limit=1, include=["embeddings"])["embeddings"][0])
                self._col.query(query_embeddings=np.zeros((1, dim), np.float32) + 0.01, n_results=1,
                                include=["distances"])
        except Exception as exc:
            raise StoreError(f"the Chroma collection {self._col.name} cannot be read: {exc}") from exc

    def borrow(self, keys: list[tuple[str, str]], batch: int = 500) -> dict[tuple[str, str, int], np.ndarray]:
        """Vectors any writer already stored for these ``(paper_id, embed_hash)`` texts, by
        ``(paper_id, embed_hash, n)``: the same text under the same model embeds to the same vectors."""
        found: dict[tuple[str, str, int], np.ndarray] = {}
        wanted = set(keys)
        for start in range(0, len(keys), batch):
            part = keys[start:start + batch]
            where = {"$and": [{"paper_id": {"$in": sorted({pid for pid, _ in part})}},
                              {"embed_hash": {"$in": sorted({eh for _, eh in part})}}]}
            got = self._col.get(where=where, include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"] if got["embeddings"] is not None else []):
                pid, ehash = cid.split(":")[:2]
                if (pid, ehash) in wanted:
                    found.setdefault((pid, ehash, chunk_number(cid)), np.asarray(vec, np.float32))
        return found

    def existing(self, chunk_ids: list[str]) -> set[str]:
        """Which of these chunk ids are already stored (e.g. put there by another user of a shared server)."""
        found: set[str] = set()
        for start in range(0, len(chunk_ids), ADD_BATCH):
            found.update(self._col.get(ids=chunk_ids[start:start + ADD_BATCH], include=[])["ids"])
        return found

    def iter_chunk_keys(self) -> Iterator[tuple[str, str, str]]:
        """Yield ``(chunk_id, paper_id, embed_hash)`` for every chunk this writer owns."""
        for cid, meta in self._pages(include=["metadatas"], where=self.own()):
            yield cid, str(meta.get("paper_id")), str(meta.get("embed_hash"))

    def _pages(self, include: list[str], where: dict | None = None, batch: int = 5000,
               field: str = "metadatas") -> Iterator[tuple[str, dict]]:
        """``(chunk_id, metadata)`` (or another ``field``) of every matching chunk, ``batch`` at a time ({}
        when that field was not asked for)."""
        offset = 0
        while True:
            got = self._col.get(where=where, include=include, limit=batch, offset=offset)
            if not got["ids"]:
                return
            values = got.get(field)
            yield from zip(got["ids"], values if values is not None else [{}] * len(got["ids"]))
            offset += len(got["ids"])

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None,
              own_only: bool = False) -> list[ChunkHit]:
        """Nearest passages, best first, within the year range of ``filters`` (the other filters are applied to
        papers by retrieval) and, with ``own_only``, among this writer's chunks. Only ids and distances are
        fetched (the paper id is in the chunk id): asking Chroma for metadata too makes a 200-result query
        about 5x slower. Chroma returns fewer than ``n`` when the collection is smaller."""
        where = _where(filters, {"writer": self.writer} if own_only and self.writer else None)
        try:
            res = self._col.query(query_embeddings=vector.reshape(1, -1), n_results=n, where=where,
                                  include=["distances"])
        except Exception as exc:
            raise StoreError(f"vector search failed: {exc}") from exc
        return [ChunkHit(cid, cid.split(":", 1)[0], 1.0 - float(dist))
                for cid, dist in zip(res["ids"][0], res["distances"][0])]

    def all_vectors(self) -> np.ndarray:
        """Every vector this writer owns (the whole collection when not shared), as one array."""
        rows = [np.asarray(vec, np.float32) for _, vec in self._pages(include=["embeddings"], where=self.own(),
                                                                           field="embeddings")]
        return np.vstack(rows) if rows else np.zeros((0, 0), np.float32)

    def vectors_for(self, paper_ids: list[str]) -> dict[str, np.ndarray]:
        """Mean passage vector of each paper (unit length), for diversity and clustering."""
        got = self._col.get(where=self.own({"paper_id": {"$in": paper_ids}}), include=["embeddings", "metadatas"])
        sums: dict[str, np.ndarray] = {}
        for vec, meta in zip(got["embeddings"], got["metadatas"]):
            pid = str(meta["paper_id"])
            sums[pid] = sums.get(pid, 0) + np.asarray(vec, np.float32)
        return {pid: v / np.linalg.norm(v) for pid, v in sums.items()}
