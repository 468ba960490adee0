"""A read-only reader's chat on a real `chroma run` server follows the server while it is open."""

from __future__ import annotations

import json
from pathlib import Path

from support import chroma_server, settings_for
from textual.widgets import DataTable
from tui_support import notifications, run, submit

from assistant.store import Store
from assistant.tui.app import LitreviewApp
from assistant.tui.widgets import ResultsMessage, StatusBar


def write(path: Path, papers: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"title": t, "abstract": a}) + "\n" for t, a in papers.items()))
    return path


def test_an_open_chat_picks_up_papers_a_writer_adds(tmp_path: Path) -> None:
    with chroma_server(tmp_path / "chroma") as url:
        writer = Store.open(settings_for(tmp_path / "writer", chroma_url=url))
        first = {"Orchard Robots Pick Apples": "A robot arm picks apples in orchards with a soft gripper.",
                 "Greenhouse Climate Control": "We control greenhouse temperature with model predictive control."}
        writer.ingest([write(tmp_path / "a.jsonl", first)])
        reader = Store.open(settings_for(tmp_path / "reader", chroma_url=url, read_only=True))
        assert reader.sync().papers == 2  # what `litreview chat` does on start (open_store)
        app = LitreviewApp(reader, settings_for(tmp_path / "reader", chroma_url=url, read_only=True), engine="offline")

        async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
            assert "2 papers" in str(app.query_one(StatusBar).render())
            writer.ingest([write(tmp_path / "b.jsonl", {"Vineyard Drones Count Grapes": "Drones count grape "
                                                        "clusters in vineyards from aerial images."})])
            await submit(pilot, "/search drones counting grapes in a vineyard")
            table = app.query(ResultsMessage).last().query_one(DataTable)
            assert str(table.get_row_at(0)[1]).startswith("Vineyard Drones Count Grapes")
            assert ("the shared collection changed: 3 papers (1 new, 0 changed, 0 removed)", "information") \
                in notifications(app)
            assert "3 papers" in str(app.query_one(StatusBar).render())
            await submit(pilot, "/search apples")  # in step now: nothing more to say
            assert sum("shared collection changed" in m for m, _ in notifications(app)) == 1

        run(app, scenario)
        writer.close()
        reader.close()
