"""The textual-free parts of the chat: history, command parsing, citation support, export."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.conversations.citing import best_sentence, cited_numbers, sentences_citing, strip_lead
from assistant.conversations.export import conversation_markdown, export_conversation
from assistant.conversations.history import SCHEMA_VERSION, History, default_title
from assistant.conversations.messages import Message, Source
from assistant.errors import InputError, LitreviewError, StoreError
from assistant.models import Answer, Citation, Evidence, Filters, Paper
from assistant.tui.commands import (
    REGISTRY,
    Command,
    CommandError,
    Registry,
    describe_filters,
    parse_cite,
    parse_export,
    parse_filters,
    parse_limit,
)
from assistant.tui.prompt_history import InputHistory

ABSTRACT = ("Large models are slow on phones. We present FastPhone, a runtime that offloads cold neurons to "
            "flash. FastPhone runs a 7B model at 11 tokens per second on a smartphone. Code is released.")
PAPER = Paper(title="FastPhone: LLM Inference on a Smartphone", abstract=ABSTRACT, source="x.txt", year=2024,
              authors=("A. One", "B. Two", "C. Three", "D. Four"), doi="10.1/fp")
OTHER = Paper(title="Other Paper", abstract="Something else entirely. It is about gardens.", source="y.txt")


# -- history ---------------------------------------------------------------------------------------------
def test_history_schema_is_versioned(tmp_path: Path) -> None:
    history = History(tmp_path / "c.sqlite")
    assert history.schema_version == SCHEMA_VERSION == 1
    tables = {r[0] for r in sqlite3.connect(tmp_path / "c.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "messages"} <= tables
    cols = [r[1] for r in sqlite3.connect(tmp_path / "c.sqlite").execute("PRAGMA table_info(messages)")]
    assert {"conversation_id", "role", "text", "citations_json", "created"} <= set(cols)
    history.close()
    History(tmp_path / "c.sqlite").close()  # reopening does not migrate again


def test_history_refuses_a_newer_schema(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "c.sqlite")
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError, match="newer litreview"):
        History(tmp_path / "c.sqlite")


def test_history_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    (tmp_path / "c.sqlite").write_text("not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the conversation history"):
        History(tmp_path / "c.sqlite")


def test_history_round_trip_rename_delete(tmp_path: Path) -> None:
    history = History.in_home(tmp_path)
    a = history.create("First question about phones?")
    history.add(a, "user", "First question about phones?")
    history.add(a, "assistant", "An answer [1].", '{"citations": []}')
    b = history.create("x" * 200)
    assert len(history.get(b).title) == 80 and history.get(b).title.endswith("…")
    history.add(b, "user", "later")
    assert [c.id for c in history.conversations()] == [b, a]  # most recently updated first
    assert [(m.role, m.text) for m in history.messages(a)] == [("user", "First question about phones?"),
                                                               ("assistant", "An answer [1].")]
    history.rename(a, "Phones")
    assert history.get(a).title == "Phones" and history.get(a).messages == 2
    with pytest.raises(StoreError):
        history.rename(a, "   ")
    history.delete(a)
    assert history.get(a) is None and history.messages(a) == []  # messages cascade
    assert [c.id for c in history.conversations()] == [b]


def test_history_redacts_secrets(tmp_path: Path) -> None:
    history = History(tmp_path / "c.sqlite", redact=["sk-secret-123456", None])
    cid = history.create("key sk-secret-123456 here")
    history.add(cid, "user", "my key sk-secret-123456", '{"q": "sk-secret-123456"}')
    history.close()
    assert b"sk-secret" not in (tmp_path / "c.sqlite").read_bytes()


def test_default_title() -> None:
    assert default_title("  What   is\n this? ") == "What is this?"


# -- commands --------------------------------------------------------------------------------------------
def test_registry_parses_commands_and_arguments() -> None:
    command, args = REGISTRY.parse("/search  sparse attention ")
    assert command.name == "search" and args == "sparse attention"
    assert REGISTRY.parse("/HELP")[0].name == "help"
    assert REGISTRY.parse("/conversations")[0].name == "history"  # alias
    with pytest.raises(CommandError, match="unknown command /nope"):
        REGISTRY.parse("/nope")
    with pytest.raises(CommandError, match="usage: /search QUERY"):
        REGISTRY.parse("/search")
    assert isinstance(CommandError("x"), LitreviewError)


def test_registry_is_extensible() -> None:
    registry = Registry()
    calls = []

    @registry.command("compare", "compare two papers", usage="/compare A vs B", needs_args=True)
    def compare(app, args):  # type: ignore[no-untyped-def]
        calls.append(args)

    command, args = registry.parse("/compare x vs y")
    command.handler(None, args)
    assert calls == ["x vs y"]
    registry.add(Command("draft", "draft a section", lambda app, args: None))
    assert [c.name for c in registry] == ["compare", "draft"]
    assert registry.suggestions() == ["/compare ", "/draft"]
    assert "`/compare A vs B`: compare two papers" in registry.help_markdown()


def test_builtin_suggestions_cover_every_command() -> None:
    suggestions = REGISTRY.suggestions()
    for name in ("search", "papers", "filter", "model", "new", "export", "cite", "help"):
        assert any(s.startswith(f"/{name}") for s in suggestions)
    assert "/model offline" in suggestions and "/filter clear" in suggestions


def test_parse_filters() -> None:
    f = parse_filters("year=2023-2024 source=NAME")
    assert f == Filters(year_min=2023, year_max=2024, source="NAME")
    assert parse_filters("year=2023") == Filters(year_min=2023, year_max=2023)
    assert parse_filters("year=2022-") == Filters(year_min=2022)
    assert parse_filters("year=-2021") == Filters(year_max=2021)
    assert parse_filters('venue="ACL Findings"', f) == Filters(2023, 2024, "NAME", "ACL Findings")
    assert parse_filters("source=", f) == Filters(year_min=2023, year_max=2024)
    assert parse_filters("clear", f) == Filters()
    for bad in ("year=20x", "year=2024-2020", "colour=red", "2023", 'source="open'):
        with pytest.raises(CommandError):
            parse_filters(bad)
    assert describe_filters(f) == "year=2023-2024 source=NAME"
    assert describe_filters(Filters(year_min=2022)) == "year=2022-"
    assert describe_filters(Filters()) == "none"


def test_parse_cite_export_limit() -> None:
    assert parse_cite("3") == 3 and parse_cite("[2]") == 2
    for bad in ("", "x", "0", "-1"):
        with pytest.raises(CommandError):
            parse_cite(bad)
    assert parse_export("out.md") == ("out.md", False)
    assert parse_export("--force 'my review.md'") == ("my review.md", True)
    with pytest.raises(CommandError):
        parse_export("a.md b.md")
    assert parse_limit("") == 100 and parse_limit("all") is None and parse_limit("7") == 7
    with pytest.raises(CommandError):
        parse_limit("many")


# -- citations -------------------------------------------------------------------------------------------
ANSWER = ("FastPhone: FastPhone runs a 7B model at 11 tokens per second on a smartphone [1]. "
          "Gardens are nice [2].\n\nAlso, flash offloading helps [1][2].")


def test_sentences_citing_and_numbers() -> None:
    assert cited_numbers(ANSWER) == [1, 2]
    assert sentences_citing(ANSWER, 1) == ["FastPhone: FastPhone runs a 7B model at 11 tokens per second on a "
                                           "smartphone.", "Also, flash offloading helps."]
    assert sentences_citing(ANSWER, 3) == []
    assert strip_lead("FastPhone: runs fast.", PAPER.title) == "runs fast."
    assert strip_lead("Other: runs fast.", PAPER.title) == "Other: runs fast."


def test_best_sentence_is_the_one_with_most_word_overlap() -> None:
    span = best_sentence(ABSTRACT, sentences_citing(ANSWER, 1))
    assert span is not None
    assert ABSTRACT[span[0]:span[1]] == "FastPhone runs a 7B model at 11 tokens per second on a smartphone."
    span = best_sentence(ABSTRACT, ["offloads neurons to flash"])
    assert "offloads cold neurons to flash" in ABSTRACT[span[0]:span[1]]
    assert best_sentence(ABSTRACT, []) is None
    assert best_sentence(ABSTRACT, ["zebra quantum"]) is None


# -- session and export ----------------------------------------------------------------------------------
def answer_for(question: str, text: str, papers: list[Paper]) -> Answer:
    evidence = [Evidence(i, p, p.abstract, 0.5 + i / 10) for i, p in enumerate(papers, 1)]
    cites = sorted({int(n) for n in cited_numbers(text)})
    return Answer(question, text, "offline", grounded=True, evidence=evidence,
                  citations=[Citation(n, papers[n - 1].paper_id, papers[n - 1].title) for n in cites])


def test_message_round_trips_through_citations_json() -> None:
    message = Message.from_answer(answer_for("q?", "A [2].", [PAPER, OTHER]))
    assert [s.cited for s in message.sources] == [False, True]
    again = Message.from_row("assistant", message.text, message.citations_json())
    assert again == message
    assert Message.from_row("assistant", "t", "not json").sources == []
    assert Source(3, "id", "T", None, 0.123).label() == "[3] T (n.d.) 0.12"


def test_export_renumbers_citations_into_one_reference_list(tmp_path: Path) -> None:
    papers = {p.paper_id: p for p in (PAPER, OTHER)}
    first = Message.from_answer(answer_for("Phones?", "Fast [1]. Also [2].", [PAPER, OTHER]))
    # the second answer numbers the same papers the other way round
    second = Message.from_answer(answer_for("Gardens?", "Gardens [1]. Phones [2].", [OTHER, PAPER]), partial=True)
    msgs = [Message("user", "Phones?"), first, Message("user", "Gardens?"), second]
    text = conversation_markdown("Review", msgs, papers.get)
    assert text.startswith("# Review\n")
    assert "## Phones?" in text and "Fast [1]. Also [2]." in text
    assert "Gardens [2]. Phones [1]." in text  # renumbered to the document's list
    assert "*(stopped)*" in text
    refs = text.split("## References", 1)[1]
    assert "[1] A. One, B. Two, C. Three et al. *FastPhone: LLM Inference on a Smartphone*. 2024. " \
           "https://doi.org/10.1/fp" in refs
    assert "[2] *Other Paper*. n.d." in refs
    [target] = export_conversation(tmp_path / "r.md", "Review", msgs, papers.get)
    assert target.read_text(encoding="utf-8").split("\n", 3)[3] == text.split("\n", 3)[3]  # but the date
    with pytest.raises(InputError, match="already exists"):
        export_conversation(tmp_path / "r.md", "Other", msgs, papers.get)
    export_conversation(tmp_path / "r.md", "Other", msgs, papers.get, force=True)
    assert (tmp_path / "r.md").read_text().startswith("# Other\n")
    with pytest.raises(InputError, match="is a directory"):
        export_conversation(tmp_path, "x", msgs, papers.get)
    with pytest.raises(InputError, match="does not exist"):
        export_conversation(tmp_path / "missing" / "r.md", "x", msgs, papers.get)


def test_input_history_recall() -> None:
    h = InputHistory()
    assert h.previous("draft") is None
    h.add("one")
    h.add("two")
    h.add("two")  # consecutive duplicates collapse
    assert h.previous("typing") == "two"
    assert h.previous("two") == "one"
    assert h.previous("one") == "one"  # stays at the oldest
    assert h.next() == "two"
    assert h.next() == "typing"  # back to what was being typed
    assert h.next() is None


# -- names, tables, follow-up context, search, keymap ----------------------------------------------------
def test_display_authors_turns_bibtex_names_around() -> None:
    from assistant.names import display_authors

    assert display_authors(["Dettmers, Tim", "Pagnoni, Artidoro"]) == "Tim Dettmers, Artidoro Pagnoni"
    assert display_authors("Dettmers, Tim and Pagnoni, Artidoro") == "Tim Dettmers, Artidoro Pagnoni"
    assert display_authors(["Tim Dettmers", "Ford, Jr., Henry"]) == "Tim Dettmers, Henry Ford Jr."
    assert display_authors(["A, B", "C, D", "E, F"], limit=2) == "B A, D C et al."
    assert display_authors([]) == ""


def test_tables_are_found_in_markdown_and_copied_as_csv() -> None:
    from assistant.conversations.tables import split_tables, to_csv

    text = ("Intro.\n\n| Paper | Task | Code |\n|---|---|---|\n| A [1] | x \\| y | — |\n"
            "| B [2] | z | <https://g.example> |\n\nAfter.")
    parts = split_tables(text)
    assert parts[0] == "Intro." and parts[2] == "After."
    table = parts[1]
    assert table.columns == ("Paper", "Task", "Code") and table.rows[0] == ("A [1]", "x | y", "—")
    assert to_csv(table) == "Paper,Task,Code\r\nA [1],x | y,—\r\nB [2],z,https://g.example\r\n"
    assert table.without_empty_columns().columns == ("Paper", "Task", "Code")
    assert split_tables("no | table here") == ["no | table here"]


def test_follow_up_context_holds_questions_and_answers_only() -> None:
    from assistant.conversations.messages import turns

    answer = Message.from_answer(answer_for("Phones?", "Fast [1].", [PAPER]))
    draft = Message("assistant", "# Literature review: q", question="/draft q", kind="draft")
    old_draft = Message.from_row("assistant", "# Literature review", '{"question": "/draft quantization"}')
    assert old_draft.kind == "draft"  # saved before messages had a kind
    msgs = [Message("user", "Phones?"), answer, Message("user", "/draft q"), draft, old_draft]
    assert [t.question for t in turns(msgs)] == ["Phones?"]


def test_history_search_finds_words_in_titles_and_messages(tmp_path: Path) -> None:
    history = History(tmp_path / "c.sqlite")
    phones = history.create("Phones?")
    history.add(phones, "user", "Phones?")
    history.add(phones, "assistant", "FastPhone runs 100% on a smartphone [1].")
    other = history.create("Gardens")
    history.add(other, "assistant", "Roses_and tulips.")
    found = history.search("SMARTPHONE fastphone")
    assert [f.conversation.id for f in found] == [phones]
    assert found[0].snippet == "FastPhone runs 100% on a smartphone [1]."
    assert [f.conversation.id for f in history.search("gardens")] == [other]
    assert history.search("100%") and not history.search("1000%")  # LIKE wildcards are literal
    assert [f.conversation.id for f in history.search("roses_and")] == [other]
    assert history.search("o_e") == []  # "_" is not a wildcard ("ose" would match)
    assert history.inputs() == ["Phones?"]


def test_keymap_is_checked_against_the_binding_ids(tmp_path: Path) -> None:
    from assistant.errors import ConfigError
    from assistant.settings import Settings
    from assistant.tui.keymap import BINDING_IDS, keys_help, read_keymap

    def load() -> Settings:
        return Settings.load({"LITREVIEW_HOME": str(tmp_path)})

    assert "toggle_panel" in BINDING_IDS and "quit" in BINDING_IDS
    config = tmp_path / "config.toml"
    assert read_keymap(load()) == {}
    config.write_text('[tui.keymap]\nstop = "ctrl+x, f4"\n')
    assert read_keymap(load()) == {"stop": "ctrl+x,f4"}
    assert "**ctrl+x / f4** stop an answer" in keys_help(read_keymap(load()))
    config.write_text('[tui]\nkeymap = "stop"\n')
    with pytest.raises(ConfigError, match="tui.keymap"):
        load()


def test_sources_carry_the_verifiers_badge_through_saving() -> None:
    from assistant.conversations.messages import Source

    contradicted = Source(2, "p2", "A Paper", 2024, 0.5, True, "contradicted", "It does not run on phones.")
    assert contradicted.label().startswith("✗ [2] A Paper")
    assert Source(1, "p1", "B", None, 0.0, True, "supported").label().startswith("✓ [1] B")
    assert Source(3, "p3", "C").label().startswith("[3] C")  # not judged: no badge
    again = Source.from_dict(contradicted.to_dict())
    assert again == contradicted
