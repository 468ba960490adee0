"""The citation checker trusts nothing the engine wrote."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from support import examples

from assistant.engines.citations import check_citations
from assistant.models import Evidence, Paper


def _evidence(n: int) -> list[Evidence]:
    return [Evidence(i, Paper.make(f"Paper Number {i}: A Study", "An abstract. " * 5, "x.txt"), "text", 0.5)
            for i in range(1, n + 1)]


def test_valid_markers_become_citations_with_stored_titles() -> None:
    ev = _evidence(3)
    checked = check_citations("Method A is fast [1]. Method B is accurate [3][1].", ev)
    assert [c.n for c in checked.citations] == [1, 3]
    assert [c.title for c in checked.citations] == ["Paper Number 1: A Study", "Paper Number 3: A Study"]
    assert checked.removed == [] and checked.uncited == []


def test_markers_outside_the_evidence_are_removed_and_recorded() -> None:
    checked = check_citations("It doubles throughput [7]. It also halves memory use [2, 9].", _evidence(2))
    assert checked.text == "It doubles throughput. It also halves memory use [2]."
    assert checked.removed == ["[7]", "[2, 9]"]
    assert [c.n for c in checked.citations] == [2]
    assert checked.uncited == ["It doubles throughput."]


def test_ranges_and_lists_are_expanded() -> None:
    checked = check_citations("All three agree on the trend [1-3]. Two disagree [1; 3].", _evidence(3))
    assert checked.text == "All three agree on the trend [1][2][3]. Two disagree [1][3]."


def test_title_cited_in_text_without_marker_is_not_a_citation() -> None:
    checked = check_citations("According to Paper Number 1: A Study, the method works well in practice.",
                              _evidence(1))
    assert checked.citations == [] and len(checked.uncited) == 1


@settings(max_examples=examples(100), deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
       st.lists(st.integers(min_value=0, max_value=50), max_size=8))
def test_every_surviving_marker_numbers_evidence(text: str, numbers: list[int]) -> None:
    ev = _evidence(4)
    answer = text + " ".join(f"[{n}]" for n in numbers)
    checked = check_citations(answer, ev)
    import re

    found = {int(n) for n in re.findall(r"\[(\d+)\]", checked.text)}
    assert found <= {1, 2, 3, 4}
    assert {c.n for c in checked.citations} == found
