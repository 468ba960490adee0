"""`litreview lint` through the real CLI on a copy of the seeded data dir: verdicts, key resolution,
--strict, JSON, and bad input as one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile.hostile_support import assert_clean_failure, run_main
from support import run_cli

VTRANS = "VTrans: Accelerating Transformer Compression with Variational Information Bottleneck based Pruning"
VAD = "VAD: Vectorized Scene Representation for Efficient Autonomous Driving"
FLASHFFT = "FlashFFTConv: Efficient Convolutions for Long Sequences with Tensor Cores"
EFFICIENTVIT = "EfficientViT: Memory Efficient Vision Transformer with Cascaded Group Attention"
VPG = "Transfer Visual Prompt Generator across LLMs"
FORMER = "EfficientFormer: Vision Transformers at MobileNet Speed"

BIB = f"""@article{{vtrans2024,
  title = {{{{VTrans}}: Accelerating Transformer Compression with Variational Information Bottleneck based Pruning}},
  author = {{Dhar, Oshin and others}}, year = {{2024}},
}}
@inproceedings{{vad2023,
  title = {{{{VAD}}: Vectorized Scene Representation for Efficient Autonomous Driving}},
  booktitle = {{ICCV}}, year = {{2023}},
}}
@article{{flashfft, title = {{{FLASHFFT}}}, journal = {{arXiv preprint}}, year = {{2023}}}}
@inproceedings{{efficientvit, title = {{{EFFICIENTVIT}}}, booktitle = {{CVPR}}, year = {{2023}}}}
@article{{hinton2015, title = {{Distilling the Knowledge in a Neural Network}}, year = {{2015}}}}
"""

DRAFT = """---
title: Efficient models
bibliography: refs.bib
---

# Efficient models

Unlike earlier pruning methods, VTrans compresses all structural components of a
transformer, including the embeddings, attention heads and layers [@vtrans2024].
VAD-Base reduces the average collision rate by 29.0% and runs 2.5x faster [@vad2023].
FlashFFTConv speeds up exact FFT convolutions by up to 12 times over PyTorch [@flashfft].
VAD runs slower than previous end-to-end planning methods [see @vad2023, sec. 4].
EfficientViT is trained with reinforcement learning from human feedback [@efficientvit].
Knowledge distillation transfers what a large model knows to a small one [@hinton2015; @nobib].
"""


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    path = tmp_path / "review.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def lint_json(path: Path, home: Path, *extra: str) -> dict:
    proc = run_main(["lint", str(path), "--json", *extra], home)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def verdicts(report: dict) -> list[tuple[int, str, str]]:
    return [(s["line"], c["key"], c["label"]) for s in report["sentences"] for c in s["citations"]]


def test_markdown_draft_faithful_negated_wrong_figure_and_unknown(draft: Path, seeded_home: Path) -> None:
    report = lint_json(draft, seeded_home)
    assert verdicts(report) == [
        (8, "vtrans2024", "supported"),
        (10, "vad2023", "supported"),
        (11, "flashfft", "contradicted"),  # 12 times where the abstract says 7.93
        (12, "vad2023", "contradicted"),  # slower where the abstract says faster
        (13, "efficientvit", "unsupported"),
        (14, "hinton2015", "not_found"),  # in the .bib, not in the store
        (14, "nobib", "not_found"),  # in no .bib
    ]
    assert report["summary"] == {"supported": 2, "partial": 0, "unsupported": 1, "contradicted": 2, "not_found": 2}
    assert report["checked"] == 6 and report["file"] == str(draft)
    first = report["sentences"][0]
    assert first["text"].startswith("Unlike earlier pruning methods") and first["text"].endswith("[@vtrans2024].")
    cite = first["citations"][0]
    assert set(cite) == {"key", "paper_id", "title", "label", "score", "evidence"}
    assert cite["title"] == VTRANS and isinstance(cite["score"], float) and cite["paper_id"]
    assert "compresses all structural components" in cite["evidence"]
    wrong = report["sentences"][2]["citations"][0]
    assert "7.93" in wrong["evidence"] and wrong["score"] < 0.5
    missing = report["sentences"][-1]["citations"]
    assert missing[0]["title"] == "Distilling the Knowledge in a Neural Network" and missing[1]["title"] is None
    assert all(c["paper_id"] is None and c["evidence"] is None for c in missing)


def test_text_report_and_strict_exit_codes(draft: Path, seeded_home: Path, tmp_path: Path) -> None:
    plain = run_main(["lint", str(draft)], seeded_home)
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.strip().splitlines()
    line, label, score = lines[2].split()[:3]
    assert (line, label) == ("11", "contradicted") and re.fullmatch(r"0\.\d\d", score)
    assert "flashfft" in lines[2] and "7.93" in lines[2] and "[figure]" in lines[2]
    assert "hinton2015" in lines[5] and "not in the store" in lines[5]
    assert lines[-2].startswith("6 cited sentences, 7 citations: 2 supported, 1 unsupported, 2 contradicted")
    assert run_main(["lint", str(draft), "--strict"], seeded_home).returncode == 1
    good = tmp_path / "good.md"
    good.write_text("VAD-Base reduces the average collision rate by 29.0% and runs 2.5x faster [@vad2023].\n"
                    "Some keys are unknown [@hinton2015].\n", encoding="utf-8")
    assert run_main(["lint", str(good), "--bib", str(tmp_path / "refs.bib"), "--strict"],
                    seeded_home).returncode == 0  # not_found alone does not fail --strict


def test_latex_draft_with_bib_option(tmp_path: Path, seeded_home: Path) -> None:
    (tmp_path / "library.bib").write_text(BIB, encoding="utf-8")
    tex = tmp_path / "paper.tex"
    tex.write_text(r"""\documentclass{article}
\begin{document}
% VAD is slow \cite{vad2023}
\citet{vad2023} report that VAD-Base reduces the average collision rate by 29.0\%
and runs 2.5x faster.
FlashFFTConv speeds up exact FFT convolutions by up to 12 times over PyTorch~\citep[p.~2]{flashfft}.
\end{document}
""", encoding="utf-8")
    report = lint_json(tex, seeded_home, "--bib", str(tmp_path / "library.bib"))
    assert verdicts(report) == [(4, "vad2023", "supported"), (6, "flashfft", "contradicted")]


def test_numbered_draft_resolves_by_the_title_in_each_entry(tmp_path: Path, seeded_home: Path) -> None:
    path = tmp_path / "draft.txt"
    path.write_text(f"""Compression

Our method compresses all structural components, including embeddings, attention heads, and layers
using VIB-trained masks [1]. VAD runs slower than previous end-to-end planning methods [2]. Both [1, 3]
are recent.

References

[1] Dhar, O., et al. {VTRANS}. arXiv, 2024.
2. B. Jiang, S. Chen. "{VAD}." In ICCV, 2023.
[3] A. Nobody. A paper that is not in the collection. 2021.
""", encoding="utf-8")
    report = lint_json(path, seeded_home)
    got = [(s["line"], c["key"], c["title"], c["label"]) for s in report["sentences"] for c in s["citations"]]
    assert got == [(3, "1", VTRANS, "supported"), (4, "2", VAD, "contradicted"),
                   (4, "1", VTRANS, "unsupported"), (4, "3", None, "not_found")]


def test_keys_resolve_by_doi_and_arxiv_id(tmp_path: Path, home: Path) -> None:
    from assistant.verify.evaluation import corpus_papers

    papers = corpus_papers()
    records = tmp_path / "ids.jsonl"  # the same two papers, now with identifiers
    records.write_text("\n".join(json.dumps(row) for row in [
        {"title": VPG, "abstract": papers[VPG].abstract, "doi": "10.1234/VPG.2023"},
        {"title": FORMER, "abstract": papers[FORMER].abstract, "arxiv_id": "2206.01191v5"},
    ]) + "\n", encoding="utf-8")
    ingest = run_main(["ingest", str(records), "--json"], home)
    assert ingest.returncode == 0, ingest.stderr
    bib = tmp_path / "refs.bib"
    bib.write_text("""@inproceedings{zhang2023, title = {VPGTrans: the published title differs},
  doi = {https://doi.org/10.1234/vpg.2023}}
@article{li2022, title = {EfficientFormer (NeurIPS version)}, eprint = {2206.01191}, archivePrefix = {arXiv}}
@article{li2022b, title = {EfficientFormer again}, journal = {arXiv preprint arXiv:2206.01191}}
@article{other, title = {Not in the store either}, doi = {10.9999/none}}
""", encoding="utf-8")
    path = tmp_path / "draft.md"
    path.write_text("VPGTrans speeds up VPG transfer by over 10 times [@zhang2023]. EfficientFormer-L1 reaches "
                    "79.2% top-1 accuracy on ImageNet-1K [@li2022; @li2022b]. Unknown [@other].\n", encoding="utf-8")
    report = lint_json(path, home, "--bib", str(bib))
    got = [(c["key"], c["title"], c["label"]) for s in report["sentences"] for c in s["citations"]]
    assert got == [("zhang2023", VPG, "supported"), ("li2022", FORMER, "supported"),
                   ("li2022b", FORMER, "supported"), ("other", "Not in the store either", "not_found")]


@pytest.mark.parametrize(("files", "argv", "fragments"), [
    ({}, ["lint", "{tmp}/absent.md"], ["absent.md", "no such file"]),
    ({"plain.md": "Nothing cited at all.\n"}, ["lint", "{tmp}/plain.md"], ["plain.md", "no citations found"]),
    ({"draft.odt": "x"}, ["lint", "{tmp}/draft.odt"], ["draft.odt", "unknown format"]),
    ({"notes.xyz": "No markers.\n"}, ["lint", "{tmp}/notes.xyz"], ["notes.xyz", "unknown format"]),
    ({"d.md": "Cited [@a].\n", "bad.bib": "@article{a, title = {Broken\n"},
     ["lint", "{tmp}/d.md", "--bib", "{tmp}/bad.bib"], ["bad.bib", "could be parsed"]),
    ({"d.md": "Cited [@a].\n", "empty.bib": "% nothing here\n"},
     ["lint", "{tmp}/d.md", "--bib", "{tmp}/empty.bib"], ["empty.bib", "no BibTeX entries"]),
    ({"d.md": "---\nbibliography: gone.bib\n---\n\nCited [@a].\n"}, ["lint", "{tmp}/d.md"],
     ["d.md:2", "gone.bib", "--bib"]),
    ({"d.md": "\n\nCited [@a].\n"}, ["lint", "{tmp}/d.md"], ["d.md:3", "no .bib"]),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path: Path, seeded_home: Path, files: dict[str, str],
                                                    argv: list[str], fragments: list[str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    proc = run_main([a.replace("{tmp}", str(tmp_path)) for a in argv], seeded_home)
    assert_clean_failure(proc, 2, *fragments)


def test_the_installed_command_runs_lint(draft: Path, seeded_home: Path) -> None:
    proc = run_cli("lint", str(draft), "--strict", "--json", home=seeded_home)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"]["contradicted"] == 2
    missing = run_cli("lint", str(draft.with_name("nope.md")), home=seeded_home)
    assert_clean_failure(missing, 2, "nope.md", "no such file")


def test_a_broken_bib_entry_is_named_on_stderr_and_the_rest_is_used(tmp_path: Path, seeded_home: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(f"@article{{broken, title = {{Unclosed\n\n@article{{vad2023, title = {{{VAD}}}}}\n",
                   encoding="utf-8")
    path = tmp_path / "d.md"
    path.write_text("VAD-Base reduces the average collision rate by 29.0% and runs 2.5x faster [@vad2023]. "
                    "It is broken [@broken].\n", encoding="utf-8")
    proc = run_main(["lint", str(path), "--bib", str(bib), "--json"], seeded_home)
    assert proc.returncode == 0, proc.stderr
    assert verdicts(json.loads(proc.stdout)) == [(1, "vad2023", "supported"), (1, "broken", "not_found")]
    (note,) = proc.stderr.strip().splitlines()
    assert "refs.bib" in note and "broken" in note and "line 1" in note


def test_a_papers_own_figure_credited_to_its_baseline_is_an_attribution_conflict(tmp_path: Path,
                                                                                  seeded_home: Path) -> None:
    """FlashFFTConv's abstract: "FlashFFTConv speeds up exact FFT convolutions by up to 7.93× over PyTorch"."""
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    path = tmp_path / "review.md"
    path.write_text("---\nbibliography: refs.bib\n---\n\n"
                    "PyTorch speeds up exact FFT convolutions by up to 7.93x [@flashfft].\n"
                    "FlashFFTConv runs exact FFT convolutions up to 7.93x faster than PyTorch [@flashfft].\n",
                    encoding="utf-8")
    report = lint_json(path, seeded_home)
    assert verdicts(report) == [(5, "flashfft", "contradicted"), (6, "flashfft", "supported")]
    text = run_main(["lint", str(path)], seeded_home).stdout
    assert re.search(r"contradicted .*\[attribution\]", text), text
