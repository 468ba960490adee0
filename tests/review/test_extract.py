"""Extraction of comparison cells: each read from the paper's own sentences, verbatim, never background."""

from __future__ import annotations

import re

from assistant.models import Paper
from assistant.review.extract import code_url_of, extract_row, limitation_sentences
from assistant.review.figures import STATED_FIGURE_RE, figure_kind, figure_statements, pieces, results_and_efficiency
from assistant.review.proposal import clause_spans, task_of, title_subject
from assistant.roles import tag_abstract

DETECTOR = Paper.make(
    "LiteDet: Real-Time Detection Transformers for Edge Cameras",
    "Convolutional detectors dominate real-time object detection and run at 30 FPS on embedded boards. "
    "However, transformer detectors remain too slow for edge cameras. "
    "In this paper, we propose LiteDet, a real-time detection transformer that prunes background queries with a "
    "learned gate. "
    "LiteDet reaches 48.2% AP on COCO at 95 FPS on a Jetson Orin, outperforming YOLOv8-S in both speed and accuracy. "
    "After pre-training on Objects365, LiteDet-L reaches 53.0% AP. "
    "Its gate also cuts decoder latency by 41% and memory by 2.1x. "
    "Code is available at https://github.com/example/litedet.", "t")

DRAFTER = Paper.make(
    "Parallel Drafting Heads for Faster Decoding",
    "Speculative decoding accelerates LLM inference by letting a small draft model propose tokens that the "
    "target model verifies, yielding 2x speedups. "
    "Existing draft heads ignore the tokens drafted before them, which lowers their acceptance rate. "
    "In this work, we introduce ChainHead, which conditions each draft head on the tokens drafted before it. "
    "Our experiments show that ChainHead achieves a 2.8x speedup on Vicuna-7B, while Medusa reaches 2.1x.", "t")

BATCHED = Paper.make(
    "Serving Speculative Decoding in Batches",
    "Speculative decoding speeds up generation by drafting several tokens at once. "
    "Batching it breaks alignment, because sequences accept different numbers of tokens. "
    "In response, we (1) measure the cost of realignment, (2) present a padding-free batch speculative decoder "
    "PADFREE that exposes realignment as consuming 35% of step time, and (3) introduce REGROUP, which groups "
    "sequences of equal length on the fly, to reduce realignment overhead. "
    "REGROUP improves throughput by 2.5x at batch size 16 while keeping outputs identical.", "t")


def _row(paper: Paper):  # type: ignore[no-untyped-def]
    return extract_row(1, paper)


def _task(paper: Paper) -> str:
    return task_of(paper.title, tag_abstract(paper.title, paper.abstract))


def _verbatim(cell: str, paper: Paper) -> bool:
    head, sep, rest = cell.partition(": ")
    text = rest if sep and head in paper.title + paper.abstract and rest else cell
    return all(part.strip() in paper.abstract or part.strip() in paper.title
               for part in text.split("…") if part.strip())


def test_a_figure_keeps_its_condition_subject_and_baseline() -> None:
    row = _row(DETECTOR)
    assert "After pre-training on Objects365, LiteDet-L reaches 53.0% AP" in row.results
    assert ("LiteDet reaches 48.2% AP on COCO at 95 FPS on a Jetson Orin, outperforming YOLOv8-S in both speed "
            "and accuracy") in row.results
    chain = _row(DRAFTER)
    assert chain.results == ["ChainHead achieves a 2.8x speedup on Vicuna-7B, while Medusa reaches 2.1x"]


def test_figures_of_background_never_fill_a_cell() -> None:
    for paper in (DETECTOR, DRAFTER):
        row = _row(paper)
        cells = [row.task, row.approach, *row.results, *row.efficiency]
        assert not any("30 FPS" in c or "2x speedups" in c or "Convolutional" in c for c in cells), cells


def test_efficiency_holds_speed_and_memory_figures_and_never_repeats_results() -> None:
    row = _row(DETECTOR)
    assert row.efficiency == ["Its gate also cuts decoder latency by 41% and memory by 2.1x"]
    assert not set(row.efficiency) & set(row.results)
    # a paper whose only figures are speedups shows them once, as its results
    chain = _row(DRAFTER)
    assert chain.results and chain.efficiency == []


def test_figure_kinds_by_unit_or_nearest_metric_word() -> None:
    text = "X outperforms Y by 2.2% AP in accuracy and about 21 times in FPS, with 3x lower memory"
    kinds = [figure_kind(text, m) for m in STATED_FIGURE_RE.finditer(text)]
    assert kinds == ["quality", "efficiency", "efficiency"]
    assert figure_kind("accuracy drops by 0.4%", next(STATED_FIGURE_RE.finditer("accuracy drops by 0.4%"))) == \
        "quality"
    assert STATED_FIGURE_RE.search("with perplexity increases of no more than 0.05")


def test_reporting_leads_are_dropped_and_enumerations_split() -> None:
    assert pieces("Extensive experiments on three benchmarks demonstrate that X is 3x faster than Y.") == \
        ["X is 3x faster than Y"]
    assert pieces("For instance, when evaluating on GSM8k, X compresses the cache by 4x.") == \
        ["when evaluating on GSM8k, X compresses the cache by 4x"]
    row = _row(BATCHED)
    assert row.efficiency == []
    assert any(r.startswith("present a padding-free batch speculative decoder PADFREE") and "35%" in r
               for r in row.results + row.efficiency)
    tagged = tag_abstract(BATCHED.title, BATCHED.abstract)
    assert all(not s.text.startswith("In response") for s in figure_statements(tagged))


def test_task_is_the_papers_own_problem_never_background() -> None:
    assert _task(DETECTOR) == "real-time detection transformer"
    purpose = Paper.make("Slim", "Backbones are heavy. To remove redundant channels from vision backbones, we "
                                 "propose Slim, a pruning method. Slim is 2x faster.", "t")
    assert _task(purpose) == "remove redundant channels from vision backbones"
    aim = Paper.make("Q", "Models are large. We aim to quantize diffusion transformers to 4 bits without "
                          "retraining, and propose Q4, a rounding scheme.", "t")
    assert _task(aim) == "quantize diffusion transformers to 4 bits without retraining"
    anaphoric = Paper.make("Fuse: Operator Fusion for Mobile Inference",
                           "Mobile inference is slow. To address this limitation, we present Fuse, a framework that "
                           "merges adjacent kernels.", "t")
    assert _task(anaphoric) == \
        "Operator Fusion for Mobile Inference"  # from the title: "this limitation" points at background
    goal = Paper.make("D", "Long contexts need memory. We introduce DuoCache, a framework that keeps two caches, "
                           "which reduces decoding memory without hurting accuracy.", "t")
    assert _task(goal) == "reduces decoding memory without hurting accuracy"
    focus = Paper.make("B", "Caches grow with context. In this paper, we focus on the most critical problem of "
                            "limited KV-cache storage. We propose B4, a block format for 4-bit caches.", "t")
    assert _task(focus) == "the most critical problem of limited KV-cache storage"
    objectives = Paper.make("Small Splats", "Splatting needs many points. However, this takes much storage. To this "
                            "end, we set two key objectives: pruning redundant points and compressing their colours. "
                            "We propose a learnable mask that removes points.", "t")
    assert _task(objectives).startswith("pruning redundant points and compressing their colours")
    progress = Paper.make("Gaps", "Recurrent layers lag behind attention. In this paper, we make progress on "
                          "closing the quality gap between recurrent layers and attention, and on their speed. We "
                          "propose GapNet.", "t")
    assert _task(progress) == "closing the quality gap between recurrent layers and attention"
    # the obstacles a paper overcomes are in X, listed after ': (i)'; a component's purpose is not the task
    obstacles = Paper.make("Masked Pre-training for Convnets", "We identify and overcome two key obstacles in "
                           "extending masked image modeling to convolutional networks: (i) convolutions cannot "
                           "handle masked inputs; (ii) a single-scale decoder. For (ii), we develop a hierarchical "
                           "decoder to reconstruct images from multi-scale features.", "t")
    assert _task(obstacles) == "extending masked image modeling to convolutional networks"


def test_task_is_what_the_proposal_says_the_method_is_for() -> None:
    """"a framework to X", "a pipeline to X", "NAME for X-ing": X is the task, not the descriptor."""
    to_do = Paper.make("Many Students", "Distilled students are slow. In this work, we introduce Multi-Student "
                       "Distillation (MSD), a framework to distill one teacher into several one-step students, "
                       "each for a subset of prompts. MSD reaches 2x speed.", "t")
    assert _task(to_do) == "distill one teacher into several one-step students"
    for_doing = Paper.make("Streams", "Online video streaming is hard. In this work, we propose a novel framework for "
                           "QUantized ENcoding (QUEN) for streaming volumetric video with Gaussians.", "t")
    assert _task(for_doing) == "streaming volumetric video with Gaussians"
    # "to address these problems" points back at background: the title says more
    back = Paper.make("PrefixBatch: Batched Inference with Shared Prefixes", "Existing engines serve streams. "
                      "They evict shared prefixes early. We propose PrefixBatch to address the above problems.", "t")
    assert _task(back) == "Batched Inference"
    # "for" followed by a noun phrase names who it is for, not what it does
    for_whom = Paper.make("Adapters", "Tuning is costly. We propose LiteAdapt for vision-language models such as "
                          "BLIP, a set of adapters that tune 4% of the weights.", "t")
    assert "BLIP" not in _task(for_whom)


def test_approach_names_the_method_and_its_mechanism() -> None:
    spelled = Paper.make("Alignment for Generation", "Diffusion training is slow. We introduce a straightforward "
                         "regularization called REPresentation Alignment (REPA), which aligns noisy hidden states "
                         "with clean image representations from a pretrained encoder.", "t")
    assert _row(spelled).approach.endswith("(REPA), which aligns noisy hidden states with clean image "
                                           "representations from a pretrained encoder")
    assert _row(DETECTOR).approach == ("LiteDet, a real-time detection transformer that prunes background queries "
                                       "with a learned gate")
    assert _row(DRAFTER).approach == "ChainHead, which conditions each draft head on the tokens drafted before it"
    # of two proposals in one enumerated sentence, the one that names the paper's method
    batched = _row(BATCHED)
    assert batched.approach.startswith("REGROUP, which groups sequences of equal length on the fly"), batched.approach
    assert batched.task == "padding-free batch speculative decoder"
    # a proposal without its mechanism is followed by the sentence that says how it works
    paper = Paper.make("Zip: Cache Compression", "Caches are big. In this paper, we present Zip, an accurate cache "
                                                 "compression method. Zip stores salient tokens in 8 bits and the "
                                                 "rest in 2 bits. Zip is 3x smaller.", "t")
    assert _row(paper).approach == ("Zip, an accurate cache compression method … Zip stores salient tokens in 8 bits "
                                    "and the rest in 2 bits")


def test_title_subject() -> None:
    assert title_subject("Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads") == \
        "LLM Inference Acceleration Framework"
    assert title_subject("A very long title about many things that goes on and on and on for a while") == ""
    # a head that makes a claim is a slogan: the subject follows the ':'
    assert title_subject("Not All Tokens are What You Need: Expediting Vision Transformers via Token Merging") == \
        "Expediting Vision Transformers"


def test_cells_stay_empty_rather_than_guessed() -> None:
    text = "Transformers are widely used. They are studied here in several settings without numbers."
    row = extract_row(1, Paper.make("A Study", text, "t"))
    assert row.results == [] and row.efficiency == [] and row.code_url is None and row.approach == ""
    assert row.task == ""


def test_code_links() -> None:
    assert code_url_of(DETECTOR.abstract) == "https://github.com/example/litedet"
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


def test_every_cell_of_every_stored_abstract_is_verbatim_and_own(seeded_store) -> None:
    papers = list(seeded_store.catalogue.iter_papers())
    tagged = seeded_store.tagged(papers)
    checked = 0
    for paper in papers:
        tags = tagged[paper.paper_id]
        row = extract_row(1, paper, tags)
        assert row == extract_row(1, paper)  # the store's roles are the tagger's
        not_own = [t.text for t in tags if not t.own]
        for cell in [row.task, row.approach, *row.results, *row.efficiency]:
            assert _verbatim(cell, paper), (paper.title, cell)
            assert not any(cell in s for s in not_own if len(cell.split()) >= 6), (paper.title, cell)
            checked += 1
        assert not set(row.results) & set(row.efficiency)
        if row.code_url:
            assert row.code_url.removeprefix("https://") in paper.abstract or row.code_url in paper.abstract
        elif re.search(r"https?://", paper.abstract):
            raise AssertionError(f"a link in {paper.title!r} was missed")
    assert checked > 1000


def test_results_and_efficiency_on_tagged_sentences() -> None:
    tagged = tag_abstract(DETECTOR.title, DETECTOR.abstract)
    results, efficiency = results_and_efficiency(tagged)
    assert len(results) == 2 and len(efficiency) == 1


def test_a_bit_width_the_method_reaches_is_a_result_a_bit_width_it_names_is_not() -> None:
    paper = Paper.make("KVB: Sub-2-Bit KV Caches",
                       "KV caches are large. In this paper, we find that 2-bit KV quantization can hardly hurt the "
                       "model, while lower bits have not been investigated. We introduce KVB, a method that "
                       "quantizes keys per channel. Results on six benchmarks show that KVB compresses the KV cache "
                       "to 1.5-bit precision with almost no performance drop.", "t")
    row = _row(paper)
    # the reached width is the result (without its reporting lead); "2-bit KV quantization" was a setting
    assert row.results == ["KVB compresses the KV cache to 1.5-bit precision with almost no performance drop"]
    assert row.efficiency == []
