"""/compare and /draft in the chat: shown as replies, saved and exported with the conversation, curated."""

from __future__ import annotations

import json
import re

import bibtexparser
from tui_support import QUESTION, errors, run, submit

from assistant.conversations.history import History
from assistant.tui.widgets import AnswerMessage, ProgressNote


def replies(app, kind: str) -> list[AnswerMessage]:  # type: ignore[no-untyped-def]
    return [w for w in app.query(AnswerMessage) if w.message is not None and w.message.kind == kind]


def test_compare_shows_a_laid_out_table_fills_the_panel_and_drops_its_progress_line(make_app) -> None:
    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/compare real-time object detection")
        [reply] = replies(app, "compare")
        assert "| Paper | Task | Approach | Results |" in reply.message.text
        [table] = reply.tables
        assert table.table.columns[:2] == ("Paper", "Task") and len(table.table.rows) == len(app.chat.panel_sources)
        assert app.chat.panel_sources and all(s.cited for s in app.chat.panel_sources)
        assert not app.query(ProgressNote), "the progress line goes when the result arrives"
        assert reply.message.engine == "offline" and "comparison · offline" in str(reply.query_one(".meta").render())
        assert errors(app) == []

    run(app, scenario)


def test_export_after_a_draft_writes_the_whole_conversation(make_app, tmp_path) -> None:
    """After /draft and a further question, /export writes the conversation (draft and question included),
    the same as after reopening it; the draft's citation keys resolve in the .bib beside it."""
    app = make_app(engine="offline")
    target, again, as_json = tmp_path / "chat.md", tmp_path / "again.md", tmp_path / "chat.json"

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/draft video generation")
        assert not app.query(ProgressNote)
        await submit(pilot, QUESTION)
        await submit(pilot, f"/export {target}")
        await submit(pilot, f"/export {as_json}")
        assert errors(app) == []
        await submit(pilot, f"/export {target}")  # a second export is refused, nothing overwritten
        assert any("already exists" in e and "--force" in e for e in errors(app))
        conversation = app.chat.conversation_id
        await submit(pilot, "/new")
        await app.chat.open_conversation(conversation)
        await submit(pilot, f"/export {again}")

    run(app, scenario)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# /draft video generation\n")
    assert "## /draft video generation" in text and f"## {QUESTION}" in text
    assert text.index("## /draft video generation") < text.index(f"## {QUESTION}")
    # the draft's own headings nest under the command that asked for it
    assert "\n### Literature review: video generation" in text and "\n#### References" in text
    assert not re.search(r"^# Literature review", text, re.M)
    assert text.rstrip().split("\n## References", 1)[1].strip().startswith("[1]")  # the answer's references
    assert again.read_text(encoding="utf-8").split("\n", 3)[3] == text.split("\n", 3)[3]  # same, but the date
    keys = set(re.findall(r"@([\w-]+)", text))
    bib = bibtexparser.parse_string(target.with_suffix(".bib").read_text())
    assert keys and keys == {entry.key for entry in bib.entries}
    data = json.loads(as_json.read_text(encoding="utf-8"))
    assert [m["role"] for m in data["messages"]] == ["user", "assistant", "user", "assistant"]
    assert data["messages"][1]["kind"] == "draft" and data["messages"][3]["kind"] == "answer"
    assert data["messages"][3]["citations"] and data["references"]


def test_export_refuses_to_write_through_a_symlink(make_app, tmp_path) -> None:
    app = make_app(engine="offline")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "out.md"
    link.symlink_to(victim)

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, QUESTION)
        await submit(pilot, f"/export {link}")
        assert any("already exists" in e for e in errors(app))
        await submit(pilot, f"/export {link} --force")  # replaces the link, never writes through it

    run(app, scenario)
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text().startswith(f"# {QUESTION}")


def test_commands_are_not_follow_up_context(make_app, monkeypatch) -> None:
    """After /draft and /filter, a new question is read on its own, not as a follow-up to '/draft ...'."""
    import assistant.tui.answering as answering

    seen: list = []
    real_ask = answering.ask

    def ask(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(list(kwargs.get("history") or []))
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(answering, "ask", ask)
    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/draft quantization of language models")
        await submit(pilot, "/filter year=2024")
        await submit(pilot, "Which methods detect potholes?")
        answer = app.chat.current_answer
        assert seen == [[]]
        assert not any("follow-up" in note for note in answer.notes), answer.notes
        await submit(pilot, "how fast are they?")
        assert [t.question for t in seen[-1]] == ["Which methods detect potholes?"]

    run(app, scenario)


def test_a_reopened_draft_names_its_engine(make_app) -> None:
    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/draft video generation")
        conversation = app.chat.conversation_id
        await submit(pilot, "/new")
        await app.chat.open_conversation(conversation)
        [reply] = replies(app, "draft")
        meta = str(reply.query_one(".meta").render())
        assert meta.startswith("review draft · offline") and "?" not in meta.split("\n")[0]

    run(app, scenario)
    history = History(app.settings.home / "conversations.sqlite")
    messages = history.messages(history.conversations()[0].id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].text == "/draft video generation"
    assert messages[1].text.startswith("# Literature review: video generation")
    assert json.loads(messages[1].citations_json)["kind"] == "draft"


def test_exclude_and_pin_curate_comparisons(make_app) -> None:
    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/compare real-time object detection")
        before = [s.paper_id for s in app.chat.panel_sources]
        dropped = app.chat.panel_sources[0]
        await submit(pilot, "/exclude 1")
        await submit(pilot, "/pin 2")
        await submit(pilot, "/pin 3")
        await submit(pilot, "/compare real-time object detection")
        after = [s.paper_id for s in app.chat.panel_sources]
        assert dropped.paper_id in before and dropped.paper_id not in after and after
        assert "1 excluded paper left out" in " ".join(replies(app, "compare")[-1].message.notes)
        await submit(pilot, "/compare")  # alone: the shortlist
        shortlist = [s.paper_id for s in app.chat.panel_sources]
        assert shortlist == before[1:3]
        await submit(pilot, "/shortlist")
        assert "Excluded" in app.query("InfoMessage").last().source
        await submit(pilot, "/exclude 99")
        assert any("no paper [99]" in e for e in errors(app))

    run(app, scenario)
