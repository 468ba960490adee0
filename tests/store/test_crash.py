"""A process killed mid-ingest (SIGKILL) leaves a store that opens and answers; a re-run completes it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from support import ROOT, cli_json, settings_for

from assistant.store import Store

ABSTRACT = ("We study retrieval of scientific abstracts for literature reviews. Our method combines lexical and "
            "dense signals and improves recall on paraphrased questions. We release code and data for others.")


def _count(home: Path) -> int:
    try:
        with sqlite3.connect(home / "papers.sqlite", timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM papers").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_then_resume(tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    with data.open("w") as fh:
        for i in range(240):
            fh.write(json.dumps({"title": f"Crash Test Paper {i}", "abstract": f"{ABSTRACT} Case {i}."}) + "\n")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_"))}
    env.update(LITREVIEW_HOME=str(home), LITREVIEW_INGEST_BATCH="20")
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(data)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _count(home) < 40 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed; make the corpus larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _count(home)
    assert 40 <= killed_at < 240 and killed_at % 20 == 0  # whole batches only

    store = Store.open(settings_for(home))  # opens and answers after the kill
    assert len(store) == killed_at
    from assistant.retrieval import search

    assert search(store, "Crash Test Paper 3 retrieval of abstracts", k=3)
    store.close()

    out = cli_json("ingest", str(data), home=home)
    assert (out["added"], out["unchanged"]) == (240 - killed_at, killed_at)
    store = Store.open(settings_for(home))
    assert len(store) == 240
    live = {(pid, eh) for pid, (_, eh, _) in store.catalogue.hashes().items()}
    assert {(pid, eh) for _, pid, eh in store.vectors.iter_chunk_keys()} == live  # no orphans, no gaps
    assert store.catalogue.get_meta("pending") == "[]"


def test_a_command_during_a_first_ingest_neither_seeds_nor_fails_obscurely(tmp_path: Path) -> None:
    """A new data dir whose first ingest holds the write lock and has stored nothing yet: a reader says so
    (one line, exit 3) and does not add the bundled corpus to the user's store; once papers are stored it
    searches them."""
    from support import run_cli

    home = tmp_path / "home"
    store = Store.open(settings_for(home))
    with store.write_lock():
        proc = run_cli("search", "widgets", home=home)
        assert proc.returncode == 3 and proc.stderr.count("\n") == 1
        assert "has no papers yet" in proc.stderr and f"litreview pid {os.getpid()}" in proc.stderr
        assert "bundled corpus" not in proc.stderr
        assert len(store) == 0
        mine = tmp_path / "mine.jsonl"
        mine.write_text('{"title": "Widgets Stored First", "abstract": "We build widgets. They work."}\n')
    store.ingest([mine])
    out = cli_json("search", "widgets", home=home)
    assert [r["title"] for r in out["results"]] == ["Widgets Stored First"]
    store.close()
