"""Everyday CLI behaviour: one title resolver, honest filters, questions from a file or stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile.hostile_support import run_main


def test_show_and_compare_find_a_paper_by_its_method_name(home: Path) -> None:
    shown = json.loads(run_main(["show", "RT-DETR", "--json"], home).stdout)
    assert shown["title"] == "DETRs Beat YOLOs on Real-time Object Detection"  # its abstract proposes RT-DETR
    proc = run_main(["compare", "--paper", "RT-DETR", "--paper", "YOLOv8", "--engine", "offline", "--json"], home)
    assert proc.returncode == 0, proc.stderr  # the README example (it exited 4)
    titles = [row["title"] for row in json.loads(proc.stdout)["rows"]]
    assert titles == ["DETRs Beat YOLOs on Real-time Object Detection", "Real-Time Flying Object Detection with YOLOv8"]


def test_filters_say_what_they_keep(home: Path) -> None:
    proc = run_main(["search", "speculative decoding", "--year", "2024", "-k", "3", "--min-score", "0"], home)
    assert proc.returncode == 0
    note = [line for line in proc.stderr.splitlines() if "papers match year=2024" in line]
    assert note and "have no year" in note[0], proc.stderr
    none = run_main(["search", "speculative decoding", "--year", "2019"], home)
    assert none.returncode == 4 and "no paper passes the filters: 0 of " in none.stderr
    assert "speculative decoding" not in none.stderr  # the query is not blamed
    reversed_range = run_main(["search", "x", "--year", "2024-2022"], home)
    assert reversed_range.returncode == 2 and "reversed; did you mean 2022-2024?" in reversed_range.stderr
    venue = run_main(["search", "speculative decoding", "--venue", "NeurIPS"], home)
    assert venue.returncode == 4 and "have no venue" in venue.stderr


def test_a_question_from_a_file_or_stdin_and_an_empty_one(home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    question = tmp_path / "q.txt"
    question.write_text("How many tokens per second does PowerInfer-2 generate on a smartphone?\n")
    out = json.loads(run_main(["ask", "--file", str(question), "--engine", "offline", "--json"], home).stdout)
    assert "11.68" in out["answer"]
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(question.read_text()))
    out = json.loads(run_main(["ask", "-", "--engine", "offline", "--json"], home).stdout)
    assert "11.68" in out["answer"]
    empty = run_main(["ask", "  ", "--engine", "offline"], home)
    assert empty.returncode == 2 and "the question is empty" in empty.stderr


def test_doctor_json_has_identifier_keys_and_a_problem_list(home: Path) -> None:
    report = json.loads(run_main(["doctor", "--json"], home).stdout)
    assert all(" " not in key for key in report) and report["problems"] == []


def test_remove_papers_by_reference_or_source(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps({"title": f"Removable Paper {i}", "abstract": "We study caches. "
                                        f"Our cache {i} is 2x smaller."}) + "\n" for i in range(3)))
    assert run_main(["ingest", str(data)], home).returncode == 0
    out = json.loads(run_main(["remove", "RT-DETR", "--json"], home).stdout)
    assert out["removed"] == 1 and out["papers_in_store"] == 462
    out = json.loads(run_main(["remove", "--source", str(data), "--json"], home).stdout)
    assert out["removed"] == 3 and out["papers_in_store"] == 459
    assert run_main(["show", "Removable Paper 1"], home).returncode == 4
    hits = json.loads(run_main(["search", "real-time detection transformer", "--json"], home).stdout)["results"]
    assert "DETRs Beat YOLOs on Real-time Object Detection" not in [h["title"] for h in hits]
    assert json.loads(run_main(["doctor", "--json"], home).stdout)["problems"] == []  # no orphan vectors
    assert run_main(["remove"], home).returncode == 2


def test_an_unknown_command_or_option_gets_one_line_with_the_closest(home: Path) -> None:
    from support import run_cli

    typo = run_cli("serach", "speculative decoding", home=home)
    assert typo.returncode == 2 and typo.stdout == ""
    assert typo.stderr.strip().splitlines() == ["litreview: unknown command 'serach'; did you mean 'search'?"]
    far = run_main(["zzzzzz"], home)
    assert far.returncode == 2 and "unknown command 'zzzzzz'; the commands are ingest, " in far.stderr
    option = run_main(["search", "speculative decoding", "--jsn"], home)
    assert option.returncode == 2
    assert option.stderr.strip().splitlines() == [
        "litreview: unknown option '--jsn' for litreview search; did you mean '--json'?"]
    review = run_main(["compare", "--papr", "RT-DETR"], home)
    assert review.returncode == 2 and "did you mean '--paper'?" in review.stderr


def test_search_shows_one_similarity_and_hides_what_is_not_close(home: Path) -> None:
    from support import run_cli

    roman = run_cli("search", "the fall of the Roman Empire", home=home)
    assert roman.returncode == 1, roman.stderr  # nothing close: not an error, not a success either
    (line,) = roman.stdout.strip().splitlines()
    assert line.startswith("no paper in the collection is about 'the fall of the Roman Empire'; the nearest is '")
    out = json.loads(run_main(["search", "the fall of the Roman Empire", "--json"], home).stdout)
    assert out["results"] == [] and out["hidden"] == 10 and out["min_similarity"] == 0.345
    assert out["nearest"]["similarity"] < 0.3  # the old per-query-normalised score put this paper at 0.84

    proc = run_main(["search", "benchmarks for visual anomaly detection", "--json"], home)
    found = json.loads(proc.stdout)
    assert proc.returncode == 0 and found["results"][0]["title"].startswith("AUPIMO")
    assert all(r["similarity"] >= 0.345 for r in found["results"])
    assert all(r["near_miss"] == (r["similarity"] < 0.5) for r in found["results"])
    pavement = "lightweight detector for cracks and potholes in roads"
    some = json.loads(run_main(["search", pavement, "--json"], home).stdout)
    assert some["results"][0]["title"].startswith("YOLO9tr") and some["results"][0]["near_miss"]  # 0.49, marked
    assert some["hidden"] == 10 - len(some["results"]) > 0
    every = json.loads(run_main(["search", pavement, "--min-score", "0", "--json"], home).stdout)
    assert len(every["results"]) == 10 and every["hidden"] == 0
    assert min(r["similarity"] or 0 for r in every["results"]) < 0.345  # what the floor hid
    assert "(near miss)" in run_main(["search", pavement, "-k", "3"], home).stdout

    # a bare name embeds poorly (0.44 on its own paper): shown, as a near miss
    yolo = json.loads(run_main(["search", "YOLOv8", "--json"], home).stdout)["results"]
    assert yolo[0]["title"] == "Real-Time Flying Object Detection with YOLOv8"
    assert yolo[0]["near_miss"] and 0.345 <= yolo[0]["similarity"] < 0.5
    # keywords only: no similarity is measured, so only the papers using every word of the query are shown
    lexical = json.loads(run_main(["search", "YOLOv8", "--mode", "lexical", "--json"], home).stdout)["results"]
    assert lexical and all(r["keyword_match"] and r["similarity"] is None for r in lexical)
    assert "YOLOv8" in lexical[0]["title"]
    text = run_main(["search", "YOLOv8", "--mode", "lexical"], home).stdout
    assert "similarity not measured (uses every word of the query)" in text
    wrong = run_cli("search", "YOLOv8", "--min-score", "1.5", home=home)
    assert wrong.returncode == 2 and "--min-score: must be between 0 and 1, not 1.5" in wrong.stderr


# Search queries written by hand against the bundled corpus before the floor was chosen: 20 about papers it
# holds and 15 about topics it does not cover (the lines search draws were checked on these), and a held-out
# 5 + 5 run once, after the lines were fixed.
IN_COLLECTION = [
    "speeding up LLM text generation by drafting tokens with a small model",
    "learning a world model for reinforcement learning without reconstructing pixels",
    "virtual clothing try-on with diffusion", "an AI that plays Texas hold'em poker",
    "benchmarks for visual anomaly detection",
    "fine-tuning huge models on a single graphics card by offloading to solid-state drives",
    "estimating galaxy redshift from photometric images",
    "transformers for detecting network attacks from traffic flows", "generating a soundtrack for a silent video",
    "single step text-to-image diffusion", "making a chatbot run fast on a phone",
    "shrinking the memory that attention keeps for past tokens", "turning a written prompt into a short movie clip",
    "finding cars and people in camera frames quickly",
    "cheaper adaptation of big language models by training only a few extra weights",
    "making image generators need fewer denoising steps", "reading long videos with a multimodal chatbot",
    "compressing neural network weights to 4 bits", "serving many LLM requests at once on GPU clusters",
    "a speech synthesizer that sounds natural and is fast",
]
OUT_OF_COLLECTION = [
    "the fall of the Roman Empire", "sourdough bread baking", "predicting protein structure from amino acid sequences",
    "machine unlearning: making a model forget training data", "differential privacy for training neural networks",
    "sign language recognition from video", "climate change effects on crop yields", "blockchain consensus protocols",
    "music genre classification", "hate speech detection on social media", "detecting fake news articles",
    "automatic grading of student essays", "predicting traffic congestion on city roads",
    "optimizing warehouse logistics with operations research", "speech emotion recognition",
]
HELD_OUT_IN = [
    "zero-shot text-to-speech with style diffusion", "real-time optical flow on mobile phones",
    "jailbreaking vision-language models with typographic images",
    "mixed-precision quantization using Hessian information", "predicting stock prices with deep learning",
]
HELD_OUT_OUT = [
    "translating medieval poetry", "watermarking text generated by language models",
    "earthquake early warning from seismic signals", "handwritten digit recognition", "phishing email detection",
]


def test_the_search_floor_separates_queries_about_the_collection_from_the_rest(seeded_store) -> None:
    """Every query about the collection shows its papers; one about something else shows nothing, or only
    near misses (as `ask` answers it with the weak-match note)."""
    from assistant.retrieval import apply_floor, search

    def close(query: str) -> list[bool]:
        floored = apply_floor(seeded_store, query, search(seeded_store, query, k=10))
        return [not floored.near_miss(h) for h in floored.shown]

    assert all(close(q) for q in IN_COLLECTION + HELD_OUT_IN)  # measured: 20 of 20, 5 of 5 shown
    assert sum(any(close(q)) for q in IN_COLLECTION) >= 18  # measured: 18 of 20 with a close (>= 0.5) match
    assert sum(not any(close(q)) for q in OUT_OF_COLLECTION) >= 14  # measured: 14 of 15 refused or near misses
    assert sum(not close(q) for q in OUT_OF_COLLECTION) >= 7  # measured: 7 of 15 refused outright
    assert not any(any(close(q)) for q in HELD_OUT_OUT)
