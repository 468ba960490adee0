"""Records with the same title are merged only when they are the same work, and every merge is named."""

from __future__ import annotations

import json
from pathlib import Path

from hostile.hostile_support import run_main

GAN = "Generative Adversarial Networks"


def _bib(path: Path, entries: list[str]) -> Path:
    path.write_text("\n\n".join(entries) + "\n")
    return path


def test_same_title_different_works_are_kept_apart_and_named(tmp_path: Path) -> None:
    data = _bib(tmp_path / "lib.bib", [
        "@inproceedings{goodfellow2014, title={Generative Adversarial Networks}, author={Goodfellow, Ian and "
        "Pouget-Abadie, Jean}, year={2014}, doi={10.48550/arXiv.1406.2661}, abstract={We propose a new framework "
        "for estimating generative models via an adversarial process, training two models simultaneously.}}",
        "@article{goodfellow2020, title={Generative Adversarial Networks}, author={Goodfellow, Ian and Mirza, "
        "Mehdi}, year={2020}, journal={Communications of the ACM}, doi={10.1145/3422622}, abstract={Generative "
        "adversarial networks are a kind of artificial intelligence algorithm designed to solve the generative "
        "modeling problem.}}",
        "@misc{summary1, title={Summary}, author={Smith, Ann}, year={2019}, abstract={Sports analytics of "
        "basketball shot selection across twenty seasons of professional play.}}",
        "@misc{summary2, title={Summary}, author={Jones, Bob}, year={2021}, abstract={A summary of soil carbon "
        "measurements in alpine meadows under grazing.}}",
    ])
    out = json.loads(run_main(["ingest", str(data), "--json"], tmp_path / "home").stdout)
    assert out["added"] == 4 and out["duplicates"] == 0  # before: 2 added, 2 silently merged
    why = {(k["title"], k["why"].split(" (")[0]) for k in out["kept_apart"]}
    assert why == {(GAN, "DOIs differ"), ("Summary", "year and first author differ")}
    titles = [p["title"] for p in json.loads(run_main(["papers", "--json"], tmp_path / "home").stdout)["papers"]]
    assert titles.count(GAN) == 2 and titles.count("Summary") == 2
    again = json.loads(run_main(["ingest", str(data), "--json"], tmp_path / "home").stdout)
    assert (again["added"], again["unchanged"]) == (0, 4)  # the same decisions on every run


def test_the_same_work_from_two_files_is_merged_and_listed(tmp_path: Path) -> None:
    a = _bib(tmp_path / "a.bib", ["@article{x, title={Generative Adversarial Networks}, author={Goodfellow, Ian}, "
                                  "year={2014}, abstract={We propose a new framework for generative models.}}"])
    b = tmp_path / "b.jsonl"
    b.write_text(json.dumps({"title": GAN, "abstract": "We propose a new framework for generative models.",
                             "doi": "10.48550/arXiv.1406.2661", "authors": "Ian Goodfellow"}) + "\n")
    out = json.loads(run_main(["ingest", str(a), str(b), "--json"], tmp_path / "home").stdout)
    assert out["added"] == 1 and out["duplicates"] == 1
    assert out["merged"] == [{"title": GAN, "kept": "a.bib", "merged_from": "b.jsonl"}]
    shown = json.loads(run_main(["show", GAN, "--json"], tmp_path / "home").stdout)
    assert shown["doi"] == "10.48550/arXiv.1406.2661"  # the other file's metadata filled in


def test_a_different_work_arriving_later_does_not_replace_the_stored_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _bib(tmp_path / "first.bib", ["@article{a, title={Summary}, author={Smith, Ann}, year={2019}, "
                                          "abstract={Sports analytics of basketball shot selection.}}"])
    later = _bib(tmp_path / "later.bib", ["@article{b, title={Summary}, author={Jones, Bob}, year={2021}, "
                                          "abstract={Soil carbon in alpine meadows under grazing.}}"])
    run_main(["ingest", str(first)], home)
    out = json.loads(run_main(["ingest", str(later), "--json"], home).stdout)
    assert out["added"] == 1 and out["updated"] == 0
    abstracts = {json.loads(run_main(["show", p["paper_id"], "--json"], home).stdout)["abstract"]
                 for p in json.loads(run_main(["papers", "--json"], home).stdout)["papers"]}
    assert abstracts == {"Sports analytics of basketball shot selection.",
                         "Soil carbon in alpine meadows under grazing."}
