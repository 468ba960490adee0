"""draft() on the real bundled store: on-topic papers, named themes, synthesis, own limitations, the audit."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from assistant.errors import ConfigError, NotFoundError
from assistant.retrieval import search
from assistant.review import writer as writer_module
from assistant.review.audit import CONTRADICTED, PARTIAL, UNVERIFIED, Auditor
from assistant.review.draft import draft
from assistant.review.references import assign_keys
from assistant.review.select import number
from assistant.roles import Role, TaggedSentence
from assistant.store.titles import resolve_title
from assistant.textnorm import paper_id_for

TOPICS = Path(__file__).resolve().parents[2] / "evals" / "sets" / "topic.jsonl"
MARK = re.compile(r"\s*\[\d+\]")


@pytest.fixture(scope="module")
def video(seeded_store):
    seeded_store.query_vector("warm-up")  # load the embedder first: the timing is of draft itself
    start = time.perf_counter()
    result = draft(seeded_store, "text-to-video generation")
    print(f"\noffline draft over {len(result.references)} papers: {time.perf_counter() - start:.3f} s")
    return result


@pytest.fixture(scope="module")
def on_device(seeded_store):
    return draft(seeded_store, "on-device LLM inference")


@pytest.fixture(scope="module")
def kv(seeded_store):
    return draft(seeded_store, "KV cache compression for long-context LLM inference")


def _own(seeded_store, paper_id: str) -> dict[str, TaggedSentence]:  # type: ignore[no-untyped-def]
    paper = seeded_store.get(paper_id)
    return {t.text: t for t in seeded_store.tagged([paper])[paper_id]}


def test_sections_themes_and_outline(video) -> None:
    assert len(video.themes) >= 2
    headings = [s.heading for s in video.sections]
    assert headings == video.outline
    assert headings[0] == "Introduction" and headings[-2:] == ["Open Problems and Gaps", "Conclusion"]
    assert headings[1:-2] == [t.name for t in video.themes]
    assert len({h.casefold() for h in headings}) == len(headings)
    sizes = [len(t.paper_ids) for t in video.themes]
    assert sizes == sorted(sizes, reverse=True)
    assert sorted(p for t in video.themes for p in t.paper_ids) == sorted(r.paper.paper_id for r in video.references)


def test_only_papers_whose_own_work_is_on_the_topic(on_device) -> None:
    titles = {r.paper.title for r in on_device.references}
    for wanted in ("PowerInfer-2: Fast Large Language Model Inference on a Smartphone",
                   "LLM in a flash: Efficient Large Language Model Inference with Limited Memory",
                   "LLMCad: Fast and Scalable On-device Large Language Model Inference"):
        assert wanted in titles
    # look-alikes: on-device but not LLMs, LLM inference but not on a device (devices only in their background)
    for lookalike in ("On-device Sora: Enabling Diffusion-Based Text-to-Video Generation for Mobile Devices",
                      "EfficientFormer: Vision Transformers at MobileNet Speed",
                      "InstInfer: In-Storage Attention Offloading for Cost-Effective Long-Context LLM Inference",
                      "FlashDecoding++: Faster Large Language Model Inference on GPUs"):
        assert lookalike not in titles
    assert len(on_device.references) < 12  # the number follows relevance, not a fixed k


def test_k_caps_the_number_of_papers(seeded_store) -> None:
    result = draft(seeded_store, "speculative decoding for large language models", k=3)
    assert len(result.references) == 3
    assert any("the 3 most relevant are reviewed" in n for n in result.notes)


def test_theme_names_are_method_keyphrases_of_their_papers(seeded_store, video, kv) -> None:
    for result in (video, kv):
        for theme in result.themes:
            assert "&" not in theme.name and 1 <= len(theme.name.split()) <= 6, theme.name
            words = [w.casefold() for w in re.findall(r"[\w-]+", theme.name)]
            texts = " ".join(seeded_store.get(p).title + " " + seeded_store.get(p).abstract
                             for p in theme.paper_ids).casefold()
            assert all(w.rstrip("s") in texts for w in words), theme.name  # the phrase is the papers' own words
    assert "KV cache quantization" in [t.name for t in kv.themes]


def test_theme_sections_open_with_a_cited_synthesis_then_one_own_claim_per_paper(seeded_store, kv) -> None:
    refs = {r.n: r.paper.paper_id for r in kv.references}
    for section, theme in zip(kv.sections[1:-2], kv.themes):
        synthesis, _, lines = section.text.partition("\n\n")
        assert synthesis.startswith(f"This theme groups {len(theme.paper_ids)} paper")
        assert re.search(r"\[\d+\]", synthesis), synthesis  # it states facts across papers, each cited
        bullets = [line for line in lines.splitlines() if line.startswith("- ")]
        assert len(bullets) == len(theme.paper_ids)
        for bullet in bullets:
            n = int(re.findall(r"\[(\d+)\]", bullet)[-1])
            quoted = MARK.sub("", bullet.split(": ", 1)[1])
            own = _own(seeded_store, refs[n])
            tag = own[quoted]  # verbatim, and one of the paper's own method or result sentences
            assert tag.own and tag.role in (Role.METHOD, Role.RESULT), (tag.role, quoted)
        assert section.comparison is not None
        assert [r.paper_id for r in section.comparison.rows] == theme.paper_ids


def test_synthesis_groups_only_papers_that_say_the_keyphrase(seeded_store, kv) -> None:
    refs = {r.n: r.paper for r in kv.references}
    found = 0
    for section in kv.sections[1:-2]:
        for match in re.finditer(r"of these papers work on ([^\[]+?) ((?:\[\d+\])+)", section.text):
            phrase = match.group(1).casefold()
            for n in re.findall(r"\d+", match.group(2)):
                paper = refs[int(n)]
                assert phrase in (paper.title + " " + paper.abstract).casefold()
            found += 1
    assert found >= 1


def test_open_problems_are_the_papers_own_limitations(seeded_store) -> None:
    result = draft(seeded_store, "visual token pruning for vision-language models")
    gaps = result.sections[-2]
    assert gaps.heading == "Open Problems and Gaps"
    refs = {r.n: r.paper.paper_id for r in result.references}
    bullets = [line for line in gaps.text.splitlines() if line.startswith("- ")]
    assert bullets
    for bullet in bullets:
        n = int(re.findall(r"\[(\d+)\]", bullet)[-1])
        quoted = MARK.sub("", bullet.split(": ", 1)[1])
        tag = _own(seeded_store, refs[n])[quoted]
        assert tag.own and tag.role in (Role.PROBLEM, Role.RESULT, Role.CONCLUSION), (tag.role, quoted)


def test_every_citation_is_to_a_stored_reference(seeded_store, video) -> None:
    refs = {r.paper.paper_id: r for r in video.references}
    for section in video.sections[1:-2]:
        assert section.citations, section.heading
        for c in section.citations:
            assert seeded_store.get(c.paper_id).title == c.title
            assert refs[c.paper_id].paper.title == c.title and refs[c.paper_id].n == c.n
    cited = {c.paper_id for s in video.sections for c in s.citations}
    assert cited == set(refs)  # every reviewed paper is discussed somewhere


def test_offline_audit_uses_the_verifier_and_keeps_what_the_abstracts_say(seeded_store, video) -> None:
    audit = video.audit
    assert audit.records and "claim verifier" in audit.measure and "cosine" not in audit.measure
    assert audit.kept >= 0.9 * len(audit.records)
    for record in audit.records:
        abstract = seeded_store.get(record.paper_id).abstract
        assert record.evidence and record.evidence in abstract
        if record.sentence.rstrip(".") in abstract:  # a verbatim quote of the paper's own sentence
            assert record.label == "supported" and record.status == "kept", record
        assert (record.status == "kept") == (record.label == "supported")
        assert (record.status == "removed") == (record.label in ("unsupported", "contradicted"))


def test_audit_tells_a_claim_from_its_negation(seeded_store) -> None:
    evidence = number([resolve_title(seeded_store, "PowerInfer-2"), resolve_title(seeded_store, "DETRs Beat YOLOs")])
    text = ("PowerInfer-2 achieves up to a 29.2x speed increase compared with state-of-the-art frameworks [1]. "
            "PowerInfer-2 does not reduce memory usage [1]. "
            "Medieval castles were built with thick stone walls and moats [2].")
    auditor = Auditor(seeded_store, evidence)
    cleaned = auditor.check(text, "Test", "remove")
    assert cleaned == ("PowerInfer-2 achieves up to a 29.2x speed increase compared with state-of-the-art "
                       "frameworks [1].")
    labels = [(r.n, r.label, r.status) for r in auditor.audit.records]
    assert labels == [(1, "supported", "kept"), (1, "contradicted", "removed"), (2, "unsupported", "removed")]
    contradicted = auditor.audit.records[1]
    assert contradicted.support < auditor.threshold <= auditor.audit.records[0].support
    assert "memory usage" in contradicted.evidence  # the abstract sentence that decided it

    flagger = Auditor(seeded_store, evidence)
    flagged = flagger.check(text, "Test", "flag")
    assert f"memory usage [1] {CONTRADICTED}." in flagged and f"moats [2] {UNVERIFIED}." in flagged
    assert "frameworks [1]." in flagged and flagger.audit.flagged == 2 and flagger.audit.removed == 0
    assert "flagged" in flagger.audit.measure


def test_audit_checks_each_citation_against_its_own_clause(seeded_store) -> None:
    evidence = number([resolve_title(seeded_store, "PowerInfer-2"), resolve_title(seeded_store, "ZipCache")])
    text = ("Their own results report: PowerInfer-2, achieving up to a 29.2x speed increase compared with "
            "state-of-the-art frameworks [1]; ZipCache is capable of compressing the KV cache by 4.98× [2].")
    auditor = Auditor(seeded_store, evidence)
    assert auditor.check(text, "Test", "remove") == text
    assert [r.label for r in auditor.audit.records] == ["supported", "supported"]
    assert "ZipCache" not in auditor.audit.records[0].sentence and "29.2x" not in auditor.audit.records[1].sentence

    wrong = text.replace("4.98×", "9.5×")
    auditor = Auditor(seeded_store, evidence)
    kept = auditor.check(wrong, "Test", "remove")
    assert "[2]" not in kept and "[1]" in kept and auditor.audit.records[1].label == "contradicted"


def test_a_counted_claim_goes_when_one_of_its_papers_does_not_support_it(seeded_store) -> None:
    evidence = number([resolve_title(seeded_store, "ZipCache"), resolve_title(seeded_store, "PowerInfer-2")])
    auditor = Auditor(seeded_store, evidence)
    assert auditor.check("Two papers of this theme work on KV cache quantization [1][2].", "T", "remove") == ""
    # the writer's own wording of a count, too
    assert Auditor(seeded_store, evidence).check("Two of these papers work on KV cache quantization [1][2].", "T",
                                                 "remove") == ""
    assert [r.label for r in auditor.audit.records] == ["supported", "unsupported"]
    partial = Auditor(seeded_store, evidence).check(
        "ZipCache quantizes the KV cache and was trained on 8K video footage [1].", "T", "remove")
    assert partial.endswith(f"[1] {PARTIAL}.") or partial == ""


def test_draft_removes_what_the_writer_cannot_support(seeded_store, monkeypatch) -> None:
    original = writer_module.OfflineWriter.intro

    def intro_with_a_false_claim(self):  # type: ignore[no-untyped-def]
        return original(self) + " Medieval castles were built with thick stone walls and moats [1]."

    monkeypatch.setattr(writer_module.OfflineWriter, "intro", intro_with_a_false_claim)
    result = draft(seeded_store, "speculative decoding for large language models")
    intro = result.sections[0]
    assert "Medieval" not in intro.text
    removed = [(r.section, r.sentence, r.label) for r in result.audit.records if r.status == "removed"]
    assert ("Introduction", "Medieval castles were built with thick stone walls and moats.", "unsupported") in removed
    assert all(label in ("unsupported", "contradicted") for _, _, label in removed)
    assert any(f"{len(removed)} citation(s) removed" in n for n in result.notes)


def test_keys_are_stable_unique_ascii(seeded_store, video) -> None:
    keys = [r.key for r in video.references]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in keys)
    again = draft(seeded_store, "text-to-video generation")
    assert [r.key for r in again.references] == keys
    assert [t.name for t in again.themes] == [t.name for t in video.themes]
    papers = [seeded_store.get(r.paper.paper_id) for r in video.references]
    assert assign_keys(list(reversed(papers))) == assign_keys(papers)


def test_empty_and_irrelevant_topics_are_refused(seeded_store) -> None:
    with pytest.raises(ConfigError, match="topic is empty"):
        draft(seeded_store, "   ")
    with pytest.raises(NotFoundError, match="no papers in the collection match 'medieval castle architecture'"):
        draft(seeded_store, "medieval castle architecture")


def test_drafts_keep_most_gold_papers_retrieval_finds(seeded_store) -> None:
    """Recall beside the precision the topicality test buys: of the gold papers that a 30-paper
    retrieval finds, the share the draft keeps, and the share of the references that are gold.

    Requiring one own statement to cover the topic's head (FOCUS_MIN), or a title close to the topic
    (TITLE_SIMILAR), moved them from 0.73 kept and 0.64 gold references (85 of 133) to 0.69 and 0.71
    (80 of 113): fewer look-alikes, a few true papers missed."""
    stored = {p.title for p in seeded_store.catalogue.iter_papers()}
    found = kept = references = gold_references = 0
    times = []
    for line in TOPICS.read_text().splitlines():
        q = json.loads(line)
        gold = {paper_id_for(t) for t in q["gold"]}
        retrieved = gold & {h.paper.paper_id for h in search(seeded_store, q["question"], k=30, diverse=True)}
        start = time.perf_counter()
        result = draft(seeded_store, q["question"])
        times.append(time.perf_counter() - start)
        referenced = {r.paper.paper_id for r in result.references}
        assert {r.paper.title for r in result.references} <= stored
        found += len(retrieved)
        kept += len(retrieved & referenced)
        references += len(referenced)
        gold_references += len(referenced & gold)
    share, precision = kept / found, gold_references / references
    print(f"\ngold papers retrieved: {found}, kept by the drafts: {kept} ({share:.1%}); gold references "
          f"{gold_references}/{references} ({precision:.1%}); "
          f"draft time max {max(times):.2f} s, mean {sum(times) / len(times):.2f} s over {len(times)} topics")
    assert share >= 0.66
    assert precision >= 0.67


def test_topic_head_is_what_the_review_is_about() -> None:
    from assistant.review.topicality import topic_head

    assert topic_head("KV cache compression for long-context LLM inference") == "KV cache compression"
    assert topic_head("speculative decoding where a small draft model proposes tokens") == "speculative decoding"
    assert topic_head("custom hardware accelerators (FPGA, ASIC) for neural networks") == "custom hardware accelerators"
    assert topic_head("token pruning, merging or sparsification") == "token pruning, merging or sparsification"
    assert topic_head("on-device LLM inference") == "on-device LLM inference"


def test_a_paper_that_touches_each_facet_in_a_different_sentence_is_not_on_the_topic(on_device) -> None:
    """FlashSVD (memory-efficient streaming inference) and CacheBlend (LLM serving for RAG) name a device,
    LLMs and inference somewhere in their own sentences, but no one statement of theirs is about on-device
    LLM inference."""
    titles = {r.paper.title.split(":")[0] for r in on_device.references}
    assert {"PowerInfer-2", "LLM in a flash", "LLMCad"} <= titles
    assert not titles & {"FlashSVD", "CacheBlend"}


def test_a_phrase_facet_is_not_matched_across_a_mark() -> None:
    from assistant.review.topicality import BREAK, keys_in_order

    assert keys_in_order("image-to-video generation")[:2] == ["imag", "video"]
    assert keys_in_order("image & video inversion")[:3] == ["imag", BREAK, "video"]


def test_a_paper_that_uses_the_topic_as_a_tool_is_not_about_it(seeded_store) -> None:
    """AnyV2V edits videos by "utilizing an existing image-to-video generation model": image-to-video is
    its tool, not its subject."""
    titles = [r.paper.title for r in draft(seeded_store, "image-to-video generation").references]
    assert any(t.startswith("I2V-Adapter") for t in titles)
    assert not any(t.startswith("AnyV2V") for t in titles)


def test_a_title_that_says_the_topic_in_other_words_keeps_the_paper(seeded_store) -> None:
    """HiRED's "Token Dropping" is token pruning in other words: no sentence of it covers "visual token
    pruning" by its words, but its title's embedding is close to the topic's. The look-alikes stay out."""
    titles = [r.paper.title for r in draft(seeded_store, "visual token pruning for vision-language models").references]
    assert any(t.startswith("HiRED") for t in titles)
    assert not any(t.startswith(("BUS:", "DAMRO")) for t in titles)


def test_two_noun_phrases_joined_by_and_are_two_topics() -> None:
    from assistant.review.topicality import subtopics

    assert subtopics("state space models and linear-time alternatives to attention") == [
        "state space models", "linear-time alternatives to attention"]
    assert subtopics("speculative decoding and early exiting") == ["speculative decoding", "early exiting"]
    # words joined by "and", and an "and" inside the topic's context, make one topic
    for one in ("scheduling and batching in LLM serving systems", "image and video generation",
                "efficient vision transformers for mobile and edge devices", "KV cache compression and eviction",
                "quantization (weights and activations) of LLMs", "on-device LLM inference"):
        assert subtopics(one) == [one]


def test_a_topic_of_two_noun_phrases_keeps_papers_on_either(seeded_store) -> None:
    """A review of "state space models and speculative decoding" covers both: each side is retrieved and
    judged on its own, so neither side's papers are crowded out by the other's or judged against both."""
    both = {r.paper.paper_id for r in draft(seeded_store, "state space models and speculative decoding").references}
    ssm = {r.paper.paper_id for r in draft(seeded_store, "state space models").references}
    spec = {r.paper.paper_id for r in draft(seeded_store, "speculative decoding").references}
    assert ssm and spec and len(ssm | spec) <= 30  # under the default -k, so nothing is cut
    assert both == ssm | spec
