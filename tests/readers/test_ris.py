"""RIS reader: Zotero-style records, continuation lines, malformed records."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.ris import read_ris
from assistant.textnorm import clean_text

ZOTERO_RIS = """TY  - JOUR
TI  - Über BERT: café reviews
AU  - Müller, Hans
AU  - Smith, John
T2  - Journal of Things
AB  - We fine-tune BERT on café reviews.
  The abstract continues on a second line.
DA  - 2020/05/01/
PY  - 2020
DO  - 10.1234/abcd
UR  - https://example.org/a
ER  - 

TY  - CONF
T1  - Fast Transformers
A1  - Nguyen, Anh
BT  - Proceedings of the ACL
N2  - Transformers are slow; we make them fast.
Y1  - 2021///
ER  - 

TY  - JOUR
TI  - No abstract here
PY  - 2019
ER  - 

TI  - Orphan record without TY
AB  - Some abstract.
ER  - 

TY  - JOUR
TI  - Interrupted by the next record
AB  - This one never gets its end tag.
TY  - JOUR
TI  - Last One
AB  - Complete abstract.
JO  - J. Last
ER  - 

TY  - JOUR
TI  - Truncated at the end of the file
AB  - This export was interrupted
"""


def write(tmp_path: Path, text: str, name: str = "refs.ris", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_zotero_ris(tmp_path: Path) -> None:
    records = list(read_ris(write(tmp_path, ZOTERO_RIS)))
    papers = [r for r in records if isinstance(r, Paper)]
    assert [p.title for p in papers] == ["Über BERT: café reviews", "Fast Transformers", "Last One"]
    first, second, third = papers
    assert first.authors == ("Müller, Hans", "Smith, John")
    assert first.abstract == "We fine-tune BERT on café reviews. The abstract continues on a second line."
    assert (first.year, first.venue, first.doi, first.url, first.date) == (
        2020, "Journal of Things", "10.1234/abcd", "https://example.org/a", "2020-05-01")
    assert (second.authors, second.venue, second.year) == (("Nguyen, Anh",), "Proceedings of the ACL", 2021)
    assert second.abstract == "Transformers are slow; we make them fast."
    assert third.venue == "J. Last"
    skips = [(s.where, s.reason) for s in records if isinstance(s, Skip)]
    assert [w for w, _ in skips] == [
        "record 3 (line 22)", "record 4 (line 27)", "record 5 (line 31)", "record 7 (line 40)"]
    assert "no abstract" in skips[0][1]
    assert "no TY" in skips[1][1]
    assert "not closed with ER" in skips[2][1]
    assert "truncated" in skips[3][1]


def test_nothing_parseable_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no RIS records found"):
        list(read_ris(write(tmp_path, "just some text\nwithout tags\n")))
    with pytest.raises(InputError, match="no RIS record could be parsed.*record 1 \\(line 1\\)"):
        list(read_ris(write(tmp_path, "TY  - JOUR\nTI  - cut\n")))


def test_utf16_and_latin1(tmp_path: Path) -> None:
    for encoding in ("utf-16", "latin-1"):
        path = write(tmp_path, "TY  - JOUR\nTI  - Café\nAB  - Naïve abstract.\nER  - \n", encoding=encoding)
        (paper,) = read_records(path)
        assert isinstance(paper, Paper) and (paper.title, paper.abstract) == ("Café", "Naïve abstract.")


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "win.ris"
    path.write_bytes(b"TY  - JOUR\r\nTI  - Windows\r\nAB  - Line endings.\r\nER  -\r\n")
    (paper,) = read_records(path)
    assert isinstance(paper, Paper) and paper.title == "Windows"


LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=60)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=LINE, abstract=LINE)
def test_property_titles_round_trip(tmp_path: Path, title: str, abstract: str) -> None:
    path = write(tmp_path, f"TY  - JOUR\nTI  - {title}\nAB  - {abstract}\nER  - \n")
    try:
        (record,) = read_ris(path)
    except InputError:  # a NUL makes the file "binary"
        assert "\x00" in title + abstract
        return
    if clean_text(title) and clean_text(abstract):
        assert isinstance(record, Paper) and record.title == clean_text(title)
    else:
        assert isinstance(record, Skip)
