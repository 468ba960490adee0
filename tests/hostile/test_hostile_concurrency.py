"""Two `litreview ingest` processes started at the same moment on one data dir.

Either the second is refused with the "being written by" message (and nothing of it is half-written)
or the two are serialised; either way the store opens afterwards, holds every paper of each run that
succeeded, and has no orphan vectors (every Chroma chunk belongs to a catalogue row, every row has its
vectors). (A SIGKILL mid-ingest is tests/store/test_crash.py.)
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hostile_support import ABSTRACT, ROOT, clean_env, run_main
from support import settings_for

from assistant.store import Store


def _papers_file(path: Path, label: str, n: int) -> list[str]:
    titles = [f"Concurrent Writer {label} Paper {i}" for i in range(n)]
    with path.open("w") as fh:
        for i, title in enumerate(titles):
            fh.write(json.dumps({"title": title, "abstract": f"{ABSTRACT} Writer {label}, case {i}."}) + "\n")
    return titles


def _check_consistent(home: Path) -> set[str]:
    store = Store.open(settings_for(home))
    try:
        live = {(pid, eh) for pid, (_, eh, _) in store.catalogue.hashes().items()}
        chunks = {(pid, eh) for _, pid, eh in store.vectors.iter_chunk_keys()}
        assert chunks == live  # no orphan vectors, no paper without vectors
        assert store.catalogue.get_meta("pending") in (None, "[]")
        return {p.title for p in store.catalogue.iter_papers()}
    finally:
        store.close()


def _watch(home: Path, procs) -> list[int]:  # type: ignore[no-untyped-def]
    """Paper counts read straight from the catalogue every ~20 ms while the writers run."""
    counts: list[int] = []
    while any(p.poll() is None for p in procs):
        try:
            with sqlite3.connect(home / "papers.sqlite", timeout=5) as db:
                counts.append(int(db.execute("SELECT COUNT(*) FROM papers").fetchone()[0]))
        except sqlite3.OperationalError as exc:  # "database is locked" past the timeout would be a finding
            raise AssertionError(f"a reader could not read the catalogue during an ingest: {exc}") from exc
        time.sleep(0.02)
    return counts


def test_two_ingests_started_together_are_refused_or_serialised(seeded_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    files = {label: tmp_path / f"writer_{label}.jsonl" for label in "AB"}
    titles = {label: _papers_file(path, label, 30) for label, path in files.items()}
    env = clean_env(home, {"LITREVIEW_INGEST_BATCH": "10"})
    procs = {label: subprocess.Popen([sys.executable, "-m", "assistant", "ingest", "--json", str(path)], env=env,
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for label, path in files.items()}
    seen = _watch(home, procs.values())  # a reader meanwhile sees whole batches only
    results = {label: (proc, *proc.communicate(timeout=180)) for label, proc in procs.items()}
    assert seen and all((n - 460) % 10 == 0 for n in seen), sorted(set(seen))

    succeeded, refused = [], []
    for label, (proc, out, err) in results.items():
        assert "Traceback" not in err, err
        if proc.returncode == 0:
            assert json.loads(out)["added"] == 30
            succeeded.append(label)
        else:
            assert proc.returncode == 3 and out == "", (proc.returncode, out, err)
            (line,) = err.strip().splitlines()
            assert f"litreview: error: the store in {home} is being written by litreview pid " in line, line
            assert "wait for it to finish and try again" in line
            refused.append(label)
    assert succeeded, "at least one writer must get through"
    print(f"\nconcurrent ingests: succeeded {succeeded}, refused {refused}")

    stored = _check_consistent(home)
    expected = 460 + 30 * len(succeeded)
    assert len(stored) == expected
    for label in succeeded:
        assert set(titles[label]) <= stored
    for label in refused:
        assert not set(titles[label]) & stored  # the refused run wrote nothing

    for label in refused:  # the lock is released: the refused run now goes through
        assert json.loads(run_main(["ingest", "--json", str(files[label])], home).stdout)["added"] == 30
    stored = _check_consistent(home)
    assert len(stored) == 520 and set(titles["A"]) | set(titles["B"]) <= stored
