"""Format detection, and the promise that a bad file only ever raises InputError."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

from assistant.errors import InputError
from assistant.readers import FORMAT_NAMES, detect_format, read_records

BIB = "@article{k, title={T}, abstract={A}}\n"
RIS = "TY  - JOUR\nTI  - T\nAB  - A\nER  - \n"
JSONL = '{"title": "T", "abstract": "A"}\n'
CSV = "title,abstract\nT,A\n"


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("refs.bib", BIB, "bibtex"),
    ("refs.bibtex", "% comment\n" + BIB, "bibtex"),
    ("refs.ris", RIS, "ris"),
    ("papers.csv", CSV, "csv"),
    ("papers.tsv", "title\tabstract\nT\tA\n", "csv"),
    ("papers.jsonl", JSONL, "jsonl"),
    ("papers.ndjson", JSONL, "jsonl"),
    ("arxiv.json", "[" + JSONL + "]", "jsonl"),
    ("page.txt", "Title\n\nAbstract.\n", "listing"),
    ("notes.md", "Title\n\nAbstract.\n", "listing"),
])
def test_by_extension(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert detect_format(write(tmp_path, name, content)) == expected


@pytest.mark.parametrize(("content", "expected"), [
    (BIB, "bibtex"), ("% Zotero\n\n@inproceedings{x,\n}", "bibtex"), (RIS, "ris"),
    ("\n\nTY  - JOUR\n", "ris"), (JSONL, "jsonl"), ("\ufeff" + JSONL, "jsonl"), (CSV, "listing"),
])
def test_by_content_when_extension_says_nothing(tmp_path: Path, content: str, expected: str) -> None:
    assert detect_format(write(tmp_path, "export.dat", content)) == expected


def test_content_beats_a_misleading_extension(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path, "export.txt", BIB)) == "bibtex"
    assert detect_format(write(tmp_path, "export.csv", RIS)) == "ris"


def test_forced_format(tmp_path: Path) -> None:
    path = write(tmp_path, "x.bib", BIB)
    assert detect_format(path, "ris") == "ris"
    assert detect_format(path, "arxiv") == "jsonl"
    assert detect_format(tmp_path / "missing.bib", "csv") == "csv"  # forced: the file is checked by the reader


def test_unknown_format_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown format 'docx'") as info:
        detect_format(write(tmp_path, "x.bib", BIB), "docx")
    assert all(name in str(info.value) for name in FORMAT_NAMES)


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: p, "no such file"),
    (lambda p: (p.mkdir(), p)[1], "is a directory"),
    (lambda p: (p.write_bytes(b""), p)[1], "file is empty"),
    (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))), p)[1], "binary"),
])
@pytest.mark.parametrize("fmt", [None, "bibtex", "ris", "csv", "jsonl", "listing"])
def test_unreadable_files_are_input_errors(tmp_path: Path, setup, message: str, fmt: str | None) -> None:
    path = setup(tmp_path / "thing.bib")
    with pytest.raises(InputError, match=message) as info:
        list(read_records(path, fmt))
    assert str(info.value).startswith(str(path))


def test_undecodable_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, "x.ris", b"\xff\xfeT\x00Y\x00\x00\xd8")  # BOM, then a lone surrogate
    with pytest.raises(InputError, match="not valid utf-16"):
        list(read_records(path))


PREFIXES = [b"", b"@article{", b"TY  - JOUR\n", b"title,abstract\n", b'{"title": ', b"[", b"\xff\xfe",
            b"\xef\xbb\xbf", b"Title\n\n"]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=600)).map(lambda t: t[0] + t[1]),
       name=st.sampled_from(["f.bib", "f.ris", "f.csv", "f.jsonl", "f.json", "f.txt", "f.dat"]))
def test_property_arbitrary_bytes_only_raise_input_error(tmp_path: Path, data: bytes, name: str) -> None:
    path = write(tmp_path, name, data)
    for fmt in (None, "bibtex", "ris", "csv", "jsonl", "listing"):
        try:
            for _ in read_records(path, fmt):
                pass
        except InputError:
            pass
