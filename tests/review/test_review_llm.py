"""The LLM paths of compare and draft against a real HTTP endpoint (tests/llm_server.py).

Whatever the model returns is checked: rows for unknown sources are dropped, invented figures
and links are replaced by offline extraction, citations of non-existent sources are removed,
and sentences the cited abstract does not support are flagged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import llm_client, tool_name

from assistant.engines.llm import LLMClient
from assistant.review.compare import compare
from assistant.review.draft import draft
from assistant.review.export import draft_to_markdown
from testkit.llm_server import FakeOpenAIServer, Recorded, Reply

ROWS = {"rows": [
    {"n": 1, "task": "real-time end-to-end object detection without NMS",
     "approach": "RT-DETR, a real-time detection transformer with an efficient hybrid encoder",
     "results": ["53.1% AP on COCO at 108 FPS", "99.9% AP on COCO"], "efficiency": ["108 FPS on T4 GPU"],
     "code_url": "https://github.com/invented/repo"},
    {"n": 7, "task": "a paper that is not in the comparison", "approach": "invented", "results": ["1000x faster"]},
]}


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


def client(server: FakeOpenAIServer, tmp_path: Path) -> LLMClient:
    return llm_client(server, tmp_path, key="sk-test-review")


def test_compare_drops_unknown_rows_and_citations(seeded_store, server, tmp_path) -> None:
    server.script = lambda req: (Reply.tool_call(ROWS) if tool_name(req) == "RowsOut" else
                                 Reply.text("Both papers report speed [1][2]. RT-DETR is faster [1][7]. "
                                            "PowerInfer-2 generates 11.68 tokens per second on a smartphone. [2]"))
    result = compare(seeded_store, titles=["DETRs Beat YOLOs", "PowerInfer-2"], llm=client(server, tmp_path))

    assert result.engine == "llm:gpt-4o-mini" and [r.n for r in result.rows] == [1, 2]
    first, second = result.rows
    assert first.task == "real-time end-to-end object detection without NMS"
    assert first.results == ["53.1% AP on COCO at 108 FPS"]  # the invented 99.9% is gone
    assert first.code_url == "https://zhao-yian.github.io/RTDETR"  # the invented link replaced from the abstract
    assert any("11.68 tokens per second" in r for r in second.results)  # skipped row: offline extraction
    assert "[7]" not in result.synthesis and "RT-DETR is faster [1]." in result.synthesis
    # a marker after the stop is kept with its claim
    assert "PowerInfer-2 generates 11.68 tokens per second on a smartphone [2]." in result.synthesis
    assert [c.n for c in result.citations] == [1, 2]
    assert any("dropped a table row for source [7]" in n for n in result.notes)
    assert "removed citation [7]: it numbers no paper in this comparison" in result.notes
    assert result.usage["calls"] == 2 and result.usage["total_tokens"] > 0

    system = server.chat_requests()[0].body["messages"][0]["content"]
    assert "untrusted data" in system and "Never invent a source number" in system


def _section_reply(req: Recorded) -> Reply:
    name = tool_name(req)
    if name == "ThemeNamesOut":
        count = req.body["messages"][-1]["content"].count("Theme ")
        return Reply.tool_call({"names": [f"Named Theme {chr(65 + i)}" for i in range(count)]})
    if name == "RowsOut":
        return Reply.tool_call({"rows": [{"n": 999, "task": "nothing real here"}]})
    user = req.body["messages"][-1]["content"]
    n, first = re.search(r"\[(\d+)\] [^\n]*\n(.+?\.)(?: |\n)", user).groups()
    return Reply.text(f"{first} [{n}] Medieval castles were built with thick stone walls [{n}]. "
                      "This claim cites a source that was never given [99].")


def test_draft_checks_every_model_sentence(seeded_store, server, tmp_path) -> None:
    server.script = _section_reply
    result = draft(seeded_store, "text-to-video generation", llm=client(server, tmp_path))

    assert result.engine.startswith("llm:")
    assert [t.name for t in result.themes] == [f"Named Theme {chr(65 + i)}" for i in range(len(result.themes))]
    for section in result.sections:
        assert "[99]" not in section.text
        assert "stone walls" not in section.text  # the cited abstract does not say it: removed, not kept silently
        assert section.citations
    audit = result.audit
    removed = [n for n in result.notes if "Medieval castles" in n and "the sentence was removed" in n]
    assert len(removed) == len(result.sections), result.notes
    assert audit.removed == 0 and audit.kept == len(result.sections)
    assert all(r.support < audit.threshold for r in audit.records if r.status == "flagged")
    assert any("removed citation [99]" in n for n in result.notes)
    assert any("dropped a table row for source [999]" in n for n in result.notes)
    assert len(audit.uncited) == len(result.sections)  # "This claim cites ..." lost its only marker
    assert "Medieval castles" not in draft_to_markdown(result)


def test_a_model_that_never_returns_a_valid_table_leaves_the_offline_rows(seeded_store, server, tmp_path) -> None:
    def script(req: Recorded) -> Reply:
        system = req.body["messages"][0]["content"]
        if tool_name(req) or "Reply with one JSON object" in system:
            return Reply.text("Sorry, I cannot produce a table.")
        return Reply.text("PowerInfer-2 reaches 11.68 tokens per second on a smartphone [1].")

    server.script = script
    result = compare(seeded_store, titles=["PowerInfer-2"], llm=client(server, tmp_path))
    assert any("11.68 tokens per second" in r for r in result.rows[0].results)
    assert any(n.startswith("the model gave no usable table") for n in result.notes)
    assert result.synthesis == "PowerInfer-2 reaches 11.68 tokens per second on a smartphone [1]."


def test_a_draft_section_with_no_supported_citation_is_the_offline_section(seeded_store, server, tmp_path) -> None:
    """Every section cites: a model section that cites nothing (or nothing its sources support) is replaced
    by the offline section, named in the notes."""
    def reply(req: Recorded) -> Reply:
        if tool_name(req) == "ThemeNamesOut":
            count = req.body["messages"][-1]["content"].count("Theme ")
            return Reply.tool_call({"names": [f"Named Theme {chr(65 + i)}" for i in range(count)]})
        if tool_name(req) == "RowsOut":
            return Reply.tool_call({"rows": []})
        return Reply.text("Castles in Scotland were often built on steep hills. "
                          "Many of them still have their original stone walls.")

    server.script = reply
    result = draft(seeded_store, "text-to-video generation", llm=client(server, tmp_path))
    offline = draft(seeded_store, "text-to-video generation", engine="offline")
    assert result.engine.startswith("llm:")
    for section in result.sections:
        assert "Castles" not in section.text, (section.heading, result.notes)
        assert section.citations, section.heading
    assert [s.heading for s in result.sections][-2:] == [s.heading for s in offline.sections][-2:]
    assert result.sections[-2].text == offline.sections[-2].text  # the open problems: the papers' own limitations
    replaced = [n for n in result.notes if "model's section was not shown" in n]
    assert len(replaced) == len(result.sections), result.notes
