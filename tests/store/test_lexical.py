"""The chunked BM25 build gives the index bm25s's own (whole-corpus) build gives."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.models import Paper
from assistant.store.lexical import LexicalIndex, document_text, tokenize

QUERIES = ["lightweight detector for cracks and potholes in roads", "tokens per second on a smartphone",
           "video generation with diffusion transformers", "the of and", "zzzz unknown words", "GPU"]


def reference(papers: list[Paper]) -> LexicalIndex:
    retriever = bm25s.BM25()
    retriever.index(tokenize([document_text(p) for p in papers]), show_progress=False)
    return LexicalIndex([p.paper_id for p in papers], retriever)


@pytest.mark.parametrize("chunk", [7, 2000])
def test_chunked_build_scores_like_bm25s(seeded_store, chunk: int) -> None:
    papers = list(seeded_store.catalogue.iter_papers())
    ours, theirs = LexicalIndex.build(iter(papers), chunk=chunk), reference(papers)
    assert ours.paper_ids == theirs.paper_ids
    for query in QUERIES:
        np.testing.assert_allclose(ours.scores(query), theirs.scores(query), rtol=1e-5, atol=1e-6)
    terms = ["video", "smartphon", "never-seen"]
    assert ours.doc_freq(terms) == theirs.doc_freq(terms)


def test_saved_and_loaded_like_any_bm25s_index(seeded_store, tmp_path: Path) -> None:
    papers = list(seeded_store.catalogue.iter_papers(limit=50))
    LexicalIndex.build(papers).save(tmp_path / "lexical", version=3)
    loaded = LexicalIndex.load(tmp_path / "lexical", 3)
    assert loaded is not None
    np.testing.assert_allclose(loaded.scores(QUERIES[0]), reference(papers).scores(QUERIES[0]), rtol=1e-5)


def test_empty_and_stopword_only_papers(tmp_path: Path) -> None:
    assert LexicalIndex.build([]).scores("anything").size == 0
    papers = [Paper("The Of And", "the of and a an", "x"), Paper("Real Words Here", "graphs and trees", "x")]
    ours, theirs = LexicalIndex.build(papers), reference(papers)
    np.testing.assert_allclose(ours.scores("graphs trees"), theirs.scores("graphs trees"), rtol=1e-5)
