"""Ingest against a real Chroma PersistentClient and SQLite catalogue."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support import settings_for

from assistant.errors import InputError, StoreBusyError
from assistant.store import Store, bundled_corpus


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


ABSTRACT = ("We study retrieval of scientific abstracts for literature reviews. Our method combines lexical and "
            "dense signals and improves recall by 12.5% on paraphrased questions. Code is available.")


def test_bundled_corpus_ingests_once_and_dedupes(seeded_store: Store) -> None:
    assert len(seeded_store) == 460
    hashes = seeded_store.catalogue.hashes()
    live = {(pid, eh) for pid, (_, eh, _) in hashes.items()}
    chunk_keys = {(pid, eh) for _, pid, eh in seeded_store.vectors.iter_chunk_keys()}
    assert chunk_keys == live  # every paper has vectors, and no vector is orphaned


def test_reingest_is_incremental(tmp_path: Path) -> None:
    store = Store.open(settings_for(tmp_path))
    first = store.ingest(bundled_corpus())
    assert (first.added, first.duplicates, len(first.skipped)) == (460, 64, 0)
    version = store.catalogue.version
    again = store.ingest(bundled_corpus())
    assert (again.added, again.updated, again.unchanged) == (0, 0, 460)
    assert again.embedded_passages == again.cached_passages == 0
    assert store.catalogue.version == version  # nothing committed

    # One new paper, and a second file that only adds metadata to a stored paper.
    title = store.catalogue.iter_papers(limit=1).__next__().title
    new = write_csv(tmp_path / "more.csv", [
        {"title": "Hybrid Retrieval for Literature Reviews", "abstract": ABSTRACT, "year": "2025", "doi": ""},
        {"title": title, "abstract": "A different copy of the abstract. " * 8, "year": "2024", "doi": "10.1/x"},
    ])
    report = store.ingest([new])
    assert (report.added, report.updated, report.unchanged) == (1, 1, 0)
    assert report.embedded_passages == 1  # only the new paper; the enriched one keeps its vectors
    enriched = next(p for p in store.catalogue.find_titles(title) if p.title == title)
    assert enriched.doi == "10.1/x" and enriched.year == 2024
    assert "different copy" not in enriched.abstract  # another file never overwrites the abstract
    assert len(store) == 461


def test_failed_ingest_leaves_store_unchanged(tmp_path: Path) -> None:
    store = Store.open(settings_for(tmp_path / "home"))
    good = write_csv(tmp_path / "good.csv", [{"title": "A Paper About Graphs", "abstract": ABSTRACT}])
    store.ingest([good])
    before = (len(store), store.catalogue.version, store.vectors.count())
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02" * 100)
    new = write_csv(tmp_path / "new.csv", [{"title": "Another Paper", "abstract": ABSTRACT}])
    with pytest.raises(InputError, match="scan.pdf"):
        store.ingest([new, binary])
    assert (len(store), store.catalogue.version, store.vectors.count()) == before


def test_interrupted_commit_is_rolled_back_and_cleaned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(settings_for(tmp_path / "home"))
    first = write_csv(tmp_path / "a.csv", [{"title": "First Paper", "abstract": ABSTRACT}])
    store.ingest([first])
    before = (len(store), store.vectors.count())

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(store.catalogue, "upsert", boom)  # vectors written, catalogue commit fails
    second = write_csv(tmp_path / "b.csv", [{"title": "Second Paper", "abstract": ABSTRACT + " More."}])
    with pytest.raises(RuntimeError):
        store.ingest([second])
    monkeypatch.undo()
    assert len(store) == before[0]
    assert store.vectors.count() > before[1]  # orphan vectors exist until the next write...
    reopened = Store.open(settings_for(tmp_path / "home"))
    report = reopened.ingest([second])  # ...which cleans them up and completes the work
    assert report.added == 1
    assert reopened.vectors.count() == before[1] + 1
    assert {pid for _, pid, _ in reopened.vectors.iter_chunk_keys()} == set(reopened.catalogue.hashes())


def test_second_writer_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    writer = Store.open(settings_for(home))
    other = Store.open(settings_for(home))
    good = write_csv(tmp_path / "good.csv", [{"title": "A Paper", "abstract": ABSTRACT}])
    with writer.write_lock():
        with pytest.raises(StoreBusyError, match="being written by litreview pid"):
            other.ingest([good])
    assert other.ingest([good]).added == 1


def test_a_writer_refused_just_as_the_holder_locks_still_names_it(tmp_path: Path) -> None:
    """The holder writes its name right after taking the lock; a process refused in that instant must
    not report "another process" (this raced in CI once)."""
    import fcntl
    import threading

    store = Store.open(settings_for(tmp_path / "home"))
    with (tmp_path / "home" / "write.lock").open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # locked, name not written yet

        def name_it() -> None:
            fh.write("litreview pid 4242")
            fh.flush()

        timer = threading.Timer(0.1, name_it)
        timer.start()
        with pytest.raises(StoreBusyError, match="being written by litreview pid 4242"):
            store.ingest([write_csv(tmp_path / "good.csv", [{"title": "A Paper", "abstract": ABSTRACT}])])
        timer.join()


def test_changed_abstract_replaces_its_vectors(tmp_path: Path) -> None:
    store = Store.open(settings_for(tmp_path / "home"))
    path = write_csv(tmp_path / "mine.csv", [{"title": "A Paper", "abstract": ABSTRACT},
                                             {"title": "B Paper", "abstract": ABSTRACT + " B."}])
    store.ingest([path])
    count = store.vectors.count()
    write_csv(path, [{"title": "A Paper", "abstract": ABSTRACT.replace("12.5%", "14%")},
                     {"title": "B Paper", "abstract": ABSTRACT + " B."}])
    report = store.ingest([path])
    assert (report.updated, report.unchanged, report.embedded_passages) == (1, 1, 1)
    assert store.vectors.count() == count  # the old passage vectors are gone
    live = {(pid, eh) for pid, (_, eh, _) in store.catalogue.hashes().items()}
    assert {(pid, eh) for _, pid, eh in store.vectors.iter_chunk_keys()} == live
    assert store.catalogue.get_meta("pending") == "[]"


def _jsonl(path: Path, n: int, tag: str = "") -> Path:
    import json

    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"title": f"Synthetic Study Number {i}{tag}",
                                 "abstract": f"{ABSTRACT} Variant {i} reports {i}.{i}% better recall."}) + "\n")
    return path


def _state(store: Store) -> tuple[dict, set]:
    return store.catalogue.hashes(), {cid for cid, _, _ in store.vectors.iter_chunk_keys()}


def test_interrupted_batched_ingest_resumes_to_the_same_state(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:

    data = _jsonl(tmp_path / "big.jsonl", 25)
    reference = Store.open(settings_for(tmp_path / "ref").replace(ingest_batch=10))
    reference.ingest([data])

    store = Store.open(settings_for(tmp_path / "home").replace(ingest_batch=10))
    real_embed = store.embedder.embed
    calls = {"n": 0}

    def dies_on_second_batch(texts: list[str], progress=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the second batch
        return real_embed(texts, progress)

    monkeypatch.setattr(store.embedder, "embed", dies_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        store.ingest([data])
    assert len(store) == 10  # the first batch is committed, the second left no trace
    assert {pid for _, pid, _ in store.vectors.iter_chunk_keys()} == set(store.catalogue.hashes())
    monkeypatch.undo()
    report = store.ingest([data])
    assert (report.added, report.unchanged) == (15, 10)
    assert _state(store) == _state(reference)
