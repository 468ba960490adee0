"""`litreview compare` and `litreview draft`, run in-process against the seeded data dir.

Goes through ``assistant.cli.main`` once the commands are registered there; until then the
same arguments go through a parser built from ``assistant.cli.review.add_parsers`` with
the CLI's own error handling (one line on stderr, the error's exit code).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

import bibtexparser
import pytest

from assistant import cli
from assistant.cli import review as commands
from assistant.errors import LitreviewError


@pytest.fixture
def home(seeded_home, monkeypatch):
    monkeypatch.setenv("LITREVIEW_HOME", str(seeded_home))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LITREVIEW_CONFIG", "LITREVIEW_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return seeded_home


def litreview(*argv: str) -> int:
    if "compare" in getattr(cli, "COMMANDS", {}):
        return cli.main(list(argv))
    parser = argparse.ArgumentParser(prog="litreview")
    commands.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    try:
        return commands.COMMANDS[args.command](args)
    except LitreviewError as exc:
        print(f"litreview: error: {exc}", file=sys.stderr)
        return exc.exit_code


def test_compare_json_is_one_object(home, capsys) -> None:
    assert litreview("compare", "real-time object detection", "-k", "4", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert {"query", "rows", "synthesis", "citations"} <= set(data)
    assert data["query"] == "real-time object detection" and len(data["rows"]) == 4
    assert set(data["rows"][0]) >= {"n", "paper_id", "title", "task", "approach", "results", "efficiency", "code_url"}
    assert data["citations"] and all(set(c) == {"n", "paper_id", "title"} for c in data["citations"])


def test_compare_named_papers_in_plain_text(home, capsys) -> None:
    assert litreview("compare", "--paper", "PowerInfer-2", "--paper", "LLM in a flash") == 0
    out = capsys.readouterr().out
    assert "[1] PowerInfer-2: Fast Large Language Model Inference on a Smartphone" in out
    assert "[2] LLM in a flash: Efficient Large Language Model Inference with Limited Memory" in out
    assert "11.68 tokens per second" in out and "Synthesis" in out


def test_compare_errors_are_one_line(home, capsys) -> None:
    assert litreview("compare", "--paper", "Quantum pasta cooking") == 4
    err = capsys.readouterr().err
    assert err.startswith("litreview: error: no paper title matches") and err.count("\n") == 1
    assert litreview("compare") == 2
    assert "QUERY or at least one --paper" in capsys.readouterr().err


def test_compare_writes_markdown_and_refuses_to_overwrite(home, tmp_path, capsys) -> None:
    out = tmp_path / "cmp.md"
    assert litreview("compare", "speculative decoding", "-k", "3", "-o", str(out)) == 0
    first = out.read_text()
    assert first.startswith("# Comparison: speculative decoding") and "| Paper |" in first
    assert litreview("compare", "speculative decoding", "-k", "3", "-o", str(out)) == 2
    assert "already exists; use --force" in capsys.readouterr().err and out.read_text() == first
    assert litreview("compare", "speculative decoding", "-k", "2", "-o", str(out), "--force") == 0
    assert out.read_text() != first


def test_draft_writes_markdown_and_bibtex(home, tmp_path, capsys) -> None:
    md, bib = tmp_path / "review.md", tmp_path / "refs.bib"
    assert litreview("draft", "text-to-video generation", "-o", str(md), "--bib", str(bib), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert {"topic", "outline", "sections", "references", "audit"} <= set(data)
    assert data["outline"] == [s["heading"] for s in data["sections"]]
    assert all(s["citations"] and {"heading", "text", "citations"} <= set(s) for s in data["sections"])
    assert {"kept", "flagged", "removed", "measure", "records"} <= set(data["audit"])
    keys = {r["key"] for r in data["references"]}
    assert keys == {e.key for e in bibtexparser.parse_string(bib.read_text()).entries}
    cited = set(re.findall(r"@([a-z0-9]+)", md.read_text().split("## References")[0]))
    assert cited == keys


def test_draft_prints_markdown_without_output_file(home, capsys) -> None:
    assert litreview("draft", "state space models and Mamba architectures", "-k", "8") == 0
    out = capsys.readouterr().out
    assert out.startswith("# Literature review: state space models and Mamba architectures")
    assert "## References" in out


@pytest.mark.parametrize("topic, code, message", [
    ("", 2, "topic is empty"),
    ("medieval castle architecture", 4, "no papers in the collection match"),
])
def test_draft_refusals_write_nothing(home, tmp_path, capsys, topic, code, message) -> None:
    md, bib = tmp_path / "review.md", tmp_path / "refs.bib"
    assert litreview("draft", topic, "-o", str(md), "--bib", str(bib)) == code
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_draft_refuses_a_missing_directory_before_any_work(home, tmp_path, capsys) -> None:
    target = tmp_path / "nope" / "review.md"
    assert litreview("draft", "text-to-video generation", "-o", str(target)) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "does not exist" in err and not target.parent.exists()
    assert litreview("draft", "video", "-o", str(tmp_path / "a.md"), "--bib", str(tmp_path / "a.md")) == 2
    assert "given twice" in capsys.readouterr().err


def test_the_commands_module_is_light() -> None:
    code = ("import assistant.cli.review, argparse, sys\n"
            "p = argparse.ArgumentParser(); assistant.cli.review.add_parsers(p.add_subparsers())\n"
            "print('\\n'.join(sys.modules))")
    mods = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    heavy = {"chromadb", "onnxruntime", "numpy", "bm25s", "langchain_core", "openai", "textual", "pydantic"}
    assert not heavy & {m.split(".")[0] for m in mods}


def test_the_review_core_does_not_import_textual() -> None:
    code = ("import assistant.review.compare, assistant.review.draft, assistant.review.export, "
            "assistant.review.llm, sys\nprint('\\n'.join(sys.modules))")
    mods = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not any(m == "textual" or m.startswith("textual.") for m in mods)
