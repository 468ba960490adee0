"""The real `litreview chat` in a pseudo-terminal whose master is then closed (tmux or ssh killed).

It must quit, as on ctrl+q, whether or not SIGHUP reaches it: it used to be killed by SIGHUP
(leaving the conversation database unclosed) or, when SIGHUP did not reach it, to spin at full
CPU forever on a terminal that only returns end-of-file.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support import ROOT

from assistant.tui.history import FILENAME, History

fcntl = pytest.importorskip("fcntl", reason="pseudo-terminals are POSIX")
termios = pytest.importorskip("termios", reason="pseudo-terminals are POSIX")

STARTUP = 60.0  # generous: a cold start on a busy machine
EXIT = 20.0  # a correctness check, not a timing one (it takes about a second)


def spawn_chat(home: Path, ignore_sighup: bool) -> tuple[subprocess.Popen[bytes], int]:
    """`litreview chat` with a new pty as its controlling terminal; returns it and the pty master."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_", "TEXTUAL"))}
    env.update(LITREVIEW_HOME=str(home), TERM="xterm-256color", PYTHONIOENCODING="utf-8")

    def in_child() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if ignore_sighup:  # as under nohup, or when the shell in between does not pass SIGHUP on
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

    try:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "chat"], stdin=slave, stdout=slave,
                                stderr=slave, env=env, cwd=ROOT, start_new_session=True, preexec_fn=in_child)
    finally:
        os.close(slave)
    return proc, master


def drain_until(master: int, done: Callable[[bytes], bool], timeout: float) -> bytes:
    """Read the screen (the app blocks if nobody does) until ``done(everything so far)``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while not done(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"timed out; the screen ends with {seen[-400:]!r}"
        if select.select([master], [], [], min(left, 0.1))[0]:
            seen += os.read(master, 65536)
    return seen


def saved_messages(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT role, text FROM messages ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        db.close()


@pytest.mark.parametrize("ignore_sighup, question", [
    (True, "How fast can LLM inference run on a smartphone?"),  # the orphan that used to spin
    (False, None),  # SIGHUP arrives: handled like ctrl+q, no longer a kill (kept short: no question)
], ids=["sighup-ignored", "sighup"])
def test_chat_quits_cleanly_when_its_terminal_goes_away(seeded_home: Path, tmp_path: Path, ignore_sighup: bool,
                                                       question: str | None) -> None:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    conversations = home / FILENAME
    proc, master = spawn_chat(home, ignore_sighup)
    try:
        drain_until(master, lambda screen: b"Ask a question" in screen, STARTUP)
        if question:  # wait until the answer is saved
            os.write(master, question.encode() + b"\r")
            deadline = time.monotonic() + STARTUP
            while [role for role, _ in saved_messages(conversations)] != ["user", "assistant"]:
                assert time.monotonic() < deadline and proc.poll() is None, saved_messages(conversations)
                if select.select([master], [], [], 0.1)[0]:
                    os.read(master, 65536)

        os.close(master)  # the terminal goes away
        master = -1
        try:
            returncode = proc.wait(timeout=EXIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"litreview chat still running {EXIT:.0f}s after its terminal went away")
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert returncode == 0  # quit, not killed by SIGHUP
    # Closed as on ctrl+q: the write-ahead log was checkpointed and removed.
    assert not conversations.with_name(FILENAME + "-wal").exists()
    history = History(conversations)
    try:
        assert history._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if question is None:
            assert history.conversations() == []
            return
        [conversation] = history.conversations()
        assert conversation.title == question and conversation.messages == 2
        user, answer = history.messages(conversation.id)
        assert (user.role, user.text) == ("user", question)
        assert answer.role == "assistant" and "[1]" in answer.text
    finally:
        history.close()
