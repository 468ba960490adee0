"""Skips before a file's first good record are held back (readers.base.SkipHold), the same in every reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.base import MAX_HELD, SkipHold

ABSTRACT = "We study a thing carefully. It works well on many benchmarks."


def skip(n: int) -> Skip:
    return Skip("f.x", f"line {n}", f"bad {n}")


def test_held_until_the_first_good_record_then_passed_straight_through() -> None:
    hold = SkipHold(Path("f.x"), lambda n, first: f"{n} bad, first {first.where}", limit=5)
    paper = Paper.make("T", "A", "f.x")
    assert hold.failed(skip(1)) == [] and hold.failed(skip(2)) == []
    assert hold.first == skip(1) and not hold.good
    assert hold.passed(paper) == [skip(1), skip(2), paper]  # in file order
    assert hold.first is None and hold.good == 1
    assert hold.failed(skip(3)) == [skip(3)]
    later = Skip("f.x", "line 4", "no title")  # a parsed record that is not a paper still releases and counts
    assert hold.passed(later) == [later] and hold.good == 2
    for n in range(10):  # no limit once a record has parsed
        assert hold.failed(skip(n)) == [skip(n)]


def test_too_many_before_the_first_good_record() -> None:
    hold = SkipHold(Path("dir/f.x"), lambda n, first: f"{n} bad, first {first.where}: {first.reason}", limit=3)
    hold.failed(skip(1))
    hold.failed(skip(2))
    with pytest.raises(InputError) as info:
        hold.failed(skip(3))
    assert str(info.value) == "dir/f.x: 3 bad, first line 1: bad 1"


def test_default_limit() -> None:
    assert SkipHold(Path("f"), lambda n, first: "").limit == MAX_HELD == 1000


def _bad_bib(i: int) -> str:
    return f"@article{{cut{i},\n  title = {{Cut {i}}},\n  abstract = {{half\n"


def _bad_ris(i: int) -> str:
    return f"TY  - JOUR\nTI  - Cut {i}\n"  # no ER before the next TY


GOOD = {"bib": f"@article{{ok,\n  title = {{Good One}},\n  abstract = {{{ABSTRACT}}}\n}}\n",
        "ris": f"TY  - JOUR\nTI  - Good One\nAB  - {ABSTRACT}\nER  - \n",
        "jsonl": f'{{"title": "Good One", "abstract": "{ABSTRACT}"}}\n'}
BAD = {"bib": _bad_bib, "ris": _bad_ris, "jsonl": lambda i: "{broken\n"}
TOO_MANY = {"bib": "the first 1000 BibTeX entries could not be parsed (first: entry cut0 (line 1): ",
            "ris": "the first 1000 RIS records are malformed (record 1 (line 1): ",
            "jsonl": "the first 1000 lines are not JSON objects (line 1: not valid JSON"}
NONE_GOOD = {"bib": "no BibTeX entry could be parsed (first: entry cut0 (line 1)",
             "ris": "no RIS record could be parsed (record 1 (line 1)",
             "jsonl": "no line is a JSON object (line 1: not valid JSON"}


@pytest.mark.parametrize("kind", ["bib", "ris", "jsonl"])
def test_every_reader_holds_up_to_the_limit(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"f.{kind}"
    path.write_text("".join(BAD[kind](i) for i in range(MAX_HELD - 1)) + GOOD[kind] + BAD[kind](MAX_HELD))
    records = list(read_records(path))
    assert len(records) == MAX_HELD + 1
    assert all(isinstance(r, Skip) for r in records[:MAX_HELD - 1])
    assert isinstance(records[MAX_HELD - 1], Paper) and records[MAX_HELD - 1].title == "Good One"
    assert isinstance(records[-1], Skip)  # after the good record: passed on at once
    wheres = [r.where for r in records if isinstance(r, Skip)]
    assert len(set(wheres)) == len(wheres) == MAX_HELD  # in file order, none repeated


@pytest.mark.parametrize("kind", ["bib", "ris", "jsonl"])
def test_every_reader_gives_up_at_the_limit(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"f.{kind}"
    path.write_text("".join(BAD[kind](i) for i in range(MAX_HELD)) + GOOD[kind])
    with pytest.raises(InputError) as info:
        list(read_records(path))
    assert str(info.value).startswith(f"{path}: {TOO_MANY[kind]}"), str(info.value)


@pytest.mark.parametrize("kind", ["bib", "ris", "jsonl"])
def test_every_reader_refuses_a_file_with_no_good_record(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"f.{kind}"
    path.write_text("".join(BAD[kind](i) for i in range(3)))
    with pytest.raises(InputError) as info:
        list(read_records(path))
    assert str(info.value).startswith(f"{path}: {NONE_GOOD[kind]}"), str(info.value)
