"""A .md file: a saved listing is read, a Markdown document (a draft, notes) is refused with what to do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import detect_format, read_records
from assistant.readers.markdown import SCAN_BYTES, document_signs, scan

FIXTURES = Path(__file__).parent / "fixtures"
ABSTRACT = ("We present a method that routes each token to a few relay slots. On long documents it cuts memory by "
            "three times while keeping the summary quality within a fraction of a point of dense attention. The code "
            "is released.")


@pytest.mark.parametrize(("name", "marks"), [
    ("review_draft.md", "5 headings, citation markers on 7 lines, a references list"),
    ("related_work.md", "3 headings, citation markers on 7 lines, a references list"),
    ("reading_notes.md", "3 headings, Markdown markup on 3 lines"),
])
def test_a_markdown_document_is_refused_with_what_to_do(name: str, marks: str) -> None:
    path = FIXTURES / name
    with pytest.raises(InputError) as info:
        list(read_records(path))
    message = str(info.value)
    assert message == (f"{path}: reads as a Markdown document ({marks}), not a saved paper listing; "
                       f"to check a draft's citations run `litreview lint {path}`, "
                       "to read it as a listing anyway pass --format listing")
    assert "\n" not in message


def test_format_listing_forces_a_document_through() -> None:
    records = list(read_records(FIXTURES / "review_draft.md", "listing"))
    assert any(isinstance(r, Paper) for r in records)  # what a draft used to become: headings taken for titles


def test_a_saved_listing_stays_accepted() -> None:
    path = FIXTURES / "daily_papers.md"
    assert detect_format(path) == "listing"
    records = list(read_records(path))
    papers = [r for r in records if isinstance(r, Paper)]
    assert [p.title for p in papers] == ["Sparse Relay Attention for Long Documents",
                                         "Low-Rank Adapters for Enzyme Language Models",
                                         "Mixture-of-Depths Routing for Speech Recognition"]
    assert papers[0].arxiv_id == "2403.01234"
    # the heading is the only mark of a document; the listing reader reports it as a title without abstract
    assert [r.where for r in records if isinstance(r, Skip)] == ["line 1"]


def test_a_listing_without_any_furniture_is_still_a_listing(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(f"A Plain Title\n\n{ABSTRACT}\n\nAnother Plain Title\n\n{ABSTRACT}\n", encoding="utf-8")
    assert detect_format(path) == "listing"
    assert [type(r).__name__ for r in read_records(path)] == ["Paper", "Paper"]


def test_txt_files_are_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "review_draft.txt"
    path.write_text((FIXTURES / "review_draft.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert detect_format(path) == "listing"


def test_markdown_extension_and_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "draft.markdown"
    path.write_text(f"---\ntitle: My review\nbibliography: refs.bib\n---\n\nA Plain Title\n\n{ABSTRACT}\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"\(YAML front matter\)"):
        detect_format(path)


def test_a_document_in_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_bytes((FIXTURES / "related_work.md").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(InputError, match="reads as a Markdown document"):
        detect_format(path)


@pytest.mark.parametrize(("text", "document"), [
    ("# Title\n\n" + ABSTRACT, True),  # a heading and prose, nothing of a listing
    ("Intro\n\nWe extend prior pruning [3] to graphs. " + ABSTRACT, True),
    ("Intro\n\nWe extend prior pruning (Smith et al., 2020) to graphs. " + ABSTRACT, True),
    ("Intro\n\nAs @lee2023 showed [@lee2023; @park2022]. " + ABSTRACT, True),
    ("A Plain Title\n\n" + ABSTRACT + " Unlike [3], it needs no tuning.\n\nOther Title\n\n" + ABSTRACT, False),
    ("```\n# not a heading\n```\n", True),
    ("Title\n\nAbstract.\n", False),
])
def test_document_signs(text: str, document: bool) -> None:
    assert (document_signs(text) is not None) == document, scan(text)


def test_a_heading_on_a_listing_is_outweighed_by_its_listing_marks() -> None:
    signs = scan((FIXTURES / "daily_papers.md").read_text(encoding="utf-8"))
    # two of its three abstracts cite something (a listing can quote one): only the third counts as a pair
    assert (signs.headings, signs.citations, signs.papers) == (1, 2, 1) and signs.weight < signs.listing


@pytest.mark.parametrize("unit", ["[^", "\\cite[", "[a](", "(Smith ", "**[^", "["])
def test_hostile_text_is_scanned_in_linear_time(unit: str) -> None:
    """Open brackets that never close once made the citation patterns rescan the rest of the line from each one
    (minutes for 256 KB of ``[^``)."""
    text = unit * (SCAN_BYTES // len(unit))
    start = time.perf_counter()
    scan(text)
    assert time.perf_counter() - start < 5
