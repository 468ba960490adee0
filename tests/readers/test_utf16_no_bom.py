"""UTF-16 without a BOM (as some Windows tools export it) is read; binary files with NULs are still refused."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.models import Paper
from assistant.readers import detect_format, read_records
from assistant.readers.base import SNIFF_BYTES, sniff_encoding, utf16_order

ABSTRACT = ("We propose a method for doing a thing faster. It is evaluated on three benchmarks and beats "
            "the previous state of the art by a wide margin. Code and models are released for everyone. "
            "We also study why it works.")
BINARY = ("looks like a binary file, not text (NUL bytes found); "
          "export the collection as BibTeX, RIS, CSV, JSONL or text")
ORDERS = ["utf-16-le", "utf-16-be"]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def papers(path: Path, **kwargs: object) -> list[Paper]:
    records = list(read_records(path, **kwargs))  # type: ignore[arg-type]
    assert all(isinstance(r, Paper) for r in records), records
    return records  # type: ignore[return-value]


LISTING = (f"Daily Papers\n\nSixteen-Bit Listing Title\n\n{ABSTRACT}\n\n  • 3 authors\n·\nJul 14, 2024 2\n\n"
           f"Café Über Naïve 中文 🚀 Title\n\n{ABSTRACT}\n")
CSV = f'Title,Abstract Note,Publication Year\nCafé Ünicode 🚀 Paper,"{ABSTRACT}",2021\nPlain Paper,"{ABSTRACT}",2020\n'


@pytest.mark.parametrize("order", ORDERS)
def test_listing(tmp_path: Path, order: str) -> None:
    path = write(tmp_path, "page.txt", LISTING.encode(order))
    assert sniff_encoding(path) == order and detect_format(path) == "listing"
    first, second = papers(path)
    assert (first.title, first.year, first.date) == ("Sixteen-Bit Listing Title", 2024, "Jul 14, 2024")
    assert second.title == "Café Über Naïve 中文 🚀 Title" and first.abstract == second.abstract == ABSTRACT


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])  # Windows tools write CRLF
def test_csv(tmp_path: Path, order: str, newline: str) -> None:
    path = write(tmp_path, "export.csv", CSV.replace("\n", newline).encode(order))
    assert sniff_encoding(path) == order
    first, second = papers(path)
    assert (first.title, first.year, first.abstract) == ("Café Ünicode 🚀 Paper", 2021, ABSTRACT)
    assert (second.title, second.year) == ("Plain Paper", 2020)


@pytest.mark.parametrize("order", ORDERS)
def test_bibtex_ris_and_jsonl(tmp_path: Path, order: str) -> None:
    bib = write(tmp_path, "refs.bib", f"@article{{k1,\n  title = {{Bib {order}}},\n  abstract = {{{ABSTRACT}}}\n}}\n"
                                      .encode(order))
    ris = write(tmp_path, "refs.ris", f"TY  - JOUR\nTI  - Ris {order}\nAB  - {ABSTRACT}\nER  - \n".encode(order))
    jsonl = write(tmp_path, "refs.jsonl", f'{{"title": "Jsonl {order}", "abstract": "{ABSTRACT}"}}\n'.encode(order))
    assert [p.title for path in (bib, ris, jsonl) for p in papers(path)] == [
        f"Bib {order}", f"Ris {order}", f"Jsonl {order}"]


@pytest.mark.parametrize("order", ORDERS)
def test_content_is_sniffed_through_utf16(tmp_path: Path, order: str) -> None:
    ris = f"TY  - JOUR\nTI  - T\nAB  - {ABSTRACT}\nER  - \n"
    assert detect_format(write(tmp_path, "export.dat", ris.encode(order))) == "ris"
    assert detect_format(write(tmp_path, "notes.txt", ("% note\n\n@article{k, title={T}}\n").encode(order))) == "bibtex"
    assert detect_format(write(tmp_path, "bom.dat", ("\ufeff" + ris).encode(order))) == "ris"  # with a BOM too


@pytest.mark.parametrize("order", ORDERS)
def test_forced_encoding_still_wins(tmp_path: Path, order: str) -> None:
    path = write(tmp_path, "export.csv", CSV.encode(order))
    assert [p.title for p in papers(path, encoding=order)][1] == "Plain Paper"
    with pytest.raises(InputError):  # the other byte order, forced: the user's word is taken, and fails cleanly
        list(read_records(path, encoding="utf-16-be" if order == "utf-16-le" else "utf-16-le"))


@pytest.mark.parametrize("order", ORDERS)
def test_long_file_cut_inside_a_surrogate_pair_at_the_sniff_boundary(tmp_path: Path, order: str) -> None:
    """The sniffed head ends between the two halves of an emoji: still UTF-16, and every row is read."""
    rows = []
    size = len("title,abstract\n") * 2
    i = 0
    while size < SNIFF_BYTES + 4096:
        rows.append(f"Paper {i:05d} 🚀,{ABSTRACT}\n")
        size += len(rows[-1].encode("utf-16-le"))
        i += 1
    data = ("title,abstract\n" + "".join(rows)).encode(order)
    # shift the text until the 4-byte emoji straddles the 64 KB cut
    pad = 0
    while data[SNIFF_BYTES - 2:SNIFF_BYTES + 2] != "🚀".encode(order):
        pad += 1
        data = ("title,abstract\n" + "x" * pad + "".join(rows)).encode(order)
        assert pad < 200
    path = write(tmp_path, "long.csv", data)
    assert sniff_encoding(path) == order
    assert len(papers(path)) == len(rows)


@pytest.mark.parametrize("order", ORDERS)
def test_a_stray_surrogate_names_the_encoding_to_pass(tmp_path: Path, order: str) -> None:
    """Nearly all UTF-16 but not valid: refused, saying which --encoding would read it (and then where it breaks)."""
    good = CSV.encode(order)
    stray = b"\x00\xd8" if order == "utf-16-le" else b"\xd8\x00"  # a lone high surrogate
    path = write(tmp_path, "stray.csv", good + stray + "Late,Row\n".encode(order))
    with pytest.raises(InputError) as info:
        list(read_records(path))
    assert BINARY in info.value.reason and f"pass --encoding {order}" in info.value.reason
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match=f"not valid {order} text"):
        list(read_records(path, encoding=order))


def _int16(values: list[int], fmt: str = "<h") -> bytes:
    return b"".join(struct.pack(fmt, v) for v in values)


NUL_HEAVY_BINARY = {
    # NULs in every other byte, the UTF-16 pattern, but the "text" is control characters
    "small_int16_le.csv": _int16([i % 32 for i in range(3000)]),
    "small_int16_be.txt": _int16([i % 32 for i in range(3000)], ">h"),
    # big-endian 32-bit offsets (an ar archive's symbol table): NULs line up as in UTF-16-BE
    "offsets.txt": b"!<arch>\n/     0     0     0     88350     `\n" + b"".join(
        struct.pack(">I", 0x10000 + 97 * i) for i in range(1500)),
    # UTF-32 text without a BOM: NULs in both bytes of every other unit
    "utf32.csv": f"title,abstract\nT,{ABSTRACT}\n".encode("utf-32-le"),
    "utf32_be.txt": LISTING.encode("utf-32-be"),
    "zeros.bib": b"@article{" + b"\x00" * 5000,
    "sparse.ris": bytes(range(256)) * 40,
    "png.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    "float32.txt": b"".join(struct.pack("<f", i / 7) for i in range(2000)),
}


@pytest.mark.parametrize("name", sorted(NUL_HEAVY_BINARY))
def test_binary_files_full_of_nuls_are_still_refused(tmp_path: Path, name: str) -> None:
    data = NUL_HEAVY_BINARY[name]
    assert data.count(b"\x00") >= 11
    path = write(tmp_path, name, data)
    for fmt in (None, "csv", "listing", "bibtex", "ris", "jsonl"):
        with pytest.raises(InputError) as info:
            list(read_records(path, fmt))
        assert info.value.reason == BINARY, (fmt, info.value.reason)  # the same one line as ever, no hint
        assert str(info.value).startswith(str(path))


def test_byte_order_pattern() -> None:
    text = f"title,abstract\nT,{ABSTRACT}\n"
    assert utf16_order(text.encode("utf-16-le")) == "utf-16-le"
    assert utf16_order(text.encode("utf-16-be")) == "utf-16-be"
    # mostly Chinese, where 一 U+4E00 and 最 U+6700 put a NUL in the other byte
    row = ("第一个开放的多语言模型,我们提出了一种新的方法，在三个基准上取得了最好的结果。代码已经公开。,"
           "2024,10.1000/xyz.2024.001,https://example.org/paper/1\n")
    chinese = "title,abstract,year,doi,url\n" + row * 20
    assert utf16_order(chinese.encode("utf-16-le")) == "utf-16-le"
    assert utf16_order(chinese.encode("utf-16-be")) == "utf-16-be"
    assert utf16_order(text.encode("utf-8")) is None
    assert utf16_order(b"a\x00") is None  # too short to tell
    assert utf16_order(text.encode("utf-32-le")) is None
