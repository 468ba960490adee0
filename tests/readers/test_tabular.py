"""CSV and JSON Lines readers: Zotero headers, delimiters, ragged rows, arXiv snapshot."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.tabular import read_csv, read_jsonl
from assistant.textnorm import clean_text

ABSTRACT = "We study a thing carefully. It works well on many benchmarks."


def write(tmp_path: Path, text: str, name: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


# ---------------------------------------------------------------- CSV

def test_zotero_csv(tmp_path: Path) -> None:
    path = tmp_path / "zotero.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # Zotero writes a BOM
        writer = csv.writer(fh)
        writer.writerow(["Key", "Item Type", "Publication Year", "Author", "Title", "Publication Title",
                         "DOI", "Url", "Abstract Note", "Date", "Date Added", "Extra"])
        writer.writerow(["K1", "journalArticle", "2020", "Müller, Hans; Smith, John", "<i>BERT</i> for café reviews",
                         "Journal of Things", "10.1/x", "https://e.org/1", "Line one,\nline two; \"quoted\".",
                         "2020-05-01", "2024-01-01 10:00:00", "arXiv: 2001.00001"])
        writer.writerow(["K2", "preprint", "", "Doe, Jane", "No Year", "", "", "", ABSTRACT, "", "", ""])
    first, second = read_csv(path)
    assert isinstance(first, Paper) and isinstance(second, Paper)
    assert first.title == "BERT for café reviews"
    assert first.abstract == 'Line one, line two; "quoted".'
    assert first.authors == ("Müller, Hans", "Smith, John")
    assert (first.year, first.venue, first.doi, first.url, first.date) == (
        2020, "Journal of Things", "10.1/x", "https://e.org/1", "2020-05-01")
    assert (second.year, second.venue, second.date) == (None, None, None)


def test_semicolon_delimiter_and_aliases(tmp_path: Path) -> None:
    text = ("paper_title;Summary;authors;publication_year;link;arxiv\n"
            f"A title, with a comma;{ABSTRACT};A and B;2023;https://x.org;2301.00001\n")
    (paper,) = read_csv(write(tmp_path, text, "semi.csv"))
    assert isinstance(paper, Paper)
    assert (paper.title, paper.authors, paper.year, paper.url, paper.arxiv_id) == (
        "A title, with a comma", ("A", "B"), 2023, "https://x.org", "2301.00001")


@pytest.mark.parametrize("delimiter", ["\t", "|", ","])
def test_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["Title", "Abstract", "Year"]) + "\n" + delimiter.join(["T", ABSTRACT, "1999"]) + "\n"
    (paper,) = read_csv(write(tmp_path, text, "d.txt"))
    assert isinstance(paper, Paper) and (paper.title, paper.year) == ("T", 1999)


def test_ragged_and_empty_rows(tmp_path: Path) -> None:
    text = (
        "title,abstract,year\n"          # line 1
        f"Good,{ABSTRACT},2020\n"        # line 2
        "Too,few\n"                      # line 3
        f"Too,many,1,2\n"                # line 4
        "\n"                             # line 5: blank, ignored
        f",{ABSTRACT},2020\n"            # line 6: empty title
        "No abstract,,2020\n"            # line 7
        f'"Multi\nline title",{ABSTRACT},2021\n'  # lines 8-9
        f"Trailing,{ABSTRACT},2022,\n"   # line 10: empty extra cell is tolerated
        "Last,x,\n"                      # line 11: abstract 'x', empty year
    )
    records = list(read_csv(write(tmp_path, text, "rag.csv")))
    summary = [(type(r).__name__, r.where if isinstance(r, Skip) else r.title) for r in records]
    assert summary == [
        ("Paper", "Good"), ("Skip", "line 3"), ("Skip", "line 4"), ("Skip", "line 6"), ("Skip", "line 7"),
        ("Paper", "Multi line title"), ("Paper", "Trailing"), ("Paper", "Last"),
    ]
    reasons = [r.reason for r in records if isinstance(r, Skip)]
    assert "2 fields but the header has 3" in reasons[0]
    assert reasons[2] == "empty title" and reasons[3].startswith("empty abstract")


def test_missing_title_column(tmp_path: Path) -> None:
    path = write(tmp_path, "name,Abstract Note,year\nx,y,2020\n", "bad.csv")
    with pytest.raises(InputError) as info:
        list(read_csv(path))
    message = str(info.value)
    assert message.startswith(str(path)) and "no title column" in message
    assert "name, Abstract Note, year" in message


def test_latin1_and_utf16_csv(tmp_path: Path) -> None:
    for encoding in ("latin-1", "utf-16"):
        path = write(tmp_path, f"Title,Abstract\nCafé Müller,{ABSTRACT} Naïve.\n", "enc.csv", encoding)
        (paper,) = read_records(path)
        assert isinstance(paper, Paper) and paper.title == "Café Müller" and paper.abstract.endswith("Naïve.")


def test_header_only_and_blank_file(tmp_path: Path) -> None:
    assert list(read_csv(write(tmp_path, "title,abstract\n", "h.csv"))) == []
    with pytest.raises(InputError, match="no header row"):
        list(read_csv(write(tmp_path, "\n\n  \n", "blank.csv")))


# ---------------------------------------------------------------- JSONL

def test_jsonl_with_broken_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"Title": "First", "abstractNote": ABSTRACT, "authors": ["A B", "C D"], "year": 2021,
                    "journal": "J", "DOI": "10.1/y", "url": "https://e.org"}),
        '{"title": "Broken", "abstract": ',
        "",
        json.dumps({"paper_title": "Second", "summary": ABSTRACT, "author": [{"family": "Doe", "given": "J"}],
                    "date": "2019-02-03", "categories": ["cs.CL", "cs.LG"]}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "No abstract"}),
    ]
    records = list(read_jsonl(write(tmp_path, "\n".join(lines) + "\n", "p.jsonl")))
    assert [type(r).__name__ for r in records] == ["Paper", "Skip", "Paper", "Skip", "Skip"]
    first, broken, second, notobj, noabs = records
    assert (first.title, first.authors, first.year, first.venue, first.doi) == (
        "First", ("A B", "C D"), 2021, "J", "10.1/y")
    assert broken.where == "line 2" and broken.reason.startswith("not valid JSON: ")
    assert (second.authors, second.year, second.date, second.categories) == (
        ("Doe, J",), 2019, "2019-02-03", ("cs.CL", "cs.LG"))
    assert (notobj.where, noabs.where) == ("line 5", "line 6")


ARXIV = {
    "id": "0704.0001", "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky and C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages", "journal-ref": "Phys.Rev.D76:013009,2007", "doi": "10.1103/PhysRevD.76.013009",
    "report-no": None, "categories": "hep-ph hep-ex", "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented.\n",
    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
    "update_date": "2008-11-13",
    "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", ""],
                       ["Yuan", "C. -P.", "Jr"]],
}


def test_arxiv_snapshot(tmp_path: Path) -> None:
    no_parsed = {k: v for k, v in ARXIV.items() if k not in ("authors_parsed", "update_date")} | {"id": "2101.00002"}
    path = write(tmp_path, json.dumps(ARXIV) + "\n" + json.dumps(no_parsed) + "\n", "arxiv-metadata.json")
    paper, other = read_records(path, "arxiv")
    assert isinstance(paper, Paper) and isinstance(other, Paper)
    assert paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert paper.abstract == "A fully differential calculation in perturbative quantum chromodynamics is presented."
    assert (paper.arxiv_id, paper.year, paper.date) == ("0704.0001", 2007, "2007-04-02")  # not update_date
    assert paper.categories == ("hep-ph", "hep-ex")
    assert paper.authors == ("Balázs, C.", "Berger, E. L.", "Nadolsky, P. M.", "Yuan, C. -P. Jr")
    assert (paper.url, paper.venue, paper.doi) == (
        "https://arxiv.org/abs/0704.0001", "Phys.Rev.D76:013009,2007", "10.1103/PhysRevD.76.013009")
    assert other.year == 2007  # from versions[0].created
    assert other.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")


def test_json_array(tmp_path: Path) -> None:
    data = [{"title": "A", "abstract": ABSTRACT}, 3, {"title": "B", "abstract": ABSTRACT}]
    records = list(read_jsonl(write(tmp_path, json.dumps(data, indent=2), "arr.json")))
    assert [getattr(r, "title", None) or r.where for r in records] == ["A", "item 2", "B"]
    with pytest.raises(InputError, match="not valid JSON"):
        list(read_jsonl(write(tmp_path, "[\n{\"title\": 1,\n", "bad.json")))


def test_every_line_broken_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no line is a JSON object.*line 1"):
        list(read_jsonl(write(tmp_path, "title: x\nabstract: y\n", "notjson.jsonl")))


def test_latin1_and_utf16_jsonl(tmp_path: Path) -> None:
    for encoding in ("latin-1", "utf-16"):
        text = json.dumps({"title": "Café", "abstract": "Naïve."}, ensure_ascii=False) + "\n"
        (paper,) = read_records(write(tmp_path, text, "enc.jsonl", encoding))
        assert isinstance(paper, Paper) and (paper.title, paper.abstract) == ("Café", "Naïve.")


# ---------------------------------------------------------------- properties

TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80),
    st.lists(st.sampled_from(["{BERT}", "\\'e", "\\\"{o}", "$O(n)$", "\\emph{x}", "--", " ", "\t", "\x0b",
                              "\x85", "\u200b", "<i>", "</i>", "a", "Z", "\r", "\n", "\\&", "{", "}"]),
             max_size=12).map("".join),
)


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=5))
def test_property_csv_and_jsonl_round_trip(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    csv_path = tmp_path / "prop.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "abstract"])
        writer.writerows(rows)
    jsonl_path = write(tmp_path, "".join(json.dumps({"title": t, "abstract": a}) + "\n" for t, a in rows),
                       "prop.jsonl")
    expected = [clean_text(t) for t, a in rows if clean_text(t) and clean_text(a)]
    for records in (list(read_csv(csv_path)), list(read_jsonl(jsonl_path))):
        assert [r.title for r in records if isinstance(r, Paper)] == expected
        assert all(isinstance(r, Skip) and r.where.startswith("line ") for r in records if not isinstance(r, Paper))
