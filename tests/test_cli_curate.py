"""Choosing what a comparison or a draft covers (--exclude, --min-score) and taking the table to a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from hostile.hostile_support import run_main
from support import run_cli

from assistant.errors import ConfigError, NotFoundError
from assistant.review.select import evidence_for_topic, select_for_query, select_named

RT_DETR = "DETRs Beat YOLOs on Real-time Object Detection"
YOLOV8 = "Real-Time Flying Object Detection with YOLOv8"
ZIPCACHE = "ZipCache: Accurate and Efficient KV Cache Quantization with Salient Token Identification"


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_compare_writes_csv_for_a_csv_file_and_markdown_otherwise(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    proc = run_cli("compare", "--paper", "RT-DETR", "--paper", "YOLOv8", "--engine", "offline", "-o", str(table),
                   home=home)
    assert proc.returncode == 0, proc.stderr
    assert table.read_text(encoding="utf-8").splitlines()[0] == \
        "n,title,year,task,approach,results,efficiency,code,citations"
    rows = _csv(table)
    assert [(r["n"], r["title"]) for r in rows] == [("1", RT_DETR), ("2", YOLOV8)]
    shown = json.loads(run_main(["compare", "--paper", "RT-DETR", "--paper", "YOLOv8", "--engine", "offline",
                                 "--json"], home).stdout)["rows"]
    assert rows[0]["approach"] == shown[0]["approach"] and rows[0]["task"] == shown[0]["task"]
    assert rows[0]["results"] == "; ".join(shown[0]["results"])
    assert all(r["citations"].isdigit() for r in rows) and sum(int(r["citations"]) for r in rows) > 0
    assert not list(tmp_path.glob(".table.csv.*"))  # written through the atomic writer: no temporary left

    again = run_main(["compare", "--paper", "RT-DETR", "--paper", "YOLOv8", "--engine", "offline", "-o", str(table)],
                     home)
    assert again.returncode == 2 and "already exists; use --force" in again.stderr
    markdown = tmp_path / "table.md"
    assert run_main(["compare", "--paper", "RT-DETR", "--paper", "YOLOv8", "--engine", "offline", "-o",
                     str(markdown)], home).returncode == 0
    assert markdown.read_text(encoding="utf-8").startswith("# Comparison")


def test_csv_cells_a_spreadsheet_would_run_are_defused_and_years_filled(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "hostile.jsonl"
    data.write_text(json.dumps({"title": "=HYPERLINK(\"http://x.example\",\"Cache, \"\"Fast\"\" and Small\")",
                                "year": 2023, "abstract": "We study caches for language models. Our cache is 2x "
                                "smaller than the baseline at equal accuracy."}) + "\n", encoding="utf-8")
    assert run_main(["ingest", str(data)], home).returncode == 0
    table = tmp_path / "t.csv"
    proc = run_main(["compare", "--paper", "=HYPERLINK", "--paper", "YOLOv8", "--engine", "offline", "-o",
                     str(table)], home)
    assert proc.returncode == 0, proc.stderr
    first = _csv(table)[0]
    assert first["title"] == "'=HYPERLINK(\"http://x.example\",\"Cache, \"\"Fast\"\" and Small\")"  # quotes kept
    assert first["year"] == "2023"


def test_exclude_and_min_score_choose_what_a_query_compares(seeded_store) -> None:
    plain = select_for_query(seeded_store, "KV cache compression", 4)
    assert plain.evidence[0].paper.title == ZIPCACHE and plain.notes == []
    without = select_for_query(seeded_store, "KV cache compression", 4, exclude=["ZipCache"])
    titles = [e.paper.title for e in without.evidence]
    assert ZIPCACHE not in titles and len(titles) == 4  # one more from further down: still -k papers
    assert titles[:3] == [e.paper.title for e in plain.evidence[1:]]
    assert [e.n for e in without.evidence] == [1, 2, 3, 4]
    assert without.notes == [f"left out as asked (--exclude): {ZIPCACHE}"]

    line = sorted(e.similarity for e in plain.evidence)[1]  # keeps all but the weakest
    high = select_for_query(seeded_store, "KV cache compression", 4, min_score=line)
    assert len(high.evidence) == 3 and all(e.similarity >= line for e in high.evidence)
    assert [e.n for e in high.evidence] == [1, 2, 3]
    assert high.notes[0].startswith(f"--min-score {line:g} dropped 1 paper(s) whose similarity")
    with pytest.raises(NotFoundError, match="has a similarity of at least 0.99"):
        select_for_query(seeded_store, "KV cache compression", 4, min_score=0.99)


def test_bad_exclusions_and_named_papers_with_a_score_are_refused(seeded_store) -> None:
    with pytest.raises(ConfigError, match="--exclude 'no such paper anywhere': no paper title matches"):
        select_for_query(seeded_store, "KV cache compression", 4, exclude=["no such paper anywhere"])
    with pytest.raises(ConfigError, match="papers match 'Detection'"):  # ambiguous: several titles
        select_for_query(seeded_store, "KV cache compression", 4, exclude=["Detection"])
    with pytest.raises(ConfigError, match="--min-score applies to papers found by a QUERY"):
        select_named(seeded_store, ["RT-DETR"], min_score=0.5)
    named = select_named(seeded_store, ["RT-DETR", "YOLOv8"], exclude=["RT-DETR"])
    assert [e.paper.title for e in named.evidence] == [YOLOV8] and named.evidence[0].n == 1
    with pytest.raises(ConfigError, match="also excluded"):
        select_named(seeded_store, ["RT-DETR"], exclude=["RT-DETR"])


def test_a_draft_leaves_out_excluded_and_weak_papers(seeded_store) -> None:
    evidence, notes = evidence_for_topic(seeded_store, "KV cache compression", 30)
    assert ZIPCACHE in [e.paper.title for e in evidence]
    kept, notes = evidence_for_topic(seeded_store, "KV cache compression", 30, exclude=["ZipCache"], min_score=0.55)
    assert ZIPCACHE not in [e.paper.title for e in kept]
    assert kept and all(e.similarity >= 0.55 for e in kept)
    dropped = [e for e in evidence if e.similarity < 0.55]  # of the 30 reviewed; more are on the topic
    counts = [int(m.group(1)) for m in map(re.compile(r"--min-score 0.55 dropped (\d+) paper").match, notes) if m]
    assert dropped and counts and counts[0] >= len(dropped)


def test_an_unknown_exclusion_stops_compare_and_draft_at_once(home: Path) -> None:
    for command in (["compare", "KV cache compression"], ["draft", "KV cache compression"]):
        proc = run_cli(*command, "--exclude", "no such paper anywhere", "--engine", "offline", home=home)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines[-1].startswith("litreview: error: --exclude 'no such paper anywhere': no paper title matches")
        assert "Traceback" not in proc.stderr and proc.stdout == ""


# These run the whole command with the keywords compare() and draft() take for --exclude/--min-score.
def test_compare_and_draft_honour_exclude_and_min_score(home: Path) -> None:
    out = json.loads(run_main(["compare", "KV cache compression", "-k", "3", "--exclude", "ZipCache", "--engine",
                               "offline", "--json"], home).stdout)
    assert ZIPCACHE not in [r["title"] for r in out["rows"]] and len(out["rows"]) == 3
    assert out["notes"][0] == f"left out as asked (--exclude): {ZIPCACHE}"
    proc = run_main(["compare", "KV cache compression", "-k", "5", "--min-score", "0.6", "--engine", "offline"], home)
    assert proc.returncode == 0, proc.stderr
    assert "note: --min-score 0.6 dropped " in proc.stderr
    named = run_main(["compare", "--paper", "RT-DETR", "--min-score", "0.5", "--engine", "offline"], home)
    assert named.returncode == 2 and "--min-score applies to papers found by a QUERY" in named.stderr
    drafted = json.loads(run_main(["draft", "KV cache compression", "--exclude", "ZipCache", "--min-score", "0.55",
                                   "--engine", "offline", "--json"], home).stdout)
    assert ZIPCACHE not in [r["title"] for r in drafted["references"]]
    assert any(n.startswith("--min-score 0.55 dropped ") for n in drafted["notes"])
