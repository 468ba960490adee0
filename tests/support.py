"""Helpers for tests: settings for a temporary data dir, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """A real `chroma run` on 127.0.0.1 and a free port, storing in ``path``; yields its URL."""
    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
