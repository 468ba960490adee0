"""BibTeX reader: Zotero/BibLaTeX exports, LaTeX clean-up, broken entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.bibtex import read_bibtex, split_authors
from assistant.textnorm import clean_text

ABSTRACT = "We study a thing carefully. It works well on many benchmarks and we release code."

ZOTERO_BIB = r"""
@article{muller_uber_2020,
	title = {{\"U}ber {BERT}: Caf{\'e} reviews with {LLMs} -- a {Study}},
	volume = {12},
	url = {https://example.org/paper},
	doi = {10.1234/abcd.5678},
	abstract = {We fine-tune {BERT} on caf\'{e} reviews and reach 95\% accuracy with \emph{no} extra data.},
	journal = {Journal of {Things}},
	author = {M{\"u}ller, Hans and Smith, John and {Barnes and Noble}},
	year = {2020},
	keywords = {nlp},
}

@inproceedings{nguyen_fast_2021,
	address = {Online},
	title = {Fast {Transformers} for Na{\"\i}ve Users},
	booktitle = {Proceedings of the {ACL}},
	author = {Nguyen, Anh and others},
	month = jan,
	year = {2021},
	abstract = {Fast.
	Transformers are slow; we make them fast.},
}

@misc{vaswani_attention_2017,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	abstract = {The dominant sequence transduction models are based on complex recurrent networks.},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	date = {2017-06-12},
	eprinttype = {arxiv},
	eprint = {1706.03762},
}

@article{noabstract_2019,
	title = {A Paper Without Abstract},
	author = {Doe, Jane},
	year = {2019},
}

@article{trunc_2022,
	title = {Cut Off},
	abstract = {This export was interrupted in the mid
"""


def write(tmp_path: Path, text: str, name: str = "lib.bib", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_zotero_export(tmp_path: Path) -> None:
    records = list(read_bibtex(write(tmp_path, ZOTERO_BIB)))
    papers = [r for r in records if isinstance(r, Paper)]
    skips = [r for r in records if isinstance(r, Skip)]
    assert [p.title for p in papers] == [
        "Über BERT: Café reviews with LLMs – a Study",
        "Fast Transformers for Naïve Users",
        "Attention Is All You Need",
    ]
    first, second, third = papers
    assert first.abstract == "We fine-tune BERT on café reviews and reach 95% accuracy with no extra data."
    assert first.authors == ("Müller, Hans", "Smith, John", "Barnes and Noble")
    assert (first.year, first.venue, first.doi, first.url) == (
        2020, "Journal of Things", "10.1234/abcd.5678", "https://example.org/paper")
    assert first.source == "lib.bib"
    assert second.venue == "Proceedings of the ACL"
    assert second.authors == ("Nguyen, Anh",)
    assert second.abstract == "Fast. Transformers are slow; we make them fast."
    assert (third.year, third.date, third.arxiv_id) == (2017, "2017-06-12", "1706.03762")
    assert [(s.where, s.reason.split(" (")[0]) for s in skips] == [
        ("entry noabstract_2019", "no abstract"),
        ("entry trunc_2022 (line 42)", "malformed or truncated entry"),
    ]


def test_archiveprefix_eprint(tmp_path: Path) -> None:
    text = ("@article{a, title={T}, abstract={" + ABSTRACT + "}, eprint={2101.00001},"
            " archivePrefix={arXiv}, primaryClass={cs.CL}}\n")
    (paper,) = read_bibtex(write(tmp_path, text))
    assert isinstance(paper, Paper) and paper.arxiv_id == "2101.00001"


def test_truncated_entry_in_the_middle_does_not_swallow_the_next(tmp_path: Path) -> None:
    text = (
        "@article{good1, title={One}, abstract={" + ABSTRACT + "}}\n"
        "@article{broken,\n  title = {Two,\n  abstract = {unterminated\n"
        "@article{good2,\n  title={Three},\n  abstract={" + ABSTRACT + "}\n}\n"
    )
    records = list(read_bibtex(write(tmp_path, text)))
    assert [type(r).__name__ for r in records] == ["Paper", "Skip", "Paper"]
    assert records[1].where == "entry broken (line 2)"
    assert records[2].title == "Three"


def test_duplicate_fields(tmp_path: Path) -> None:
    text = (
        "@article{twotitles, title={A}, title={B}, abstract={" + ABSTRACT + "}}\n\n"
        "@article{twonotes, title={C}, note={x}, note={y}, abstract={" + ABSTRACT + "}}\n"
    )
    skip, paper = read_bibtex(write(tmp_path, text))
    assert isinstance(skip, Skip) and skip.where == "entry twotitles (line 1)" and "title" in skip.reason
    assert isinstance(paper, Paper) and paper.title == "C"


def test_string_macros_carry_over(tmp_path: Path) -> None:
    entry = "@inproceedings{{{}, title={{T}}, booktitle=acl, abstract={{" + ABSTRACT + "}}}}\n"
    text = '@string{acl = "Proceedings of ACL"}\n' + entry.format("x") + entry.format("y")
    venues = [r.venue for r in read_bibtex(write(tmp_path, text)) if isinstance(r, Paper)]
    assert venues == ["Proceedings of ACL", "Proceedings of ACL"]


def test_no_entries_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no BibTeX entries found") as info:
        list(read_bibtex(write(tmp_path, "% just a comment\nnothing here\n")))
    assert str(tmp_path / "lib.bib") in str(info.value)


def test_only_broken_entries_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no BibTeX entry could be parsed.*entry x"):
        list(read_bibtex(write(tmp_path, "@article{x, title = {unterminated\n")))


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, ZOTERO_BIB, encoding="utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    titles = [r.title for r in read_records(path) if isinstance(r, Paper)]
    assert titles[0] == "Über BERT: Café reviews with LLMs – a Study"


def test_latin1(tmp_path: Path) -> None:
    path = write(tmp_path, "@article{k, title={Caf\u00e9 na\u00efve}, author={G\u00f6del, Kurt},"
                           " abstract={" + ABSTRACT + "}}\n", encoding="latin-1")
    (paper,) = read_records(path)
    assert isinstance(paper, Paper) and paper.title == "Café naïve" and paper.authors == ("Gödel, Kurt",)


def test_split_authors() -> None:
    assert split_authors("A, B and {C and D} and\n E F and others") == ["A, B", "{C and D}", "E F"]
    assert split_authors("") == []


SAFE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00{}\\@%#$~^&_"), max_size=60)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=SAFE, abstract=SAFE)
def test_property_titles_round_trip(tmp_path: Path, title: str, abstract: str) -> None:
    path = write(tmp_path, f"@article{{k,\n  title = {{{title}}},\n  abstract = {{{abstract}}},\n}}\n")
    (record,) = read_bibtex(path)
    if clean_text(title, "bibtex") and clean_text(abstract, "bibtex"):
        assert isinstance(record, Paper)
        assert (record.title, record.abstract) == (clean_text(title, "bibtex"), clean_text(abstract, "bibtex"))
    else:
        assert isinstance(record, Skip) and record.where == "entry k"


def test_title_that_cleans_to_nothing_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "@article{empty, title = {{}}, abstract = {" + ABSTRACT + "}}\n")
    (skip,) = read_bibtex(path)
    assert isinstance(skip, Skip) and (skip.where, skip.reason) == ("entry empty", "no title")
