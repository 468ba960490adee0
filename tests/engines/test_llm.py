"""LLMClient against a real HTTP server: real ChatOpenAI -> real openai client -> sockets -> tests/llm_server.py."""

from __future__ import annotations

import base64
import socket
import struct
import threading
import time
from pathlib import Path

import openai
import pytest
from pydantic import BaseModel
from support import llm_client

from assistant.engines.llm import Completion, LLMClient
from assistant.errors import ConfigError, LLMError, redact
from assistant.settings import Settings
from assistant.tokens import cost_usd, count_tokens
from testkit.llm_server import FakeOpenAIServer, Reply, fake_embedding, words

KEY = "sk-test-DONOTLEAK"
SYSTEM, USER = "You are a careful reviewer.", "What do the abstracts say about pruning?"
ANSWER = "Pruning removes 90% of weights [1] with little accuracy loss [2]."


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


def client_for(server: FakeOpenAIServer | None, tmp_path: Path, **kw: object) -> LLMClient:
    return llm_client(server, tmp_path, key=KEY, timeout=5.0, **kw)


def assert_one_line(exc: pytest.ExceptionInfo[LLMError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and "Traceback" not in msg and KEY not in msg and "DONOTLEAK" not in msg
    return msg


# -- streaming ----------------------------------------------------------------------------------
def test_streams_tokens_in_order_and_sends_the_request_openai_expects(server, tmp_path):
    server.push(Reply.text(ANSWER, usage={"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}))
    seen: list[str] = []
    done = client_for(server, tmp_path).complete(SYSTEM, USER, on_token=seen.append)

    assert isinstance(done, Completion)
    assert seen == words(ANSWER) and len(seen) > 5
    assert done.text == ANSWER and done.finished and done.error is None and done.finish_reason == "stop"
    assert done.usage["prompt_tokens"] == 1200 and done.usage["completion_tokens"] == 300
    assert done.usage["total_tokens"] == 1500 and done.usage["estimated"] is False
    assert done.usage["model"] == "gpt-4o-mini" and done.usage["seconds"] >= 0
    assert done.usage["cost_usd"] == pytest.approx(cost_usd("gpt-4o-mini", 1200, 300))
    assert done.usage["cost_usd"] == pytest.approx((1200 * 0.15 + 300 * 0.60) / 1e6)

    (req,) = server.chat_requests()
    assert req.headers["authorization"] == f"Bearer {KEY}"
    body = req.body
    assert body["messages"] == [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True and body["temperature"] == 0
    assert body["stream_options"] == {"include_usage": True}


def test_local_model_has_no_cost_and_a_placeholder_key(server, tmp_path):
    server.push(Reply.text("Local answer."))
    client = client_for(server, tmp_path, llm_model="llama3.1:8b", openai_api_key=None)
    done = client.complete(SYSTEM, USER)
    assert done.text == "Local answer." and done.finished
    assert done.usage["cost_usd"] is None and done.usage["model"] == "llama3.1:8b"
    assert server.chat_requests()[0].headers["authorization"] == "Bearer not-needed"


def test_usage_is_estimated_with_tiktoken_when_the_server_sends_none(server, tmp_path):
    server.push(Reply.text(ANSWER, usage=False))
    done = client_for(server, tmp_path).complete(SYSTEM, USER)
    assert done.finished and done.usage["estimated"] is True
    assert done.usage["completion_tokens"] == count_tokens(ANSWER, "gpt-4o-mini")
    assert done.usage["prompt_tokens"] == count_tokens(SYSTEM) + count_tokens(USER) + 9
    assert done.usage["cost_usd"] is not None and done.usage["cost_usd"] > 0


# -- retries: the openai client's, honouring Retry-After -------------------------------------------
def test_429_with_retry_after_is_retried_after_the_requested_wait(server, tmp_path):
    server.push(Reply.status(429, "slow down", headers={"Retry-After": "1"}), Reply.text("Made it."))
    done = client_for(server, tmp_path, llm_max_retries=2).complete(SYSTEM, USER)
    assert done.text == "Made it." and done.finished
    first, second = server.chat_requests()
    assert second.at - first.at >= 0.95  # Retry-After: 1 honoured (backoff without it would be ≤ 0.5 s)
    assert second.headers.get("x-stainless-retry-count") == "1"
    assert second.body == first.body


def test_two_500s_then_success_with_max_retries_2(server, tmp_path):
    server.push(Reply.status(500), Reply.status(503), Reply.text("Third time lucky."))
    done = client_for(server, tmp_path, llm_max_retries=2).complete(SYSTEM, USER)
    assert done.text == "Third time lucky." and len(server.chat_requests()) == 3
    first, second, third = server.chat_requests()
    # no Retry-After: exponential backoff, 0.5 s then 1 s, each minus up to 25 % jitter
    assert second.at - first.at >= 0.37 and third.at - second.at >= 0.74


def test_persistent_500_is_one_line_llm_error_after_the_retries(server, tmp_path):
    server.default = Reply.status(500, "upstream exploded")
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_max_retries=1).complete(SYSTEM, USER)
    msg = assert_one_line(exc)
    assert "500" in msg and "after 1 retry" in msg and "upstream exploded" in msg
    assert len(server.chat_requests()) == 2


def test_persistent_429_says_try_again_later(server, tmp_path):
    server.default = Reply.status(429, headers={"Retry-After": "0.05"})
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_max_retries=1).complete(SYSTEM, USER)
    msg = assert_one_line(exc)
    assert "rate-limited" in msg and "try again later" in msg
    assert len(server.chat_requests()) == 2


def test_401_mentions_the_key_but_never_its_value(server, tmp_path):
    server.push(Reply.status(401, f"Incorrect API key provided: {KEY}. Find your key at ..."))
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_max_retries=3).complete(SYSTEM, USER)
    msg = assert_one_line(exc)
    assert "rejected the API key (401)" in msg and "OPENAI_API_KEY" in msg
    assert len(server.chat_requests()) == 1  # 401 is not retried


@pytest.mark.parametrize("key", [KEY, "local-token-DONOTLEAK"])
def test_server_text_quoting_the_key_is_redacted(server, tmp_path, key):
    server.default = Reply.status(502, f"upstream said: key {key} is invalid; also sk-other-123456789")
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, openai_api_key=key).complete(SYSTEM, USER)
    msg = assert_one_line(exc)
    assert "502" in msg and "upstream said" in msg and "sk-other-123456789" not in msg


def test_a_placeholder_key_for_a_local_server_does_not_garble_messages(server, tmp_path):
    """`OPENAI_API_KEY=x` (what local servers are given) is no secret: the message keeps its x's."""
    server.default = Reply.status(502, "Expecting ',' delimiter: line 1 column 9 (max 2 retries)")
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, openai_api_key="x").complete(SYSTEM, USER)
    msg = assert_one_line(exc)
    assert "Expecting ',' delimiter" in msg and "max 2" in msg and "***" not in msg
    assert redact("expected x, got x-ray", "x") == "expected x, got x-ray"
    assert redact(f"key {KEY} leaked", KEY) == "key <OPENAI_API_KEY> leaked"


def test_403_is_a_key_problem_too(server, tmp_path):
    server.push(Reply.status(403))
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path).complete(SYSTEM, USER)
    assert "rejected the API key (403)" in assert_one_line(exc)


def test_404_names_the_model_and_the_url(server, tmp_path):
    server.push(Reply.status(404, "model 'nope' not found"))
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_model="nope").complete(SYSTEM, USER)
    assert f"model 'nope' not found at {server.base_url}" in assert_one_line(exc)


def test_unreachable_port_says_cannot_reach(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = client_for(None, tmp_path, openai_base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(LLMError) as exc:
        client.complete(SYSTEM, USER)
    msg = assert_one_line(exc)
    assert msg.startswith(f"cannot reach the LLM endpoint at http://127.0.0.1:{port}/v1")
    assert "refused" in msg.lower()


def test_slow_server_times_out(server, tmp_path):
    server.push(Reply.text("too late", delay=3))
    start = time.monotonic()
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path, llm_timeout=0.5, llm_first_token_timeout=0.5,
                   llm_max_retries=0).complete(SYSTEM, USER)
    assert "did not answer within 0.5 s" in assert_one_line(exc)
    assert time.monotonic() - start < 2.5  # the timeout, not the server, ended the call


@pytest.mark.parametrize("reply", [Reply.malformed(), Reply.html()], ids=["malformed-json", "html-page"])
def test_non_openai_responses_are_reported_as_such(server, tmp_path, reply):
    server.push(reply)
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path).complete(SYSTEM, USER)
    assert "not an OpenAI-compatible chat completion" in assert_one_line(exc)


# -- partial answers ----------------------------------------------------------------------------
@pytest.mark.parametrize("clean", [False, True], ids=["connection-dropped", "body-ended"])
def test_stream_cut_mid_answer_returns_the_partial_text(server, tmp_path, clean):
    server.push(Reply.text(ANSWER, cut_after=4, clean_cut=clean))
    seen: list[str] = []
    done = client_for(server, tmp_path).complete(SYSTEM, USER, on_token=seen.append)
    assert done.text == "".join(words(ANSWER)[:4]) == "".join(seen)
    assert not done.finished and done.error.startswith("stream ended early")
    assert done.usage["estimated"] is True and done.usage["completion_tokens"] == count_tokens(done.text)


def test_stop_event_ends_the_stream_at_once_even_while_the_server_is_silent(server, tmp_path):
    server.push(Reply.text(ANSWER, stall_after=2, stall=10))
    stop = threading.Event()
    seen: list[str] = []

    def on_token(t: str) -> None:
        seen.append(t)
        if len(seen) == 2:
            threading.Timer(0.2, stop.set).start()

    start = time.monotonic()
    done = client_for(server, tmp_path).complete(SYSTEM, USER, on_token=on_token, stop=stop)
    assert time.monotonic() - start < 5  # not the 10 s stall
    assert done.text == "".join(words(ANSWER)[:2]) and not done.finished and "stopped" in done.error


def test_stop_between_chunks_keeps_exactly_what_was_shown(server, tmp_path):
    server.push(Reply.text(ANSWER, chunk_delay=0.05))
    stop = threading.Event()
    seen: list[str] = []

    def on_token(t: str) -> None:
        seen.append(t)
        if len(seen) == 3:
            stop.set()

    done = client_for(server, tmp_path).complete(SYSTEM, USER, on_token=on_token, stop=stop)
    assert seen == words(ANSWER)[:3] and done.text == "".join(seen) and not done.finished
    (req,) = server.chat_requests()
    deadline = time.monotonic() + 3
    while req.completed is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert req.completed is False  # the client hung up instead of reading the rest of the answer


def test_not_configured_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        LLMClient(Settings(home=tmp_path))


# -- structured output --------------------------------------------------------------------------
class Verdict(BaseModel):
    winner: str
    reasons: list[str]
    confidence: float


VERDICT = {"winner": "A", "reasons": ["larger study", "newer"], "confidence": 0.8}


def test_structured_output_via_a_tool_call(server, tmp_path):
    server.push(Reply.tool_call(VERDICT))
    got = client_for(server, tmp_path).structured(SYSTEM, USER, Verdict)
    assert got == Verdict(**VERDICT)
    (req,) = server.chat_requests()
    assert req.body["tools"][0]["function"]["name"] == "Verdict"
    assert "winner" in req.body["tools"][0]["function"]["parameters"]["properties"]


def test_structured_output_from_a_server_that_answers_plain_json(server, tmp_path):
    import json

    server.default = Reply.text(json.dumps(VERDICT))
    assert client_for(server, tmp_path).structured(SYSTEM, USER, Verdict) == Verdict(**VERDICT)
    assert len(server.chat_requests()) == 1  # the JSON answer to the tool request was used as is


def test_structured_falls_back_to_a_json_prompt(server, tmp_path):
    import json

    server.push(Reply.status(400, "this model does not support tools"),
                Reply.text("Sure! Here it is:\n```json\n" + json.dumps(VERDICT) + "\n```"))
    assert client_for(server, tmp_path).structured(SYSTEM, USER, Verdict) == Verdict(**VERDICT)
    first, second = server.chat_requests()
    assert "tools" in first.body and "tools" not in second.body
    assert "JSON Schema" in second.body["messages"][0]["content"]


def test_structured_fails_clearly_when_neither_way_works(server, tmp_path):
    server.default = Reply.text("I would rather not say.")
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path).structured(SYSTEM, USER, Verdict)
    msg = assert_one_line(exc)
    assert "did not return a valid Verdict" in msg and len(server.chat_requests()) == 2


def test_structured_maps_transport_errors(server, tmp_path):
    server.push(Reply.status(401, f"bad key {KEY}"))
    with pytest.raises(LLMError) as exc:
        client_for(server, tmp_path).structured(SYSTEM, USER, Verdict)
    assert "rejected the API key" in assert_one_line(exc)


# -- the test server's other endpoints (used by other test files) -------------------------------
def test_fake_server_embeddings_and_models(server):
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    out = client.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta", "alpha"])
    vecs = [d.embedding for d in out.data]
    assert len(vecs[0]) == 64 and vecs[0] == vecs[2] != vecs[1]
    assert sum(v * v for v in vecs[1]) == pytest.approx(1.0)
    assert vecs[1] == pytest.approx(fake_embedding("beta"))
    b64 = client.embeddings.create(model="m", input="beta", encoding_format="base64").data[0].embedding
    decoded = struct.unpack("<64f", base64.b64decode(b64))  # what langchain's OpenAIEmbeddings asks for
    assert list(decoded) == pytest.approx(fake_embedding("beta"), abs=1e-6)
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini"]


def test_fake_server_takes_a_dropped_connection_quietly(server: FakeOpenAIServer, capsys) -> None:
    """A client resetting a pooled connection is normal traffic: the fake server must not print a
    traceback into stderr, where the CLI tests look for the product's own output (a CI failure once)."""
    host, port = server.base_url.split("//")[1].split("/")[0].split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close -> RST
    sock.sendall(b"GET /v1/mod")  # a partial request line, so the server is mid-read
    sock.close()
    deadline = time.monotonic() + 5
    while server.dropped_connections == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.dropped_connections == 1
    assert "Traceback" not in capsys.readouterr().err
