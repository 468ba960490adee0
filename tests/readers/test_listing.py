"""Listing reader: the bundled Hugging Face daily-papers seeds and page furniture."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import examples

import assistant
from assistant.models import Paper, Skip
from assistant.readers import read_records
from assistant.readers.listing import FURNITURE, read_listing
from assistant.readers.tabular import arxiv_year

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
@example(blocks=["{", ABSTRACT])  # a title that is only markup: empty once its TeX is read
def test_property_every_paper_is_a_title_plus_abstract(tmp_path: Path, blocks: list[str]) -> None:
    path = write(tmp_path, "\n\n".join(blocks) + "\n" if blocks else "x\n")
    for record in read_listing(path):
        if isinstance(record, Paper):
            assert record.title and len(record.abstract) >= 100
            assert record.title.casefold() not in FURNITURE


def test_a_title_of_markup_alone_is_a_skip_not_an_empty_paper(tmp_path: Path) -> None:
    records = list(read_listing(write(tmp_path, f"{{\n\n{ABSTRACT}\n\nReal\n\n{ABSTRACT}\n")))
    assert [type(r).__name__ for r in records] == ["Skip", "Paper"] and records[1].title == "Real"
    assert "title is empty once its markup is read" in records[0].reason


def test_invisible_line_is_not_a_title(tmp_path: Path) -> None:
    """Regression: a line of only a zero-width space or control character used to become an empty title."""
    records = list(read_listing(write(tmp_path, f"\u200b\n\n{ABSTRACT}\n\nReal\n\n{ABSTRACT}\n")))
    assert [type(r).__name__ for r in records] == ["Skip", "Paper"]
    assert records[1].title == "Real"


# ---------------------------------------------------------------- dates and ids the page really holds

LINKED = ("https://huggingface.co/papers/{id}\n\nLinked Paper\n\n" + ABSTRACT + "\n\n  • 3 authors\n·\n{date}\n")


def test_linked_paper_gets_the_year_of_its_arxiv_id(tmp_path: Path) -> None:
    """A date without a year used to leave the year empty even when the page links the paper's arXiv id."""
    (paper,) = read_listing(write(tmp_path, PAGE_TOP + LINKED.format(id="2403.12345", date="Jul 14")))
    assert isinstance(paper, Paper)
    assert (paper.arxiv_id, paper.year, paper.date) == ("2403.12345", 2024, "Jul 14")
    (bare,) = read_listing(write(tmp_path, PAGE_TOP + "2107.00001\n\nBare Id Paper\n\n" + ABSTRACT + "\n"))
    assert (bare.arxiv_id, bare.year, bare.date) == ("2107.00001", 2021, None)
    (old,) = read_listing(write(tmp_path, PAGE_TOP + "arXiv:hep-th/9901001\n\nOld Id Paper\n\n" + ABSTRACT + "\n"))
    assert (old.arxiv_id, old.year) == ("hep-th/9901001", 1999)


def test_a_stated_date_year_wins_over_the_id_year(tmp_path: Path) -> None:
    # an id given in December, announced in January: the page's date says when it appeared
    (paper,) = read_listing(write(tmp_path, PAGE_TOP + LINKED.format(id="2312.09999", date="Jan 2, 2024 5")))
    assert (paper.arxiv_id, paper.year, paper.date) == ("2312.09999", 2024, "Jan 2, 2024")


def test_no_year_is_invented(tmp_path: Path) -> None:
    text = (PAGE_TOP + "Unlinked Paper\n\n" + ABSTRACT + "\n\n  • 2 authors\n·\nMar 14\n\n"
            + LINKED.format(id="9912.12345", date="Dec 1"))  # digits that name no year yet
    unlinked, future = read_listing(write(tmp_path, text))
    assert (unlinked.arxiv_id, unlinked.year, unlinked.date) == (None, None, "Mar 14")
    assert (future.arxiv_id, future.year, future.date) == ("9912.12345", None, "Dec 1")


def test_bundled_seed_years_are_those_their_pages_state() -> None:
    """Every year a bundled paper gets is printed in its date line or given by its arXiv id; a date line
    without a year gives none."""
    papers = [r for path in SEEDS for r in read_listing(path) if isinstance(r, Paper)]
    assert any(p.year for p in papers) and any(p.date and p.year is None for p in papers)
    for paper in papers:
        if paper.year is not None:
            assert str(paper.year) in (paper.date or "") or arxiv_year(paper.arxiv_id or "") == paper.year
        if paper.date and not re.search(r"\d{4}", paper.date) and not paper.arxiv_id:
            assert paper.year is None, paper
