"""OpenAlex works: /works responses, single works, arrays and snapshot JSON Lines."""

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
from assistant.readers.openalex import abstract_from_index

FIXTURES = Path(__file__).parent / "fixtures"
ABSTRACT = "We prune graphs. Error rises by 1.4% only."


def index_of(text: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index


def work(n: int = 1, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {"id": f"https://openalex.org/W{n}", "title": f"Work Number {n}",
                               "publication_year": 2020, "abstract_inverted_index": index_of(ABSTRACT)}
    return {**base, **fields}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_works_response() -> None:
    path = FIXTURES / "openalex_works.json"
    assert detect_format(path) == "openalex"
    relay, editorial, roast, adapters, empty = read_records(path)
    assert isinstance(relay, Paper)
    assert relay.title == "Sparse Relay Attention for Long Documents"
    assert relay.abstract.startswith("We present Sparse Relay Attention, a method that routes each token")
    assert relay.abstract.endswith("within 0.2 points of dense attention. Code: github.com/example/relay.")
    assert relay.authors == ("Mei-Ling Zhou", "Søren Ødegård")
    assert (relay.year, relay.date, relay.venue) == (2024, "2024-03-18", "Transactions on Efficient Machine Learning")
    assert (relay.doi, relay.url, relay.arxiv_id) == (
        "10.5555/relay.2024.017", "https://openalex.org/W4390011111", "2403.01234")  # from the arXiv location
    assert isinstance(editorial, Skip) and editorial.where == "item 2"
    assert "work W4390022222" in editorial.reason and "no abstract" in editorial.reason
    assert isinstance(roast, Paper)
    assert roast.title == "Roasting Curves: A Two-Zone Model of Café Coffee"  # title null: display_name
    # position 5 ("as") is missing from the index: the gap closes, punctuation stays on its words
    assert roast.abstract == ("Café-grade coffee roasting is modelled a thermal process; we fit a two-zone model to "
                              "1,200 roasts and predict first crack within ±9 s. The model—trained on Ñuñoa "
                              "roasters—transfers to new drums.")
    assert roast.authors == ("José Ñúñez", "Ana Peña")  # the raw name when the author has no display name
    assert (roast.doi, roast.arxiv_id, roast.venue) == (None, None, "Journal of Food Thermodynamics")
    assert isinstance(adapters, Paper)
    assert (adapters.doi, adapters.arxiv_id) == ("10.48550/arxiv.2311.04567", "2311.04567")
    assert isinstance(empty, Skip) and empty.where == "item 5" and "work W4390055555: no abstract" in empty.reason


def test_snapshot_json_lines_with_a_cut_last_line() -> None:
    path = FIXTURES / "openalex_snapshot.jsonl"
    assert detect_format(path) == "openalex"
    adapters, editorial, relay, cut = read_records(path)
    assert isinstance(adapters, Paper) and adapters.title == "Low-Rank Adapters for Enzyme Language Models"
    assert isinstance(editorial, Skip) and editorial.where == "line 2" and "W4390022222" in editorial.reason
    assert isinstance(relay, Paper) and relay.authors == ("Mei-Ling Zhou", "Søren Ødegård")
    assert isinstance(cut, Skip) and cut.where == "line 4" and "not valid JSON" in cut.reason


def test_inverted_index() -> None:
    assert abstract_from_index({"world.": [2], "Hello,": [0], "big": [1, 3]}) == "Hello, big world. big"
    assert abstract_from_index({"gap": [7], "a": [0], "huge": [10**12]}) == "a gap huge"
    assert abstract_from_index({"ok": [0], "bad": ["1", None, True, -2, 1.5], "fine": 3}) == "ok fine"
    assert abstract_from_index(None) == "" and abstract_from_index({}) == "" and abstract_from_index([1]) == ""


@pytest.mark.parametrize("shape", ["one work", "array", "one-line response", "pretty response"])
def test_every_shape_reads(tmp_path: Path, shape: str) -> None:
    works = [work(1, doi="https://doi.org/10.1/ABC"), work(2, abstract_inverted_index=None)]
    text = {"one work": json.dumps(works[0], indent=1), "array": json.dumps(works),
            "one-line response": json.dumps({"meta": {"count": 2}, "results": works}),
            "pretty response": json.dumps({"meta": {"count": 2}, "results": works}, indent=2)}[shape]
    path = write(tmp_path, "works.json", text)
    assert detect_format(path) == "openalex"
    records = list(read_records(path))
    assert isinstance(records[0], Paper) and records[0].abstract == ABSTRACT and records[0].doi == "10.1/ABC"
    if shape == "one work":
        assert len(records) == 1
    else:
        assert len(records) == 2 and isinstance(records[1], Skip) and records[1].where == "item 2"


def test_a_line_holding_a_whole_response_names_the_item(tmp_path: Path) -> None:
    pages = [json.dumps({"meta": {"page": p}, "results": [work(p), work(10 + p, abstract_inverted_index={})]})
             for p in (1, 2)]
    records = list(read_records(write(tmp_path, "pages.jsonl", "\n".join(pages) + "\n")))
    assert [type(r).__name__ for r in records] == ["Paper", "Skip", "Paper", "Skip"]
    assert records[3].where == "line 2" and records[3].reason.startswith("item 2: work W12: no abstract")


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    text = json.dumps({"meta": {}, "results": [work(1)]}, indent=2).replace('"publication_year"', '"x" "y"', 1)
    path = write(tmp_path, "broken.json", text)
    with pytest.raises(InputError, match="not valid JSON") as info:
        list(read_records(path))
    bad = next(n for n, line in enumerate(text.splitlines(), start=1) if '"x" "y"' in line)
    assert str(info.value).startswith(f"{path}:{bad}: ")


def test_broken_json_after_blank_lines_names_the_file_line(tmp_path: Path) -> None:
    """Blank lines count: the line named is the file's, not the n-th line with text."""
    text = "\n\n" + json.dumps({"results": [work(1)]}, indent=2).replace("{", "{\n", 1) + "\n\n}\n"
    path = write(tmp_path, "trailing.json", text)
    with pytest.raises(InputError, match="not valid JSON") as info:
        list(read_records(path, "openalex"))
    assert str(info.value).startswith(f"{path}:{len(text.splitlines())}: ")


def test_json_lines_with_no_good_line_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "junk.jsonl", json.dumps(work(1)) + "\n{oops\n")
    assert [type(r).__name__ for r in read_records(path)] == ["Paper", "Skip"]
    path = write(tmp_path, "junk2.jsonl", "{oops\n{oops\n")
    with pytest.raises(InputError, match="not valid JSON"):
        list(read_records(path, "openalex"))


def test_api_error_reply_and_empty_results(tmp_path: Path) -> None:
    path = write(tmp_path, "error.json", '{"error": "Invalid query parameters error.", "message": "per_page is 500"}')
    with pytest.raises(InputError, match="an API error reply, not records") as info:
        list(read_records(path, "openalex"))
    assert str(info.value).startswith(str(path))
    path = write(tmp_path, "empty.json", '{"meta": {"count": 0}, "results": [], "group_by": []}')
    with pytest.raises(InputError, match="no records"):
        list(read_records(path, "openalex"))


def test_format_name_and_content_beats_extension(tmp_path: Path) -> None:
    assert "openalex" in FORMAT_NAMES
    path = write(tmp_path, "export.txt", json.dumps(work(3)))
    assert detect_format(path) == "openalex"
    plain = write(tmp_path, "plain.json", json.dumps([{"title": "T", "abstract": "A b."}]))
    assert detect_format(plain) == "jsonl"  # other JSON still goes to the JSON reader


def test_utf16_export(tmp_path: Path) -> None:
    path = tmp_path / "works.json"
    path.write_bytes(json.dumps({"results": [work(1, title="Études à Zürich")]}, ensure_ascii=False).encode("utf-16"))
    assert detect_format(path) == "openalex"
    (paper,) = read_records(path)
    assert isinstance(paper, Paper) and paper.title == "Études à Zürich"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={
    "id": st.one_of(JSON, st.just("https://openalex.org/W1")), "title": st.one_of(JSON, st.just("A Title")),
    "display_name": JSON, "doi": JSON, "publication_year": JSON, "publication_date": JSON, "authorships": JSON,
    "primary_location": JSON, "locations": JSON, "ids": JSON,
    "abstract_inverted_index": st.one_of(JSON, st.dictionaries(st.text(max_size=6), st.lists(JSON, max_size=3))),
})


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(works=st.lists(st.one_of(FIELDS, JSON), max_size=4), shape=st.sampled_from(["response", "array", "jsonl"]))
def test_property_hostile_works_keep_the_contract(works: list[object], shape: str) -> None:
    text = {"response": json.dumps({"meta": {}, "results": works}), "array": json.dumps(works),
            "jsonl": "\n".join(json.dumps(w) for w in works)}[shape]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "works.json"
        path.write_text(text or " ", encoding="utf-8")
        check_records(path, "openalex")


@settings(max_examples=examples(100), deadline=None)
@given(data=st.binary(max_size=400), prefix=st.sampled_from([b'{"results": [', b'{"id": "https://openalex.org/W1"',
                                                             b"[", b"\xff\xfe"]))
def test_property_garbage_only_raises_input_error(data: bytes, prefix: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.json"
        path.write_bytes(prefix + data)
        check_records(path, "openalex")
        check_records(path, None)
