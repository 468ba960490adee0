"""Precomputed vectors shipped for the bundled corpus: its passages and its abstracts' sentences.

Embedding the bundled 460 abstracts takes about 25 s on 2 cores (the model's
own throughput is the floor: ~6,000 tokens/s). A fresh install should not pay
that, so the package ships the vectors, keyed by a hash of (model id, text):
the passages ingest stores, and every abstract sentence, which answering and
the verifier compare with questions and claims. Any text whose wording or
model differs simply misses the cache and is embedded as usual;
``tests/store/test_embeddings.py`` checks the shipped vectors against freshly
computed ones. Rebuild with ``make seed-vectors``.

:class:`CachedEmbedder` puts the shipped vectors and a bounded memory of
recent texts in front of the model, so a sentence is embedded once per process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .embeddings import Embedder

SEED_VECTORS = Path(__file__).resolve().parent.parent / "data" / "seed_vectors.npz"


def passage_key(model_id: str, text: str) -> str:
    return hashlib.sha1(f"{model_id}\n{text}".encode()).hexdigest()[:20]


class VectorCache:
    def __init__(self, model_id: str, path: Path = SEED_VECTORS) -> None:
        self.model_id = model_id
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), np.float32)
        if path.exists():
            data = np.load(path, allow_pickle=False)
            if str(data["model_id"]) == model_id:
                self._rows = {str(k): i for i, k in enumerate(data["keys"])}
                self._vectors = data["vectors"]

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, text: str) -> np.ndarray | None:
        row = self._rows.get(passage_key(self.model_id, text))
        if row is None:
            return None
        vec = self._vectors[row].astype(np.float32)
        return vec / np.linalg.norm(vec)


def write_cache(path: Path, model_id: str, texts: list[str], vectors: np.ndarray) -> None:
    keys = np.array([passage_key(model_id, t) for t in texts])
    np.savez_compressed(path, model_id=np.array(model_id), keys=keys, vectors=vectors.astype(np.float16))


class CachedEmbedder:
    """An embedder that answers from the shipped vectors and from texts it embedded before, and asks the
    model only for the rest (in one call). Everything else (``model_id``, ``dim``, token counting) is the
    model's own."""

    MEMORY = 20000  # texts remembered (about 30 MB of 384-dim vectors)

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self._seed: VectorCache | None = None
        self._memory: dict[str, np.ndarray] = {}
        self._remember = True

    @contextmanager
    def remembering_nothing(self) -> Iterator[None]:
        """Texts embedded inside this block are not added to the memory of recent texts: ingest's passages are
        embedded once and kept in Chroma, and remembering a large ingest's would hold up to ``MEMORY`` of them
        (about 60 MB of long abstracts' passages) for nothing."""
        before, self._remember = self._remember, False
        try:
            yield
        finally:
            self._remember = before

    def forget_recent(self) -> None:
        """Drop the memory of recently embedded texts (the shipped vectors stay): a benchmark of new
        questions must pay for embedding them."""
        self._memory.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    @property
    def seed(self) -> VectorCache:
        if self._seed is None:
            self._seed = VectorCache(self.model.model_id)
        return self._seed

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        rows: list[np.ndarray | None] = []
        for text in texts:
            row = self._memory.get(text)
            rows.append(row if row is not None else self.seed.get(text))
        missing = list(dict.fromkeys(t for t, row in zip(texts, rows) if row is None))
        fresh: dict[str, np.ndarray] = {}
        if missing:
            fresh = dict(zip(missing, self.model.embed(missing, progress=progress)))
            if self._remember:
                if len(self._memory) + len(fresh) > self.MEMORY:
                    self._memory.clear()
                self._memory.update(fresh)
        full = [row if row is not None else fresh[t] for t, row in zip(texts, rows)]
        dim = getattr(self.model, "dim", 0)
        return np.vstack(full).astype(np.float32) if full else np.zeros((0, dim), np.float32)
