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


def test_model_output_metrics_from_real_answers(seeded_home: Path) -> None:
    """What `eval --engine llm` adds, from answers the real pipeline gives for a model that echoes its
    sources and loops, one that cites a figure its source contradicts, and one that adds an unsourced claim."""
    from support import settings_for

    from assistant.engines.answer import ask
    from assistant.evaluation import model_output_metrics
    from assistant.store import Store
    from testkit.llm_server import FakeOpenAIServer, Reply

    question = "How fast does PowerInfer-2 run a 47B model on a smartphone?"
    good = "PowerInfer-2 serves TurboSparse-Mixtral-47B at 11.68 tokens per second on a smartphone [1]."
    echo = ("[1] PowerInfer-2: Fast Large Language Model Inference on a Smartphone\n\n" + good + " " + good
            + " " + good)
    invented = "PowerInfer-2 runs a 47B model at 900 tokens per second on a smartwatch [1]. " + good
    unsourced = good + " The authors also trained it on a large collection of cooking recipes."
    with FakeOpenAIServer(Reply.text(echo), Reply.text(invented), Reply.text(unsourced)) as server:
        store = Store.open(settings_for(seeded_home, openai_base_url=server.base_url, openai_api_key="x",
                                        llm_model="local", llm_timeout=10.0, llm_max_retries=0))
        answers = [ask(store, question, engine="llm") for _ in range(3)]
    metrics = model_output_metrics(answers)
    assert all(not a.engine.startswith("offline") for a in answers) and metrics["fell_back"] == 0
    assert metrics["echo_rate"] == 1 / 3 and metrics["loop_rate"] == 1 / 3  # the first answer only
    # the model cited four sentences, three of them borne out: the invented figure is not
    assert metrics["model_citation_precision"] == 0.75
    # the invented sentence was removed; the recipe sentence is shown with no source: 3 of 4 shown claims cite
    assert metrics["citation_recall"] == 0.75
    assert metrics["tokens_mean"] > 0 and metrics["first_token_p50_s"] >= 0
