"""Real-shaped exports (fixtures written by hand in the shape of each tool's files) come in clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.bibtex import field_value
from assistant.readers.ris import ris_date
from assistant.readers.tabular import arxiv_year
from assistant.textnorm import title_key

FIXTURES = Path(__file__).parent / "fixtures"


def records(name: str, fmt: str | None = None) -> list[Paper | Skip]:
    return list(read_records(FIXTURES / name, fmt))


def papers(name: str, fmt: str | None = None) -> list[Paper]:
    return [r for r in records(name, fmt) if isinstance(r, Paper)]


# ---------------------------------------------------------------- BibTeX

def test_mendeley_text_commands() -> None:
    first, second = papers("mendeley.bib")
    assert "(P < 0.0005)" in first.abstract and "(P <0.001)" in first.abstract
    assert "(>2 years old)" in first.abstract
    assert first.title == "Common variation near the contactin-associated protein-like 2 gene, CNTNAP2"
    assert title_key(first.title) == title_key(
        "Common variation near the contactin-associated protein-like 2 gene, CNTNAP2")
    assert first.authors == ("Kowalski, Anna", "Østergaard, Mads", "Müller, Jens")
    assert second.title == "Control words are not accents: ρ, χ and roman text"
    assert second.abstract.startswith("Lattice models of the © era are revisited: the rate scales as ρ ⋅ χ and the "
                                      "map f → g is shown to be an isometry for all ε > 0.")
    assert "marks® and ~tildes, a |bar|, 3×3 grids, a·b, 10⁶ cells and xth terms" in second.abstract
    assert second.authors == ("Lindqvist, Erik", "Thorsen, Ida")


def test_repeated_field_keeps_values_clean() -> None:
    """A Zotero artefact: two doi fields. bibtexparser hands such an entry back unprocessed."""
    (nerf,) = papers("zotero_duplicate_doi.bib")
    assert nerf.title == "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis"
    assert nerf.authors == ("Mildenhall, Ben", "Srinivasan, Pratul P.", "Tancik, Matthew", "Barron, Jonathan T.",
                            "Ramamoorthi, Ravi", "Ng, Ren")
    assert (nerf.doi, nerf.year, nerf.venue) == ("10.1007/978-3-030-58452-8_24", 2020, "Computer Vision – ECCV 2020")


def test_repeated_title_that_differs_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.bib"
    path.write_text("@article{same, title={{A}}, title={A}, abstract={x y.}}\n"
                    "@article{differ, title={A}, title={B}, abstract={x y.}}\n", encoding="utf-8")
    same, differ = read_records(path)
    assert isinstance(same, Paper) and same.title == "A"
    assert isinstance(differ, Skip) and "more than one title" in differ.reason


def test_string_macros_concatenation_and_escapes() -> None:
    chen = papers("bbt_strings_crossref.bib")[0]
    assert chen.venue == ("Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition "
                          "(CVPR)")
    assert chen.title == "Fast Sparse Attention for Vision Transformers"
    assert chen.authors == ("Chen, Wei", "García, Lucía")
    assert chen.abstract == (r"We rewrite \mathbf{x} as a sparse product and keep results within 1 % of dense "
                             "attention — at a third of the cost (2019–2022 baselines).")


def test_crossref_is_resolved_within_the_file() -> None:
    by_title = {p.title: p for p in papers("bbt_strings_crossref.bib")}
    for title in ("A Child Paper That Inherits Its Venue", "A Second Child After Its Parent"):
        child = by_title[title]
        assert (child.year, child.venue) == (2023, "Proceedings of the Workshop on Efficient Models")
        assert child.doi is None  # the parent's own identifier is not the child's
    skips = [r for r in records("bbt_strings_crossref.bib") if isinstance(r, Skip)]
    assert [s.where for s in skips] == ["entry parent_proc_2023"]  # the proceedings have no abstract


def test_crossref_to_a_missing_parent_keeps_the_child(tmp_path: Path) -> None:
    path = tmp_path / "orphan.bib"
    path.write_text("@inproceedings{c, title={Child}, abstract={An abstract.}, crossref={nowhere}}\n",
                    encoding="utf-8")
    (child,) = read_records(path)
    assert isinstance(child, Paper) and (child.title, child.venue, child.year) == ("Child", None, None)


def test_field_value_evaluates_like_bibtex() -> None:
    macros = {"acl": "Proc. of ACL"}
    assert field_value('{A {B} C}', macros) == "A {B} C"
    assert field_value('"A {"}B"', macros) == 'A {"}B'
    assert field_value('ACL # " 2020, " # {x} # 12', macros) == "Proc. of ACL 2020, x12"
    assert field_value("jun", macros) == "june"
    assert field_value("undefined", macros) == "undefined"


# ---------------------------------------------------------------- plain-text formats are not TeX

def test_csv_jsonl_and_ris_keep_dollars_and_braces() -> None:
    expected = ("ICERs of $81,000/QALY and $140,000/QALY were found [95% confidence interval {CI} 0.8-1.2]; "
                "a \\emph{shift} -- not a dash.")
    (csv_paper,) = papers("plain_exports.csv")
    (json_paper,) = papers("plain_exports.jsonl")
    assert csv_paper.abstract == json_paper.abstract == expected
    assert csv_paper.title == json_paper.title == "Cost of care {CI} in $ terms"
    assert (csv_paper.doi, csv_paper.url) == ("10.1000/x_1", "https://example.org/a~b")
    ovid = papers("ovid.ris")[0]
    assert ovid.title == "Cost-effectiveness of screening [95% confidence interval {CI}]"
    assert ovid.abstract == ("ICERs of $81,000/QALY and $140,000/QALY were found [95% confidence interval {CI} "
                             "0.8-1.2]; costs fell -- sharply.")


# ---------------------------------------------------------------- arXiv metadata snapshot

def test_arxiv_snapshot_year_is_the_first_version_never_update_date() -> None:
    first, old_style, no_versions = papers("arxiv_snapshot.jsonl", "arxiv")
    assert (first.year, first.date) == (2007, "2007-03-31")  # v1 created; update_date says 2008
    assert (old_style.year, old_style.date) == (1999, "1999-01-01")  # update_date says 2011
    assert (no_versions.year, no_versions.date) == (2023, None)  # from the id 2310.04562; update_date says 2024


def test_arxiv_snapshot_text_is_tex() -> None:
    first, old_style, no_versions = papers("arxiv_snapshot.jsonl", "arxiv")
    assert "the (k,ℓ)-pebble game with colors" in first.abstract
    assert old_style.title == "Branes at angles and the ρ parameter"
    assert old_style.abstract == "We compute the ρ parameter at one loop; the result agrees with Schrödinger's " \
                                 "equation to 10^-3."
    assert old_style.authors == ("Müller, J.", "Ng, K.")
    assert no_versions.abstract == "Training costs $20 per run on a ~2 GB device, about 3% of the usual budget."


@pytest.mark.parametrize(("arxiv_id", "year"), [
    ("0704.0001", 2007), ("1802.08979", 2018), ("2310.04562v2", 2023), ("hep-th/9901001", 1999),
    ("math.GT/0309136", 2003), ("cond-mat/9112001", 1991), ("2313.00001", None), ("not an id", None),
    ("0612.0001", None),  # new-style ids began in April 2007
])
def test_arxiv_year_from_id(arxiv_id: str, year: int | None) -> None:
    assert arxiv_year(arxiv_id) == year


# ---------------------------------------------------------------- RIS

def test_ovid_link_lines_after_er_are_not_records() -> None:
    recs = records("ovid.ris")
    assert [type(r).__name__ for r in recs] == ["Paper", "Paper", "Paper"]
    first, second, third = recs
    assert (first.year, first.date, first.venue) == (2025, "2025", "Value in Health")
    assert (second.year, second.date) == (2024, "2024-03")
    assert (third.year, third.date) == (2023, "2023-11-05")


def test_ovid_record_numbers_are_not_shifted(tmp_path: Path) -> None:
    text = (FIXTURES / "ovid.ris").read_text(encoding="utf-8") + "TY  - JOUR\nTI  - No abstract\nER  - \n"
    path = tmp_path / "more.ris"
    path.write_text(text, encoding="utf-8")
    skips = [r for r in read_records(path) if isinstance(r, Skip)]
    assert [(s.where, s.reason.split(" (")[0]) for s in skips] == [("record 4 (line 29)", "no abstract")]


@pytest.mark.parametrize(("text", "year", "date"), [
    ("2025///", 2025, "2025"), ("2020/05/01/", 2020, "2020-05-01"), ("2020/5/1", 2020, "2020-05-01"),
    ("2024/03//", 2024, "2024-03"), ("2021///Spring", 2021, "2021 Spring"), ("2019", 2019, "2019"),
    ("May 2020", 2020, "May 2020"), ("", None, None),
])
def test_ris_dates(text: str, year: int | None, date: str | None) -> None:
    assert ris_date(text) == (year, date)


# ---------------------------------------------------------------- Hugging Face page saved with links

def test_hf_page_link_lines_are_furniture_and_ids_are_kept(tmp_path: Path) -> None:
    recs = records("hf_papers_links.txt")
    assert all(isinstance(r, Paper) for r in recs), recs
    assert [r.title for r in recs] == ["Sparse Mixture Models Are Cheap at Inference Time",
                                       "Routing Tokens Without a Router", "Quantised Experts on a Phone"]
    first, second, third = recs
    assert (first.arxiv_id, first.url) == ("1802.08979", "https://huggingface.co/papers/1802.08979")
    assert (first.year, first.date) == (2018, "Feb 26, 2018")
    assert (second.arxiv_id, second.url) == ("2401.04088", "https://huggingface.co/papers/2401.04088")
    assert (third.arxiv_id, third.url) == (None, None)  # no link before it: none is made up


def test_hf_bare_id_before_a_paper(tmp_path: Path) -> None:
    abstract = ("We show a thing. " * 15).strip()
    path = tmp_path / "ids.txt"
    path.write_text(f"arXiv:2402.00001\n\nA Title\n\n{abstract}\n\nhttps://example.org/not-arxiv\n\nB Title\n\n"
                    f"{abstract}\n", encoding="utf-8")
    a, b = read_records(path)
    assert (a.title, a.arxiv_id, a.url) == ("A Title", "2402.00001", None)
    assert (b.title, b.arxiv_id, b.url) == ("B Title", None, None)


# ---------------------------------------------------------------- text that is not Unicode

def test_lone_surrogate_in_jsonl_is_a_skip(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"title": "Good", "abstract": "Fine."}) + "\n"
                    + '{"title": "Bad \\ud800 title", "abstract": "Fine."}\n'
                    + '{"title": "Also bad", "abstract": "Fine.", "authors": ["A \\udfff B"]}\n', encoding="utf-8")
    good, bad, worse = read_records(path)
    assert isinstance(good, Paper)
    assert isinstance(bad, Skip) and bad.where == "line 2" and "title" in bad.reason and "surrogate" in bad.reason
    assert isinstance(worse, Skip) and worse.where == "line 3" and "authors" in worse.reason
    str(bad).encode("utf-8")  # the skip itself can be shown and stored


@pytest.mark.parametrize(("name", "text", "where"), [
    ("bad.csv", "title,abstract\nGood,Fine.\nBad +2AA- title,Fine.\n", "line 3"),
    ("bad.bib", "@article{good, title={Good}, abstract={Fine.}}\n@article{bad, title={Bad +2AA-}, abstract={F.}}\n",
     "entry bad"),
    ("bad.ris", "TY  - JOUR\nTI  - Good\nAB  - Fine.\nER  - \nTY  - JOUR\nTI  - Bad +2AA-\nAB  - Fine.\nER  - \n",
     "record 2 (line 5)"),
])
def test_lone_surrogate_from_any_reader_is_a_skip(tmp_path: Path, name: str, text: str, where: str) -> None:
    """UTF-7 ("+2AA-") decodes to a lone surrogate in Python: what a reader gets from ``--encoding utf-7``."""
    path = tmp_path / name
    path.write_bytes(text.encode("ascii"))
    good, bad = read_records(path, encoding="utf-7")
    assert isinstance(good, Paper) and good.title == "Good"
    assert isinstance(bad, Skip) and bad.where == where and "title" in bad.reason

