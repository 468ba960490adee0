"""`litreview draft -o/--bib` writes exactly the files it is given, and nothing else, ever.

Snapshots (every file and directory, with contents hashed) of the output directory, its parent, the
working directory and the data dir are compared before and after: no temporary file survives, no
directory is created, a refusal changes nothing, a symlink is replaced rather than followed out of
the directory, and with OPENAI_API_KEY set the key is in no output.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hostile_support import SECRET, assert_clean_failure, run_in, run_main, tree

from testkit.llm_server import FakeOpenAIServer, Reply

TOPIC = "speculative decoding for faster LLM inference"


@pytest.fixture
def layout(seeded_home: Path, tmp_path: Path) -> dict[str, Path]:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "out").mkdir()
    return {"home": home, "root": tmp_path, "work": work, "sub": work / "sub", "out": work / "out"}


def snap(layout: dict[str, Path]) -> dict[str, str]:
    """Everything under the test's root except the data dir's own files (Chroma rewrites its index files
    when it opens them); files the export could have put in the data dir are still looked for."""
    home = str(layout["home"])
    out = {p: h for p, h in tree(layout["root"]).items() if not p.startswith(home + os.sep)}
    strays = [p for p in layout["home"].rglob("*") if p.suffix in (".md", ".bib", ".tmp")]
    out.update({str(p): "<stray>" for p in strays})
    return out


def added(before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    assert set(before) <= set(after), f"removed: {set(before) - set(after)}"
    changed = {p for p in before if before[p] != after[p]}
    assert not changed, f"changed: {changed}"
    return {p: after[p] for p in set(after) - set(before)}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_draft_writes_exactly_the_two_files_and_refuses_the_rest(layout: dict[str, Path]) -> None:
    home, work, out = layout["home"], layout["work"], layout["out"]
    md, bib = out / "x.md", out / "x.bib"
    env = {"OPENAI_API_KEY": SECRET}
    before = snap(layout)
    proc = run_in(work, "draft", TOPIC, "-k", "6", "--engine", "offline", "-o", str(md), "--bib", str(bib),
                  home=home, env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    after = snap(layout)
    assert set(added(before, after)) == {str(md), str(bib)}  # no temp file, nothing in cwd or the data dir
    assert oct(md.stat().st_mode & 0o777) == "0o644"
    text, refs = md.read_text(), bib.read_text()
    assert text.startswith(f"# Literature review: {TOPIC}") and refs.startswith("@")
    assert SECRET not in text + refs + proc.stdout + proc.stderr
    assert f"wrote {md}" in proc.stderr and f"wrote {bib}" in proc.stderr

    refusals = [
        (["-o", str(md), "--bib", str(out / "other.bib")], f"{md}: already exists; use --force to overwrite it"),
        (["-o", str(out / "new.md"), "--bib", str(bib)], f"{bib}: already exists; use --force"),
        (["-o", str(out / "missing" / "x.md")], "does not exist; create it first"),
        (["-o", str(out)], "is a directory; give a file name"),
        (["-o", str(out / "same.md"), "--bib", str(out / "same.md")], "is given twice"),
        (["-o", str(out / "../out/twice.md"), "--bib", str(out / "twice.md")], "is given twice"),
    ]
    for extra, message in refusals:
        proc = run_main(["draft", TOPIC, "-k", "6", "--engine", "offline", *extra], home, env)
        assert_clean_failure(proc, 2, message)
    assert snap(layout) == after  # refusals write nothing, create no directory
    assert not (out / "missing").exists()


def test_relative_escape_path_writes_that_file_only_and_force_replaces_a_symlink_not_its_target(
        layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    home, work, sub = layout["home"], layout["work"], layout["sub"]
    outside = layout["root"] / "outside.md"
    outside.write_text("not litreview's to touch\n")
    link = sub / "linked.md"
    link.symlink_to(outside)
    monkeypatch.chdir(sub)
    base = ["draft", TOPIC, "-k", "5", "--engine", "offline"]

    before = snap(layout)
    proc = run_main([*base, "-o", "../escape.md"], home)
    assert proc.returncode == 0, proc.stderr
    assert set(added(before, snap(layout))) == {str(work / "escape.md")}
    first = sha(work / "escape.md")

    snapshot = snap(layout)
    assert_clean_failure(run_main([*base, "-o", "../escape.md"], home), 2, "already exists; use --force")
    assert_clean_failure(run_main([*base, "-o", "linked.md"], home), 2, "already exists; use --force")
    assert snap(layout) == snapshot

    proc = run_main([*base, "-k", "4", "-o", "../escape.md", "--bib", "linked.md", "--force"], home)
    assert proc.returncode == 0, proc.stderr
    assert outside.read_text() == "not litreview's to touch\n"  # the link was replaced, its target untouched
    assert not link.is_symlink() and link.read_text().startswith("@")
    assert sha(work / "escape.md") != first
    final = snap(layout)
    assert set(final) == set(snapshot)  # the same paths: overwritten in place, no temp file left
    assert not [p for p in os.listdir(work) + os.listdir(sub) if p.endswith(".tmp")]


def test_draft_with_a_failing_provider_writes_nothing_and_shows_no_key(layout: dict[str, Path]) -> None:
    home, out = layout["home"], layout["out"]
    with FakeOpenAIServer(default=Reply.status(401, f"Incorrect API key provided: {SECRET}")) as server:
        before = snap(layout)
        proc = run_main(["draft", TOPIC, "-k", "4", "-o", str(out / "y.md"), "--bib", str(out / "y.bib")], home,
                        {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": server.base_url, "LITREVIEW_LLM_RETRIES": "0"})
        assert server.chat_requests()  # the provider really was asked
    assert_clean_failure(proc, 5, "rejected the API key (401)")
    assert SECRET not in proc.stdout + proc.stderr
    assert snap(layout) == before
