"""The offline eval over evals/sets must not regress below evals/thresholds.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import ROOT, run_cli


def test_offline_eval_meets_thresholds(seeded_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    proc = run_cli("eval", "--json", "--check", str(ROOT / "evals" / "thresholds.json"), home=home, timeout=600)
    out = json.loads(proc.stdout)
    assert out["failures"] == [], out["failures"]
    assert proc.returncode == 0
    hybrid, lexical, dense = (out["retrieval"]["paraphrase"][m]["mrr"] for m in ("hybrid", "lexical", "dense"))
    assert hybrid > lexical and hybrid > dense  # fusion must beat each signal alone
    assert out["answers"]["questions"] >= 120


def test_eval_rejects_a_set_whose_gold_is_not_in_the_store(seeded_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    bad = tmp_path / "mine.jsonl"
    bad.write_text('{"id": "q1", "question": "anything", "gold": ["A Paper That Does Not Exist"]}\n')
    proc = run_cli("eval", "--set", str(bad), "--no-answers", home=home)
    assert proc.returncode == 2 and "not in the store" in proc.stderr


def test_a_gold_title_may_be_a_string_or_a_list(tmp_path: Path) -> None:
    from assistant.evaluation import load_set

    path = tmp_path / "mine.jsonl"
    path.write_text('{"question": "q1", "gold": "One Title"}\n{"question": "q2", "gold": ["A", "B"]}\n')
    first, second = load_set(path)
    assert first.gold == ("One Title",) and first.kind == "single"
    assert second.gold == ("A", "B") and second.kind == "topic"
