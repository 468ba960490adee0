"""How ingest and the embedder hold their data: a batch at a time, never the whole corpus or every token.

These tests check the shape of the work (what is read, tokenised, batched and kept when), with the real
MiniLM model and a real store; the memory it costs is measured by bench/memory.py, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support import settings_for

import assistant.store.ingest as ingest_module
from assistant.store import Store
from assistant.store.embeddings import MiniLMEmbedder
from assistant.store.ingest import ingest
from assistant.store.vector_cache import VectorCache

SENTENCES = [
    "We enrolled {n} adults with chronic kidney disease in a randomised trial of an SGLT2 inhibitor.",
    "The primary outcome was the decline in estimated glomerular filtration rate over {n} months.",
    "The inhibitor slowed the decline by {n} percent compared with placebo.",
    "Serious adverse events were rare in both groups.",
]


def long_text(n: int) -> str:
    """An abstract far beyond the 256-token window (its encoding is cut to a full window)."""
    return " ".join(s.format(n=n + i) for i in range(12) for s in SENTENCES)


class RecordingSession:
    """The real onnxruntime session, with the shape of every batch it is given written down."""

    def __init__(self, session) -> None:
        self.session = session
        self.shapes: list[tuple[int, int]] = []

    def run(self, names, feeds):
        self.shapes.append(feeds["input_ids"].shape)
        return self.session.run(names, feeds)


class RecordingTokenizer:
    """The real tokenizer, with the size of every ``encode_batch`` call written down."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.calls: list[int] = []

    def encode_batch(self, texts, *args, **kwargs):
        self.calls.append(len(texts))
        return self.tokenizer.encode_batch(texts, *args, **kwargs)


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def test_full_window_passages_go_fewer_to_a_batch_than_short_texts(embedder: MiniLMEmbedder) -> None:
    recorder = RecordingSession(embedder._session)
    model = MiniLMEmbedder()
    model.__dict__.update(_session=recorder, _tokenizer=embedder._tokenizer)
    short = [f"Colchicine lowered C-reactive protein in trial {i}." for i in range(24)]
    long = [long_text(i) for i in range(10)]
    vectors = model.embed(short + long)

    widths = {shape[1] for shape in recorder.shapes}
    full = [rows for rows, width in recorder.shapes if width == model.window]
    narrow = [rows for rows, width in recorder.shapes if width < 32]
    assert max(widths) == model.window and full and narrow
    # the attention grows with width^2: full windows go fewer to a batch than the token budget alone allows
    assert sum(full) == 10 and max(full) < model.batch_tokens // model.window and max(full) < max(narrow)
    assert all(rows * width * width <= model.attention_cells or rows == 1 for rows, width in recorder.shapes)
    # batching changes nothing in the vectors: the same texts one by one
    alone = np.vstack([embedder.embed([text]) for text in (short[0], long[0], long[9])])
    assert np.allclose(vectors[[0, 24, 33]], alone, atol=1e-4)


def test_texts_are_tokenised_a_chunk_at_a_time(embedder: MiniLMEmbedder) -> None:
    recorder = RecordingTokenizer(embedder._tokenizer)
    model = MiniLMEmbedder()
    model.__dict__.update(_session=embedder._session, _tokenizer=recorder)
    model.encode_chunk = 16
    texts = [f"Vitamin D supplementation in cohort {i} did not change bone density." for i in range(50)]
    vectors = model.embed(texts)
    assert recorder.calls == [16, 16, 16, 2]
    assert vectors.shape == (50, model.dim)
    assert np.allclose(vectors[37], embedder.embed([texts[37]])[0], atol=1e-4)


def write_jsonl(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"title": f"Low-dose colchicine after myocardial infarction, cohort {i}",
                                 "abstract": " ".join(s.format(n=10 * i + 3) for s in SENTENCES),
                                 "authors": "Okafor, A.", "year": 2020 + i % 5}) + "\n")
    return path


def test_ingest_reads_embeds_and_commits_one_batch_at_a_time(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(settings_for(tmp_path / "home"))
    data = write_jsonl(tmp_path / "papers.jsonl", 7)
    read = [0]
    real_read = ingest_module.read_records

    def counting_read(*args, **kwargs):
        for record in real_read(*args, **kwargs):
            read[0] += 1
            yield record

    monkeypatch.setattr(ingest_module, "read_records", counting_read)
    model = store.embedder.model
    embedded: list[int] = []
    real_embed = model.embed
    monkeypatch.setattr(model, "embed", lambda texts, progress=None: embedded.append(len(texts))
                        or real_embed(texts, progress=progress))
    commits: list[tuple[int, int]] = []  # (records read in the second pass when the batch commits, batch size)
    real_commit = store.commit

    def counting_commit(to_write, ids, vectors, metas):
        commits.append((read[0] - 7, len(to_write)))  # the first pass read all 7
        real_commit(to_write, ids, vectors, metas)

    monkeypatch.setattr(store, "commit", counting_commit)
    report = ingest(store, [data], batch_size=3)

    assert report.added == 7 and len(store) == 7
    assert commits == [(3, 3), (6, 3), (7, 1)]  # the reader is never ahead of the batch being written
    assert embedded == [3, 3, 1]  # each batch's passages (one per short abstract), no more
    store.close()


def test_ingest_keeps_no_passage_in_memory_and_loads_the_shipped_vectors_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = [0]
    real_init = VectorCache.__init__

    def counting_init(self, *args, **kwargs):
        loads[0] += 1
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(VectorCache, "__init__", counting_init)
    store = Store.open(settings_for(tmp_path / "home"))
    report = ingest(store, [write_jsonl(tmp_path / "papers.jsonl", 7)], batch_size=2)
    assert report.added == 7 and report.embedded_passages == 7
    assert loads[0] == 1  # four batches, one load of the shipped vectors
    # Passages live in Chroma; the embedder's memory of recent texts is for questions and sentences.
    assert store.embedder._memory == {}
    question = "Does colchicine help after a heart attack?"
    first = store.embedder.embed([question])
    assert list(store.embedder._memory) == [question] and np.allclose(store.embedder.embed([question]), first)
    store.close()
