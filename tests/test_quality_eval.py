"""The quality eval: the sentence matcher, each metric on answers built from real abstracts (right
and wrong), the label files against the corpus, and a run through the real engines on a real store."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.evaluation import check_thresholds
from assistant.models import Paper
from assistant.quality_eval import (
    AnswerLabel,
    CompareLabel,
    DraftLabel,
    Figure,
    Labelled,
    Labels,
    check_floors,
    flatten,
    keeps_figure,
    load_labels,
    matches,
    missing_titles,
    run_quality_eval,
    score_answer,
    score_draft,
    score_row,
    shows_figure,
)
from assistant.readers import read_records
from assistant.store import bundled_corpus
from assistant.textnorm import paper_id_for, split_sentences, title_key

RTDETR = "DETRs Beat YOLOs on Real-time Object Detection"
CLOVER = "Clover: Regressive Lightweight Speculative Decoding with Sequential Knowledge"
MEDUSA = "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads"
BATCH = "Batch Speculative Decoding Done Right"
SPECTR = "SpecTr: Fast Speculative Decoding via Optimal Transport"


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    """title -> abstract of the bundled corpus, read as the product reads it."""
    out: dict[str, str] = {}
    for path in bundled_corpus():
        for rec in read_records(path):
            if isinstance(rec, Paper):
                out.setdefault(rec.title, rec.abstract)
    return out


def sentence(corpus: dict[str, str], title: str, i: int) -> str:
    return split_sentences(corpus[title])[i]


# ------------------------------------------------------------------------------------------ matcher

def test_a_quoted_sentence_matches_its_label_despite_markers_prefix_and_punctuation(corpus) -> None:
    label = sentence(corpus, MEDUSA, 3)  # "Using a tree-based attention mechanism, Medusa constructs ..."
    quoted = f"Medusa: {label[:-1]} [2]."
    assert matches(quoted, label) and matches(label, quoted)
    assert matches(label.upper().replace(",", " ,"), label)  # case and spacing do not matter


def test_a_clause_cut_with_an_ellipsis_matches_the_sentence_it_came_from(corpus) -> None:
    clover = sentence(corpus, CLOVER, 3)  # "... parallel decoding ... is becoming more popular and ..."
    assert matches("… is becoming more popular and has demonstrated …", clover)


def test_different_sentences_that_share_most_words_do_not_match(corpus) -> None:
    coco = sentence(corpus, RTDETR, 9)  # 53.1% / 54.3% AP on COCO
    objects365 = sentence(corpus, RTDETR, 12)  # after pre-training with Objects365 ... 55.3% / 56.2% AP
    assert not matches(coco, objects365)
    # Clover's description of prior work (Medusa's heads) is not Medusa's own sentence about its heads
    assert not matches(sentence(corpus, CLOVER, 4), sentence(corpus, MEDUSA, 3))


def test_a_fragment_too_short_to_mean_anything_does_not_match(corpus) -> None:
    assert not matches("Medusa", sentence(corpus, MEDUSA, 2))
    assert not matches("speculative decoding", sentence(corpus, SPECTR, 2))
    assert not matches("", sentence(corpus, SPECTR, 2))


def test_a_figure_is_found_only_as_a_figure_of_its_own() -> None:
    assert shows_figure("compressing the KV cache by 4.98times", "4.98")
    assert not shows_figure("an 18x speedup", "8x") and shows_figure("20x and 8x", "8x")
    assert not shows_figure("14.985 points", "4.98")
    assert keeps_figure("RT-DETR-R50 achieves 55.3% AP after pre-training with Objects365", "55.3%", ["objects365"])
    assert not keeps_figure("RT-DETR-R50 / R101 achieves 55.3% / 56.2% AP", "55.3%", ["Objects365"])


# ------------------------------------------------------------------------------------------ answers

def _label(corpus: dict[str, str]) -> AnswerLabel:
    """A list question over two real abstracts: Medusa and Clover answer it, SpecTr does not."""
    return AnswerLabel(
        "t", "dev", "which", "Which methods add decoding heads to the model instead of using a draft model?",
        relevant=(MEDUSA, CLOVER), near_miss=(SPECTR,),
        answer_sentences=(Labelled(MEDUSA, sentence(corpus, MEDUSA, 2)), Labelled(CLOVER, sentence(corpus, CLOVER, 6))),
        traps=(Labelled(MEDUSA, sentence(corpus, MEDUSA, 1)), Labelled(CLOVER, sentence(corpus, CLOVER, 4))),
        figures=(Figure("37%", ("Medusa", "Baichuan-Small"), CLOVER),))


def test_an_answer_that_quotes_the_answering_sentences_scores_full_marks(corpus) -> None:
    text = (f"Medusa: {sentence(corpus, MEDUSA, 2)[:-1]} [1].\n\n"
            f"Clover: {sentence(corpus, CLOVER, 6)[:-1]} [2]. {sentence(corpus, CLOVER, 10)[:-1]} [2].")
    s = score_answer(_label(corpus), text, {1: paper_id_for(MEDUSA), 2: paper_id_for(CLOVER)})
    assert (s.cited, s.answering, s.trapped) == (3, 2, 0)  # the figure sentence answers nothing labelled
    assert (s.papers, s.off_target, s.list_recall) == (2, 0, 1.0)
    assert (s.figures, s.figures_kept) == (1, 1)


def test_an_answer_of_background_and_near_misses_fails_every_answer_metric(corpus) -> None:
    text = (f"Medusa: {sentence(corpus, MEDUSA, 1)[:-1]} [1].\n\n"
            f"Clover: {sentence(corpus, CLOVER, 4)[:-1]} [2]. by up to 37% on Baichuan-Small [2].\n\n"
            f"SpecTr: {sentence(corpus, SPECTR, 2)[:-1]} [3].")
    s = score_answer(_label(corpus), text, {1: paper_id_for(MEDUSA), 2: paper_id_for(CLOVER),
                                            3: paper_id_for(SPECTR)})
    assert s.cited == 4 and s.answering == 0
    assert s.trapped == 2
    assert (s.papers, s.off_target) == (3, 1)
    assert s.figures_kept == 0  # 37% without "Medusa": the baseline is lost


def test_a_right_sentence_cited_to_the_wrong_paper_is_not_an_answer(corpus) -> None:
    text = f"{sentence(corpus, MEDUSA, 2)[:-1]} [1]."
    s = score_answer(_label(corpus), text, {1: paper_id_for(SPECTR)})
    assert s.answering == 0 and s.off_target == 1


def test_list_recall_counts_the_relevant_papers_an_answer_misses(corpus) -> None:
    text = f"{sentence(corpus, MEDUSA, 2)[:-1]} [1]."
    assert score_answer(_label(corpus), text, {1: paper_id_for(MEDUSA)}).list_recall == 0.5


# ------------------------------------------------------------------------------------------ comparisons

def _row_label(corpus: dict[str, str]) -> CompareLabel:
    return CompareLabel("c", "dev", "speculative decoding methods", BATCH, ("ragged tensor", "output equivalence"),
                        ("EQSPEC", "EXSPEC"), (Figure("3times", ("batch size 8",)),),
                        (sentence(corpus, BATCH, 0),))


def test_a_row_built_from_the_papers_own_claims_is_fully_right(corpus) -> None:
    s = lambda i: sentence(corpus, BATCH, i)
    got = score_row(_row_label(corpus), task=s(1), approach="EQSPEC and EXSPEC, which maintains a sliding pool",
                    results=["our approach achieves up to 3times throughput improvement at batch size 8"],
                    efficiency=["Our method requires no custom kernels"])
    assert got == {"task": True, "approach": True, "results": True, "efficiency": True, "row": True}


def test_each_cell_fails_on_its_own_defect(corpus) -> None:
    background = sentence(corpus, BATCH, 0)
    results = ["achieves up to 3times throughput improvement"]  # figure without its condition
    got = score_row(_row_label(corpus), task=background, approach="", results=results,
                    efficiency=results + ["… using a small draft model to propose multiple tokens …"])
    assert got == {"task": False, "approach": False, "results": False, "efficiency": False, "row": False}
    # a task cell that is not background but names no task phrase is wrong too; an empty results cell
    # is wrong when the abstract states labelled figures
    assert not score_row(_row_label(corpus), "Our code is available at github", "EQSPEC", [], [])["task"]
    assert not score_row(_row_label(corpus), sentence(corpus, BATCH, 1), "EQSPEC", [], [])["results"]


# ------------------------------------------------------------------------------------------ drafts

def test_draft_precision_recall_and_lookalikes() -> None:
    label = DraftLabel("d", "dev", "topic", ("A", "B", "C"), ("X",))
    good = score_draft(label, [paper_id_for(t) for t in ("A", "B", "C")])
    assert (good["draft_precision"], good["draft_recall"], good["lookalike_rate"]) == (1.0, 1.0, 0.0)
    bad = score_draft(label, [paper_id_for(t) for t in ("A", "X", "Y", "Z")])
    assert (bad["draft_precision"], bad["draft_recall"], bad["lookalike_rate"]) == (0.25, 1 / 3, 0.25)


# ------------------------------------------------------------------------------------------ labels

def test_label_files_are_complete_and_every_label_is_verbatim_in_the_corpus(corpus) -> None:
    labels = load_labels()
    assert len(labels.answers) >= 30 and len(labels.compare) >= 15 and len(labels.drafts) >= 6
    assert {a.type for a in labels.answers} >= {"which", "how", "how much", "negative", "compare", "what-is"}
    for rows in (labels.answers, labels.compare, labels.drafts):
        held = sum(r.split == "heldout" for r in rows) / len(rows)
        assert 0.25 <= held <= 0.45, held
    assert len(Counter(r.id for r in labels.answers + labels.compare + labels.drafts)) == \
        len(labels.answers) + len(labels.compare) + len(labels.drafts)
    # titles are matched as the store matches them (textnorm.title_key); sentences must be verbatim
    by_key = {title_key(t): t for t in corpus}
    assert not {t for t in labels.titles() if title_key(t) not in by_key}

    def sentences(title: str) -> list[str]:
        return split_sentences(corpus[by_key[title_key(title)]])

    for a in labels.answers:
        assert a.relevant and not set(a.relevant) & set(a.near_miss), a.id
        for s in a.answer_sentences:
            assert s.title in a.relevant and s.text in sentences(s.title), (a.id, s.text)
        for s in a.traps:
            assert s.text in sentences(s.title), (a.id, s.text)
            assert s not in a.answer_sentences, (a.id, s.text)
        for f in a.figures:
            assert any(keeps_figure(x, f.value, f.keep) for x in sentences(f.title)), (a.id, f)
    for c in labels.compare:
        assert all(b in sentences(c.title) for b in c.background), c.id
        assert all(any(keeps_figure(x, f.value, f.keep) for x in sentences(c.title)) for f in c.figures), c.id
        abstract = corpus[by_key[title_key(c.title)]].casefold()
        assert all(n.casefold() in abstract for n in c.approach_names), c.id
        assert any(p.casefold() in abstract for p in c.task_ok), c.id
    for d in labels.drafts:
        assert d.relevant and not set(d.relevant) & set(d.lookalikes), d.id


def test_a_bad_label_row_names_its_file_and_line(tmp_path: Path) -> None:
    for name in ("answers", "compare", "drafts"):
        (tmp_path / f"{name}.jsonl").write_text("")
    (tmp_path / "compare.jsonl").write_text('{"id": "c", "split": "dev", "topic": "t", "title": "T", "task_ok": []}\n'
                                            '{"id": "c2", "split": "dev"\n')
    with pytest.raises(InputError) as err:
        load_labels(tmp_path)
    assert "compare.jsonl" in str(err.value) and "1" in str(err.value) and "approach_names" in str(err.value)
    (tmp_path / "compare.jsonl").write_text('{"id": "c", "split": "test"}\n')
    with pytest.raises(InputError, match="split"):
        load_labels(tmp_path)


# ------------------------------------------------------------------------------------------ the real engines

def test_the_real_engines_are_scored_per_split_on_a_real_store(seeded_store, corpus) -> None:
    full = load_labels()
    assert missing_titles(seeded_store, full) == []
    labels = Labels(answers=[a for a in full.answers if a.id in ("q-03", "q-04")],
                    compare=[c for c in full.compare if c.title in (CLOVER, BATCH, SPECTR)],
                    drafts=[d for d in full.drafts if d.id == "d-01"])
    res = run_quality_eval(seeded_store, labels, engine="offline", detail=True)
    assert set(res) == {"dev", "heldout"}
    assert res["dev"]["questions"] == 1 and res["heldout"]["questions"] == 1
    assert res["dev"]["compare_rows"] == 2 and res["heldout"]["compare_rows"] == 1
    assert res["dev"]["topics"] == 1 and res["heldout"]["topics"] == 0
    for split in res.values():
        for key in ("answer_precision", "trap_rate", "off_target_rate", "figure_accuracy", "cell_task",
                    "rows_fully_right"):
            assert 0.0 <= split[key] <= 1.0, key
    # the detail rows agree with the aggregate, and flat keys carry every numeric metric
    dev_rows = [r for r in res["dev"]["rows"] if r["id"].startswith("c-")]
    assert sum(r["row"] for r in dev_rows) / 2 == res["dev"]["rows_fully_right"]
    flat = flatten(res)
    assert flat["quality/dev/answer_precision"] == res["dev"]["answer_precision"]
    assert not any(k.endswith("/rows") for k in flat)


def test_floors_and_ceilings_are_checked_in_their_direction(tmp_path: Path) -> None:
    results = {"dev": {"answer_precision": 0.3, "trap_rate": 0.1, "off_target_rate": 0.5}}
    assert check_floors(results, {"dev": {"answer_precision": 0.25, "trap_rate": 0.15}}) == []
    failures = check_floors(results, {"dev": {"answer_precision": 0.35, "trap_rate": 0.05, "list_recall": 0.1},
                                      "heldout": {"answer_precision": 0.1}, "_comment": "x"})
    assert len(failures) == 4 and any("trap_rate" in f for f in failures)
    # through `litreview eval --check`: the flat answer keys are read back per split
    thresholds = tmp_path / "t.json"
    thresholds.write_text(json.dumps({"quality": {"dev": {"answer_precision": 0.35}}}))
    out = check_thresholds({"answers": {"quality/dev/answer_precision": 0.3}}, thresholds)
    assert out == ["quality dev answer_precision = 0.3 (limit 0.35)"]
    assert check_thresholds({"answers": {"quality/dev/answer_precision": 0.4}}, thresholds) == []
