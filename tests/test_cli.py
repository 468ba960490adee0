"""The `litreview` command as a user runs it: a real process, a real data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import cli_json, run_cli


def test_search_json_finds_the_pavement_paper(home: Path) -> None:
    out = cli_json("search", "lightweight detector for cracks and potholes in roads", home=home)
    assert out["query"] == "lightweight detector for cracks and potholes in roads"
    top = out["results"][0]
    assert top["title"].startswith("YOLO9tr: A Lightweight Model for Pavement Damage Detection")
    assert top["rank"] == 1 and 0.345 <= top["similarity"] < 0.5 and top["source"].endswith(".txt")
    assert top["near_miss"]  # shown, marked: the query's words are not the abstract's
    assert set(top) == {"rank", "paper_id", "title", "similarity", "keyword_match", "near_miss", "year", "source"}
    assert [r["rank"] for r in out["results"]] == list(range(1, len(out["results"]) + 1))
    assert len(out["results"]) + out["hidden"] == 10


def test_search_k_and_year_filter(home: Path) -> None:
    out = cli_json("search", "video generation", "-k", "3", "--year", "2024", home=home)
    assert len(out["results"]) == 3
    assert all(r["year"] == 2024 for r in out["results"])


def test_papers_json_lists_every_stored_title(home: Path) -> None:
    out = cli_json("papers", home=home)
    assert len(out["papers"]) == 460
    assert len({p["paper_id"] for p in out["papers"]}) == 460
    assert len(cli_json("papers", "--limit", "5", home=home)["papers"]) == 5


def test_show_by_id_and_by_title_fragment(home: Path) -> None:
    first = cli_json("papers", "--limit", "1", home=home)["papers"][0]
    by_id = cli_json("show", first["paper_id"], home=home)
    assert by_id["title"] == first["title"] and len(by_id["abstract"]) > 200
    by_title = cli_json("show", "PowerInfer-2", home=home)
    assert by_title["title"] == "PowerInfer-2: Fast Large Language Model Inference on a Smartphone"


def test_show_ambiguous_or_unknown_title_is_a_clear_error(home: Path) -> None:
    proc = run_cli("show", "Diffusion", home=home)
    assert proc.returncode == 4
    assert "papers match 'Diffusion'" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("show", "zzzz no such paper", home=home)
    assert proc.returncode == 4 and "no paper title matches" in proc.stderr


def test_empty_store_ingests_the_bundled_corpus_first(tmp_path: Path) -> None:
    proc = run_cli("search", "speculative decoding", "-k", "2", "--json", home=tmp_path / "new")
    assert proc.returncode == 0, proc.stderr
    assert "ingesting the bundled corpus" in proc.stderr
    assert '"results"' in proc.stdout and "ingesting" not in proc.stdout  # stdout stays pure JSON


def test_ingest_reports_counts_and_is_incremental(home: Path, tmp_path: Path) -> None:
    out = cli_json("ingest", home=home)
    assert (out["added"], out["updated"], out["unchanged"]) == (0, 0, 460)
    csv = tmp_path / "mine.csv"
    csv.write_text("Title,Abstract Note,Publication Year\n"
                   "My New Paper,\"A study of things. It finds that things improve by 3x. We release code.\",2025\n"
                   ",\"An abstract without a title.\",2024\n", encoding="utf-8")
    out = cli_json("ingest", str(csv), home=home)
    assert out["added"] == 1 and out["papers_in_store"] == 461
    assert out["skipped"] and out["skipped"][0]["where"] == "line 3"


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"", "file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary file"),
])
def test_bad_input_is_one_clear_line_and_nonzero(home: Path, tmp_path: Path, content: bytes | None,
                                                  message: str) -> None:
    path = tmp_path / "input.bib"
    if content is not None:
        path.write_bytes(content)
    proc = run_cli("ingest", str(path), home=home)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0]
    assert len(cli_json("papers", home=home)["papers"]) == 460  # nothing lost, nothing added


def test_a_pipe_is_refused_as_a_pipe_not_as_empty(home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "export.jsonl"
    os.mkfifo(fifo)
    proc = run_cli("ingest", str(fifo), home=home, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert str(fifo) in proc.stderr and "not a regular file" in proc.stderr


@pytest.mark.parametrize("name, content", [("blank.txt", "  \n\n \t\n"), ("header.csv", "title,abstract\n")])
def test_a_file_with_no_records_is_named_and_exits_nonzero(home: Path, tmp_path: Path, name: str,
                                                           content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    proc = run_cli("ingest", str(path), home=home)
    assert proc.returncode == 2, proc.stdout
    assert f"{name}:whole file: holds no records" in proc.stdout
    good = tmp_path / "good.jsonl"
    good.write_text('{"title": "A Paper Next To A Blank One", "abstract": "We do x. It works."}\n', encoding="utf-8")
    out = cli_json("ingest", str(path), str(good), home=home)  # the other file's paper is still ingested
    assert out["added"] == 1 and out["skipped"] == [{"source": name, "where": "whole file",
                                                     "reason": "holds no records (only blank lines or a header)"}]


def test_doctor_reports_configuration_without_secrets(home: Path) -> None:
    out = cli_json("doctor", home=home, env={"OPENAI_API_KEY": "sk-test-SECRET-123"})
    assert out["papers"] == 460 and out["embedding_model"] == "all-MiniLM-L6-v2-int8"
    assert out["api_key"] == "set" and out["problems"] == []
    assert "SECRET" not in str(out)


def test_help_lists_commands(tmp_path: Path) -> None:
    proc = run_cli("--help", home=tmp_path)
    assert proc.returncode == 0
    for command in ("ingest", "papers", "show", "search", "doctor"):
        assert command in proc.stdout


def test_human_output_of_ingest_search_ask(home: Path) -> None:
    proc = run_cli("ingest", home=home)
    assert proc.returncode == 0 and "0 added, 0 updated, 460 unchanged" in proc.stdout
    proc = run_cli("search", "speculative decoding", "-k", "2", home=home)
    assert proc.returncode == 0 and proc.stdout.startswith(" 1. ") and " 2. " in proc.stdout
    proc = run_cli("ask", "how many tokens per second does PowerInfer-2 reach on a smartphone?", home=home)
    assert proc.returncode == 0 and "Sources:\n  [1] PowerInfer-2" in proc.stdout and "[offline" in proc.stdout


def test_chat_without_a_terminal_is_one_clear_line(tmp_path: Path) -> None:
    proc = run_cli("chat", home=tmp_path, input="")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "litreview: error: `litreview chat` needs a terminal (its input or output is a pipe or a file); "
        "for scripts use `litreview ask`, `search`, `compare` or `draft`"]
