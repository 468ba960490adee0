"""Semantic Scholar Graph API papers: search responses, batches with nulls, single papers, JSON Lines."""

from __future__ import annotations

import json
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

FIXTURES = Path(__file__).parent / "fixtures"
ABSTRACT = "We route frames past layers. It saves 41% of FLOPs."


def paper(n: int = 1, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {"paperId": f"{n:040x}", "title": f"Paper Number {n}", "abstract": ABSTRACT,
                               "year": 2021, "authors": [{"authorId": "1", "name": "A. Author"}]}
    return {**base, **fields}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_search_response() -> None:
    path = FIXTURES / "s2_search.json"
    assert detect_format(path) == "s2"
    mod, survey, graph = read_records(path)
    assert isinstance(mod, Paper) and mod.title == "Mixture-of-Depths Routing for Speech Recognition"
    assert mod.abstract.endswith("no change in word error rate (5.2% vs 5.2%).")
    assert mod.authors == ("Kwame Mensah", "Zoë Lefèvre")
    assert (mod.year, mod.date, mod.venue, mod.doi, mod.arxiv_id) == (
        2024, "2024-02-08", "Interspeech", "10.5555/mixture.2024.3", "2402.05555")
    assert mod.url == "https://www.semanticscholar.org/paper/3f1c2b7a9d0e4c5b8a6f7e1d2c3b4a5f6e7d8c9b"
    assert isinstance(survey, Skip) and survey.where == "item 2"
    assert survey.reason.startswith("paper 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b: no abstract")
    assert isinstance(graph, Paper) and graph.title == "Graph Sparsifiers for Traffic Forecasting — Ανάλυση"
    # venue "" falls back to publicationVenue.name; year null comes from publicationDate
    assert (graph.venue, graph.year, graph.authors, graph.arxiv_id) == ("Transportation Research Part C", 2021, (),
                                                                        None)


def test_batch_with_unknown_ids() -> None:
    path = FIXTURES / "s2_batch.json"
    assert detect_format(path) == "s2"
    records = list(read_records(path))
    assert [type(r).__name__ for r in records] == ["Paper", "Skip", "Paper", "Skip"]
    assert [r.where for r in records if isinstance(r, Skip)] == ["item 2", "item 4"]
    assert all("found no paper" in r.reason for r in records if isinstance(r, Skip))


def test_batch_that_starts_with_null_is_detected(tmp_path: Path) -> None:
    path = write(tmp_path, "batch.json", json.dumps([None, paper(1)], indent=2))
    assert detect_format(path) == "s2"
    first, second = read_records(path)
    assert isinstance(first, Skip) and first.where == "item 1" and isinstance(second, Paper)


def test_single_paper_json_lines_and_wrapped_citations(tmp_path: Path) -> None:
    (one,) = read_records(write(tmp_path, "one.json", json.dumps(paper(1, venue="ACL", externalIds={
        "DOI": "10.1/x", "ArXiv": "2101.00001", "CorpusId": 5}), indent=2)))
    assert isinstance(one, Paper) and (one.venue, one.doi, one.arxiv_id) == ("ACL", "10.1/x", "2101.00001")
    lines = "\n".join(json.dumps(p) for p in (paper(1), paper(2, abstract=None), paper(3))) + "\n"
    records = list(read_records(write(tmp_path, "papers.jsonl", lines)))
    assert [type(r).__name__ for r in records] == ["Paper", "Skip", "Paper"] and records[1].where == "line 2"
    citations = {"offset": 0, "data": [{"contexts": [], "intents": [], "citingPaper": paper(7)},
                                       {"contexts": [], "citingPaper": {"paperId": None}}]}
    cited, empty = read_records(write(tmp_path, "citations.json", json.dumps(citations)), "s2")
    assert isinstance(cited, Paper) and cited.title == "Paper Number 7"
    assert isinstance(empty, Skip) and empty.reason == "no title"


def test_journal_name_is_the_last_venue_fallback(tmp_path: Path) -> None:
    (p,) = read_records(write(tmp_path, "j.json", json.dumps(paper(1, venue="", publicationVenue=None,
                                                                   journal={"name": "Nature", "volume": "1"}))))
    assert isinstance(p, Paper) and p.venue == "Nature"


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    text = json.dumps({"total": 1, "data": [paper(1)]}, indent=2)
    text = text.replace('"year": 2021', '"year": 2021,,', 1)
    path = write(tmp_path, "broken.json", text)
    with pytest.raises(InputError, match="not valid JSON") as info:
        list(read_records(path))
    bad = next(n for n, line in enumerate(text.splitlines(), start=1) if ",," in line)
    assert str(info.value).startswith(f"{path}:{bad}: ")


def test_rate_limit_reply_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "reply.json", '{"message": "Too Many Requests. Please wait and try again", "code": "429"}')
    with pytest.raises(InputError, match="an API error reply, not records .message: 'Too Many Requests") as info:
        list(read_records(path, "s2"))
    assert str(info.value).startswith(str(path))


def test_format_name(tmp_path: Path) -> None:
    assert "s2" in FORMAT_NAMES
    path = write(tmp_path, "x.json", json.dumps([{"title": "T", "abstract": "A b."}]))
    (p,) = read_records(path, "s2")  # forced: any array of objects with title and abstract
    assert isinstance(p, Paper) and p.title == "T"


def test_unicode_and_latin1(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(json.dumps({"data": [paper(1, title="Über Café")]}, ensure_ascii=False).encode("latin-1"))
    (p,) = read_records(path)
    assert isinstance(p, Paper) and p.title == "Über Café"
    path = write(tmp_path, "surrogate.json", json.dumps({"data": [paper(1, abstract="bad \ud800 text")]}))
    (skip,) = read_records(path)
    assert isinstance(skip, Skip) and "not valid Unicode" in skip.reason


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={
    "paperId": JSON, "title": st.one_of(JSON, st.just("A Title")), "abstract": st.one_of(JSON, st.just(ABSTRACT)),
    "year": JSON, "publicationDate": JSON, "authors": st.one_of(JSON, st.lists(st.dictionaries(st.just("name"), JSON))),
    "venue": JSON, "publicationVenue": JSON, "journal": JSON, "externalIds": JSON, "url": JSON,
    "citingPaper": JSON,
})


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(papers=st.lists(st.one_of(FIELDS, JSON), max_size=4), shape=st.sampled_from(["search", "batch", "jsonl"]))
def test_property_hostile_papers_keep_the_contract(papers: list[object], shape: str) -> None:
    text = {"search": json.dumps({"total": len(papers), "data": papers}), "batch": json.dumps(papers),
            "jsonl": "\n".join(json.dumps(p) for p in papers)}[shape]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "papers.json"
        path.write_text(text or " ", encoding="utf-8")
        check_records(path, "s2")


@settings(max_examples=examples(100), deadline=None)
@given(data=st.binary(max_size=400),
       prefix=st.sampled_from([b'{"data": [', b'[{"paperId": "1"', b"[null,", b"\xfe\xff"]))
def test_property_garbage_only_raises_input_error(data: bytes, prefix: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.json"
        path.write_bytes(prefix + data)
        check_records(path, "s2")
        check_records(path, None)
