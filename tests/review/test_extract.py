"""Pattern extraction of comparison cells: figures, efficiency, task, approach, code links."""

from __future__ import annotations

import re

from assistant.models import Paper
from assistant.review.extract import (approach_of, clause_spans, code_url_of, efficiency_claims, extract_row,
                                      figure_clauses, limitation_sentences, task_of)

ABSTRACT = (
    "Vision-language models are slow to respond on long videos. "
    "Efficient long-video understanding remains challenging due to the number of visual tokens. "
    "To address this, we propose FastV, a token-merging encoder that keeps the salient patches. "
    "FastV achieves 85x faster TTFT vs LLaVA-OneVision, while matching its accuracy. "
    "On a smartphone it decodes 11.68 tokens per second, and it serves requests with up to 3.2x speedup over vLLM. "
    "Our method also achieves 70% more compression than prior state-of-the-art approaches. "
    "Code is available at https://github.com/example/fastv."
)


def _verbatim(cell: str, text: str) -> bool:
    return all(part.strip() in text for part in cell.split("…") if part.strip())


def test_figures_keep_units_and_baselines_verbatim() -> None:
    results = figure_clauses(ABSTRACT)
    joined = " | ".join(results)
    for figure in ("85x faster TTFT vs LLaVA-OneVision", "11.68 tokens per second", "70% more compression",
                   "up to 3.2x speedup over vLLM"):
        assert figure in joined, (figure, results)
    assert all(_verbatim(r, ABSTRACT) for r in results)


def test_model_names_years_and_counts_are_not_figures() -> None:
    text = ("We fine-tune LLaMA-2-7B and YOLOv8 models released in 2023 on 40 different classes of objects. "
            "The approach is described in detail.")
    assert figure_clauses(text) == []


def test_figures_of_prior_work_problems_give_way_to_the_papers_own_claims() -> None:
    text = ("However, the softmax update leads to 20% overheads in previous designs. "
            "We present FlashX, an inference engine. FlashX achieves up to 4.86x speedup compared to Hugging Face.")
    assert figure_clauses(text, name="FlashX") == ["FlashX achieves up to 4.86x speedup compared to Hugging Face"]


def test_efficiency_claims_are_the_papers_own() -> None:
    claims = efficiency_claims(ABSTRACT, name="FastV")
    assert any("85x faster TTFT" in c for c in claims)
    assert not any("slow to respond" in c for c in claims)  # a problem statement, not a claim
    assert all(_verbatim(c, ABSTRACT) for c in claims)


def test_task_and_approach_come_from_cue_sentences() -> None:
    assert task_of(ABSTRACT).startswith("Efficient long-video understanding remains challenging")
    assert approach_of(ABSTRACT) == "FastV, a token-merging encoder that keeps the salient patches"
    assert task_of("In this paper we tackle the problem of sparse retrieval for long documents. Other.") == \
        "the problem of sparse retrieval for long documents"
    assert task_of("Plain opening sentence about detectors. Nothing else here.") == \
        "Plain opening sentence about detectors"


def test_cells_stay_empty_rather_than_guessed() -> None:
    text = "Transformers are widely used. They are studied here in several settings without numbers."
    row = extract_row(1, Paper.make("A Study", text, "t"))
    assert row.results == [] and row.code_url is None and row.approach == ""


def test_code_links() -> None:
    assert code_url_of(ABSTRACT) == "https://github.com/example/fastv"
    assert code_url_of("See the project page https://site.io/x and github.com/org/repo.") == \
        "https://github.com/org/repo"
    assert code_url_of("No links at all.") is None


def test_clauses_do_not_split_inside_brackets_or_numbers() -> None:
    sentence = "It reaches 59.4% AP (vs 57.7% AP, on COCO), using 1,000 images; faster too"
    parts = [sentence[a:b].strip() for a, b in clause_spans(sentence)]
    assert parts == ["It reaches 59.4% AP (vs 57.7% AP, on COCO)", "using 1,000 images", "faster too"]


def test_limitation_sentences_rank_open_problems_first() -> None:
    text = ("Long video generation remains challenging for current models. However, costs are limited. "
            "To address these limitations, we propose X. Results are good.")
    found = dict((s, w) for w, s in limitation_sentences(text))
    assert found["Long video generation remains challenging for current models."] == 2.0
    assert found["However, costs are limited."] == 1.0
    assert "To address these limitations, we propose X." not in found  # solved, not open


def test_every_cell_of_every_stored_abstract_is_verbatim(seeded_store) -> None:
    checked = 0
    for paper in seeded_store.catalogue.iter_papers():
        row = extract_row(1, paper)
        text = paper.abstract
        for cell in [row.task, row.approach, *row.results, *row.efficiency]:
            assert _verbatim(cell, text), (paper.title, cell)
            checked += 1
        if row.code_url:
            assert row.code_url.removeprefix("https://") in text or row.code_url in text
        elif re.search(r"https?://", text):
            raise AssertionError(f"a link in {paper.title!r} was missed")
    assert checked > 1000
