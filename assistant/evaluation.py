"""`litreview eval`: score retrieval (and, where available, answers) on question sets.

A question set is a JSON Lines file, one question per line::

    {"id": "para-001", "question": "...", "gold": ["Exact Title"]}             single-paper
    {"id": "topic-001", "question": "...", "gold": ["Title A", "Title B", ...]}  topic (>1 gold)
    {"id": "num-001", "question": "...", "gold": ["Title"], "answer": "11.68"}  numeric fact
    {"id": "ooc-001", "question": "...", "refuse": true}                       must be refused

Gold titles are matched by normalised title (``textnorm.title_key``), so
they survive whitespace and LaTeX differences; a gold title that is not in the
store is an error in the set and is reported, never silently scored as a miss.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .errors import InputError
from .textnorm import paper_id_for

if TYPE_CHECKING:
    from .engines.answer import EngineName
    from .models import Answer
    from .retrieval import Mode
    from .store import Store

# assistant/evals links to evals/, shipped in the wheel
DEFAULT_SETS = Path(__file__).resolve().parent / "evals" / "sets"
MODES: tuple[Mode, ...] = ("hybrid", "lexical", "dense")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...] = ()
    answer: str | None = None
    refuse: bool = False

    @property
    def kind(self) -> str:
        if self.refuse:
            return "refuse"
        if self.answer is not None:
            return "numeric"
        return "topic" if len(self.gold) > 1 else "single"


def load_set(path: Path) -> list[Question]:
    questions = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                gold = row.get("gold", ())
                gold = (gold,) if isinstance(gold, str) else tuple(gold)  # one title may be given as a string
                questions.append(Question(id=str(row.get("id", f"{path.stem}-{lineno}")), question=row["question"],
                                          gold=gold, answer=row.get("answer"),
                                          refuse=bool(row.get("refuse", False))))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(path, f"not a valid question ({exc})", f"{lineno}") from exc
    return questions


def load_sets(paths: list[Path] | None = None) -> dict[str, list[Question]]:
    paths = paths or sorted(DEFAULT_SETS.glob("*.jsonl"))
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.glob("*.jsonl")) if p.is_dir() else [p])
    if not files:
        raise InputError(paths[0] if paths else DEFAULT_SETS, "no question sets (*.jsonl) found")
    return {f.stem: load_set(f) for f in files}


@dataclass
class RetrievalScores:
    ranks: list[int | None] = field(default_factory=list)  # rank of first gold (single) or None
    topic_recall: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def recall_at(self, k: int) -> float:
        return float(np.mean([r is not None and r <= k for r in self.ranks])) if self.ranks else float("nan")

    @property
    def mrr(self) -> float:
        return float(np.mean([1.0 / r if r else 0.0 for r in self.ranks])) if self.ranks else float("nan")


def check_gold(store: Store, sets: dict[str, list[Question]]) -> list[str]:
    """Gold titles that are not in the store (errors in the set, or the wrong corpus)."""
    missing = []
    for name, questions in sets.items():
        for q in questions:
            missing += [f"{name}/{q.id}: {t!r}" for t in q.gold if store.get(paper_id_for(t)) is None]
    return missing


def score_retrieval(store: Store, questions: list[Question], mode: Mode, k: int = 10,
                    diverse: bool = False) -> RetrievalScores:
    from .retrieval import search

    scores = RetrievalScores()
    store.forget_queries()  # every mode pays for its query embeddings in the latency figures
    for q in questions:
        if q.refuse or not q.gold:
            continue
        start = time.perf_counter()
        hits = search(store, q.question, k=k, mode=mode, diverse=diverse)
        scores.latencies.append(time.perf_counter() - start)
        got = [h.paper.paper_id for h in hits]
        gold = {paper_id_for(t) for t in q.gold}
        if len(gold) == 1:
            rank = next((i for i, pid in enumerate(got, 1) if pid in gold), None)
            scores.ranks.append(rank)
        else:
            scores.topic_recall.append(len(gold & set(got[:k])) / len(gold))
    return scores


def run_retrieval_eval(store: Store, sets: dict[str, list[Question]],
                       modes: tuple[Mode, ...] = MODES) -> dict[str, dict[str, dict]]:
    """{set: {mode: metrics}} for every set with gold papers."""
    out: dict[str, dict[str, dict]] = {}
    for name, questions in sets.items():
        if not any(q.gold for q in questions):
            continue
        out[name] = {}
        for mode in modes:
            topic = any(len(q.gold) > 1 for q in questions)
            s = score_retrieval(store, questions, mode, k=10, diverse=False)
            lat = np.array(s.latencies) * 1000
            metrics = {"n": len(s.ranks) + len(s.topic_recall), "p50_ms": float(np.percentile(lat, 50)),
                       "p95_ms": float(np.percentile(lat, 95))}
            if s.ranks:
                metrics.update({"r@1": s.recall_at(1), "r@5": s.recall_at(5), "r@10": s.recall_at(10), "mrr": s.mrr})
            if topic:
                metrics["topic_r@10"] = float(np.mean(s.topic_recall))
            out[name][mode] = metrics
    return out


def format_table(results: dict[str, dict[str, dict]]) -> str:
    cols = ["n", "r@1", "r@5", "r@10", "mrr", "topic_r@10", "p50_ms", "p95_ms"]
    lines = [f"{'set':<18}{'mode':<9}" + "".join(f"{c:>11}" for c in cols)]
    for name, by_mode in results.items():
        for mode, m in by_mode.items():
            cells = []
            for c in cols:
                v = m.get(c)
                cells.append(f"{'-':>11}" if v is None else f"{v:>11d}" if isinstance(v, int)
                             else f"{v:>11.1f}" if c.endswith("_ms") else f"{v:>11.3f}")
            lines.append(f"{name:<18}{mode:<9}" + "".join(cells))
    return "\n".join(lines)


SUPPORT_MIN = 0.6  # share of a cited sentence's content words found in the cited abstract


def support(sentence: str, abstract: str) -> float:
    """Lexical support: the share of the sentence's stemmed content words present in the abstract."""
    from .store.lexical import tokenize

    words, source = tokenize([sentence, abstract])
    return len(set(words) & set(source)) / len(set(words)) if words else 1.0


def run_answer_eval(store: Store, sets: dict[str, list[Question]],
                    engine: EngineName = "offline") -> dict[str, object]:
    """Answer-level metrics through the real `ask` pipeline."""
    import re

    from .engines.answer import ask
    from .engines.engine import engine_for

    valid = total = supported = cited_sentences = 0
    numeric_ok = numeric_n = refused_ok = refuse_n = false_refusals = in_n = 0
    weak_refuse = weak_in = 0  # answered with the weak-match note
    latencies: list[float] = []
    answers: list[Answer] = []
    for questions in sets.values():
        for q in questions:
            start = time.perf_counter()
            answer = ask(store, q.question, engine=engine)
            latencies.append(time.perf_counter() - start)
            answers.append(answer)
            given = {e.n: e.paper.paper_id for e in answer.evidence}
            for c in answer.citations:
                total += 1
                stored = store.get(c.paper_id)
                valid += bool(stored and stored.title == c.title and given.get(c.n) == c.paper_id)
            for match in re.finditer(r"((?:[^\[\n]|\[(?!\d))+?)((?:\s*\[\d+\])+)", answer.text):
                text = match.group(1).split(": ", 1)[-1]
                for n in {int(x) for x in re.findall(r"\d+", match.group(2))}:
                    if n in given:
                        cited_sentences += 1
                        cited = store.get(given[n])
                        supported += cited is not None and support(text, cited.abstract) >= SUPPORT_MIN
            if q.refuse:
                refuse_n += 1
                refused_ok += not answer.grounded
                weak_refuse += answer.grounded and answer.weak_match
                continue
            in_n += 1
            false_refusals += not answer.grounded
            weak_in += answer.grounded and answer.weak_match
            if q.answer is not None:
                numeric_n += 1
                gold = {paper_id_for(t) for t in q.gold}
                numeric_ok += q.answer in answer.text and bool(gold & {c.paper_id for c in answer.citations})
    lat = np.array(latencies) * 1000
    offline = engine_for(store.settings, engine).client is None
    return {
        "questions": len(latencies),
        "citation_validity": valid / total if total else 1.0,
        "citation_support": supported / cited_sentences if cited_sentences else 1.0,
        # what citation_support can tell: the offline engine quotes verbatim, so its quotes always exist
        "citation_support_is": ("quote exists (cannot fail offline: quotes are verbatim); quality/* measure "
                                "whether cited sentences answer" if offline else "lexical support of cited sentences"),
        "numeric_accuracy": numeric_ok / numeric_n if numeric_n else float("nan"),
        "refusal_accuracy": refused_ok / refuse_n if refuse_n else float("nan"),
        "false_refusal_rate": false_refusals / in_n if in_n else float("nan"),
        # out-of-collection questions refused or at least answered with the weak-match note; answerable
        # questions that got the note
        "refused_or_weak": (refused_ok + weak_refuse) / refuse_n if refuse_n else float("nan"),
        "weak_on_answerable": weak_in / in_n if in_n else float("nan"),
        "ask_p50_ms": float(np.percentile(lat, 50)), "ask_p95_ms": float(np.percentile(lat, 95)),
        **({} if offline else model_output_metrics(answers)),
        **quality_metrics(store, engine),
        **verification_metrics(store),
    }


def model_output_metrics(answers: list[Answer]) -> dict[str, float]:
    """What a model's answers were like, for ``eval --engine llm``, from what the output checks found in
    the model's text (:meth:`assistant.engines.output.OutputCheck.summary`):

    * ``model_citation_precision``: of the sentences the model cited, the share the verifier finds
      supported (or partly) by the abstracts they cite, before the checks removed the others (the shown
      answer keeps only those, so its own precision says nothing);
    * ``citation_recall``: of the claim sentences shown, the share that keep a supported citation;
    * ``fell_back``: answers the output checks gave to the offline engine;
    * ``echo_rate`` / ``loop_rate``: of the answers the model's text was shown for, those in which the checks
      removed an echoed source list, an abstract dump or prompt text / cut a repetition loop (what the
      model wrote, not what is shown);
    * ``first_token_p50_s`` and ``tokens_mean`` from the endpoint's usage.
    """
    written = [a for a in answers if not a.engine.startswith("offline")]  # the fall-backs are the offline engine's
    checks = [a.checks for a in written]
    cited = sum(c.get("cited", 0) for c in checks)
    kept = sum(bool(v.kept) for a in written for v in a.sentences)
    claims = kept + sum(len(a.uncited) for a in written)
    firsts = [float(t) for a in answers if isinstance(t := a.usage.get("first_token_seconds"), (int, float))]
    tokens = [float(t) for a in answers if isinstance(t := a.usage.get("total_tokens"), int)]
    n, shown = len(answers) or 1, len(written) or 1
    return {
        "model_citation_precision": sum(c.get("supported", 0) for c in checks) / cited if cited else float("nan"),
        "citation_recall": kept / claims if claims else float("nan"),
        "fell_back": sum(a.engine.startswith("offline") for a in answers) / n,
        "echo_rate": sum(any(c.get(k) for k in ("echo_titles", "dumped", "prompt_tags")) for c in checks) / shown,
        "loop_rate": sum(any(c.get(k) for k in ("repeated", "loops")) for c in checks) / shown,
        "first_token_p50_s": float(np.percentile(firsts, 50)) if firsts else float("nan"),
        "tokens_mean": float(np.mean(tokens)) if tokens else float("nan"),
    }


def quality_metrics(store: Store, engine: EngineName = "offline") -> Mapping[str, object]:
    """Whether answers, comparison cells and drafts mean what they cite (:mod:`.quality_eval`), dev and
    held-out apart, as flat ``quality/<split>/<metric>`` keys; skipped with a note when the store does
    not hold the labelled papers (the labels are about the bundled corpus)."""
    from . import quality_eval as qe

    labels = qe.load_labels()
    missing = qe.missing_titles(store, labels)
    if missing:
        return {"quality": f"skipped: {len(missing)} labelled papers are not in the store, e.g. {missing[0]!r}"}
    return qe.flatten(qe.run_quality_eval(store, labels, engine=engine))


CLAIMS = Path(__file__).resolve().parent / "evals" / "claims"  # hand-labelled claims: dev.jsonl, heldout.jsonl
VERIFICATION_METRICS = ("auroc_supported_vs_contradicted", "auroc_supported_vs_rest", "accuracy")
VERIFICATION_CEILINGS = frozenset({"contradicted_as_supported", "unsupported_as_supported", "partial_as_supported"})


def verification_metrics(store: Store, claims: Path = CLAIMS) -> dict[str, float]:
    """The claim verifier (:mod:`.verify`, what ``litreview lint`` runs) on the hand-labelled claims, dev and
    held-out apart, as flat ``verification/<split>/<metric>`` keys: AUROCs, accuracy, and per gold label the
    share given that label (``<label>_as_<label>``) and the share wrongly called supported."""
    from .verify import Verifier
    from .verify.evaluation import evaluate_claims

    verifier = Verifier(store.embedder)  # one for both splits: abstracts shared between them are analysed once
    out: dict[str, float] = {}
    for split in ("dev", "heldout"):
        path = claims / f"{split}.jsonl"
        if not path.exists():
            continue
        result = cast(dict[str, Any], evaluate_claims(path, verifier=verifier)["verifier"])
        for metric in VERIFICATION_METRICS:
            out[f"verification/{split}/{metric}"] = result[metric]
        for gold, predicted in result["rates"].items():
            out[f"verification/{split}/{gold}_as_{gold}"] = predicted.get(gold, 0.0)
            if gold != "supported":
                out[f"verification/{split}/{gold}_as_supported"] = predicted.get("supported", 0.0)
    return out


def check_verification(results: dict, floors: dict[str, dict[str, float]]) -> list[str]:
    """Verification metrics past their limit: ceilings for the ``*_as_supported`` error rates, floors else."""
    failures = []
    for split, limits in floors.items():
        if split.startswith("_"):
            continue
        for metric, limit in limits.items():
            value = results.get("answers", {}).get(f"verification/{split}/{metric}")
            bad = value is None or value != value or (
                value > limit if metric in VERIFICATION_CEILINGS else value < limit)
            if bad:
                failures.append(f"verification {split} {metric} = {value} (limit {limit})")
    return failures


def check_thresholds(results: dict, path: Path) -> list[str]:
    """Metrics below their floor in ``path`` ({"retrieval": {set: {mode: {metric: floor}}}, "answers": {...},
    "quality": {split: {metric: limit}}, "verification": {split: {metric: limit}}}); the quality rates in
    ``quality_eval.LOWER_IS_BETTER`` and the verification rates in ``VERIFICATION_CEILINGS`` are ceilings."""
    floors = json.loads(path.read_text(encoding="utf-8"))
    failures = []
    for set_name, by_mode in floors.get("retrieval", {}).items():
        for mode, metrics in by_mode.items():
            got = results.get("retrieval", {}).get(set_name, {}).get(mode, {})
            for metric, floor in metrics.items():
                if got.get(metric, float("-inf")) < floor:
                    failures.append(f"retrieval {set_name}/{mode} {metric} = {got.get(metric)} < {floor}")
    for metric, floor in floors.get("answers", {}).items():
        value = results.get("answers", {}).get(metric)
        bad = value is None or (value > floor if metric == "false_refusal_rate" else value < floor)
        if bad:
            failures.append(f"answers {metric} = {value} (limit {floor})")
    if floors.get("quality"):
        from .quality_eval import check_floors

        quality: dict[str, dict] = {}
        for key, value in results.get("answers", {}).items():
            if key.startswith("quality/"):
                _, split, metric = key.split("/", 2)
                quality.setdefault(split, {})[metric] = value
        failures += check_floors(quality, floors["quality"])
    if floors.get("verification"):
        failures += check_verification(results, floors["verification"])
    return failures
