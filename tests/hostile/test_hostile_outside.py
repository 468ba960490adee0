"""What the outside world can do to a run: endpoints that misbehave or echo the key, terminal escapes in
data, published records that are not papers, a lost or damaged catalogue, a server that dies, a file
rewritten mid-ingest. Each ends in one line, a non-zero exit, and nothing lost."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hostile_support import run_main

from assistant.store import ingest as ingest_module
from assistant.store import vectors
from testkit.llm_server import FakeOpenAIServer

SECRET = "sk-test-SECRET-0123456789"
ABSTRACT = "We propose a cache for language models. It reduces memory by 3x on long inputs."


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _one_line(proc, code: int) -> str:  # type: ignore[no-untyped-def]
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == code, proc.stderr
    assert lines and lines[-1].startswith("litreview: error: ") and "Traceback" not in proc.stderr, proc.stderr
    return lines[-1]


@pytest.mark.parametrize(("mode", "words"), [
    ("echo_auth_401", ["embedding endpoint failed", "<OPENAI_API_KEY>"]),
    ("zero", ["zero or non-finite vectors"]),
    ("short", ["returned 1 vectors for 2 texts"]),
    ("mixed", ["mixed sizes"]),
])
def test_a_misbehaving_embedding_endpoint_is_one_line_without_the_key(tmp_path: Path, mode: str,
                                                                      words: list[str]) -> None:
    data = _jsonl(tmp_path / "p.jsonl", [{"title": f"Endpoint Paper {i}", "abstract": ABSTRACT} for i in range(2)])
    with FakeOpenAIServer() as server:
        server.embedding_mode = mode
        env = {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": server.base_url,
               "LITREVIEW_EMBEDDING": "openai:text-embedding-3-small"}
        proc = run_main(["ingest", str(data)], tmp_path / "home", env=env)
        doctor = run_main(["doctor", "--json"], tmp_path / "home", env=env)
    line = _one_line(proc, 3)
    assert all(w in line for w in words), line
    assert SECRET not in proc.stderr + proc.stdout + doctor.stdout + doctor.stderr


def test_escape_sequences_in_data_never_reach_the_terminal(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "esc\x1b[2Jname.jsonl", [
        {"title": "Escape \x1b]0;pwned\x07 Paper", "abstract": ABSTRACT, "categories": "cs.LG \x1b[31mred",
         "year": 2024}])
    home = tmp_path / "home"
    assert run_main(["ingest", str(data)], home).returncode == 0
    for args in (["papers"], ["show", "Escape"], ["search", "cache for language models", "-k", "2"],
                 ["search", "cache for language models", "--json"], ["papers", "--json"]):
        out = run_main(args, home).stdout
        assert "\x1b" not in out and "\x07" not in out, args
    shown = json.loads(run_main(["papers", "--json"], home).stdout)  # JSON stays valid and exact
    assert any("Paper" in p["title"] for p in shown["papers"])


def test_a_lost_catalogue_is_said_not_replaced_by_the_bundled_corpus(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = _jsonl(tmp_path / "mine.jsonl", [{"title": f"My Paper {i}", "abstract": ABSTRACT} for i in range(3)])
    assert run_main(["ingest", str(data)], home).returncode == 0
    (home / "papers.sqlite").unlink()
    for extra in ("papers.sqlite-wal", "papers.sqlite-shm"):
        (home / extra).unlink(missing_ok=True)
    line = _one_line(run_main(["search", "cache"], home), 3)
    assert "catalogue" in line and "was deleted or replaced" in line and "litreview repair" in line
    with sqlite3.connect(home / "papers.sqlite") as db:  # the bundled corpus was not ingested over it
        assert db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0


def test_a_damaged_catalogue_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = _jsonl(tmp_path / "mine.jsonl", [{"title": f"My Paper {i}", "abstract": ABSTRACT} for i in range(3)])
    assert run_main(["ingest", str(data)], home).returncode == 0
    with sqlite3.connect(home / "papers.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file, then damage it
    raw = (home / "papers.sqlite").read_bytes()
    (home / "papers.sqlite").write_bytes(raw[:100] + b"\x00garbage" * (len(raw) // 8))
    for args in (["papers"], ["search", "cache"]):
        line = _one_line(run_main(args, home), 3)
        assert "catalogue" in line and "papers.sqlite" in line
    doctor = run_main(["doctor", "--json"], home)
    assert doctor.returncode == 1 and "catalogue" in json.loads(doctor.stdout)["problems"][0]


def test_a_server_that_dies_mid_ingest_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    data = _jsonl(tmp_path / "p.jsonl", [{"title": f"Server Paper {i}", "abstract": ABSTRACT} for i in range(3)])

    def dead(*args: object, **kw: object) -> None:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    monkeypatch.setattr(vectors.VectorIndex, "add", dead)
    line = _one_line(run_main(["ingest", str(data)], tmp_path / "home"), 3)
    assert "stopped answering" in line and "run the command again" in line


def test_a_file_rewritten_during_its_ingest_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _jsonl(tmp_path / "p.jsonl", [{"title": f"Moving Paper {i}", "abstract": ABSTRACT} for i in range(40)])
    real = ingest_module.embed_passages
    calls = []

    def rewrite_after_first_batch(*args, **kw):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            _jsonl(data, [{"title": f"Other Paper {i}", "abstract": ABSTRACT} for i in range(80)])
        return real(*args, **kw)

    monkeypatch.setattr(ingest_module, "embed_passages", rewrite_after_first_batch)
    proc = run_main(["ingest", str(data)], tmp_path / "home", env={"LITREVIEW_INGEST_BATCH": "10"})
    line = _one_line(proc, 2)
    assert "p.jsonl" in line and "changed while it was being ingested" in line and "run the ingest again" in line


@pytest.mark.parametrize("args", [["search", "x", "-k", "-1"], ["papers", "--limit", "0"], ["ask", "q", "-k", "0"]])
def test_counts_below_one_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_main(args, tmp_path / "home")
    assert exit_info.value.code == 2


def test_bare_litreview_is_a_usage_error(tmp_path: Path) -> None:
    assert run_main([], tmp_path / "home").returncode == 2


def test_a_huge_abstract_embeds_a_bounded_number_of_passages(tmp_path: Path) -> None:
    from assistant.models import Paper
    from assistant.store.embeddings import make_embedder
    from assistant.store.passages import MAX_PASSAGES, passages

    huge = Paper.make("A Very Long Paper", " ".join(f"Sentence number {i} says something about caches."
                                                     for i in range(5000)), "x.jsonl")
    assert len(passages(huge, make_embedder("minilm"))) == MAX_PASSAGES
