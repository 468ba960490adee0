"""Rebuild assistant/data/seed_vectors.npz: vectors of the bundled corpus's passages and abstract sentences.

Run after changing the bundled seeds, the passage splitter or the embedding
model (`make seed-vectors`). Takes about a minute on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path

from assistant.models import Paper
from assistant.readers import read_records
from assistant.store import bundled_corpus
from assistant.store.embeddings import MiniLMEmbedder
from assistant.store.passages import passages
from assistant.store.vector_cache import SEED_VECTORS, write_cache
from assistant.textnorm import split_sentences


def main() -> None:
    embedder = MiniLMEmbedder()
    seen: set[str] = set()
    texts: list[str] = []
    for path in bundled_corpus():
        for rec in read_records(Path(path)):
            if isinstance(rec, Paper) and rec.paper_id not in seen:
                seen.add(rec.paper_id)
                texts.extend(passages(rec, embedder))
                texts.extend(split_sentences(rec.abstract))
    texts = list(dict.fromkeys(texts))
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    write_cache(SEED_VECTORS, embedder.model_id, texts, vectors)
    print(f"{len(seen)} papers, {len(texts)} passages and sentences embedded in {time.perf_counter() - start:.1f} s "
          f"-> {SEED_VECTORS} ({SEED_VECTORS.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
