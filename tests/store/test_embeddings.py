"""The shipped embedding model: integrity-checked, deterministic, window-aware."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.errors import EmbeddingError
from assistant.models import Paper
from assistant.readers import read_records
from assistant.store import bundled_corpus, embeddings
from assistant.store.embeddings import MiniLMEmbedder
from assistant.store.passages import passages
from assistant.store.vector_cache import VectorCache
from assistant.textnorm import split_sentences


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def test_embeddings_are_unit_vectors_and_semantic(embedder: MiniLMEmbedder) -> None:
    v = embedder.embed(["a cat sits on the mat", "a kitten rests on a rug", "quarterly tax filing deadlines"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_batching_does_not_change_vectors(embedder: MiniLMEmbedder) -> None:
    texts = ["short", "a much longer sentence about diffusion models for video generation " * 5, "mid length text"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)  # padding is masked out of the mean


def test_tampered_model_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "MINILM_ONNX_SHA256", "0" * 64)
    with pytest.raises(EmbeddingError, match="integrity check"):
        MiniLMEmbedder().embed(["x"])


def test_passages_fit_window_and_cover_the_whole_abstract(embedder: MiniLMEmbedder) -> None:
    paper = next(r for r in read_records(bundled_corpus()[1]) if isinstance(r, Paper))
    chunks = passages(paper, embedder)
    assert len(chunks) >= 2
    assert all(embedder.count_tokens(c) + 2 <= embedder.window for c in chunks)
    assert all(c.startswith(paper.title + ". ") for c in chunks)
    body = " ".join(c[len(paper.title) + 2:] for c in chunks)
    assert body == paper.abstract  # nothing dropped, nothing repeated


def test_shipped_seed_vectors_match_the_model(embedder: MiniLMEmbedder) -> None:
    cache = VectorCache(embedder.model_id)
    texts: list[str] = []
    seen: set[str] = set()
    for path in bundled_corpus():
        for rec in read_records(path):
            if isinstance(rec, Paper) and rec.paper_id not in seen:
                seen.add(rec.paper_id)
                texts += passages(rec, embedder) + split_sentences(rec.abstract)
    assert all(cache.get(t) is not None for t in texts), "seed_vectors.npz is stale: run `make seed-vectors`"
    sample = texts[::97]
    fresh = embedder.embed(sample)
    cached = np.vstack([cache.get(t) for t in sample])
    assert np.min(np.sum(fresh * cached, axis=1)) > 0.999


def test_the_store_embeds_a_text_once_and_answers_shipped_ones_from_the_cache(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.store.vector_cache import CachedEmbedder

    class Counting:
        model_id, dim = MiniLMEmbedder.model_id, MiniLMEmbedder.dim

        def __init__(self) -> None:
            self.model, self.seen = MiniLMEmbedder(), []

        def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
            self.seen += texts
            return self.model.embed(texts)

    paper = next(r for r in read_records(bundled_corpus()[0]) if isinstance(r, Paper))
    shipped = split_sentences(paper.abstract)[0]
    counting = Counting()
    cached = CachedEmbedder(counting)
    first = cached.embed([shipped, "a sentence no abstract holds", "a sentence no abstract holds"])
    again = cached.embed(["a sentence no abstract holds"])
    assert counting.seen == ["a sentence no abstract holds"]  # shipped vector used, the new text embedded once
    assert np.allclose(first[1], again[0]) and first.shape == (3, 384)
    assert float(first[0] @ counting.model.embed([shipped])[0]) > 0.999
