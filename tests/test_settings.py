"""The one settings object: sections, sources, precedence, and mistakes named by key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile.hostile_support import run_main

from assistant.errors import ConfigError
from assistant.settings import Settings


def load(home: Path, toml: str | bytes | None = None, **env: str) -> Settings:
    if toml is not None:
        path = home / "config.toml"
        path.write_bytes(toml if isinstance(toml, bytes) else toml.encode())
    return Settings.load({"LITREVIEW_HOME": str(home), **env})


def test_sections_from_the_file_and_zero_means_zero(tmp_path: Path) -> None:
    s = load(tmp_path, '[llm]\nmax_retries = 0\ntimeout = 2.5\nmodel = "qwen"\n[store]\ningest_batch = 7\n'
                       '[retrieval]\ndense_weight = 0.5\n')
    assert (s.llm.max_retries, s.llm.timeout, s.llm.model) == (0, 2.5, "qwen")  # 0 used to become 3
    assert s.store.ingest_batch == 7 and s.retrieval.dense_weight == 0.5
    assert s.config_file == tmp_path / "config.toml"


def test_environment_beats_the_file_short_and_sectioned_names(tmp_path: Path) -> None:
    s = load(tmp_path, '[store]\ningest_batch = 7\n[llm]\nmodel = "from-file"\n',
             LITREVIEW_INGEST_BATCH="9", LITREVIEW_LLM__MODEL="from-env", LITREVIEW_RETRIEVAL__DENSE_POOL="50")
    assert (s.store.ingest_batch, s.llm.model, s.retrieval.dense_pool) == (9, "from-env", 50)


@pytest.mark.parametrize(("toml", "env", "expected"), [
    ("[llm]\ntimeout = 0\n", {}, r"llm.timeout \(LITREVIEW_LLM_TIMEOUT or \[llm\] timeout in .*config.toml\): "
                                  r"input should be greater than 0, not 0"),
    ("[store]\ningest_batch = 0\n", {}, r"store.ingest_batch .*greater than or equal to 1, not 0"),
    ("", {"LITREVIEW_INGEST_BATCH": "-5"}, r"store.ingest_batch \(LITREVIEW_INGEST_BATCH.*not '-5'"),
    ("[store]\ningest_batch = inf\n", {}, r"store.ingest_batch .*not inf"),
    ("[store]\nchroma_ur = \"x\"\n", {}, r"unknown setting store.chroma_ur in .*config.toml \(known here: chroma_url"),
    ("[llm]\nmodel = \"m\"\n[sotre]\n", {}, r"unknown section or key 'sotre'"),
    ("openai_api_key = \"sk-1\"\n", {}, r"unknown section or key 'openai_api_key'"),
    ("", {"LITREVIEW_LMM__MODEL": "m"}, r"LITREVIEW_LMM__MODEL: no settings section 'lmm'"),
    ("[llm]\nmax_retries = \"three\"\n", {}, r"llm.max_retries .*valid integer"),
])
def test_mistakes_name_the_key(tmp_path: Path, toml: str, env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load(tmp_path, toml, **env)


def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config.toml: not UTF-8 text \(byte 15\)"):
        load(tmp_path, b'[llm]\nmodel = "\xff\xfe"\n')


def test_the_key_is_never_shown(tmp_path: Path) -> None:
    s = load(tmp_path, OPENAI_API_KEY="sk-secret-123")
    assert s.openai_api_key == "sk-secret-123" and s.llm_configured
    assert "sk-secret" not in repr(s) and "sk-secret" not in str(s.describe())
    assert s.describe()["openai_api_key"] == "set"


def test_replace_validates_again(tmp_path: Path) -> None:
    s = load(tmp_path)
    assert s.replace(ingest_batch=3).store.ingest_batch == 3
    with pytest.raises(ConfigError, match="store.ingest_batch"):
        s.replace(ingest_batch=0)


def test_every_command_refuses_a_bad_config_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[store]\ningest_batch = 0\n")
    for args in (["papers"], ["search", "kv cache"], ["doctor"]):
        proc = run_main(args, tmp_path)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "store.ingest_batch" in lines[0], (args, proc.stderr)


def test_the_answer_section_tunes_ask(tmp_path: Path, seeded_home: Path) -> None:
    """[answer] fields reach the pipeline: a weak-match threshold of 0.99 makes every answer a near miss, and a
    misspelt field is refused by name."""
    import shutil

    from assistant.engines.answer import ask
    from assistant.store import Store

    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    question = "how many tokens per second does PowerInfer-2 generate on a smartphone?"
    store = Store.open(load(home))
    assert not ask(store, question, engine="offline").weak_match
    store.close()
    strict = load(home, "[answer]\nweak_match = 0.99\nllm_sources = 2\n")
    assert (strict.answer.weak_match, strict.answer.llm_sources, strict.answer.history_tokens) == (0.99, 2, 1500)
    store = Store.open(strict)
    answer = ask(store, question, engine="offline")
    store.close()
    assert answer.weak_match and any("no abstract matches this question closely" in n for n in answer.notes)
    with pytest.raises(ConfigError, match=r"answer.weak_matc\b"):
        load(home, "[answer]\nweak_matc = 0.9\n")
