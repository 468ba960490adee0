"""PubMed / MEDLINE .nbib files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hostile.test_hostile_properties import check_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import FORMAT_NAMES, detect_format, read_records
from assistant.readers.nbib import medline_date

FIXTURE = Path(__file__).parent / "fixtures" / "pubmed_export.nbib"
RECORD = """PMID- {pmid}
TI  - Title number {pmid}.
AB  - We measured things in {pmid} people. The effect was large and it was
      consistent across sites.
AU  - Doe J
DP  - 2020
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_pubmed_export() -> None:
    assert detect_format(FIXTURE) == "nbib" and "nbib" in FORMAT_NAMES
    sepsis, comment, spindles = read_records(FIXTURE)
    assert isinstance(sepsis, Paper)
    assert sepsis.title == ("Wearable sensor triage of sepsis in emergency departments: a multicentre cohort study.")
    assert sepsis.abstract.startswith("BACKGROUND: Early recognition of sepsis in crowded emergency departments is "
                                      "difficult. METHODS: We fitted")
    assert sepsis.abstract.endswith("CONCLUSIONS: Sensor triage could shorten time to antibiotics.")
    assert sepsis.authors == ("Okonkwo, Chidinma A", "Müller-Lüdenscheidt, Jürgen", "Sørensen, Åse")  # FAU, not AU
    assert (sepsis.year, sepsis.date, sepsis.venue, sepsis.doi) == (2024, "2024-03-04", "PLoS medicine",
                                                                    "10.5555/pmed.1004321")
    assert sepsis.url == "https://pubmed.ncbi.nlm.nih.gov/39100001/"
    assert isinstance(comment, Skip) and comment.where == "record 2 (line 52)"
    assert comment.reason.startswith("PMID 39100002: no abstract (AB)")
    assert isinstance(spindles, Paper)
    assert spindles.title == "Sleep spindles and memory consolidation in older adults."  # translated: no brackets
    assert (spindles.authors, spindles.venue, spindles.doi) == (("Nordic Sleep Consortium",), "Tidsskr Sovn",
                                                                "10.5555/sovn.2022.19")
    assert (spindles.year, spindles.date) == (2022, "2022 Winter")


@pytest.mark.parametrize(("text", "expected"), [
    ("2021 Mar 4", (2021, "2021-03-04")), ("2021 Mar", (2021, "2021-03")), ("2021", (2021, "2021")),
    ("2019 Nov-Dec", (2019, "2019 Nov-Dec")), ("2020 Winter", (2020, "2020 Winter")), ("", (None, None)),
    ("2021 Foo 4", (2021, "2021 Foo 4")), ("2021 Mar 40", (2021, "2021-03")),
])
def test_medline_dates(text: str, expected: tuple[int | None, str | None]) -> None:
    assert medline_date(text) == expected


def test_au_when_no_fau_lid_beats_aid_and_records_without_blank_lines(tmp_path: Path) -> None:
    text = (RECORD.format(pmid=1) + "LID - 10.1/lid [doi]\nAID - 10.1/aid [doi]\nTA  - J Abbrev\n"
            + RECORD.format(pmid=2) + "AID - S0000 [pii]\nAID - 10.1/two [doi]\n")
    one, two = read_records(write(tmp_path, "x.nbib", text))
    assert isinstance(one, Paper) and isinstance(two, Paper)
    assert (one.authors, one.doi, one.venue) == (("Doe J",), "10.1/lid", "J Abbrev")
    assert one.abstract == "We measured things in 1 people. The effect was large and it was consistent across sites."
    assert two.doi == "10.1/two"


def test_saved_as_txt_with_crlf_is_sniffed(tmp_path: Path) -> None:
    text = "\n" + RECORD.format(pmid=11) + "\n" + RECORD.format(pmid=12)
    path = write(tmp_path, "pubmed-result.txt", text, newline="\r\n")
    assert detect_format(path) == "nbib"
    assert [r.title for r in read_records(path) if isinstance(r, Paper)] == ["Title number 11.", "Title number 12."]


def test_unicode_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, "u.nbib", RECORD.format(pmid=5).replace("Title number", "Étude à Zürich"), "utf-16")
    assert detect_format(path) == "nbib"
    (paper,) = read_records(path)
    assert isinstance(paper, Paper) and paper.title == "Étude à Zürich 5."


def test_missing_title_and_stray_lines(tmp_path: Path) -> None:
    text = RECORD.format(pmid=1) + "\nPMID- 2\nAB  - An abstract without a title.\n\nnot a tag line\n\n"
    records = list(read_records(write(tmp_path, "x.nbib", text)))
    assert [type(r).__name__ for r in records] == ["Paper", "Skip", "Skip"]
    assert records[1].reason == "PMID 2: no title (TI)" and records[1].where == "record 2 (line 8)"
    assert records[2].where == "record 3 (line 11)" and "not a MEDLINE record" in records[2].reason


def test_not_medline_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.nbib", "just some words\n\nand more words\n")
    with pytest.raises(InputError, match="no MEDLINE record could be read") as info:
        list(read_records(path))
    assert str(info.value).startswith(str(path))
    path = write(tmp_path, "blank.nbib", "\n\n   \n")
    with pytest.raises(InputError, match="no MEDLINE records found"):
        list(read_records(path))


FRAGMENTS = ["PMID- ", "PMID- 123\n", "TI  - A Title\n", "AB  - We found a 12% gain. It holds.\n", "      more\n",
             "FAU - Doe, Jane\n", "AU  - Doe J\n", "DP  - 2021 Mar 4\n", "DP  - 9999 Xyz 99\n", "LID - 10.1/x [doi]\n",
             "AID - [doi]\n", "JT  - J\n", "\n", "\n", "\r\n", " ", "-", "[", "]", "\x00", "\u202e", "\ud7ff", "\t"]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40),
       encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]), forced=st.booleans())
def test_property_hostile_medline_keeps_the_contract(pieces: list[str], encoding: str, forced: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.nbib"
        path.write_bytes("".join(pieces).encode(encoding, errors="replace"))
        check_records(path, "nbib" if forced else None)
