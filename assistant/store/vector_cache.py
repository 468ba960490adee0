"""Precomputed passage vectors shipped for the bundled corpus.

Embedding the bundled 460 abstracts takes about 25 s on 2 cores (the model's
own throughput is the floor: ~6,000 tokens/s). A fresh install should not pay
that, so the package ships the vectors, keyed by a hash of (model id, passage
text). Any passage whose text or model differs simply misses the cache and is
embedded as usual; ``tests/store/test_vector_cache.py`` checks the shipped
vectors against freshly computed ones. Rebuild with ``make seed-vectors``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

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
