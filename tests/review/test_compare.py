"""compare() on the real bundled store: rows from the abstracts, a verbatim cited synthesis, title lookup."""

from __future__ import annotations

import re
import time

import pytest

from assistant.engines.citations import check_citations
from assistant.errors import ConfigError, NotFoundError
from assistant.review.compare import compare
from assistant.review.select import number
from assistant.store.titles import resolve_title


def _verbatim(cell: str, text: str, title: str = "") -> bool:
    """Cut from the abstract (or the title), pieces joined by '…'; an approach may open with "NAME: "."""
    head, sep, rest = cell.partition(": ")
    if sep and rest and head in title + text:
        cell = rest
    return all(part.strip() in text or part.strip() in title for part in cell.split("…") if part.strip())


@pytest.fixture(scope="module")
def detection(seeded_store):
    seeded_store.query_vector("warm-up")  # load the embedder first: the timing is of compare itself
    start = time.perf_counter()
    result = compare(seeded_store, "real-time object detection")
    print(f"\ncompare over {len(result.rows)} papers, offline: {time.perf_counter() - start:.3f} s")
    return result


def test_rows_carry_figures_stated_in_their_abstracts(seeded_store, detection) -> None:
    assert len(detection.rows) == 8 and detection.engine == "offline"
    assert [r.n for r in detection.rows] == list(range(1, 9))
    with_figures = 0
    for row in detection.rows:
        abstract = seeded_store.get(row.paper_id).abstract
        assert row.title == seeded_store.get(row.paper_id).title
        for cell in [*row.results, *row.efficiency, row.task, row.approach]:
            assert _verbatim(cell, abstract, row.title), (row.title, cell)
        with_figures += bool(row.results)
    assert with_figures >= 5
    rtdetr = next(r for r in detection.rows if r.title.startswith("DETRs Beat YOLOs"))
    assert any("53.1% / 54.3% AP" in c and "108 / 74 FPS" in c for c in rtdetr.results)
    assert any("21 times in FPS" in c for c in rtdetr.results)


def test_code_url_when_the_abstract_has_one(seeded_store, detection) -> None:
    for row in detection.rows:
        abstract = seeded_store.get(row.paper_id).abstract
        links = re.findall(r"https?://[^\s)]+", abstract)
        if links:
            assert row.code_url and row.code_url in abstract, row.title
        else:
            assert row.code_url is None or row.code_url.removeprefix("https://") in abstract
    cbnet = next(r for r in detection.rows if r.title.startswith("CBNet"))
    assert cbnet.code_url == "https://github.com/VDIGPKU/CBNetV2"


def test_synthesis_is_built_from_cells_and_every_sentence_cited(seeded_store, detection) -> None:
    text = detection.synthesis
    assert text.startswith("Shared theme:") and "Approaches:" in text and "Results and trade-offs:" in text
    evidence = number([seeded_store.get(r.paper_id) for r in detection.rows])
    checked = check_citations(text, evidence)
    assert checked.removed == [] and checked.uncited == []
    assert {c.n for c in checked.citations} == {c.n for c in detection.citations}
    for c in detection.citations:
        assert seeded_store.get(c.paper_id).title == c.title
    cells = {r.n: {r.approach.partition(": ")[2], r.approach, *r.results, *r.efficiency} for r in detection.rows}
    quoted = 0
    for line in text.split("\n"):
        if line.startswith("- "):  # "- Name: cell [n]. cell [n]."
            for cell, n in re.findall(r"(?:^- .+?: |\. )(.+?) \[(\d+)\]", line):
                assert cell in cells[int(n)], (cell, n)
                quoted += 1
    assert quoted >= len(detection.rows)


def test_synthesis_drops_what_the_cited_abstract_does_not_support(seeded_store) -> None:
    from assistant.review.compare import offline_synthesis
    from assistant.review.extract import extract_row

    papers = [resolve_title(seeded_store, t) for t in ("DETRs Beat YOLOs", "PowerInfer-2")]
    evidence = number(papers)
    rows = [extract_row(e.n, e.paper) for e in evidence]
    honest = offline_synthesis(seeded_store, "", rows, evidence)
    assert rows[0].approach.split(" … ")[0] in honest and rows[1].results[0] in honest
    rows[0].approach, rows[1].approach = rows[1].approach, rows[0].approach  # each now describes the other paper
    rows[0].results = [rows[1].results[0]]
    swapped = offline_synthesis(seeded_store, "", rows, evidence)
    assert f"{rows[0].approach} [1]" not in swapped and f"{rows[1].approach} [2]" not in swapped
    assert f"{rows[0].results[0]} [1]" not in swapped
    assert f"{rows[1].results[0]} [2]" in swapped  # the true pairing stays


def test_the_cells_of_labelled_rows_keep_their_meaning(seeded_store) -> None:
    """Rows of the dev split of evals/quality/compare.jsonl, scored by the quality eval's rules."""
    from assistant.quality_eval import load_labels, score_row
    from assistant.textnorm import paper_id_for

    labels = [c for c in load_labels().compare if c.split == "dev"]
    right = 0
    for topic in sorted({c.topic for c in labels}):
        group = [c for c in labels if c.topic == topic]
        result = compare(seeded_store, titles=[c.title for c in group])
        by_id = {r.paper_id: r for r in result.rows}
        for label in group:
            row = by_id[paper_id_for(label.title)]
            right += score_row(label, row.task, row.approach, row.results, row.efficiency)["row"]
    assert right / len(labels) >= 0.85  # 34 of 38 rows right


def test_the_figures_keep_their_conditions(seeded_store) -> None:
    result = compare(seeded_store, titles=["DETRs Beat YOLOs on Real-time Object Detection",
                                           "Clover: Regressive Lightweight Speculative Decoding",
                                           "ZipCache: Accurate and Efficient KV Cache Quantization",
                                           "Batch Speculative Decoding Done Right"])
    rtdetr, clover, zipcache, batch = result.rows
    assert any("55.3%" in r and "Objects365" in r for r in rtdetr.results)
    assert any("37%" in r and "Medusa" in r for r in clover.results)
    assert any("4.98" in r and "Mistral-7B" in r for r in zipcache.results)
    assert any("37.3%" in e and "prefill" in e for e in zipcache.efficiency)
    assert "EXSPEC" in batch.approach and "batch" in batch.task
    for row in result.rows:
        assert not set(row.results) & set(row.efficiency)
        assert not any("is becoming more popular" in e for e in row.efficiency)


def test_explicit_titles_exact_fragment_and_close_spelling(seeded_store) -> None:
    result = compare(seeded_store, titles=["DETRs Beat YOLOs on Real-time Object Detection", "PowerInfer-2",
                                           "Grunding DINO 1.5: Advance the Edge of Open-Set Objct Detection"])
    assert [r.title for r in result.rows] == ["DETRs Beat YOLOs on Real-time Object Detection",
                                              "PowerInfer-2: Fast Large Language Model Inference on a Smartphone",
                                              'Grounding DINO 1.5: Advance the "Edge" of Open-Set Object Detection']
    assert any("11.68 tokens per second" in c for c in result.rows[1].results)
    assert result.query == ""


def test_title_errors_are_clear(seeded_store) -> None:
    with pytest.raises(NotFoundError, match="no paper title matches 'Quantum pasta cooking'"):
        compare(seeded_store, titles=["Quantum pasta cooking"])
    with pytest.raises(NotFoundError, match=r"papers match 'Object Detection'; give more of the title: .*YOLO"):
        resolve_title(seeded_store, "Object Detection")
    with pytest.raises(NotFoundError, match=r"papers have titles close to 'Objct Detection'; give more .*Object"):
        resolve_title(seeded_store, "Objct Detection")
    assert resolve_title(seeded_store, "PowerInfr-2").title.startswith("PowerInfer-2:")
    with pytest.raises(ConfigError, match="QUERY or at least one --paper"):
        compare(seeded_store)


def test_irrelevant_query_is_refused(seeded_store) -> None:
    with pytest.raises(NotFoundError, match="no papers in the collection match 'medieval castle architecture'"):
        compare(seeded_store, "medieval castle architecture")


def test_k_limits_the_rows(seeded_store) -> None:
    result = compare(seeded_store, "speculative decoding with a draft model", k=3)
    assert len(result.rows) == 3 and result.citations


def test_two_unrelated_papers_have_no_shared_theme(seeded_store) -> None:
    """A speculative-decoding paper and a detector share only common words ("numbers", "scaling"): no theme."""
    from assistant.review.compare import shared_terms

    evidence = number([resolve_title(seeded_store, "Batch Speculative Decoding Done Right"),
                       resolve_title(seeded_store, "DETRs Beat YOLOs")])
    assert shared_terms(seeded_store, evidence)[:2] == ([], [])
    related = number([resolve_title(seeded_store, "ZipCache"),
                      resolve_title(seeded_store, "Plug-and-Play 1.x-Bit KV Cache Quantization")])
    keys, holders, _ = shared_terms(seeded_store, related)
    assert any(" " in k for k in keys) and holders == [1, 2]
