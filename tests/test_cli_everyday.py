"""Everyday CLI behaviour: one title resolver, honest filters, questions from a file or stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile.hostile_support import run_main


def test_show_and_compare_find_a_paper_by_its_method_name(home: Path) -> None:
    shown = json.loads(run_main(["show", "RT-DETR", "--json"], home).stdout)
    assert shown["title"] == "DETRs Beat YOLOs on Real-time Object Detection"  # its abstract proposes RT-DETR
    proc = run_main(["compare", "--paper", "RT-DETR", "--paper", "YOLOv8", "--engine", "offline", "--json"], home)
    assert proc.returncode == 0, proc.stderr  # the README example (it exited 4)
    titles = [row["title"] for row in json.loads(proc.stdout)["rows"]]
    assert titles == ["DETRs Beat YOLOs on Real-time Object Detection", "Real-Time Flying Object Detection with YOLOv8"]


def test_filters_say_what_they_keep(home: Path) -> None:
    proc = run_main(["search", "speculative decoding", "--year", "2024", "-k", "3"], home)
    assert proc.returncode == 0
    note = [line for line in proc.stderr.splitlines() if "papers match year=2024" in line]
    assert note and "have no year" in note[0], proc.stderr
    none = run_main(["search", "speculative decoding", "--year", "2019"], home)
    assert none.returncode == 4 and "no paper passes the filters: 0 of " in none.stderr
    assert "speculative decoding" not in none.stderr  # the query is not blamed
    reversed_range = run_main(["search", "x", "--year", "2024-2022"], home)
    assert reversed_range.returncode == 2 and "reversed; did you mean 2022-2024?" in reversed_range.stderr
    venue = run_main(["search", "speculative decoding", "--venue", "NeurIPS"], home)
    assert venue.returncode == 4 and "have no venue" in venue.stderr


def test_a_question_from_a_file_or_stdin_and_an_empty_one(home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    question = tmp_path / "q.txt"
    question.write_text("How many tokens per second does PowerInfer-2 generate on a smartphone?\n")
    out = json.loads(run_main(["ask", "--file", str(question), "--engine", "offline", "--json"], home).stdout)
    assert "11.68" in out["answer"]
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(question.read_text()))
    out = json.loads(run_main(["ask", "-", "--engine", "offline", "--json"], home).stdout)
    assert "11.68" in out["answer"]
    empty = run_main(["ask", "  ", "--engine", "offline"], home)
    assert empty.returncode == 2 and "the question is empty" in empty.stderr


def test_doctor_json_has_identifier_keys_and_a_problem_list(home: Path) -> None:
    report = json.loads(run_main(["doctor", "--json"], home).stdout)
    assert all(" " not in key for key in report) and report["problems"] == []


def test_remove_papers_by_reference_or_source(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps({"title": f"Removable Paper {i}", "abstract": "We study caches. "
                                        f"Our cache {i} is 2x smaller."}) + "\n" for i in range(3)))
    assert run_main(["ingest", str(data)], home).returncode == 0
    out = json.loads(run_main(["remove", "RT-DETR", "--json"], home).stdout)
    assert out["removed"] == 1 and out["papers_in_store"] == 462
    out = json.loads(run_main(["remove", "--source", str(data), "--json"], home).stdout)
    assert out["removed"] == 3 and out["papers_in_store"] == 459
    assert run_main(["show", "Removable Paper 1"], home).returncode == 4
    hits = json.loads(run_main(["search", "real-time detection transformer", "--json"], home).stdout)["results"]
    assert "DETRs Beat YOLOs on Real-time Object Detection" not in [h["title"] for h in hits]
    assert json.loads(run_main(["doctor", "--json"], home).stdout)["problems"] == []  # no orphan vectors
    assert run_main(["remove"], home).returncode == 2
