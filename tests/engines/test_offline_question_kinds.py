"""The offline engine reads the question's kind and quotes only papers' own claims, over the real seeded store."""

from __future__ import annotations

import re

import pytest

from assistant.engines.answer import NO_EVIDENCE, ask
from assistant.engines.citations import MARKER_RE
from assistant.engines.negatives import does_without, negative_standing
from assistant.engines.offline import compound_hits, joined
from assistant.engines.question import Kind, read_question, topic_query
from assistant.roles import tag_abstract
from assistant.store import Store

SWIFT = "SWIFT: On-the-Fly Self-Speculative Decoding for LLM Inference Acceleration"
FASTDRAFT = "FastDraft: How to Train Your Draft"
RAZOR = "RazorAttention: Efficient KV Cache Compression Through Retrieval Heads"
DUO = "DuoAttention: Efficient Long-Context LLM Inference with Retrieval and Streaming Heads"


@pytest.mark.parametrize(("question", "kind", "is_list"), [
    ("Which papers compress the KV cache by quantizing it to low bit widths?", Kind.WHICH, True),
    ("Which speculative decoding methods need no separate draft model?", Kind.NEGATIVE, True),
    ("Which training-free methods prune visual tokens?", Kind.NEGATIVE, True),
    ("How does SWIFT build its draft model without extra parameters or training?", Kind.HOW, False),
    ("By how much does Clover outperform Medusa?", Kind.HOW_MUCH, False),
    ("What AP does RT-DETR-R50 reach after pre-training with Objects365?", Kind.HOW_MUCH, False),
    ("What is Token Recycling?", Kind.WHAT_IS, False),
    ("How do RazorAttention and DuoAttention treat retrieval heads differently?", Kind.COMPARE, False),
    ("Why do draft and target models wait for each other?", Kind.WHY, False),
])
def test_question_kinds(question: str, kind: Kind, is_list: bool) -> None:
    reading = read_question(question)
    assert (reading.kind, reading.is_list) == (kind, is_list)


def test_negative_question_names_the_excluded_thing_and_its_topic() -> None:
    reading = read_question("Which papers speed up LLM decoding without a separate draft model?")
    assert reading.excluded == "separate draft model"
    assert reading.excluded_terms == ("draft", "model")  # "separate" qualifies, it is not the thing
    assert topic_query("Which papers speed up LLM decoding without a separate draft model?") == \
        "Which papers speed up LLM decoding"


def test_negative_standing_from_the_abstracts_own_words(seeded_store: Store) -> None:
    reading = read_question("Which speculative decoding methods need no separate draft model?")
    by_title = {p.title: p for p in seeded_store.catalogue.iter_papers()}
    swift, fastdraft = by_title[SWIFT], by_title[FASTDRAFT]
    # SWIFT describes ordinary speculative decoding (a compact draft model) as background, but says of itself
    # that it "does not require auxiliary models"; FastDraft trains a draft model.
    assert negative_standing(tag_abstract(swift.title, swift.abstract), reading) == "without"
    assert negative_standing(tag_abstract(fastdraft.title, fastdraft.abstract), reading) == "uses"


def _quotes(answer) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(m.group(1).strip(), int(m.group(2))) for m in re.finditer(r"([^\[\n]+?)\s*\[(\d+)\][.!?]", answer.text)]


def test_negative_answer_cites_the_paper_that_does_without_and_never_its_background(seeded_store: Store) -> None:
    answer = ask(seeded_store, "Which speculative decoding methods need no separate draft model?", engine="offline")
    titles = [c.title for c in answer.citations]
    assert SWIFT in titles and FASTDRAFT not in titles
    swift_n = next(c.n for c in answer.citations if c.title == SWIFT)
    quoted = [text for text, n in _quotes(answer) if n == swift_n]
    assert any("does not require auxiliary models" in q for q in quoted)
    assert not any("compact model to draft multiple tokens" in q for q in quoted)  # SWIFT's background


def test_markers_run_in_reading_order_from_one(seeded_store: Store) -> None:
    for question in ("Which papers compress the KV cache by quantizing it to low bit widths?",
                     "Which papers propose real-time object detectors or detection backbones?"):
        answer = ask(seeded_store, question, engine="offline")
        seen = list(dict.fromkeys(int(n) for m in MARKER_RE.finditer(answer.text) for n in [m.group(1)]))
        assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 2
        assert [c.n for c in answer.citations] == seen
        given = {e.n: e.paper.paper_id for e in answer.evidence}
        assert all(given[c.n] == c.paper_id for c in answer.citations)


def test_only_own_method_or_result_sentences_are_quoted(seeded_store: Store) -> None:
    answer = ask(seeded_store, "Which papers compress the KV cache by quantizing it to low bit widths?",
                 engine="offline")
    by_n = {e.n: e.paper for e in answer.evidence}
    quotes = _quotes(answer)
    assert quotes
    for text, n in quotes:
        paper = by_n[n]
        sentence = text.split(": ", 1)[-1]
        tags = [t for t in seeded_store.tagged([paper])[paper.paper_id] if sentence.rstrip(".") in t.text]
        assert tags and all(t.own for t in tags), (paper.title, sentence)


def test_a_named_method_is_answered_from_its_own_paper(seeded_store: Store) -> None:
    answer = ask(seeded_store, "How does Medusa verify multiple candidate continuations in one decoding step?",
                 engine="offline")
    assert [c.title for c in answer.citations] == \
        ["Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads"]
    assert "tree-based attention" in answer.text


def test_a_question_naming_two_collection_methods_passes_the_gate(seeded_store: Store) -> None:
    # Its wording is far from both abstracts (best similarity below the gate), but it names their methods.
    answer = ask(seeded_store, "How do RazorAttention and DuoAttention treat retrieval heads differently from "
                               "the other heads?", engine="offline")
    assert answer.text != NO_EVIDENCE
    assert {c.title for c in answer.citations} == {RAZOR, DUO}


def test_what_is_may_quote_background_and_says_so(seeded_store: Store) -> None:
    answer = ask(seeded_store, "What is the ragged tensor problem in batch speculative decoding?", engine="offline")
    assert answer.text.startswith("Background (Batch Speculative Decoding Done Right):")
    assert "ragged tensor problem" in answer.text


@pytest.mark.parametrize(("question", "subject"), [
    ("What is direct speech-to-speech translation, and what makes it hard to do both well and fast?",
     "direct speech-to-speech translation"),
    ("When a still picture is turned into a video, what is the 'image leakage' problem and what harm does it do?",
     "image leakage"),
    ("What is the mutual waiting problem?", "mutual waiting"),
])
def test_a_what_is_question_reads_the_thing_asked_about(question: str, subject: str) -> None:
    """A scene-setting clause before "what is", a second question after it, an article, quotes and a word
    that says only what kind of thing it is ("problem") are not part of the thing to define."""
    reading = read_question(question)
    assert reading.kind is Kind.WHAT_IS
    assert re.sub(r"^(?:the|a|an)\s+|['\"]", "", reading.subject) == subject


def test_what_is_quotes_the_sentence_that_says_what_the_term_is_known_as(seeded_store: Store) -> None:
    """FlashI2V names "conditional image leakage" in four sentences; the one that defines it ("…, which is known
    as conditional image leakage, leading to …") answers."""
    answer = ask(seeded_store, "When a still picture is turned into a video, what is the 'image leakage' problem "
                               "and what harm does it do?", engine="offline")
    assert answer.text.startswith("Background (FlashI2V):")
    assert "which is known as conditional image leakage" in answer.text.split("\n\n")[0]


def test_a_figure_the_abstracts_do_not_report_is_said_so_with_nearest_papers(seeded_store: Store) -> None:
    answer = ask(seeded_store, "How many tokens per second does PowerInfer-2 reach for a 13B model on a smartphone?",
                 engine="offline")
    assert answer.text.split("\n")[0] == "None of the abstracts found reports a figure for 13B."
    assert "Nearest papers" in answer.text and answer.citations == []
    assert "PowerInfer-2" in answer.text.split("Nearest papers", 1)[1]


def test_the_excluded_thing_ends_where_its_qualifier_begins() -> None:
    """"without fine-tuning the model for every new subject" excludes fine-tuning, not the subject the
    question is about; "training or fine-tuning" is one thing."""
    reading = read_question("Which papers put my own subject into generated images from a few photos, without "
                            "fine-tuning the model for every new subject?")
    assert reading.kind is Kind.NEGATIVE and reading.excluded_terms == ("fine-tuning",)
    assert read_question("Which papers edit videos without training or fine-tuning any model?").excluded_terms \
        == ("training",)
    assert read_question("What is prepacking in LLM inference?").subject == "prepacking"


def test_doing_without_one_kind_of_data_is_not_doing_without_training() -> None:
    training = ("training",)
    assert not does_without("We boost long video understanding without training with long video samples.",
                             training)
    assert not does_without("It mimics inference without training on prohibitively long contexts.", training)
    assert does_without("Our sampler needs no training and works without training on any new data.", training)
    assert does_without("We introduce a training-free framework for video editing.", training)
    # leaving out one kind of fine-tuning is not leaving out fine-tuning: the model was trained
    assert not does_without("Our SFT strategy also enhances general VQA abilities without any VQA-specific "
                            "fine-tuning.", training)
    assert not does_without("It reaches state-of-the-art results with no task-specific fine-tuning.", training)
    assert does_without("It needs no additional training.", training)


def test_a_definition_names_the_thing_it_defines(seeded_store: Store) -> None:
    """"What is prepacking?" is answered by the sentence that introduces Prepacking, not by the paper's
    background on prefilling, which never names it."""
    answer = ask(seeded_store, "What is prepacking in LLM inference?", engine="offline")
    assert answer.citations and answer.citations[0].title.startswith("Prepacking")
    assert "we propose Prepacking" in answer.text and "Background" not in answer.text
    assert "prefilling is the computation of the key-value" not in answer.text


def test_a_term_one_abstract_uses_is_defined_from_it_though_its_words_embed_far_away(seeded_store: Store) -> None:
    """"mutual waiting problem" embeds far from PEARL's abstract (similarity about 0.2, under the relevance line),
    but the abstract holds every word of it, as search shows: the question is answered, not refused, and by
    the sentence that defines the term ("…, i.e., the target model gets stuck …"), labelled as background,
    not by the one that only names it."""
    answer = ask(seeded_store, "What is the mutual waiting problem?", engine="offline")
    assert answer.grounded and [c.title.split(" with ")[0] for c in answer.citations] == \
        ["Parallel Speculative Decoding"]
    assert answer.text.startswith("Background (") and "i.e., the target model gets stuck" in answer.text
    assert answer.weak_match  # and it says the match is not close
    # a question whose words no abstract holds together is still refused
    assert not ask(seeded_store, "What is the mutual waiting problem of honey bees?", engine="offline").grounded


def test_one_good_paper_is_not_padded_with_near_misses(seeded_store: Store) -> None:
    """A "how" question one paper answers: that paper alone ("pre-computed" read as "precomputed")."""
    answer = ask(seeded_store, "In RAG, how can the precomputed attention cache of a retrieved passage be reused "
                               "when the passage is not at the start of the input?", engine="offline")
    assert [c.title.split(":")[0] for c in answer.citations] == ["CacheBlend"]
    assert "regardless prefix or not" in answer.text


def test_compound_words_and_prefixes_match_the_question() -> None:
    assert compound_hits({"phone", "rate"}, "It runs on two smartphones and accelerates decoding.") == {"phone"}
    assert joined("reuses the pre-computed KV caches, re-uses them") == "reuses the precomputed KV caches, reuses them"


@pytest.mark.parametrize(("question", "means"), [
    ("Which papers compress the KV cache by quantizing it to low bit widths?", "quantizing"),
    ("Which papers shrink LLMs by using knowledge distillation from a teacher?", "distillation"),
    ("Which papers train models too big for the GPU by offloading parts of them to SSDs?", "offloading"),
    ("Which papers speed up decoding by up to three times?", ""),  # a figure, not a mechanism
    ("Which papers prune visual tokens?", ""),
    ("Which papers compress LLMs via pruning?", "pruning"),
    ("Which papers speed up inference through speculative decoding?", "decoding"),  # a list, not "how much"
])
def test_a_which_question_names_how_it_is_done(question: str, means: str) -> None:
    assert read_question(question).means == means


def test_a_which_question_lists_only_papers_that_do_it_the_asked_way(seeded_store: Store) -> None:
    """KV-cache papers that compress by eviction or merging are not listed for "by quantizing it";
    the quantization papers are."""
    answer = ask(seeded_store, "Which papers compress the KV cache by quantizing it to low bit widths?",
                 engine="offline")
    titles = [c.title for c in answer.citations]
    assert any(t.startswith("ZipCache") for t in titles)
    assert any(t.startswith("Plug-and-Play 1.x-Bit KV Cache Quantization") for t in titles)
    assert RAZOR not in titles
    assert not any(t.startswith("Model Tells You Where to Merge") for t in titles)


def _retrieval_scores(store: Store, question: str) -> dict[str, float]:
    """Each evidence paper's retrieval score for ``question``, by title, as the offline engine gets them."""
    from assistant.engines.engine import OfflineEngine

    engine = OfflineEngine()
    evidence = engine.evidence(engine.search(store, question, (), 6, None)[0], question)
    return {e.paper.title: e.relevance for e in evidence}


def test_a_list_is_the_papers_retrieval_scores_close_to_the_best_best_first(seeded_store: Store) -> None:
    """A plain-language "which" question whose words the abstracts do not use: the papers listed are those
    that retrieval, judging each whole abstract, scores at least LIST_RELEVANCE_RATIO of the best, in that
    order; each is quoted for its own method or result."""
    from assistant.engines.offline import LIST_RELEVANCE_RATIO

    question = "Which papers get a diffusion model to produce an image in a single step instead of dozens?"
    answer = ask(seeded_store, question, engine="offline")
    scores = _retrieval_scores(seeded_store, question)
    titles = [c.title for c in answer.citations]
    assert {t.split(":")[0] for t in titles} >= {"InstaFlow", "SlimFlow"}
    best = max(scores.values())
    assert all(scores[t] >= LIST_RELEVANCE_RATIO * best for t in titles)
    assert [scores[t] for t in titles] == sorted((scores[t] for t in titles), reverse=True)
    left_out = [t for t, s in scores.items() if s < LIST_RELEVANCE_RATIO * best]
    assert left_out and not set(left_out) & set(titles)
    assert "Background" not in answer.text and not answer.weak_match


def test_a_list_leaves_out_a_paper_whose_abstract_is_about_something_else(seeded_store: Store) -> None:
    """Locret's own sentences share "KV cache", "compress" and "bits" with the question, but its abstract is about
    evicting cache entries, not quantizing them: retrieval, which judged the whole abstract, scores it well
    under the quantization papers, and it is not listed."""
    from assistant.engines.offline import LIST_RELEVANCE_RATIO

    question = "Which papers compress the KV cache by quantizing it to low bit widths?"
    answer = ask(seeded_store, question, engine="offline")
    titles = [c.title for c in answer.citations]
    assert any(t.startswith("ZipCache") for t in titles)
    assert not any(t.startswith("Locret") for t in titles)
    scores = _retrieval_scores(seeded_store, question)
    assert any(t.startswith("Locret") and s < LIST_RELEVANCE_RATIO * max(scores.values()) for t, s in scores.items())


def test_a_listed_paper_is_quoted_for_what_it_does_not_for_its_problem(seeded_store: Store) -> None:
    """Accurate Block Quantization's best-matching sentence is its problem ("we focus on the most critical problem
    of limited KV-cache storage"); a list quotes its own method instead."""
    answer = ask(seeded_store, "Which papers compress the KV cache by quantizing it to low bit widths?",
                 engine="offline")
    line = next(p for p in answer.text.split("\n\n") if p.startswith("Accurate Block Quantization"))
    assert "most critical problem" not in line and "Background" not in line
    assert "We propose a novel approach enabling usage of low precision BFP formats" in line or \
        "We exploit the common channel-wise patterns exhibited by the outliers" in line


def test_a_negative_list_keeps_papers_that_do_without_the_thing_in_other_words(seeded_store: Store) -> None:
    """The topic gate does not apply to a negative question: Medusa's abstract is far from a question that names
    draft models, yet its own extra decoding heads are the answer (it sets separate draft models out as the
    burden it avoids)."""
    answer = ask(seeded_store, "Which speculative decoding methods need no separate draft model?", engine="offline")
    names = [c.title.split(":")[0] for c in answer.citations]
    assert names[:2] == ["SWIFT", "Medusa"]


def test_a_list_no_abstract_is_close_to_cites_one_guess_at_most(seeded_store: Store) -> None:
    """No abstract is close to these plain-language questions and none uses their words: a list cites at most
    its best paper (WEAK_SURE) and names the next close ones apart, uncited. For the draft and target models
    "sitting idle waiting for each other" that is PEARL (its "mutual waiting problem"); S2D, which only
    shares "draft model" and "target model", is named apart."""
    from assistant.engines.offline import WEAK_SURE

    answer = ask(seeded_store, "Which papers deal with the draft and target models sitting idle waiting for each "
                               "other?", engine="offline")
    assert answer.weak_match and [c.title for c in answer.citations] == \
        ["Parallel Speculative Decoding with Adaptive Draft Length"]
    head, _, also = answer.text.partition("Also close, though their abstracts do not use the question's words")
    assert "mutual waiting problem [1]" in head and "S2D" in also and not MARKER_RE.search(also)
    early = ask(seeded_store, "Which papers let a network stop partway and skip its remaining layers once its "
                              "prediction is good enough?", engine="offline")
    assert early.weak_match and len(early.citations) == WEAK_SURE
    _, _, also = early.text.partition("Also close, though their abstracts do not use the question's words")
    assert any("Early Exiting" in line for line in also.splitlines())


def test_a_how_much_answer_leads_with_the_paper_that_meets_the_rarest_condition(seeded_store: Store) -> None:
    """"How fast can a 7B model run on a phone?": "phone" is the question's rarest word; a 7B figure measured
    on a GPU does not answer it, PowerInfer-2's tokens per second on a smartphone does."""
    answer = ask(seeded_store, "How fast can a 7B model run on a phone?", engine="offline")
    assert answer.citations[0].title.startswith("PowerInfer-2")
    assert "smartphone" in answer.text.split("\n\n")[0]
    assert not any(c.title.startswith("Enabling Fast 2-bit LLM on GPUs") for c in answer.citations)
    # no abstract is close to this question: FBNet's 23.1 ms on a Samsung S8 phone (a vision model), nearly as
    # good a match by score, is not added as a second answer
    assert answer.weak_match and [c.title.split(":")[0] for c in answer.citations] == ["PowerInfer-2"]
