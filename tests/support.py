"""Helpers for tests: settings for a temporary data dir, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.settings import Settings
from testkit.chroma import chroma_server, free_port  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parent.parent


def examples(n: int) -> int:
    """A property test's example count: ``n``, times ``LITREVIEW_FUZZ_SCALE`` when scripts/fuzz.py runs it."""
    return n * max(1, int(os.environ.get("LITREVIEW_FUZZ_SCALE", "1")))


def settings_for(home: Path, **overrides: object) -> Settings:
    return Settings.load({"LITREVIEW_HOME": str(home)}, **_sections(overrides))


def _sections(overrides: dict[str, object]) -> dict[str, object]:
    from assistant.settings import SHORT_KEYS

    out: dict[str, object] = {}
    for key, value in overrides.items():
        if key in SHORT_KEYS:
            section, field = SHORT_KEYS[key]
            out.setdefault(section, {})[field] = value  # type: ignore[index]
        else:
            out[key] = value
    return out


def llm_client(server, home: Path, *, key: str = "sk-test", timeout: float = 10.0, **overrides: object):
    """The real LLM client (the openai library over HTTP) pointed at a local fake OpenAI-compatible server
    (``testkit.llm_server``; ``None``: no endpoint), with retries off."""
    from assistant.engines.llm import LLMClient

    options = {"openai_base_url": server.base_url if server else None, "openai_api_key": key,
               "llm_timeout": timeout, "llm_max_retries": 0, **overrides}
    return LLMClient(Settings(home=home, **options))  # type: ignore[arg-type]


def tool_name(request) -> str | None:
    """The function a recorded chat request offers the model (a structured-output call), if any."""
    tools = (request.body or {}).get("tools") or []
    return tools[0]["function"]["name"] if tools else None


def run_cli(*args: str, home: Path, env: dict[str, str] | None = None, input: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m assistant ARGS` as a user would, with its own data dir."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_"))}
    full_env.update({"LITREVIEW_HOME": str(home), "PYTHONIOENCODING": "utf-8"}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=full_env, input=input, timeout=timeout, cwd=ROOT)


def cli_json(*args: str, home: Path, **kw: object) -> dict:
    proc = run_cli(*args, "--json", home=home, **kw)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
