"""`ask` judges what a model cites: each cited sentence is verified against the abstract it cites, a
hallucinated figure behind a valid marker is never shown as supported, reasoning blocks never reach the
user, and an answer that does not hold up gives way to the offline one, saying so."""

from __future__ import annotations

from pathlib import Path

from support import settings_for

from assistant.engines.answer import ask
from assistant.store import Store
from testkit.llm_server import FakeOpenAIServer, Reply

POWERINFER = "PowerInfer-2: Fast Large Language Model Inference on a Smartphone"
QUESTION = "how many tokens per second does PowerInfer-2 generate for TurboSparse-Mixtral-47B on a smartphone?"


def _store(home: Path, server: FakeOpenAIServer) -> Store:
    return Store.open(settings_for(home).replace(openai_base_url=server.base_url, openai_api_key="sk-test-KEY",
                                                 llm_model="gpt-4o-mini", llm_timeout=5, llm_max_retries=0))


def test_a_supported_sentence_carries_its_verdict_and_reasoning_is_never_shown(home: Path) -> None:
    reply = ("<think>The user wants speed. Source [3] maybe.</think>PowerInfer-2 serves TurboSparse-Mixtral-47B "
             "at 11.68 tokens per second on a smartphone [1].")
    with FakeOpenAIServer(Reply.text(reply)) as server:
        streamed: list[str] = []
        answer = ask(_store(home, server), QUESTION, engine="llm", on_token=streamed.append)
    assert "<think>" not in answer.text and "The user wants" not in answer.text
    assert "think" not in "".join(streamed) and "The user wants" not in "".join(streamed)
    assert answer.grounded and [c.title for c in answer.citations] == [POWERINFER]
    (citation,) = answer.citations
    assert citation.support == "supported" and "11.68 tokens per second" in (citation.evidence or "")
    assert [v.label for v in answer.sentences] == ["supported"]


def test_a_hallucinated_figure_behind_a_valid_marker_is_not_shown_as_supported(home: Path) -> None:
    reply = "PowerInfer-2 serves TurboSparse-Mixtral-47B at 1,068,240 tokens per second on a smartphone [1]."
    with FakeOpenAIServer(Reply.text(reply)) as server:
        answer = ask(_store(home, server), QUESTION, engine="llm")
    assert "1,068,240" not in answer.text  # before: shown, cited [1], grounded
    assert answer.engine.startswith("offline (after llm:")
    assert any("the model's answer was not shown" in note for note in answer.notes)
    assert "11.68" in answer.text and all(c.support in ("supported", "partial") for c in answer.citations)


def test_a_contradicted_sentence_is_removed_and_the_rest_kept(home: Path) -> None:
    reply = ("PowerInfer-2 serves TurboSparse-Mixtral-47B at 11.68 tokens per second on a smartphone [1]. "
             "PowerInfer-2 does not run on smartphones [1].")
    with FakeOpenAIServer(Reply.text(reply)) as server:
        answer = ask(_store(home, server), QUESTION, engine="llm")
    assert "11.68 tokens per second" in answer.text and "does not run on smartphones" not in answer.text
    assert any("contradicts" in note for note in answer.notes)
    assert answer.grounded
