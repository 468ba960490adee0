"""What a slow local model shows before its first token: ``ask`` says what the engine reads, the CLI
keeps a counting line on stderr until the first token, and the time to the first token is reported.
Real HTTP to testkit.llm_server, a real seeded store."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from support import settings_for

from assistant.cli.progress import Waiting
from assistant.cli.render import print_answer
from assistant.engines.answer import ask
from assistant.store import Store
from testkit.llm_server import FakeOpenAIServer, Reply

QUESTION = "How fast does PowerInfer-2 run a 47B model on a smartphone?"
ANSWER = "PowerInfer-2 serves TurboSparse-Mixtral-47B at 11.68 tokens per second on a smartphone [1]."


def test_ask_says_what_the_model_reads_before_its_first_token(seeded_home: Path, capsys) -> None:
    events: list[tuple[str, str]] = []
    with FakeOpenAIServer(default=Reply.text(ANSWER, delay=0.4)) as server:
        store = Store.open(settings_for(seeded_home, openai_base_url=server.base_url, openai_api_key="x",
                                        llm_model="local-7b", llm_timeout=10.0, llm_max_retries=0))
        answer = ask(store, QUESTION, engine="llm", on_token=lambda t: events.append(("token", t)),
                     on_status=lambda s: events.append(("status", s)))
    assert events[0][0] == "status" and events[0][1].startswith("reading ")
    assert events[0][1].endswith("sources with local-7b")
    assert [kind for kind, _ in events].count("status") == 1 and events[1][0] == "token"
    assert answer.usage["first_token_seconds"] >= 0.4  # the server waited that long before answering
    print_answer(answer)
    assert "first token after" in capsys.readouterr().out


def test_the_offline_engine_answers_at_once_and_says_nothing(seeded_store: Store) -> None:
    statuses: list[str] = []
    answer = ask(seeded_store, QUESTION, engine="offline", on_status=statuses.append)
    assert answer.citations and statuses == []


def test_the_waiting_line_counts_until_the_first_token_then_goes() -> None:
    from rich.console import Console

    out = io.StringIO()
    waiting = Waiting(True, Console(file=out, force_terminal=True, width=80))
    waiting.status("reading 4 sources with local-7b")
    waiting.status("reading 4 sources again")  # one line per answer
    time.sleep(0.6)  # a refresh or two
    waiting.done()
    shown = out.getvalue()
    assert re.search(r"reading 4 sources with local-7b… \d+ s", shown) and "again" not in shown
    assert shown.endswith("\x1b[2K")  # and the line is cleared
    waiting.done()  # idempotent
    quiet = io.StringIO()
    Waiting(False, Console(file=quiet, force_terminal=True)).status("reading 4 sources")
    assert quiet.getvalue() == ""
