"""The LLM path of compare: role-marked evidence, cells checked against the paper's own sentences,
refilled by offline extraction, and prompt files whose placeholders match what the code fills in."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import llm_client, tool_name

from assistant.engines.llm import LLMClient
from assistant.review.compare import compare
from assistant.review.extract import extract_row
from assistant.review.llm import RowOut, format_role_sources, merge_row
from assistant.review.select import number
from assistant.roles import tag_abstract
from assistant.store.titles import resolve_title
from testkit.llm_server import FakeOpenAIServer, Reply

RTDETR = "DETRs Beat YOLOs on Real-time Object Detection"
BACKGROUND = ("The YOLO series has become the most popular framework for real-time object detection due to its "
              "reasonable trade-off between speed and accuracy")
RESULT = "Our RT-DETR-R50 / R101 achieves 53.1% / 54.3% AP on COCO and 108 / 74 FPS on T4 GPU"


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


def _client(server: FakeOpenAIServer, tmp_path: Path) -> LLMClient:
    return llm_client(server, tmp_path, key="sk-test-compare")


def test_the_model_sees_each_sentence_with_its_role(seeded_store, server, tmp_path) -> None:
    server.script = lambda req: (Reply.tool_call({"rows": []}) if tool_name(req) == "RowsOut"
                                 else Reply.text("RT-DETR is a real-time detector [1]."))
    compare(seeded_store, titles=[RTDETR], llm=_client(server, tmp_path))
    rows_request, synthesis_request = server.chat_requests()[:2]
    for request in (rows_request, synthesis_request):
        system, user = (m["content"] for m in request.body["messages"][:2])
        assert "credited only with its own (method) and (result) sentences" in system
        assert f"(background) {BACKGROUND}." in user
        assert "(method) In this paper, we propose the Real-Time DEtection TRansformer (RT-DETR)" in user
        assert f"(result) {RESULT}" in user


def test_cells_from_background_or_repeating_results_are_refilled_offline(seeded_store, server, tmp_path) -> None:
    reply = {"rows": [{"n": 1, "task": BACKGROUND, "approach": "RT-DETR, a real-time end-to-end object detector",
                       "results": [RESULT], "efficiency": [RESULT, "an efficient hybrid encoder"]}]}
    server.script = lambda req: (Reply.tool_call(reply) if tool_name(req) == "RowsOut" else Reply.text("RT-DETR [1]."))
    result = compare(seeded_store, titles=[RTDETR], llm=_client(server, tmp_path))
    paper = resolve_title(seeded_store, RTDETR)
    offline = extract_row(1, paper)
    row = result.rows[0]
    assert row.task == offline.task != BACKGROUND  # background is never a task
    assert row.approach == "RT-DETR, a real-time end-to-end object detector"  # the model's own valid cell
    assert row.results == [RESULT]
    assert row.efficiency == offline.efficiency  # a repeat of results and a figure-less item are refused
    assert any("filled by offline extraction" in n for n in result.notes)


def test_merge_row_without_roles_keeps_the_old_checks(seeded_store) -> None:
    paper = resolve_title(seeded_store, RTDETR)
    offline = extract_row(1, paper)
    model = RowOut(n=1, task=BACKGROUND, results=["99.9% AP on COCO"])
    merged, replaced = merge_row(model, offline, paper.abstract)
    assert merged.task == BACKGROUND  # without roles, only the term overlap is checked
    merged, _ = merge_row(model, offline, paper.abstract, tag_abstract(paper.title, paper.abstract))
    assert merged.task == offline.task and merged.results == offline.results  # invented figure refused


def test_role_sources_fall_back_to_plain_text_without_tags(seeded_store) -> None:
    evidence = number([resolve_title(seeded_store, RTDETR)])
    assert format_role_sources(evidence, None).startswith(f"[1] {RTDETR}")
    assert "(method)" not in format_role_sources(evidence, {})


def test_the_synthesis_gets_the_checks_an_answer_gets(seeded_store, server, tmp_path) -> None:
    """Reasoning left out, a sentence its source contradicts removed and named, and a stream cut
    mid-synthesis said in the notes."""
    thinking = ("<think>The user wants a comparison. Source [1] is RT-DETR.</think>"
                "RT-DETR achieves 53.1% AP on COCO at 108 FPS on a T4 GPU [1]. "
                "RT-DETR runs on a smartphone at 900 FPS without a GPU [1].")
    server.script = lambda req: (Reply.tool_call({"rows": []}) if tool_name(req) == "RowsOut" else Reply.text(thinking))
    result = compare(seeded_store, titles=[RTDETR], llm=_client(server, tmp_path))
    assert "<think>" not in result.synthesis and "The user wants" not in result.synthesis
    assert "53.1% AP" in result.synthesis
    assert "900 FPS" not in result.synthesis  # the abstract's figures are 108 / 74 FPS on a T4 GPU
    assert any(n.startswith("synthesis: ") and "900 FPS" in n for n in result.notes), result.notes

    cut = "RT-DETR achieves 53.1% AP on COCO at 108 FPS on a T4 GPU [1]. It also"
    server.script = lambda req: (Reply.tool_call({"rows": []}) if tool_name(req) == "RowsOut"
                                 else Reply.text(cut + " reaches more", cut_after=len(cut.split())))
    result = compare(seeded_store, titles=[RTDETR], llm=_client(server, tmp_path))
    assert any(n.startswith("synthesis: ") and "cut" in n for n in result.notes), result.notes


def test_a_synthesis_that_its_sources_do_not_bear_out_gives_way_to_the_offline_one(seeded_store, server,
                                                                                  tmp_path) -> None:
    """Citations the abstracts do not support are not left behind as uncited prose: the whole synthesis
    is the offline one, and the notes say why."""
    invented = ("RT-DETR transcribes speech recordings in twelve languages [1]. "
                "RT-DETR runs on a smartphone at 900 FPS without a GPU [1].")
    server.script = lambda req: (Reply.tool_call({"rows": []}) if tool_name(req) == "RowsOut" else Reply.text(invented))
    result = compare(seeded_store, titles=[RTDETR], llm=_client(server, tmp_path))
    offline = compare(seeded_store, titles=[RTDETR], engine="offline")
    assert "speech" not in result.synthesis and "900 FPS" not in result.synthesis
    assert result.synthesis == offline.synthesis and "[1]" in result.synthesis
    assert any("model's synthesis was not shown" in n for n in result.notes), result.notes
    assert any("unsupported" in n and "speech recordings" in n for n in result.notes), result.notes

    server.script = lambda req: (Reply.tool_call({"rows": []}) if tool_name(req) == "RowsOut"
                                 else Reply.text("RT-DETR achieves 53.1% AP on COCO at 108 FPS on a T4 GPU [1]."))
    kept = compare(seeded_store, titles=[RTDETR], llm=_client(server, tmp_path))
    assert kept.synthesis.startswith("RT-DETR achieves 53.1% AP") and not any("not shown" in n for n in kept.notes)
