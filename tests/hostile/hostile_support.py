"""Helpers shared by tests/hostile: the real CLI from any directory, store fingerprints, tree snapshots."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from support import ROOT, run_cli

SECRET = "sk-test-SECRET-XYZ"
ABSTRACT = ("We study how literature tools cope with damaged exports. Our parser recovers 97% of the records on "
            "three benchmarks and reports every record it cannot use together with its line number. Code and data "
            "are released for others to reproduce.")


def clean_env(home: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_"))}
    full.update({"LITREVIEW_HOME": str(home), "PYTHONIOENCODING": "utf-8"}, **(env or {}))
    return full


def run_in(cwd: Path, *args: str, home: Path, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m assistant ARGS` as run_cli does, but from the working directory ``cwd``."""
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=clean_env(home, env), timeout=timeout, cwd=cwd)


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """Exit ``code``, nothing on stdout, exactly one stderr line (no traceback) holding every fragment."""
    assert proc.returncode == code, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    (line,) = lines
    assert line.startswith("litreview: error: "), line
    assert "\x1b" not in line and "\r" not in line, repr(line)
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def catalogue_rows(home: Path) -> list[tuple]:  # type: ignore[type-arg]
    """Every catalogue row, read without litreview (what `papers` shows comes from here)."""
    with sqlite3.connect(f"file:{home / 'papers.sqlite'}?mode=ro", uri=True, timeout=10) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        rows: list[tuple] = []  # type: ignore[type-arg]
        for name in names:
            rows += [(name, *r) for r in db.execute(f'SELECT * FROM "{name}" ORDER BY 1')]
    return rows


def run_main(args: list[str], home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`litreview ARGS` through ``assistant.cli.main`` in this process (what `python -m assistant` runs, minus
    ~2-4 s of imports per call), with a clean environment; stdout/stderr captured like a subprocess's."""
    import contextlib
    import io

    from assistant.cli import main

    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(clean_env(home, env))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def store_state(home: Path) -> dict[str, object]:
    """What a user can see of the store: `papers --json`, `doctor --json` (minus its disk use), raw rows."""
    papers = run_main(["papers", "--json"], home)
    assert papers.returncode == 0, papers.stderr
    doctor = run_main(["doctor", "--json"], home)
    report = json.loads(doctor.stdout)
    report.pop("disk_use", None)
    return {"papers": json.loads(papers.stdout)["papers"], "doctor": report, "doctor_exit": doctor.returncode,
            "rows": catalogue_rows(home)}


def tree(*roots: Path) -> dict[str, str]:
    """path -> sha256 of every file (and '<dir>' for every directory) under ``roots``."""
    out: dict[str, str] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for d in dirnames:
                out[os.path.join(dirpath, d)] = "<dir>"
            for f in filenames:
                p = Path(dirpath, f)
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<special>"
    return out


def grep_tree(root: Path, needle: bytes) -> list[str]:
    """Files under ``root`` whose bytes contain ``needle`` (also UTF-16 encoded)."""
    wide = needle.decode().encode("utf-16-le")
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            if needle in data or wide in data:
                hits.append(str(p))
    return hits


__all__ = ["ABSTRACT", "ROOT", "SECRET", "assert_clean_failure", "catalogue_rows", "clean_env", "grep_tree",
           "run_cli", "run_in", "run_main", "store_state", "tree"]
