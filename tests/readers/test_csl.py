"""CSL JSON (Zotero / Better BibTeX "CSL JSON" export)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.models import Paper, Skip
from assistant.readers import detect_format, read_records
from assistant.readers.csl import issued, name

FIXTURE = Path(__file__).parent / "fixtures" / "zotero_csl.json"


def test_zotero_csl_json_export() -> None:
    assert detect_format(FIXTURE) == "csljson"
    flash, attention, noabs, report = read_records(FIXTURE)
    assert isinstance(flash, Paper) and isinstance(attention, Paper) and isinstance(report, Paper)
    assert flash.title == "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    assert flash.abstract.endswith("costing $0 in accuracy.")  # plain text: a dollar is a dollar
    assert flash.authors == ("Dao, Tri", "Fu, Daniel Y.", "Ré, Christopher")
    assert (flash.year, flash.date, flash.venue) == (2022, "2022-12-06",
                                                     "Advances in Neural Information Processing Systems")
    assert (flash.url, flash.arxiv_id, flash.doi) == ("https://arxiv.org/abs/2205.14135v2", "2205.14135", None)
    assert attention.abstract.endswith("networks {in} an encoder-decoder configuration.")
    assert attention.authors == ("Vaswani, Ashish", "Google Brain", "van Gogh, Vincent")
    assert (attention.year, attention.date, attention.arxiv_id) == (2017, "2017-06", "1706.03762")
    assert isinstance(noabs, Skip) and noabs.where == "item 3" and "no abstract" in noabs.reason
    assert (report.year, report.date) == (2015, "Spring 2015")


def test_plain_json_arrays_still_go_to_the_json_reader(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    path.write_text(json.dumps([{"title": "A", "abstract": "B c."}]), encoding="utf-8")
    assert detect_format(path) == "jsonl"


def test_broken_csl_json_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": "x", "type": "article-journal", "issued": {"date-parts": [[2020]]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as info:
        list(read_records(path))
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("value", "expected"), [
    ({"date-parts": [[2020, 5, 1]]}, (2020, "2020-05-01")), ({"date-parts": [["2020"]]}, (2020, "2020")),
    ({"date-parts": [[2020, 13]]}, (2020, "2020")), ({"raw": "2019-03"}, (2019, "2019-03")),
    ({"literal": "n.d."}, (None, "n.d.")), (None, (None, None)), ({"date-parts": [[]]}, (None, None)),
])
def test_issued(value: object, expected: tuple[int | None, str | None]) -> None:
    assert issued(value) == expected


def test_names() -> None:
    assert name({"family": "Müller", "given": "Hans", "suffix": "Jr."}) == "Müller, Hans Jr."
    assert name({"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"}) == "Beethoven, Ludwig van"
    assert name({"literal": "WHO"}) == "WHO" and name(3) == ""
