"""LLMClient with slow and unreliable local servers: the token clock, retries that never restart a
generation, truthful reports of cuts and long Retry-After waits, streamed structured output, and
text that survives JSON. Real HTTP to testkit.llm_server, real ChatOpenAI and openai client."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from pydantic import BaseModel
from support import llm_client

from assistant.engines.llm import LLMClient, repair_escapes
from assistant.errors import LLMError
from assistant.settings import Settings
from assistant.tokens import count_tokens
from testkit.llm_server import FakeOpenAIServer, Reply, words

SYSTEM, USER = "You are a careful reviewer.", "What do the abstracts say about pruning?"
ANSWER = "Pruning removes 90% of weights [1] with little accuracy loss [2]."


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


def client_for(server: FakeOpenAIServer, tmp_path: Path, **kw: object) -> LLMClient:
    return llm_client(server, tmp_path, key="sk-test-x", timeout=1.0, **kw)


# -- the token clock ------------------------------------------------------------------------------------
def test_a_slow_answer_longer_than_the_timeout_completes_when_tokens_keep_coming(server, tmp_path):
    server.push(Reply.text(ANSWER, chunk_delay=0.25))  # 12 words: 3 s in all, 0.25 s between tokens
    start = time.monotonic()
    done = client_for(server, tmp_path, llm_timeout=1.0, llm_max_retries=3).complete(SYSTEM, USER)
    assert time.monotonic() - start > 2.5  # longer than the timeout...
    assert done.text == ANSWER and done.finished and done.status == "complete"  # ...and not cut by it
    assert len(server.chat_requests()) == 1
    assert 0 < done.usage["first_token_seconds"] < 1.0


def test_a_model_reading_a_long_prompt_gets_longer_than_the_token_timeout(server, tmp_path):
    """A local model on a CPU reads the whole prompt before its first token: that wait has its own limit,
    so the default 60 s between tokens does not kill a model that needs 70 s to start."""
    server.push(Reply.text(ANSWER, delay=1.5))  # 1.5 s to the first token; 0.5 s allowed between tokens
    done = client_for(server, tmp_path, llm_timeout=0.5, llm_first_token_timeout=5.0).complete(SYSTEM, USER)
    assert done.finished and done.text == ANSWER and done.usage["first_token_seconds"] >= 1.5
    assert Settings(home=tmp_path).llm.first_token_timeout == 300.0


def test_a_server_that_goes_quiet_mid_answer_gives_a_stalled_partial_and_no_retry(server, tmp_path):
    # keep-alive comments do not count as tokens: the clock still runs
    server.push(Reply.text(ANSWER, stall_after=3, stall=20, ping=0.2))
    count_tokens("warm up")  # a cut answer's usage is counted locally: load the encoding outside the clock
    start = time.monotonic()
    done = client_for(server, tmp_path, llm_timeout=1.0, llm_max_retries=3).complete(SYSTEM, USER)
    assert time.monotonic() - start < 8  # the 1 s clock, not the 20 s stall
    assert done.text == "".join(words(ANSWER)[:3]) and not done.finished and done.status == "stalled"
    assert "no token for 1 s" in done.error and "stopped sending" in done.note
    assert len(server.chat_requests()) == 1  # the generation was producing: never restarted


def test_no_first_token_is_an_error_and_is_not_retried(server, tmp_path):
    server.default = Reply.text("late", delay=4)
    start = time.monotonic()
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_timeout=0.6, llm_first_token_timeout=0.6,
                   llm_max_retries=3).complete(SYSTEM, USER)
    assert time.monotonic() - start < 3
    msg = str(exc.value)
    assert "did not answer within 0.6 s (no first token" in msg and "LITREVIEW_LLM_FIRST_TOKEN_TIMEOUT" in msg
    assert "retr" not in msg.split("(")[0]
    assert len(server.chat_requests()) == 1  # a retry would only queue behind the generation still running


# -- how an answer ended ---------------------------------------------------------------------------------
@pytest.mark.parametrize("clean", [False, True], ids=["connection-dropped", "body-ended"])
def test_a_server_side_cut_is_reported_as_a_cut_not_a_stop(server, tmp_path, clean):
    server.push(Reply.text(ANSWER, cut_after=5, clean_cut=clean))
    done = client_for(server, tmp_path, llm_max_retries=3).complete(SYSTEM, USER)
    assert done.status == "cut" and done.partial and not done.finished
    assert "cut the answer off" in done.note and "stopped" not in done.note
    assert len(server.chat_requests()) == 1


def test_a_stop_is_reported_as_a_stop(server, tmp_path):
    server.push(Reply.text(ANSWER, chunk_delay=0.05))
    stop = threading.Event()
    seen: list[str] = []

    def on_token(t: str) -> None:
        seen.append(t)
        if len(seen) == 2:
            stop.set()

    done = client_for(server, tmp_path).complete(SYSTEM, USER, on_token=on_token, stop=stop)
    assert done.status == "stopped" and done.note == "the answer was stopped before it finished"


def test_the_token_limit_marks_the_answer_cut(server, tmp_path):
    server.push(Reply.text(ANSWER, finish="length"))
    done = client_for(server, tmp_path).complete(SYSTEM, USER)
    assert done.text == ANSWER and done.finish_reason == "length" and done.status == "length"
    assert not done.finished and "token limit" in done.note


# -- retries and Retry-After ------------------------------------------------------------------------------
def test_a_retry_after_longer_than_litreview_waits_says_so_after_one_request(server, tmp_path):
    server.default = Reply.status(429, "slow down", headers={"Retry-After": "300"})
    start = time.monotonic()
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_max_retries=3).complete(SYSTEM, USER)
    msg = str(exc.value)
    assert time.monotonic() - start < 2
    assert "rate-limited the request (429) and asks to wait 5 min" in msg and "120 s" in msg
    assert "after 3 retries" not in msg and "retr" not in msg.replace("litreview", "")
    assert len(server.chat_requests()) == 1


def test_the_retry_count_in_a_message_is_the_number_really_made(server, tmp_path):
    server.push(Reply.status(503), Reply.status(429, headers={"Retry-After": "600"}))
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_max_retries=3).complete(SYSTEM, USER)
    msg = str(exc.value)
    assert "asks to wait 10 min" in msg and "after 1 retry" in msg
    assert len(server.chat_requests()) == 2


def test_x_should_retry_false_is_obeyed(server, tmp_path):
    server.default = Reply.status(503, headers={"x-should-retry": "false"})
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_max_retries=3).complete(SYSTEM, USER)
    assert "503" in str(exc.value) and "retr" not in str(exc.value)
    assert len(server.chat_requests()) == 1


# -- reasoning blocks ----------------------------------------------------------------------------------
def test_reasoning_is_held_back_from_the_stream_and_the_text(server, tmp_path):
    server.push(Reply.text("<think>The user wants pruning. Source [3]?</think>\n\n" + ANSWER))
    seen: list[str] = []
    done = client_for(server, tmp_path).complete(SYSTEM, USER, on_token=seen.append)
    assert "think" not in "".join(seen) and "[3]" not in "".join(seen)
    assert "".join(seen).strip() == ANSWER == done.text
    assert done.reasoning == "The user wants pruning. Source [3]?"


# -- structured output: streamed, and backslashes kept ------------------------------------------------
class Cell(BaseModel):
    approach: str
    results: list[str]


def test_a_structured_call_streams_and_survives_a_slow_server(server, tmp_path):
    # 90 characters of arguments in 8 pieces, 0.4 s apart: 3 s in all, with a 1 s timeout
    server.push(Reply.tool_call({"approach": "Extra decoding heads verified with tree attention.",
                                 "results": ["2.2x speedup"]}, chunk_delay=0.4))
    got = client_for(server, tmp_path, llm_timeout=1.0).structured(SYSTEM, USER, Cell)
    assert got.approach == "Extra decoding heads verified with tree attention." and got.results == ["2.2x speedup"]
    (req,) = server.chat_requests()
    assert req.body["stream"] is True and req.body["tools"][0]["function"]["name"] == "Cell"


def test_a_cut_tool_call_falls_back_to_json_and_says_nothing_false(server, tmp_path):
    server.push(Reply.tool_call({"approach": "Extra decoding heads.", "results": []}, cut_after=2),
                Reply.text(json.dumps({"approach": "Extra decoding heads.", "results": []})))
    got = client_for(server, tmp_path).structured(SYSTEM, USER, Cell)
    assert got.approach == "Extra decoding heads." and len(server.chat_requests()) == 2


def test_a_latex_macro_from_the_sources_survives_the_tool_call(server, tmp_path):
    # the model copies "our \name method" from the abstract into JSON without escaping the backslash
    server.push(Reply.tool_call({}, raw_arguments='{"approach": "our \\name method with \\alpha-scaling", '
                                                  '"results": ["\\textbf{2x} faster"]}'))
    user = "Sources:\n[1] We present our \\name method with \\alpha-scaling; it is \\textbf{2x} faster."
    got = client_for(server, tmp_path).structured(SYSTEM, user, Cell)
    assert got.approach == "our \\name method with \\alpha-scaling"
    assert got.results == ["\\textbf{2x} faster"]


def test_json_escapes_the_model_meant_are_kept():
    kept = repair_escapes('{"a": "line\\nThe end \\u00e9 \\"q\\" \\\\x"}')
    assert json.loads(kept) == {"a": 'line\nThe end é "q" \\x'}
    assert json.loads(repair_escapes('{"a": "\\beta and \\frac"}')) == {"a": "\\beta and \\frac"}
    assert json.loads(repair_escapes('{"a": "\\nabla f"}', literal="gradient \\nabla f")) == {"a": "\\nabla f"}
    assert json.loads(repair_escapes('{"a": "\\nabla f"}')) == {"a": "\nabla f"}
