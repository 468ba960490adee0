"""Several users on one real `chroma run` server: writers publish, read-only readers mirror.

Readers get their catalogue and BM25 index from what the server's writers published, follow
the server when it changes, and never write to it (checked on the server itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from support import chroma_server as start_chroma
from support import cli_json, run_cli

from assistant.errors import ConfigError, StoreError
from assistant.settings import Settings
from assistant.store.vectors import VectorIndex, collection_name

MODEL = "all-MiniLM-L6-v2-int8"
PORTHOLE = "lightweight detector for cracks and potholes in roads"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_chroma(tmp_path_factory.mktemp("shared-chroma")) as url:
        yield url


@pytest.fixture(scope="module")
def writer(server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's maintainer, who ingested the bundled corpus into the server."""
    home = tmp_path_factory.mktemp("writer")
    assert cli_json("ingest", home=home, env={"LITREVIEW_CHROMA_URL": server})["added"] == 460
    return home


def collection(url: str):  # type: ignore[no-untyped-def]
    port = int(url.rsplit(":", 1)[1])
    return chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(collection_name(MODEL))


def server_state(url: str) -> tuple[int, str, int]:
    col = collection(url)
    heads = len(col.get(where={"head": 1}, include=[])["ids"])
    return col.count(), str(col.metadata.get("revision")), heads


def jsonl(path: Path, papers: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"title": t, "abstract": a}) + "\n" for t, a in papers.items()))
    return path


def test_a_reader_mirrors_the_server_and_never_writes_to_it(server: str, writer: Path, tmp_path: Path) -> None:
    reader_env = {"LITREVIEW_CHROMA_URL": server, "LITREVIEW_READ_ONLY": "1"}
    reader = tmp_path / "reader"
    before = server_state(server)
    assert before[2] == 460  # every paper published

    proc = run_cli("search", PORTHOLE, "--json", home=reader, env=reader_env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["title"].startswith("YOLO9tr")
    assert "mirrored the shared collection" in proc.stderr and "460 papers (460 new" in proc.stderr
    answer = cli_json("ask", "how many tokens per second does PowerInfer-2 generate for TurboSparse-Mixtral-47B "
                             "on a smartphone?", "--engine", "offline", home=reader, env=reader_env)
    assert answer["grounded"] and "11.68" in answer["answer"]

    refused = run_cli("ingest", home=reader, env=reader_env)
    assert refused.returncode == 3
    assert refused.stderr.strip().splitlines() == [
        f"litreview: error: {reader} reads the shared Chroma store at {server} read-only "
        "(read_only / LITREVIEW_READ_ONLY); its maintainer ingests papers"]
    assert server_state(server) == before  # the reader wrote nothing: same chunks, revision, heads
    assert not (reader / "chroma").exists()

    # The writer adds two papers and rewrites one: the reader's next command follows, once.
    extra = {"Shared Server Paper One": "We mirror a vector server into a local catalogue for readers.",
             "Shared Server Paper Two": "Readers of a shared store follow its revision and rebuild BM25."}
    cli_json("ingest", str(jsonl(tmp_path / "extra.jsonl", extra)), home=writer, env={"LITREVIEW_CHROMA_URL": server})
    proc = run_cli("search", "readers follow a revision and rebuild BM25", "--json", home=reader, env=reader_env)
    assert json.loads(proc.stdout)["results"][0]["title"] == "Shared Server Paper Two"
    assert "462 papers (2 new, 0 changed, 0 removed)" in proc.stderr

    extra["Shared Server Paper Two"] = "Readers of a shared store pick up abstracts rewritten on the server."
    cli_json("ingest", str(jsonl(tmp_path / "extra.jsonl", extra)), home=writer, env={"LITREVIEW_CHROMA_URL": server})
    shown = run_cli("show", "Shared Server Paper Two", home=reader, env=reader_env)
    assert "abstracts rewritten on the server" in shown.stdout
    assert "(0 new, 1 changed, 0 removed)" in shown.stderr
    again = run_cli("papers", home=reader, env=reader_env)
    assert again.returncode == 0 and again.stderr == ""  # in step: no sync, nothing said
    doctor = cli_json("doctor", home=reader, env=reader_env)
    assert doctor["mirror"] == "in step with the server" and doctor["papers"] == 462


def test_papers_from_before_publishing_are_published_by_repair(server: str, writer: Path, tmp_path: Path) -> None:
    env = {"LITREVIEW_CHROMA_URL": server}
    legacy = {f"Legacy Shared Paper {i}": f"An older litreview stored vectors for paper {i} but not the paper."
              for i in range(3)}
    data = jsonl(tmp_path / "legacy.jsonl", legacy)
    cli_json("ingest", str(data), home=writer, env=env)
    col = collection(server)
    heads = col.get(where={"source": "legacy.jsonl"}, include=["metadatas"])
    assert len(heads["ids"]) == 3
    col.update(ids=heads["ids"], metadatas=[{"head": 0, "paper": ""}] * 3)  # as an older litreview left them

    reader_env = {**env, "LITREVIEW_READ_ONLY": "true"}
    reader = tmp_path / "reader"
    titles = {p["title"] for p in cli_json("papers", "--limit", "1000", home=reader, env=reader_env)["papers"]}
    assert not titles & set(legacy)
    out = cli_json("ingest", str(data), "--repair", home=writer, env=env)
    assert out["published"] == 3 and out["reembedded"] == 0
    titles = {p["title"] for p in cli_json("papers", "--limit", "1000", home=reader, env=reader_env)["papers"]}
    assert set(legacy) <= titles


def test_a_reader_of_a_server_without_our_collection_is_told_what_to_set(tmp_path: Path) -> None:
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"))
    client.create_collection("papers-some-other-model", embedding_function=None)
    with pytest.raises(StoreError, match="no collection for the embedding model all-MiniLM-L6-v2-int8 "
                                         r"\(it has: some-other-model\); set LITREVIEW_EMBEDDING"):
        VectorIndex(client, MODEL, create=False)
    assert [c.name for c in client.list_collections()] == ["papers-some-other-model"]  # nothing created


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("false", False), ("", False)])
def test_read_only_setting(tmp_path: Path, value: str, expected: bool) -> None:
    env = {"LITREVIEW_HOME": str(tmp_path), "LITREVIEW_CHROMA_URL": "http://127.0.0.1:8000",
           "LITREVIEW_READ_ONLY": value}
    assert Settings.load(env).read_only is expected


def test_read_only_needs_a_server_and_a_yes_or_no(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set LITREVIEW_CHROMA_URL too"):
        Settings.load({"LITREVIEW_HOME": str(tmp_path), "LITREVIEW_READ_ONLY": "1"})
    with pytest.raises(ConfigError, match=r"store.read_only \(LITREVIEW_READ_ONLY or .*valid boolean.*not 'sometimes'"):
        Settings.load({"LITREVIEW_HOME": str(tmp_path), "LITREVIEW_CHROMA_URL": "x:1",
                       "LITREVIEW_READ_ONLY": "sometimes"})
    (tmp_path / "config.toml").write_text('[store]\nchroma_url = "http://127.0.0.1:8000"\nread_only = true\n')
    assert Settings.load({"LITREVIEW_HOME": str(tmp_path)}).read_only is True


def test_other_writers_papers_cannot_crowd_yours_out_of_dense_search(server: str, writer: Path, tmp_path: Path) -> None:
    """A second writer with one paper of its own, on a server where another user's 3000 passages sit right
    next to the question: dense search still finds its paper (the vector search is scoped to its sources)."""
    import numpy as np

    from assistant.store.embeddings import make_embedder

    env = {"LITREVIEW_CHROMA_URL": server}
    mine = "Crowding Test: Citrus Grove Irrigation Scheduling"
    question = "scheduling irrigation in citrus groves"
    cli_json("ingest", str(jsonl(tmp_path / "mine.jsonl", {mine: "We schedule irrigation for citrus groves from "
                                                         "soil moisture sensors and weather forecasts."})),
             home=tmp_path / "erin", env=env)
    q = make_embedder("minilm", None, None).embed([question])[0]
    rng = np.random.default_rng(0)
    near = q + rng.normal(0, 0.01, (3000, q.size))
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    col = collection(server)
    col.add(ids=[f"foreign{i}:h:0" for i in range(3000)], embeddings=near.astype(np.float32),
            metadatas=[{"paper_id": f"foreign{i}", "embed_hash": "h", "source": "someone-else.jsonl"}
                       for i in range(3000)])
    try:
        hits = cli_json("search", question, "--mode", "dense", "-k", "3", home=tmp_path / "erin", env=env)
        assert [r["title"] for r in hits["results"]] == [mine]
    finally:
        col.delete(ids=[f"foreign{i}:h:0" for i in range(3000)])


def test_a_server_with_nothing_published_leaves_the_mirror_as_it_was(tmp_path: Path) -> None:
    """E.g. the server was reset: the reader is told, and keeps the papers it mirrored (one transaction)."""
    from assistant.models import Paper
    from assistant.store import Store
    from assistant.store.shared import MIRRORED

    settings = Settings.load({"LITREVIEW_HOME": str(tmp_path / "reader"), "LITREVIEW_CHROMA_URL": "http://unused:1",
                              "LITREVIEW_READ_ONLY": "1"})
    store = Store.open(settings)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"))
    store.__dict__["vectors"] = VectorIndex(client, MODEL)  # an empty collection, as after a reset
    kept = Paper("Mirrored Before The Reset", "An abstract.", "x.jsonl")
    with store.catalogue.transaction():
        store.catalogue.upsert(kept, "h", MODEL)
    store.catalogue.set_meta(MIRRORED, "old-revision")
    with pytest.raises(StoreError, match="has no published papers yet"):
        store.sync()
    assert [p.title for p in store.catalogue.iter_papers()] == [kept.title]
    assert store.catalogue.get_meta(MIRRORED) == "old-revision"


def test_a_writer_that_died_before_publishing_publishes_on_its_next_write(server: str, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from support import settings_for

    from assistant.store import Store
    from assistant.store.ingest import embed_hash

    store = Store.open(settings_for(tmp_path / "frank", chroma_url=server))
    data = jsonl(tmp_path / "frank.jsonl", {"Unpublished Until Recovery": "A batch committed, then the writer died."})

    def die(*args: object) -> None:
        raise KeyboardInterrupt  # the process stops between the catalogue commit and publishing

    with monkeypatch.context() as patch:
        patch.setattr(VectorIndex, "publish", die)
        with pytest.raises(KeyboardInterrupt):
            store.ingest([data])
    [paper] = list(store.catalogue.iter_papers())
    key = (paper.paper_id, embed_hash(paper))
    assert key not in store.vectors.published_keys()
    store.ingest([jsonl(tmp_path / "more.jsonl", {"Another Paper": "Any later write recovers first."})])
    assert key in store.vectors.published_keys()
    store.close()
