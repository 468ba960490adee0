"""Sentence roles and own-work flags on real abstracts of the bundled corpus, and the labelled sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.models import Paper
from assistant.readers import read_records
from assistant.roles import (
    Role,
    TaggedSentence,
    decode_roles,
    encode_roles,
    method_names,
    own_claims,
    tag_abstract,
)
from assistant.roles_eval import evaluate_roles, load_labels, main
from assistant.store import bundled_corpus
from assistant.textnorm import split_sentences

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "evals" / "roles" / "dev.jsonl"
HELDOUT = ROOT / "evals" / "roles" / "heldout.jsonl"


@pytest.fixture(scope="module")
def corpus() -> dict[str, Paper]:
    """The bundled papers by title (a title listed twice carries the same abstract)."""
    papers: dict[str, Paper] = {}
    for path in bundled_corpus():
        for record in read_records(path):
            if isinstance(record, Paper):
                papers.setdefault(record.title, record)
    return papers


def paper(corpus: dict[str, Paper], prefix: str) -> Paper:
    matches = [p for t, p in corpus.items() if t.startswith(prefix)]
    assert len(matches) == 1, prefix
    return matches[0]


def sentence(tagged: list[TaggedSentence], start: str) -> TaggedSentence:
    found = [t for t in tagged if t.text.startswith(start)]
    assert len(found) == 1, start
    return found[0]


# --- real cue behaviour ------------------------------------------------------------------------


def test_swift_description_of_plain_speculative_decoding_is_not_its_own_claim(corpus: dict[str, Paper]) -> None:
    swift = paper(corpus, "SWIFT: On-the-Fly Self-Speculative Decoding")
    tagged = tag_abstract(swift.title, swift.abstract)
    generic = sentence(tagged, "It works by first employing a compact model")
    assert not generic.own and generic.role in (Role.BACKGROUND, Role.PRIOR)
    assert not sentence(tagged, "Speculative decoding (SD) has emerged").own
    limitation = sentence(tagged, "While this technique has achieved notable speedups, most existing approaches")
    assert not limitation.own and limitation.role is Role.PRIOR
    no_draft = sentence(tagged, "SWIFT does not require auxiliary models")
    assert no_draft.own and no_draft.role is Role.METHOD
    speedup = sentence(tagged, "Our extensive experiments")
    assert speedup.own and speedup.role is Role.RESULT
    claims = own_claims(tagged)
    assert generic not in claims and no_draft in claims and speedup in claims


def test_compact_3dgs_problem_statement_is_not_quoted_as_its_contribution(corpus: dict[str, Paper]) -> None:
    c3dgs = paper(corpus, "Compact 3D Gaussian Splatting for Static and Dynamic Radiance Fields")
    tagged = tag_abstract(c3dgs.title, c3dgs.abstract)
    drawback = sentence(tagged, "However, a significant drawback arises")
    assert not drawback.own and drawback.role is Role.PROBLEM
    assert not sentence(tagged, "3D Gaussian splatting (3DGS) has recently emerged").own
    claims = [t.text for t in own_claims(tagged)]
    assert any("learnable mask strategy" in c for c in claims)
    assert any("codebooks" in c for c in claims)
    figure = sentence(tagged, "With model compression techniques such as quantization")
    assert "25x" in figure.text and figure.own and figure.role is Role.RESULT
    assert sentence(tagged, "Our project page is available").role is Role.CONCLUSION
    assert drawback.text not in claims


def test_a_borrowed_method_named_as_recent_stays_someone_elses(corpus: dict[str, Paper]) -> None:
    insta = paper(corpus, "InstaFlow: One Step is Enough")
    tagged = tag_abstract(insta.title, insta.abstract)
    core = sentence(tagged, "The core of Rectified Flow lies in its reflow procedure")
    assert not core.own and core.role is Role.PRIOR
    assert sentence(tagged, "We call our one-step models InstaFlow").own


def test_enumerated_challenges_continue_the_sentence_that_opened_them(corpus: dict[str, Paper]) -> None:
    fast = paper(corpus, "FastSwitch: Optimizing Context Switching")
    tagged = tag_abstract(fast.title, fast.abstract)
    opener = sentence(tagged, "In this work, we identify three main challenges")
    items = [sentence(tagged, f"{k}) ") for k in (1, 2, 3)]
    assert opener.own and opener.role is Role.PROBLEM
    assert all(t.own and t.role is Role.PROBLEM for t in items)
    assert not sentence(tagged, "However, existing systems tend to overly prioritize").own


def test_abstract_opening_with_the_method_name_is_own_throughout(corpus: dict[str, Paper]) -> None:
    copyspec = paper(corpus, "CopySpec: Accelerating LLMs")
    tagged = tag_abstract(copyspec.title, copyspec.abstract)
    assert tagged[0].own and tagged[0].role is Role.METHOD
    assert all(t.own for t in tagged)
    assert tagged[-1].role is Role.CONCLUSION  # "Our code and dataset are publicly available at …"


def test_every_sentence_is_tagged_in_split_order(corpus: dict[str, Paper]) -> None:
    for p in corpus.values():
        tagged = tag_abstract(p.title, p.abstract)
        assert [t.text for t in tagged] == split_sentences(p.abstract)
        assert [t.index for t in tagged] == list(range(len(tagged)))


def test_empty_abstract_has_no_sentences() -> None:
    assert tag_abstract("SWIFT: x", "") == []
    assert encode_roles([]) == ""


# --- names -------------------------------------------------------------------------------------


def test_method_names_from_title_and_abstract(corpus: dict[str, Paper]) -> None:
    def names(prefix: str) -> tuple[str, ...]:
        p = paper(corpus, prefix)
        return method_names(p.title, p.abstract)

    assert names("SWIFT: On-the-Fly")[0] == "SWIFT"
    assert names("Taming Throughput-Latency Tradeoff in LLM Inference with Sarathi-Serve") == ("Sarathi-Serve",)
    assert "KVMerger" in names("Model Tells You Where to Merge")        # "an approach, called KVMerger,"
    assert "RT-DETR" in names("DETRs Beat YOLOs")                       # "… TRansformer (RT-DETR)"
    assert "On-device Sora" in names("On-device Sora: Enabling")         # "We present On-device Sora, a …"
    # "a new SSM layer, H3," / "we propose FlashConv"
    assert {"H3", "FlashConv"} <= set(names("Hungry Hungry Hippos"))
    assert "Flex" in names("Tutel: Adaptive Mixture-of-Experts")         # the abstract's own name for the system
    assert names("SpQR: A Sparse-Quantized")[0] == "SpQR"
    # "namely Parallel spEculative decoding with Adaptive dRaft Length (PEARL)": the acronym it spells
    assert names("Parallel Speculative Decoding with Adaptive Draft Length") == ("PEARL",)
    assert names("Optimizing Speculative Decoding for Serving") == ("SmartSpec",)  # "a dynamic framework SmartSpec"
    # "called VoVNet comprised of One-Shot Aggregation (OSA)": the coined word, not the acronym after it
    assert names("An Energy and GPU-Computation Efficient Backbone") == ("VoVNet",)


def test_method_names_leave_out_others_and_plain_words(corpus: dict[str, Paper]) -> None:
    insta = paper(corpus, "InstaFlow: One Step is Enough")
    assert "Rectified Flow" not in method_names(insta.title, insta.abstract)  # "a recent method called …"
    hawq = paper(corpus, "HAWQ: Hessian AWare Quantization")
    assert "Mixed-Precision" not in method_names(hawq.title, hawq.abstract)  # "… with Mixed-Precision"
    hopper = paper(corpus, "Benchmarking and Dissecting the Nvidia Hopper")
    assert "Hopper" not in method_names(hopper.title, hopper.abstract)  # "namely Hopper, Ada, and Ampere"
    adam = paper(corpus, "1-bit Adam: Communication Efficient")
    assert "1-bit" not in method_names(adam.title, adam.abstract)
    assert method_names("Mamba or RWKV: Exploring High-Quality", "We study segmentation models.") == ()
    # lower-case words do not spell an acronym: "namely fine-tuning a pre-trained text-to-video (T2V) model"
    assert method_names("I2V", "There are two settings, namely fine-tuning a pre-trained text-to-video (T2V) "
                               "model or training from scratch.") == ()


# --- storage -----------------------------------------------------------------------------------


def test_encode_decode_round_trip_on_the_whole_corpus(corpus: dict[str, Paper]) -> None:
    for p in corpus.values():
        tagged = tag_abstract(p.title, p.abstract)
        code = encode_roles(tagged)
        assert len(code) == len(tagged)
        assert [ch.isupper() for ch in code] == [t.own for t in tagged]
        assert decode_roles(p.title, p.abstract, code) == tagged


def test_decode_trusts_the_code_and_retags_a_stale_one(corpus: dict[str, Paper]) -> None:
    swift = paper(corpus, "SWIFT: On-the-Fly Self-Speculative Decoding")
    n = len(split_sentences(swift.abstract))
    forced = decode_roles(swift.title, swift.abstract, "C" * n)  # a stored code is read as stored
    assert all(t.role is Role.CONCLUSION and t.own for t in forced)
    fresh = tag_abstract(swift.title, swift.abstract)
    assert decode_roles(swift.title, swift.abstract, "M" * (n - 1)) == fresh  # abstract changed since
    assert decode_roles(swift.title, swift.abstract, "x" * n) == fresh          # not a role letter


def test_every_abstract_of_the_corpus_is_tagged(corpus: dict[str, Paper]) -> None:
    papers = list(corpus.values())
    assert len(papers) >= 400
    tagged = [tag_abstract(p.title, p.abstract) for p in papers]  # the speed is measured in bench/, not here
    assert all(t for t in tagged)


# --- the labelled sets -------------------------------------------------------------------------


@pytest.mark.parametrize("path, minimum", [(DEV, 40), (HELDOUT, 20)])
def test_labels_match_the_stored_abstracts(corpus: dict[str, Paper], path: Path, minimum: int) -> None:
    labelled = load_labels(path)
    assert len(labelled) >= minimum
    for item in labelled:
        assert item.title in corpus, item.title
        assert list(item.texts) == split_sentences(corpus[item.title].abstract), item.title
        assert item.abstract == corpus[item.title].abstract


def test_dev_and_heldout_are_disjoint() -> None:
    dev = {item.title for item in load_labels(DEV)}
    heldout = {item.title for item in load_labels(HELDOUT)}
    assert not dev & heldout


def test_dev_own_accuracy_floor() -> None:
    report = evaluate_roles(DEV)
    assert report["misaligned"] == 0
    assert report["own_accuracy"] >= 0.99          # measured 0.998
    assert report["role_accuracy"] >= 0.80         # measured 0.826
    assert report["own_claims_precision"] >= 0.95  # measured 0.975
    assert report["own_accuracy"] > report["baseline_own_accuracy"] + 0.2
    confusion = report["own_confusion"]
    assert sum(confusion.values()) == report["sentences"]


def test_bad_label_file_names_file_and_line(tmp_path: Path) -> None:
    good = {"title": "X", "sentences": [{"text": "We propose X.", "role": "method", "own": True}]}
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"labels\.jsonl:line 2: not valid JSON"):
        load_labels(path)
    bad_role = dict(good, sentences=[{"text": "We propose X.", "role": "novelty", "own": True}])
    path.write_text(json.dumps(bad_role) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: sentence 0 has role 'novelty'"):
        load_labels(path)


def test_eval_command_prints_one_line_for_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.jsonl: no such file" in err[0]


def test_the_problem_a_paper_focuses_on_is_its_problem_not_its_method(corpus: dict[str, Paper]) -> None:
    blocks = paper(corpus, "Accurate Block Quantization in LLMs with Outliers")
    tagged = tag_abstract(blocks.title, blocks.abstract)
    focus = sentence(tagged, "In this paper, we focus on the most critical problem of limited KV-cache storage")
    assert focus.own and focus.role is Role.PROBLEM
    assert sentence(tagged, "We propose a novel approach enabling usage of low precision BFP formats").role \
        is Role.METHOD
