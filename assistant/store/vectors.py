"""Chroma, embedded or server: the only module that talks to chromadb.

One collection per embedding model (its name and metadata say which model made
the vectors), so switching models re-embeds into a new collection instead of
mixing vectors from two models. Chunk ids are ``<paper_id>:<embed_hash>:<n>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from ..errors import StoreError

ADD_BATCH = 2000


@dataclass(frozen=True, slots=True)
class ChunkHit:
    chunk_id: str
    paper_id: str
    similarity: float  # cosine similarity, 1 = identical


def collection_name(model_id: str) -> str:
    return "papers-" + re.sub(r"[^a-zA-Z0-9._-]+", "-", model_id).strip("-._")[:60]


def open_client(chroma_path: Path, chroma_url: str | None):  # type: ignore[no-untyped-def]
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


class VectorIndex:
    def __init__(self, client, model_id: str) -> None:  # type: ignore[no-untyped-def]
        self.model_id = model_id
        try:
            self._col = client.get_or_create_collection(
                collection_name(model_id), metadata={"embedding_model": model_id},
                configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
            )
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma collection for {model_id}: {exc}") from exc
        recorded = (self._col.metadata or {}).get("embedding_model")
        if recorded and recorded != model_id:
            raise StoreError(f"Chroma collection {self._col.name} was made by {recorded}, not {model_id}")

    def count(self) -> int:
        return int(self._col.count())

    def add(self, ids: list[str], vectors: np.ndarray, metas: list[dict]) -> None:
        """Store passage vectors. No documents: Chroma would full-text index them (2x slower writes), and
        the passage text is recomputed from the catalogue when shown."""
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            self._col.upsert(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metas[start:end])

    def delete_superseded(self, current: list[tuple[str, str]], batch: int = 500) -> None:
        """Delete chunks of these papers whose embed_hash is not the current one."""
        for start in range(0, len(current), batch):
            part = current[start:start + batch]
            where = {"$and": [{"paper_id": {"$in": [pid for pid, _ in part]}},
                              {"embed_hash": {"$nin": [eh for _, eh in part]}}]}
            self._col.delete(where=where)

    def delete_papers(self, paper_ids: list[str], batch: int = 500) -> None:
        """Delete every chunk of these papers."""
        for start in range(0, len(paper_ids), batch):
            self._col.delete(where={"paper_id": {"$in": paper_ids[start:start + batch]}})

    def existing(self, chunk_ids: list[str]) -> set[str]:
        """Which of these chunk ids are already stored (e.g. put there by another user of a shared server)."""
        found: set[str] = set()
        for start in range(0, len(chunk_ids), ADD_BATCH):
            found.update(self._col.get(ids=chunk_ids[start:start + ADD_BATCH], include=[])["ids"])
        return found

    def iter_chunk_keys(self, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
        """Yield ``(chunk_id, paper_id, embed_hash)`` for every stored chunk."""
        offset = 0
        while True:
            got = self._col.get(include=["metadatas"], limit=batch, offset=offset)
            if not got["ids"]:
                return
            for cid, meta in zip(got["ids"], got["metadatas"] or []):
                yield cid, str(meta.get("paper_id")), str(meta.get("embed_hash"))
            offset += len(got["ids"])

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[ChunkHit]:
        """Nearest passages, best first. Only ids and distances are fetched (the paper id is in the
        chunk id): asking Chroma for metadata too makes a 200-result query about 5x slower.
        Chroma returns fewer than ``n`` when the collection is smaller."""
        try:
            res = self._col.query(query_embeddings=vector.reshape(1, -1), n_results=n, where=where or None,
                                  include=["distances"])
        except Exception as exc:
            raise StoreError(f"vector search failed: {exc}") from exc
        return [ChunkHit(cid, cid.split(":", 1)[0], 1.0 - float(dist))
                for cid, dist in zip(res["ids"][0], res["distances"][0])]

    def vectors_for(self, paper_ids: list[str]) -> dict[str, np.ndarray]:
        """Mean passage vector of each paper (unit length), for diversity and clustering."""
        got = self._col.get(where={"paper_id": {"$in": paper_ids}}, include=["embeddings", "metadatas"])
        sums: dict[str, np.ndarray] = {}
        for vec, meta in zip(got["embeddings"], got["metadatas"]):
            pid = str(meta["paper_id"])
            sums[pid] = sums.get(pid, 0) + np.asarray(vec, np.float32)
        return {pid: v / np.linalg.norm(v) for pid, v in sums.items()}
