"""Two writers on one real `chroma run` server: neither can remove the other's papers.

Writers of a shared server used to share chunk ids, so one writer's crash recovery or update of a paper
both of them hold deleted the other's vectors (500 of 1000 papers vanished in a measured run). Each writer
now owns its chunks; these tests replay those sequences on a real server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import chroma_server, settings_for

from assistant.retrieval import search
from assistant.store import Store
from assistant.store.ingest import embed_hash

PAPERS = 60


def _abstract(i: int) -> str:
    return (f"We present method number {i} for compressing the key-value cache of language models. "
            f"Our approach {i} keeps salient tokens and quantizes the rest to {i % 4 + 2} bits. "
            f"Experiments show a {i % 7 + 2}x smaller cache with little accuracy loss.")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("writers-chroma")) as url:
        yield url


@pytest.fixture()
def shared_file(tmp_path: Path) -> Path:
    path = tmp_path / "shared.jsonl"
    path.write_text("".join(json.dumps({"title": f"Shared Cache Paper {i}", "abstract": _abstract(i)}) + "\n"
                            for i in range(PAPERS)))
    return path


def _writer(home: Path, url: str) -> Store:
    return Store.open(settings_for(home, chroma_url=url, ingest_batch=20))


def _intact(store: Store) -> None:
    """Every paper of this writer's catalogue still has its vectors, and a search finds them."""
    assert len(store) > 0
    assert store.missing_vectors() == []
    assert search(store, "Shared Cache Paper 7 compressing the key-value cache", k=3)


def test_a_crashed_writers_recovery_keeps_the_other_writers_papers(server: str, shared_file: Path,
                                                                    tmp_path: Path) -> None:
    a, b = _writer(tmp_path / "a", server), _writer(tmp_path / "b", server)
    assert a.ingest([shared_file]).added == PAPERS
    _intact(a)
    # B dies after writing vectors for the same papers but before committing its catalogue: on its next
    # write it recovers those pending papers by deleting their vectors.
    from assistant.store.ingest import IngestReport, embed_passages, plan

    papers = {p.paper_id: p for p in a.catalogue.iter_papers()}
    to_write = plan(papers, b, IngestReport(), set())
    ids, vectors, metas = embed_passages(to_write, b, IngestReport(), None)
    b.vectors.add(ids, vectors, metas)
    b.catalogue.set_meta("pending", json.dumps(sorted(papers)))
    assert b.recover() == PAPERS
    _intact(a)  # A keeps every paper (before: B's recovery deleted A's chunks too)
    assert b.vectors.count() == a.vectors.count()  # and B left nothing of its own behind
    a.close(), b.close()


def test_an_update_by_one_writer_leaves_the_others_copy(server: str, shared_file: Path, tmp_path: Path) -> None:
    a, b = _writer(tmp_path / "a", server), _writer(tmp_path / "b", server)
    a.ingest([shared_file])
    report = b.ingest([shared_file])
    assert report.added == PAPERS
    assert report.embedded_passages == 0 and report.reused_passages >= PAPERS  # A's vectors were copied, not recomputed
    lines = shared_file.read_text().splitlines(keepends=True)
    lines[7] = json.dumps({"title": "Shared Cache Paper 7", "abstract": _abstract(7) + " We release the code."}) + "\n"
    shared_file.write_text("".join(lines))  # B's copy of the file changes one abstract
    assert b.ingest([shared_file]).updated == 1
    _intact(a)  # A still finds its version of paper 7 (before: B's update deleted it)
    _intact(b)
    paper = b.catalogue.get_many([p.paper_id for p in b.catalogue.iter_papers()
                                  if p.title == "Shared Cache Paper 7"])
    (pid, new), = paper.items()
    assert b.catalogue.hashes_for([pid])[pid][1] == embed_hash(new)
    assert a.catalogue.hashes_for([pid])[pid][1] != embed_hash(new)
    a.close(), b.close()


def test_a_malformed_published_record_is_skipped_and_reported(server: str, shared_file: Path, tmp_path: Path) -> None:
    import chromadb

    from assistant.store.prepare import prepare
    from assistant.store.vectors import collection_name

    a = _writer(tmp_path / "a", server)
    a.ingest([shared_file])
    port = int(server.rsplit(":", 1)[1])
    col = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(collection_name(a.embedder_id))
    heads = col.get(where={"$and": [{"head": 1}, {"writer": a.writer}]}, include=[], limit=2)["ids"]
    col.update(ids=heads, metadatas=[{"paper": "{not json"}, {"paper": json.dumps({"title": "", "abstract": 3})}])
    reader = Store.open(settings_for(tmp_path / "reader", chroma_url=server, read_only=True))
    done = prepare(reader)
    assert done.synced is not None and len(done.synced.skipped) == 2
    assert len(reader) >= PAPERS - 2  # every good record mirrored, the two bad ones left out
    assert any("not valid papers" in line for line in done.lines(reader))
    a.close(), reader.close()
