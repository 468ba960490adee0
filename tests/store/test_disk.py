"""A full disk or damaged vectors: one line, nothing lost, and a repair path.

The disk filling up is injected (ENOSPC from Chroma, "database or disk is full" from SQLite, too little
free space before a batch) and, where the machine allows mounting one, played on a real 3 MB tmpfs.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile.hostile_support import run_main

from assistant.store import commit, vectors

ABSTRACT = ("We compress the key-value cache of language models by keeping salient tokens. Our method "
            "reduces memory by 4x with little accuracy loss on long-context benchmarks.")


def _data(tmp_path: Path, n: int = 30) -> Path:
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps({"title": f"Disk Paper {i}", "abstract": f"{ABSTRACT} Case {i}."}) + "\n"
                            for i in range(n)))
    return path


def _one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 3, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("litreview: error: "), proc.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert "Traceback" not in proc.stderr
    return lines[0]


def _papers(home: Path) -> int:
    return len(json.loads(run_main(["papers", "--json"], home).stdout)["papers"])


def test_enospc_from_chroma_is_one_line_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, data = tmp_path / "home", _data(tmp_path)
    assert run_main(["ingest", str(data), "--json"], home, env={"LITREVIEW_INGEST_BATCH": "10"}).returncode == 0
    more = tmp_path / "more.jsonl"
    more.write_text("".join(json.dumps({"title": f"Later Paper {i}", "abstract": ABSTRACT}) + "\n" for i in range(5)))

    def full(*args: object, **kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(vectors.VectorIndex, "add", full)
    _one_line_error(run_main(["ingest", str(more)], home), "is full", str(home))
    monkeypatch.undo()
    assert _papers(home) == 30  # the earlier papers are all there, the failed batch left nothing
    out = json.loads(run_main(["ingest", str(more), "--json"], home).stdout)
    assert out["added"] == 5 and out["papers_in_store"] == 35
    assert json.loads(run_main(["doctor", "--json"], home).stdout)["problems"] == []


def test_sqlite_disk_full_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, data = tmp_path / "home", _data(tmp_path)
    from assistant.store.catalogue import Catalogue

    real = Catalogue.set_meta

    def set_meta(self: Catalogue, key: str, value: str) -> None:
        if key == "pending":
            raise sqlite3.OperationalError("database or disk is full")
        real(self, key, value)

    monkeypatch.setattr(Catalogue, "set_meta", set_meta)
    _one_line_error(run_main(["ingest", str(data)], home), "is full")


def test_too_little_space_is_refused_before_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, data = tmp_path / "home", _data(tmp_path)
    monkeypatch.setattr(commit, "free_bytes", lambda store: 2 * 2**20)
    line = _one_line_error(run_main(["ingest", str(data)], home), "has 2 MB free", "MB are needed")
    assert "free some space" in line
    with sqlite3.connect(home / "papers.sqlite") as db:  # nothing was written (`papers` would seed the store)
        assert db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0


def test_repair_rebuilds_unreadable_vectors_from_the_catalogue(tmp_path: Path) -> None:
    home, data = tmp_path / "home", _data(tmp_path)
    assert run_main(["ingest", str(data)], home).returncode == 0
    for f in (home / "chroma").rglob("*"):  # the vector files are damaged (a crash or a full disk mid-write)
        if f.is_file():
            f.write_bytes(b"\0garbage" * 100)
    search = run_main(["search", "key-value cache compression", "-k", "3"], home)
    assert search.returncode == 3 and "Traceback" not in search.stderr
    doctor = run_main(["doctor", "--json"], home)
    assert doctor.returncode == 1
    problems = json.loads(doctor.stdout)["problems"]
    assert any("litreview repair" in p for p in problems), problems

    out = run_main(["repair", "--json"], home)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["rebuilt"] == 30
    assert not list(home.glob("chroma.damaged-*"))  # the damaged copy is gone once the new index is whole
    hits = json.loads(run_main(["search", "key-value cache compression", "-k", "3", "--json"], home).stdout)
    assert len(hits["results"]) == 3
    assert json.loads(run_main(["doctor", "--json"], home).stdout)["problems"] == []


@pytest.fixture()
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 3 MB tmpfs (needs root and a kernel that lets this process mount; skipped otherwise)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_real_full_disk(tiny_disk: Path) -> None:
    """Each command in its own process (as a user runs them): Chroma's native client is not reused after the
    disk filled under it. The check before each batch is switched off, so the batches run into the wall."""
    import sys

    from support import ROOT, run_cli

    home = tiny_disk / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_"))}
    env.update(LITREVIEW_HOME=str(home), LITREVIEW_INGEST_BATCH="50")
    code = ("import sys, assistant.store.commit as c; c.check_space = lambda store, need: None; "
            "from assistant.cli import main; sys.exit(main(['ingest']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)
    _one_line_error(proc, "is full")
    subprocess.run(["mount", "-o", "remount,size=80m", str(tiny_disk)], check=True)
    problems = json.loads(run_cli("doctor", "--json", home=home).stdout)["problems"]
    # the interrupted batch: its papers pending, its vectors not yet owned by a catalogue row
    assert all("pending; the next `litreview ingest` finishes it" in p or "belong to no paper" in p
               for p in problems)
    out = json.loads(run_cli("ingest", "--json", home=home).stdout)
    assert out["papers_in_store"] == 460
    assert json.loads(run_cli("doctor", "--json", home=home).stdout)["problems"] == []


def test_a_read_only_data_dir_can_be_read(tmp_path: Path) -> None:
    """Reading needs no write access: the catalogue opens read-only, Chroma reads a private copy."""
    mount = tmp_path / "ro"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=50m", "tmpfs", str(mount)],
                                           capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        home = mount / "home"
        from support import run_cli

        assert run_cli("ingest", str(_data(tmp_path)), home=home).returncode == 0  # its own process: nothing open
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        assert _papers(home) == 30
        hits = json.loads(run_main(["search", "key-value cache", "-k", "2", "--json"], home).stdout)
        assert len(hits["results"]) == 2
        _one_line_error(run_main(["ingest", str(_data(tmp_path))], home), "write lock", "Read-only file system")
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
