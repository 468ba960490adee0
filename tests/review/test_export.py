"""Markdown, BibTeX and file writing for comparisons and drafts."""

from __future__ import annotations

import os
import re
from pathlib import Path

import bibtexparser
import pytest

from assistant.errors import InputError, LitreviewError
from assistant.models import Paper
from assistant.review.draft import draft
from assistant.review.export import comparison_to_markdown, draft_to_markdown, markdown_table, to_bibtex, write_output
from assistant.review.models import Comparison, Reference, Row
from assistant.review.references import assign_keys, base_key
from assistant.textnorm import clean_text


@pytest.fixture(scope="module")
def video(seeded_store):
    return draft(seeded_store, "text-to-video generation")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_table_escapes_pipes_and_marks_empty_cells() -> None:
    row = Row(1, "p1", "A|B: Title", "A|B", task="maps x | y", approach="", results=["1.5x | 2x faster"],
              efficiency=[], code_url="https://github.com/a/b")
    table = markdown_table([row])
    lines = table.splitlines()
    assert len(lines) == 3 and all(len(_cells(line)) == 6 for line in lines)
    cells = _cells(lines[2])
    assert cells == [r"A\|B [1]", r"maps x \| y", "—", r"1.5x \| 2x faster", "—", "<https://github.com/a/b>"]


def test_comparison_markdown_lists_sources_with_exact_titles() -> None:
    rows = [Row(1, "p1", "First: Paper", "First", results=["3x faster"]), Row(2, "p2", "Second Paper", "Second")]
    text = comparison_to_markdown(Comparison("q", rows, "They differ [1][2].", [], "offline"))
    assert text.startswith("# Comparison: q\n") and "- [1] First: Paper" in text and "- [2] Second Paper" in text
    assert "They differ [1][2]." in text


def test_draft_markdown_keys_match_the_bibtex(video) -> None:
    text = draft_to_markdown(video)
    bib = to_bibtex(video.references)
    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks
    bib_keys = {e.key for e in library.entries}
    body = text.split("## References")[0]
    cited = {k for group in re.findall(r"\[(@[^\]]+)\]", body) for k in re.findall(r"@([a-z0-9]+)", group)}
    assert cited and cited == bib_keys == {r.key for r in video.references}
    assert not re.search(r"\[\d+\]", body)  # every marker became a key
    references = text.split("## References")[1]
    for ref in video.references:
        assert f"- [@{ref.key}] {ref.paper.title}." in references
    for entry in library.entries:
        title = next(r.paper.title for r in video.references if r.key == entry.key)
        assert clean_text(entry.fields_dict["title"].value, "bibtex") == title  # escapes undo to the stored title
    assert text.count("| Paper | Task | Approach | Results | Efficiency | Code |") == len(video.themes)
    for i, heading in enumerate(video.outline, 1):
        assert f"{i}. {heading}" in text and f"## {heading}" in text
    assert "## Citation audit" in text and "claim verifier" in text


def test_bibtex_escapes_and_types() -> None:
    refs = [
        Reference("smith2023fast", Paper("Fast & Cheap: 50% of $cost_{x}$ #1", "-", "x.bib",
                                         authors=("Ann Smith", "Bo Li"), year=2023, venue="Proceedings of CVPR",
                                         doi="10.1/ab_c", url="https://x.org/a_b?q=1%20", arxiv_id="2301.00001")),
        Reference("li2024journal", Paper("A Journal Paper", "-", "x.bib", authors=("Li, Wei",), year=2024,
                                         venue="Pattern Recognition")),
        Reference("plainpaper", Paper("Plain Paper", "-", "x.bib")),
    ]
    bib = to_bibtex(refs)
    assert r"Fast \& Cheap: 50\% of \$cost\_\{x\}\$ \#1" in bib
    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks and len(library.entries) == 3
    first, second, third = library.entries
    assert first.entry_type == "inproceedings" and first.fields_dict["booktitle"].value == "Proceedings of CVPR"
    assert first.fields_dict["author"].value == "Ann Smith and Bo Li"
    assert first.fields_dict["year"].value == "2023" and first.fields_dict["doi"].value == "10.1/ab_c"
    assert first.fields_dict["url"].value == "https://x.org/a_b?q=1%20"
    assert first.fields_dict["eprint"].value == "2301.00001" and first.fields_dict["archivePrefix"].value == "arXiv"
    assert second.entry_type == "article" and second.fields_dict["journal"].value == "Pattern Recognition"
    assert third.entry_type == "misc" and set(third.fields_dict) == {"title"}


def test_bibtex_titles_with_tex_ligatures_read_back_as_stored() -> None:
    titles = ["Pre-training -- and Fine-tuning --- Revisited", "It's ''quoted'' and ``quoted''", "a---b--c-d"]
    refs = [Reference(f"k{i}", Paper(t, "-", "x.bib")) for i, t in enumerate(titles)]
    bib = to_bibtex(refs)
    assert "-{}-" in bib and "'{}'" in bib and "--" not in bib.replace("-{}-", "")
    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks
    assert [clean_text(e.fields_dict["title"].value, "bibtex") for e in library.entries] == titles


def test_keys_from_authors_or_title_with_suffixes() -> None:
    a = Paper.make("Über Fast Decoding: A Study", "x", "s", authors=["José Núñez"], year=2023)
    b = Paper.make("PowerInfer-2: Fast Large Language Model Inference on a Smartphone", "x", "s")
    assert base_key(a) == "nunez2023uber"
    assert base_key(b) == "powerinfer2fast"
    twin1 = Paper.make("Speculative Decoding Revisited", "x", "s", year=2024)
    twin2 = Paper.make("Speculative Decoding, Again", "x", "s", year=2024)
    keys = assign_keys([twin1, twin2, b])
    assert sorted([keys[twin1.paper_id], keys[twin2.paper_id]]) == ["speculative2024decodinga",
                                                                    "speculative2024decodingb"]
    assert keys == assign_keys([b, twin2, twin1])


def test_write_output_refuses_to_overwrite_without_force(tmp_path) -> None:
    target = tmp_path / "review.md"
    target.write_text("mine")
    with pytest.raises(InputError, match="already exists; use --force") as err:
        write_output(target, "new")
    assert isinstance(err.value, LitreviewError) and str(target) in str(err.value)
    assert target.read_text() == "mine"
    write_output(target, "new", force=True)
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.md"]  # no temporary files left


def test_force_never_replaces_a_device_or_a_pipe(tmp_path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    for target in (Path("/dev/null"), fifo, tmp_path / "stdout-link"):
        if target.name == "stdout-link":
            target.symlink_to("/dev/null")
        with pytest.raises(InputError, match="not a regular file"):
            write_output(target, "text", force=True)
    assert Path("/dev/null").is_char_device() and fifo.is_fifo() and (tmp_path / "stdout-link").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.md", "stdout-link"]


def test_write_output_refuses_a_missing_directory(tmp_path) -> None:
    target = tmp_path / "missing" / "review.md"
    with pytest.raises(InputError, match="does not exist; create it first"):
        write_output(target, "text")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="is a directory"):
        write_output(tmp_path, "text", force=True)


def test_write_output_writes_exactly_the_path(tmp_path) -> None:
    path = write_output(tmp_path / "refs.bib", "@misc{a,\n  title = {A}\n}\n")
    assert path == tmp_path / "refs.bib" and path.read_text().startswith("@misc{a,")
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]
    assert path.stat().st_mode & 0o777 == 0o644
