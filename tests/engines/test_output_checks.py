"""The output checks on what small local models really write: each bad habit comes from the test server
(testkit.llm_server.Misbehave) over real HTTP, through the real LLMClient, and is checked against real
abstracts from the seeded store with the real verifier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import settings_for

from assistant.engines.llm import LLMClient
from assistant.engines.llm_sources import llm_sources
from assistant.engines.output import (
    ReasoningFilter,
    attach_markers,
    check_output,
    cite_supported,
    cut_repetition,
    fallback_reason,
    strip_reasoning,
)
from assistant.models import Evidence
from assistant.prompts import render
from assistant.textnorm import paper_id_for
from assistant.verify import Verifier
from testkit.llm_server import FakeOpenAIServer, Misbehave, Reply

MEDUSA = "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads"
LOOKAHEAD = "Lookahead: An Inference Acceleration Framework for Large Language Model with Lossless Generation Accuracy"
POWERINFER = "PowerInfer-2: Fast Large Language Model Inference on a Smartphone"
QUESTION = "How does Medusa speed up LLM inference?"
GOOD = ("Medusa adds extra decoding heads to predict multiple subsequent tokens in parallel [1]. "
        "It uses a tree-based attention mechanism to verify candidate continuations [1].")


@pytest.fixture(scope="module")
def evidence(seeded_store) -> list[Evidence]:  # type: ignore[no-untyped-def]
    papers = [seeded_store.get(paper_id_for(t)) for t in (MEDUSA, POWERINFER, LOOKAHEAD)]
    return [Evidence(n, p, p.abstract, 0.7) for n, p in enumerate(papers, 1)]


@pytest.fixture(scope="module")
def verifier(seeded_store) -> Verifier:  # type: ignore[no-untyped-def]
    return Verifier(seeded_store.embedder)


def model_says(reply: Reply, evidence: list[Evidence], tmp_path: Path) -> tuple[str, str]:
    """(text, reasoning) the real client returns for ``reply``, with the real prompt and sources."""
    _, sources = llm_sources(evidence, QUESTION)
    with FakeOpenAIServer(reply) as server:
        client = LLMClient(settings_for(tmp_path, openai_base_url=server.base_url, openai_api_key="x",
                                        llm_timeout=5, llm_max_retries=0))
        done = client.complete(render("answer_system"), render("answer_user", sources=sources, question=QUESTION,
                                                               caution=""))
    return done.text, done.reasoning


# -- reasoning blocks ---------------------------------------------------------------------------------
@pytest.mark.parametrize("tag", ["think", "thinking", "reasoning", "|thinking|"])
def test_reasoning_blocks_never_reach_the_answer_and_their_markers_do_not_count(tag, evidence, verifier, tmp_path):
    text, reasoning = model_says(Misbehave.think(GOOD, inside="Maybe [3] covers it, or [2].", tag=tag), evidence,
                                 tmp_path)
    assert "[3]" in reasoning and "[3]" not in text and "<" not in text
    checked = check_output(text, evidence, verifier)
    assert checked.text.startswith("Medusa adds extra decoding heads") and checked.grounded
    assert {n for v in checked.verdicts for n in v.kept} == {1}


def test_an_unclosed_think_at_the_start_leaves_nothing_and_the_offline_answer_is_used(evidence, verifier, tmp_path):
    text, reasoning = model_says(Misbehave.think(GOOD, inside="Let me see what [2] says about", closed=False),
                                 evidence, tmp_path)
    assert text == "" and "[2]" in reasoning
    checked = check_output(text, evidence, verifier)
    assert not checked.grounded and fallback_reason(checked) == "nothing was left of it after the checks"


def test_a_closing_tag_whose_opener_was_in_the_template_hides_what_came_before():
    visible, reasoning = strip_reasoning("The user wants [3]. I will answer.</think>\nMedusa adds heads [1].")
    assert visible == "Medusa adds heads [1]." and reasoning == "The user wants [3]. I will answer."


def test_the_stream_filter_holds_back_a_block_split_across_pieces():
    f = ReasoningFilter()
    pieces = ["Sure. <th", "ink>secret [2]", " more</thi", "nk> Medusa adds heads [1]", "."]
    assert "".join(f.feed(p) for p in pieces) + f.flush() == "Sure.  Medusa adds heads [1]."


# -- echo ------------------------------------------------------------------------------------------------
def test_an_echoed_source_list_is_removed_and_the_answer_kept(evidence, verifier, tmp_path):
    text, _ = model_says(Misbehave.source_echo(GOOD), evidence, tmp_path)
    assert MEDUSA in text and LOOKAHEAD in text  # the model really did repeat the titles
    checked = check_output(text, evidence, verifier)
    assert MEDUSA not in checked.text and LOOKAHEAD not in checked.text and "[3]" not in checked.text
    assert checked.counts["echo_titles"] == 3 and checked.grounded
    assert any("source list" in n for n in checked.notes)


def test_an_abstract_dump_is_removed_and_falls_back(evidence, verifier, tmp_path):
    text, _ = model_says(Misbehave.abstract_dump(), evidence, tmp_path)
    assert len(text.split()) > 100
    checked = check_output(text, evidence, verifier)
    assert checked.counts["dumped"] >= 5 and checked.text == ""
    assert fallback_reason(checked) is not None
    assert any("copied from the abstracts" in n for n in checked.notes)


def test_one_cited_quote_is_not_an_abstract_dump(evidence, verifier):
    quote = ("Using a tree-based attention mechanism, Medusa constructs multiple candidate continuations and "
             "verifies them simultaneously in each decoding step [1].")
    checked = check_output(quote, evidence, verifier)
    assert checked.text == quote and checked.counts["dumped"] == 0 and checked.grounded


# -- repetition --------------------------------------------------------------------------------------------
def test_a_paragraph_said_three_times_is_said_once(evidence, verifier, tmp_path):
    text, _ = model_says(Misbehave.repetition_loop(GOOD, times=3), evidence, tmp_path)
    checked = check_output(text, evidence, verifier)
    assert checked.text == GOOD and checked.counts["repeated"] == 4
    assert any("repetition" in n for n in checked.notes)


def test_a_phrase_looping_inside_a_sentence_is_cut():
    cut = cut_repetition("Medusa adds heads and heads and heads and heads and heads to the model [1].")
    assert cut.loops == 1 and cut.text == "Medusa adds heads and heads to the model [1]."


# -- made-up figures, wrong attribution ---------------------------------------------------------------
def test_a_made_up_figure_behind_a_valid_marker_is_not_shown_as_supported(evidence, verifier, tmp_path):
    text, _ = model_says(Misbehave.made_up_figure(n=3), evidence, tmp_path)
    assert text == "The model has 1,068,240 parameters [3]."
    checked = check_output(text, evidence, verifier)
    (verdict,) = checked.verdicts
    assert verdict.label in ("unsupported", "contradicted") and verdict.kept == ()
    assert "[3]" not in checked.text and not checked.grounded
    assert fallback_reason(checked) is not None


def test_a_mechanism_cited_to_the_wrong_paper_loses_that_marker(evidence, verifier):
    checked = check_output("Medusa adds extra decoding heads to predict multiple subsequent tokens in parallel "
                           "[1][3].", evidence, verifier)
    (verdict,) = checked.verdicts
    assert verdict.per_source[1] == "supported" and verdict.per_source[3] != "supported"
    assert verdict.kept == (1,) and checked.text.endswith("in parallel [1].")
    assert verdict.evidence and "decoding heads" in verdict.evidence
    assert any("removed [3]" in n for n in checked.notes)


def test_the_same_claim_cited_only_to_the_wrong_paper_is_uncited(evidence, verifier):
    checked = check_output("Medusa adds extra decoding heads to predict multiple subsequent tokens in parallel "
                           "[3].", evidence, verifier)
    assert "[3]" not in checked.text and checked.supported == 0 and not checked.grounded


# -- first person -----------------------------------------------------------------------------------------
def test_first_person_copy_is_attributed_to_the_cited_paper(evidence, verifier, tmp_path):
    text, _ = model_says(Misbehave.first_person(n=1), evidence, tmp_path)
    assert text.startswith("In this paper, we present Medusa")
    checked = check_output(text, evidence, verifier)
    assert checked.text.startswith("Medusa's authors present Medusa, an efficient method")
    assert not any(w in checked.text.lower().split() for w in ("we", "our"))
    assert checked.counts["first_person"] == 1 and checked.grounded


def test_uncited_first_person_text_is_removed(evidence, verifier):
    checked = check_output(f"We propose a new decoding method. {GOOD}", evidence, verifier)
    assert checked.text == GOOD and checked.counts["first_person_removed"] == 1


# -- markers after the full stop --------------------------------------------------------------------
@pytest.mark.parametrize("written, fixed", [
    ("Medusa adds decoding heads. [1]", "Medusa adds decoding heads [1]."),
    ("Medusa adds decoding heads.[1][2] It is fast. [2]", "Medusa adds decoding heads [1][2]. It is fast [2]."),
    ("Medusa adds decoding heads.\n[1]", "Medusa adds decoding heads [1]."),
    ("PowerInfer-2 reaches 11.68 tokens/s [2].", "PowerInfer-2 reaches 11.68 tokens/s [2]."),
])
def test_a_marker_after_the_full_stop_joins_its_sentence(written, fixed):
    assert attach_markers(written) == fixed


def test_a_marker_after_the_full_stop_counts_for_its_sentence(evidence, verifier):
    checked = check_output("Medusa adds extra decoding heads to predict multiple subsequent tokens in parallel. [1]",
                           evidence, verifier)
    assert checked.text.endswith("in parallel [1].") and checked.grounded


# -- quotes first, then the answer ------------------------------------------------------------------
def test_only_the_answer_part_is_shown(evidence, verifier):
    reply = ('Quotes:\n- "In this paper, we present Medusa, an efficient method that augments LLM inference by adding '
             'extra decoding heads to predict multiple subsequent tokens in parallel." [1]\n\nAnswer:\n' + GOOD)
    checked = check_output(reply, evidence, verifier)
    assert checked.text == GOOD and checked.grounded


def test_the_sources_do_not_cover_it_is_kept_for_a_weak_match_only(evidence, verifier):
    checked = check_output("The sources do not say how fast Medusa is on a phone.", evidence, verifier)
    assert not checked.grounded and fallback_reason(checked, weak=True) is None
    assert "do not answer" in fallback_reason(checked, weak=False)


# -- the short role-tagged sources ------------------------------------------------------------------
def test_sources_are_fewer_shorter_and_role_tagged(seeded_store):  # type: ignore[no-untyped-def]
    papers = [seeded_store.get(paper_id_for(t)) for t in (MEDUSA, POWERINFER, LOOKAHEAD)] * 2
    evidence = [Evidence(n, p, p.abstract, 0.7) for n, p in enumerate(papers, 1)]
    shown, block = llm_sources(evidence, QUESTION)
    assert [e.n for e in shown] == [1, 2, 3, 4] and "[5]" not in block
    medusa = block.split("\n\n")[0].splitlines()
    assert medusa[0] == f"[1] {MEDUSA}" + (f" ({papers[0].year})" if papers[0].year else "")
    assert 2 <= len(medusa) - 1 <= 5 and all(line.startswith("(") for line in medusa[1:])
    assert any(line.startswith("(method) In this paper, we present Medusa") for line in medusa)
    tags = {line.split(")")[0] + ")" for b in block.split("\n\n") for line in b.splitlines()[1:]}
    assert tags <= {"(method)", "(result)", "(background)", "(prior work)", "(problem)", "(conclusion)"}
    assert "(prior work)" in tags  # a sentence about others' methods is marked, not offered as the paper's own
    assert len(block) < 0.6 * sum(len(e.text) for e in shown)


def test_a_sentence_starting_with_answer_is_not_a_heading(evidence, verifier):
    text = "Answering this, Medusa adds extra decoding heads to predict multiple subsequent tokens in parallel [1]."
    assert check_output(text, evidence, verifier).text == text


def test_quotes_alone_are_the_answer(evidence, verifier):
    reply = ('Quotes:\n- "Using a tree-based attention mechanism, Medusa constructs multiple candidate continuations '
             'and verifies them simultaneously in each decoding step." [1]')
    checked = check_output(reply, evidence, verifier)
    assert checked.text.startswith("Using a tree-based attention") and checked.text.endswith("decoding step [1].")
    assert checked.grounded


# -- what a 135M model really wrote (SmolLM2, bench/llm_eval.py) ---------------------------------------
def test_a_title_cut_short_after_its_marker_is_an_echo_too(evidence, verifier):
    checked = check_output(f"The answer is:\n<source>\n[1] Medusa: Simple LLM Inference Acceleration\n{GOOD}",
                           evidence, verifier)
    assert checked.text == f"The answer is:\n{GOOD}" and checked.counts["echo_titles"] == 1


def test_the_prompt_instructions_repeated_back_are_removed(evidence, verifier):
    echo = ("The closest sources below may be only a few seconds away from this question. "
            "Two to four sentences in your own words. (method) " + GOOD)
    checked = check_output(echo, evidence, verifier)
    assert checked.text == GOOD


def test_the_draft_role_labels_repeated_back_are_removed(evidence, verifier):
    """Draft sections read "(own method) …" and "(own limitation) …" lines; a model that copies the label
    does not pass it on."""
    checked = check_output(f"(own method) {GOOD}", evidence, verifier)
    assert checked.text == GOOD
    assert check_output(f"(own limitation) {GOOD}", evidence, verifier).text == GOOD


def test_a_paraphrased_figure_gets_the_one_source_that_states_it(evidence, verifier):
    """A model that quotes with markers and then answers without them: the answer sentence states the
    source's figures in other words, and the one source holding every figure is cited."""
    medusa = next(e for e in evidence if e.paper.title.startswith("Medusa"))
    figure = re.search(r"\d+(?:\.\d+)?x", medusa.paper.abstract).group(0)
    text = f"The multi-head approach reaches a {figure} speedup without losing generation quality."
    cited, added = cite_supported(text, evidence, verifier)
    assert added == 1 and cited == text[:-1] + f" [{medusa.n}].", cited
    invented = "The multi-head approach reaches a 97.3x speedup without losing generation quality."
    assert cite_supported(invented, evidence, verifier) == (invented, 0)  # a figure no source states
    # the verifier still has the last word: this paraphrase is not borne out well enough to keep its marker
    assert "[" not in check_output(text, evidence, verifier).text


def test_an_uncited_answer_falls_back_even_on_a_weak_match(evidence, verifier):
    checked = check_output("The detector runs at 2.5 frames per second after TensorRT optimization.",
                           evidence, verifier)
    assert fallback_reason(checked, weak=True) == "it cites no supported claim"


def test_headings_are_never_cited_and_emptied_bold_goes(evidence, verifier):
    """What Qwen2.5-Coder wrote in compare syntheses: a Markdown heading got a source as if it were a
    claim, and "- **[2]**: …" left "- ****: …" once the unsupported [2] was removed."""
    heading = "### Comparison of Medusa and Lookahead Decoding Methods"
    cited, added = cite_supported(f"{heading}\n\n**Common features of both:**\n\n{GOOD}", evidence, verifier)
    assert cited.startswith(heading + "\n") and "**Common features of both:**\n" in cited
    checked = check_output("- **[1]**: It categorizes transformer layers into drafters and refiners.", evidence,
                           verifier)
    assert "****" not in checked.text and checked.text.startswith("- It categorizes")
