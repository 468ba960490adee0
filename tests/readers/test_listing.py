"""Listing reader: the bundled Hugging Face daily-papers seeds and page furniture."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import examples

import assistant
from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.listing import FURNITURE, read_listing

SEEDS = sorted((Path(assistant.__file__).parent / "data" / "seeds").glob("*.txt"))
ABSTRACT = ("We propose a method for doing a thing faster. It is evaluated on three benchmarks and beats "
            "the previous state of the art by a wide margin. Code and models are released for everyone. "
            "We also study why it works.")
PAGE_TOP = ("new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
            "byAK and the research community\n\nOct 30\n\n")


def write(tmp_path: Path, text: str, name: str = "page.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_seeds() -> None:
    assert len(SEEDS) == 5
    records = [r for path in SEEDS for r in read_records(path)]
    papers = [r for r in records if isinstance(r, Paper)]
    assert len(records) == len(papers) == 524
    assert len({p.paper_id for p in papers}) == 460
    assert all(len(p.abstract) >= 200 and p.title for p in papers)
    assert not any(p.title.casefold() in FURNITURE for p in papers)


def test_abstract_at_top_without_title_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, f"{ABSTRACT}\n\nA Real Title\n\n{ABSTRACT}\n")
    skip, paper = read_listing(path)
    assert isinstance(skip, Skip) and skip.where == "line 1" and "without a title" in skip.reason
    assert isinstance(paper, Paper) and paper.title == "A Real Title"


def test_author_and_date_block_sets_year(tmp_path: Path) -> None:
    text = (PAGE_TOP + f"First Paper\n\n{ABSTRACT}\n\n  • 17 authors\n·\nJul 14, 2024 2\n\n"
            f"Second Paper\n\n{ABSTRACT}\n\n  • 5 authors\n·\nJul 14\n")
    first, second = read_listing(write(tmp_path, text))
    assert isinstance(first, Paper) and (first.year, first.date) == (2024, "Jul 14, 2024")
    assert isinstance(second, Paper) and (second.year, second.date) == (None, "Jul 14")
    assert first.authors == ()  # "17 authors" is a count, not names


def test_page_furniture_never_becomes_a_paper(tmp_path: Path) -> None:
    text = PAGE_TOP + f"Only Paper\n\n{ABSTRACT}\n\nPrevious\n\nNext\n\nTrending Papers\n\nSubscribe\n"
    records = list(read_listing(write(tmp_path, text)))
    assert [(type(r).__name__, getattr(r, "title", None)) for r in records] == [("Paper", "Only Paper")]


def test_title_without_abstract_is_skipped(tmp_path: Path) -> None:
    text = f"Lonely Title\n\nAnother Title\n\n{ABSTRACT}\n\nDangling Title\n"
    records = list(read_listing(write(tmp_path, text)))
    assert [(type(r).__name__, r.where if isinstance(r, Skip) else r.title) for r in records] == [
        ("Skip", "line 1"), ("Paper", "Another Title"), ("Skip", "line 7")]


BLOCKS = st.one_of(
    st.sampled_from(sorted(FURNITURE) + ["Subscribe", "NEW", "Jul 14", "Dec 10, 2024 2", "  • 3 authors\n·\nMar 1",
                                         "42", ABSTRACT]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=120),
)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks=st.lists(BLOCKS, max_size=12))
def test_property_every_paper_is_a_title_plus_abstract(tmp_path: Path, blocks: list[str]) -> None:
    path = write(tmp_path, "\n\n".join(blocks) + "\n" if blocks else "x\n")
    for record in read_listing(path):
        if isinstance(record, Paper):
            assert record.title and len(record.abstract) >= 100
            assert record.title.casefold() not in FURNITURE


def test_invisible_line_is_not_a_title(tmp_path: Path) -> None:
    """Regression: a line of only a zero-width space or control character used to become an empty title."""
    records = list(read_listing(write(tmp_path, f"\u200b\n\n{ABSTRACT}\n\nReal\n\n{ABSTRACT}\n")))
    assert [type(r).__name__ for r in records] == ["Skip", "Paper"]
    assert records[1].title == "Real"
