"""The same commands against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import chroma_server as start_chroma
from support import cli_json, free_port, run_cli


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_chroma(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def test_ingest_search_ask_against_a_server(chroma_server: str, tmp_path: Path) -> None:
    env = {"LITREVIEW_CHROMA_URL": chroma_server}
    home = tmp_path / "home"
    out = cli_json("ingest", home=home, env=env)
    assert out["added"] == 460
    assert not (home / "chroma").exists()  # vectors live in the server, not the data dir
    hits = cli_json("search", "lightweight detector for cracks and potholes in roads", home=home, env=env)
    assert hits["results"][0]["title"].startswith("YOLO9tr")
    answer = cli_json("ask", "how many tokens per second does PowerInfer-2 generate for TurboSparse-Mixtral-47B "
                             "on a smartphone?", "--engine", "offline", home=home, env=env)
    assert "11.68" in answer["answer"] and answer["grounded"]
    doctor = cli_json("doctor", home=home, env=env)
    assert doctor["store"] == f"Chroma server {chroma_server}" and doctor["vectors"] == 928


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    proc = run_cli("search", "anything", home=tmp_path, env={"LITREVIEW_CHROMA_URL": f"http://127.0.0.1:{free_port()}"})
    assert proc.returncode == 3
    assert "cannot open the Chroma store at http://127.0.0.1:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("litreview: error: cannot open the Chroma store")



def test_second_user_of_a_shared_server_reuses_its_vectors(chroma_server: str, tmp_path: Path) -> None:
    env = {"LITREVIEW_CHROMA_URL": chroma_server}
    cli_json("ingest", home=tmp_path / "alice", env=env)  # may already be there from another test: fine
    bob = tmp_path / "bob"
    proc = run_cli("search", "video generation", home=bob, env=env)
    assert proc.returncode == 3 and "run `litreview ingest` with the same files" in proc.stderr
    out = cli_json("ingest", home=bob, env=env)
    assert out["added"] == 460 and out["embedded_passages"] == 0 and out["cached_passages"] == 0
    assert cli_json("search", "video generation", "-k", "3", home=bob, env=env)["results"]


def test_server_collection_reset_is_detected_and_repaired(chroma_server: str, tmp_path: Path) -> None:
    import json

    import chromadb

    env = {"LITREVIEW_CHROMA_URL": chroma_server}
    home = tmp_path / "carol"
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps({"title": f"Drift Paper {i}", "abstract": "We study drift between a "
                                        f"catalogue and a vector server. Case {i} shows recovery works."}) + "\n"
                            for i in range(3)))
    cli_json("ingest", str(data), home=home, env=env)
    port = int(chroma_server.rsplit(":", 1)[1])
    col = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection("papers-all-MiniLM-L6-v2-int8")
    col.delete(where={"source": "mine.jsonl"})  # someone wiped these papers' vectors on the server
    doctor = run_cli("doctor", "--json", home=home, env=env)
    assert doctor.returncode == 1 and "3 papers have no vectors" in doctor.stdout
    out = cli_json("ingest", str(data), "--repair", home=home, env=env)
    assert out["reembedded"] == 3
    assert cli_json("doctor", home=home, env=env)["problems"] == []


def test_category_and_year_filters_on_the_server(chroma_server: str, tmp_path: Path) -> None:
    import json

    env = {"LITREVIEW_CHROMA_URL": chroma_server}
    home = tmp_path / "dave"
    rows = [{"id": f"2401.0000{i}", "title": f"Filtered Vision Transformer Study {i}",
             "abstract": "We prune vision transformer tokens to speed up image classification by 2x.",
             "authors": "A. Author and B. Author", "categories": "cs.CV cs.LG" if i % 2 else "cs.CL",
             "versions": [{"version": "v1", "created": f"Mon, 15 Jan 202{i} 10:00:00 GMT"}],
             "update_date": "2025-06-01"} for i in range(4)]  # the year is the first version's, not the update's
    data = tmp_path / "arxiv.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cli_json("ingest", str(data), home=home, env=env)
    hits = cli_json("search", "vision transformer token pruning", "--category", "cs.CV", home=home, env=env)
    assert {r["title"][-1] for r in hits["results"]} == {"1", "3"}
    hits = cli_json("search", "vision transformer token pruning", "--year", "2022-2023", home=home, env=env)
    assert {r["year"] for r in hits["results"]} == {2022, 2023}
