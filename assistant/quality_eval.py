"""Quality eval: whether answers, comparison cells and drafts mean what they cite.

`citation_support` only checks that a quoted sentence exists in the cited abstract, which the
offline engine guarantees by construction. This module scores meaning instead, against hand-written
labels in ``evals/quality`` (see its README), by running the product's real ``ask``, ``compare``
and ``draft`` on a real store:

* answers: **precision** (cited sentences that match a labelled answer sentence of a paper they
  cite / cited sentences), **trap rate** (cited sentences that match a labelled background, problem
  or prior-work sentence / cited sentences), **off-target rate** (cited papers not in ``relevant`` /
  cited papers), **list recall** (list questions: relevant papers cited / relevant, averaged over
  questions) and **figure accuracy** (labelled figures stated in a sentence that also holds every
  ``keep`` word / labelled figures);
* comparisons: **cell accuracy** per cell kind and **rows fully right** (see :func:`score_row`);
* drafts: **precision** (references in ``relevant`` / references), **recall** (relevant papers
  referenced / relevant) and **look-alike rate** (references in ``lookalikes`` / references),
  averaged over topics.

Rows carry ``"split": "dev" | "heldout"``; every metric is reported per split, and held-out rows are
never to be used for tuning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .errors import InputError
from .textnorm import paper_id_for, split_sentences

if TYPE_CHECKING:
    from .engines.answer import EngineName
    from .store import Store

LABELS_DIR = Path(__file__).resolve().parent / "evals" / "quality"  # assistant/evals links to evals/
SPLITS = ("dev", "heldout")
OVERLAP_MIN = 0.8  # shared words / words of the larger text, for two texts to match
CONTAIN_MIN_WORDS = 4  # a text shorter than this never matches by containment
LOWER_IS_BETTER = frozenset({"trap_rate", "off_target_rate", "lookalike_rate"})

_MARKER = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]")
_WORD = re.compile(r"\w+(?:[.,/%-]\w+)*%?")
_CITED = re.compile(r"((?:[^\[\n]|\[(?!\d))+?)((?:\s*\[\d+\])+)")


# ---------------------------------------------------------------------------------------------- matching

def words(text: str) -> list[str]:
    """The words of ``text`` after normalising: casefolded, citation markers and '…' removed, no punctuation."""
    return _WORD.findall(_MARKER.sub(" ", text.replace("…", " ")).casefold())


def matches(a: str, b: str) -> bool:
    """Whether two texts say the same sentence (the rule in evals/quality/README.md).

    The shorter one (at least ``CONTAIN_MIN_WORDS`` words) contained word for word in the other, or
    word sets overlapping by at least ``OVERLAP_MIN`` of the larger set.
    """
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return False
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) >= CONTAIN_MIN_WORDS and f" {' '.join(short)} " in f" {' '.join(long)} ":
        return True
    sa, sb = set(wa), set(wb)
    return len(sa & sb) / max(len(sa), len(sb)) >= OVERLAP_MIN


def shows_figure(text: str, value: str) -> bool:
    """Whether ``value`` (e.g. "55.3%", "4.98", "8x") occurs in ``text`` as a figure of its own:
    "8x" is not found in "18x", nor "4.98" in "14.985"."""
    pattern = rf"(?<![\d.]){re.escape(value.casefold())}(?!\.?\d)"
    return re.search(pattern, text.casefold()) is not None


def keeps_figure(text: str, value: str, keep: Iterable[str]) -> bool:
    """``value`` shown in ``text`` together with every ``keep`` word (its metric, condition, baseline)."""
    return shows_figure(text, value) and all(k.casefold() in text.casefold() for k in keep)


# ---------------------------------------------------------------------------------------------- labels

@dataclass(frozen=True)
class Labelled:
    """A sentence of one paper's abstract."""

    title: str
    text: str

    @property
    def paper_id(self) -> str:
        return paper_id_for(self.title)


@dataclass(frozen=True)
class Figure:
    value: str
    keep: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class AnswerLabel:
    id: str
    split: str
    type: str
    question: str
    relevant: tuple[str, ...]
    near_miss: tuple[str, ...] = ()
    answer_sentences: tuple[Labelled, ...] = ()
    traps: tuple[Labelled, ...] = ()
    figures: tuple[Figure, ...] = ()

    @property
    def is_list(self) -> bool:
        """A "which papers/methods ..." question: every relevant paper should be found."""
        return self.type == "which" or self.question.casefold().startswith("which")


@dataclass(frozen=True)
class CompareLabel:
    id: str
    split: str
    topic: str
    title: str
    task_ok: tuple[str, ...]
    approach_names: tuple[str, ...]
    figures: tuple[Figure, ...] = ()
    background: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftLabel:
    id: str
    split: str
    topic: str
    relevant: tuple[str, ...]
    lookalikes: tuple[str, ...] = ()


@dataclass
class Labels:
    answers: list[AnswerLabel] = field(default_factory=list)
    compare: list[CompareLabel] = field(default_factory=list)
    drafts: list[DraftLabel] = field(default_factory=list)

    def titles(self) -> set[str]:
        out: set[str] = set()
        for a in self.answers:
            out |= set(a.relevant) | set(a.near_miss) | {s.title for s in a.answer_sentences + a.traps}
        out |= {c.title for c in self.compare}
        for d in self.drafts:
            out |= set(d.relevant) | set(d.lookalikes)
        return out


def _rows(path: Path) -> Iterable[tuple[int, dict]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    raise InputError(path, f"not valid JSON ({exc.args[0]})", str(lineno)) from exc
                if row.get("split") not in SPLITS:
                    raise InputError(path, f"split must be one of {', '.join(SPLITS)}, not {row.get('split')!r}",
                                     str(lineno))
                yield lineno, row


def _sentences(items: list[dict]) -> tuple[Labelled, ...]:
    return tuple(Labelled(s["title"], s["text"]) for s in items)


def _figures(items: list[dict]) -> tuple[Figure, ...]:
    return tuple(Figure(str(f["value"]), tuple(f.get("keep", ())), f.get("title", "")) for f in items)


_Label = TypeVar("_Label", "AnswerLabel", "CompareLabel", "DraftLabel")


def load_labels(folder: Path = LABELS_DIR) -> Labels:
    """The three label files of ``folder``; a malformed row is an InputError naming its file and line."""
    labels = Labels()
    labels.answers += _load(folder / "answers.jsonl", lambda r: AnswerLabel(
        str(r["id"]), r["split"], r["type"], r["question"], tuple(r["relevant"]), tuple(r.get("near_miss", ())),
        _sentences(r.get("answer_sentences", [])), _sentences(r.get("traps", [])), _figures(r.get("figures", []))))
    labels.compare += _load(folder / "compare.jsonl", lambda r: CompareLabel(
        str(r["id"]), r["split"], r["topic"], r["title"], tuple(r["task_ok"]), tuple(r["approach_names"]),
        _figures(r.get("figures", [])), tuple(r.get("background", ()))))
    labels.drafts += _load(folder / "drafts.jsonl", lambda r: DraftLabel(
        str(r["id"]), r["split"], r["topic"], tuple(r["relevant"]), tuple(r.get("lookalikes", ()))))
    return labels


def _load(path: Path, make: Callable[[dict], _Label]) -> list[_Label]:
    """Every row of one label file made into a label; a missing file or field is an InputError."""
    if not path.is_file():
        raise InputError(path, "quality label file not found")
    out: list[_Label] = []
    for lineno, row in _rows(path):
        try:
            out.append(make(row))
        except (KeyError, TypeError) as exc:
            raise InputError(path, f"not a valid label row (missing or wrong field {exc})", str(lineno)) from exc
    return out


# ---------------------------------------------------------------------------------------------- answers

def cited_sentences(text: str) -> list[tuple[str, set[int]]]:
    """(sentence, the [n] it cites) for every cited stretch of an answer's text."""
    out = []
    for match in _CITED.finditer(text):
        ns = {int(n) for n in re.findall(r"\d+", match.group(2))}
        sentence = match.group(1).strip().lstrip(".!?").strip()
        if words(sentence):
            out.append((sentence, ns))
    return out


@dataclass
class AnswerScore:
    """Counts for one answer (sums over answers give the split's rates)."""

    cited: int = 0  # cited sentences
    answering: int = 0  # of which match a labelled answer sentence of a paper they cite
    trapped: int = 0  # of which match a labelled trap
    papers: int = 0  # distinct cited papers
    off_target: int = 0  # of which are not relevant
    list_recall: float | None = None  # list questions only
    figures: int = 0
    figures_kept: int = 0


def score_answer(label: AnswerLabel, text: str, cited_ids: dict[int, str]) -> AnswerScore:
    """Score one answer's ``text``; ``cited_ids`` maps its [n] markers to paper ids."""
    relevant = {paper_id_for(t) for t in label.relevant}
    score = AnswerScore()
    for sentence, ns in cited_sentences(text):
        papers = {cited_ids[n] for n in ns if n in cited_ids}
        score.cited += 1
        score.answering += any(s.paper_id in papers and matches(sentence, s.text) for s in label.answer_sentences)
        score.trapped += any(s.paper_id in papers and matches(sentence, s.text) for s in label.traps)
    cited_papers = set(cited_ids.values())
    score.papers = len(cited_papers)
    score.off_target = len(cited_papers - relevant)
    if label.is_list and relevant:
        score.list_recall = len(cited_papers & relevant) / len(relevant)
    sentences = split_sentences(_MARKER.sub("", text))
    for fig in label.figures:
        score.figures += 1
        score.figures_kept += any(keeps_figure(s, fig.value, fig.keep) for s in sentences)
    return score


def answer_metrics(scores: list[AnswerScore]) -> dict[str, float | int]:
    cited = sum(s.cited for s in scores)
    papers = sum(s.papers for s in scores)
    recalls = [s.list_recall for s in scores if s.list_recall is not None]
    figures = sum(s.figures for s in scores)
    nan = float("nan")
    return {"questions": len(scores),
            "answer_precision": sum(s.answering for s in scores) / cited if cited else nan,
            "trap_rate": sum(s.trapped for s in scores) / cited if cited else nan,
            "off_target_rate": sum(s.off_target for s in scores) / papers if papers else nan,
            "list_recall": sum(recalls) / len(recalls) if recalls else nan,
            "figure_accuracy": sum(s.figures_kept for s in scores) / figures if figures else nan}


# ---------------------------------------------------------------------------------------------- comparisons

CELL_KINDS = ("task", "approach", "results", "efficiency")


def _parts(cell: str) -> list[str]:
    """A cell's pieces of text: a cell shortened with '…' is matched piece by piece."""
    return [p for p in (x.strip() for x in cell.split("…")) if words(p)]


def _is_background(cell: str, background: Iterable[str]) -> bool:
    return any(matches(part, b) for part in _parts(cell) for b in background)


def score_row(label: CompareLabel, task: str, approach: str, results: list[str],
              efficiency: list[str]) -> dict[str, bool]:
    """Each cell kind right or wrong, and the row as a whole.

    * task: not a background sentence, and holds one of ``task_ok``;
    * approach: names one of ``approach_names`` and is not a background sentence;
    * results: not empty when figures are labelled, no item is background, and every labelled figure
      that appears in an item keeps all its ``keep`` words in that item;
    * efficiency: no item is background or repeats a results item, and labelled figures keep their words.
    The row is fully right when all four are.
    """
    bg = label.background

    def figures_ok(items: list[str]) -> bool:
        return all(keeps_figure(item, f.value, f.keep) for item in items for f in label.figures
                   if shows_figure(item, f.value))

    out = {
        "task": bool(task) and not _is_background(task, bg)
        and any(p.casefold() in task.casefold() for p in label.task_ok),
        "approach": bool(approach) and not _is_background(approach, bg)
        and any(n.casefold() in approach.casefold() for n in label.approach_names),
        "results": (bool(results) or not label.figures) and not any(_is_background(r, bg) for r in results)
        and figures_ok(results),
        "efficiency": not any(_is_background(e, bg) for e in efficiency) and figures_ok(efficiency)
        and not any(matches(e, r) for e in efficiency for r in results),
    }
    out["row"] = all(out[k] for k in CELL_KINDS)
    return out


def compare_metrics(rows: list[dict[str, bool]]) -> dict[str, float | int]:
    nan = float("nan")
    out: dict[str, float | int] = {"compare_rows": len(rows)}
    for kind in CELL_KINDS:
        out[f"cell_{kind}"] = sum(r[kind] for r in rows) / len(rows) if rows else nan
    out["rows_fully_right"] = sum(r["row"] for r in rows) / len(rows) if rows else nan
    return out


# ---------------------------------------------------------------------------------------------- drafts

def score_draft(label: DraftLabel, referenced: Iterable[str]) -> dict[str, float]:
    """precision, recall and look-alike rate of one draft's referenced paper ids."""
    refs = set(referenced)
    relevant = {paper_id_for(t) for t in label.relevant}
    lookalikes = {paper_id_for(t) for t in label.lookalikes}
    nan = float("nan")
    return {"draft_precision": len(refs & relevant) / len(refs) if refs else nan,
            "draft_recall": len(refs & relevant) / len(relevant) if relevant else nan,
            "lookalike_rate": len(refs & lookalikes) / len(refs) if refs else nan,
            "references": float(len(refs))}


def draft_metrics(scores: list[dict[str, float]]) -> dict[str, float | int]:
    out: dict[str, float | int] = {"topics": len(scores)}
    for key in ("draft_precision", "draft_recall", "lookalike_rate"):
        values = [s[key] for s in scores if s[key] == s[key]]
        out[key] = sum(values) / len(values) if values else float("nan")
    return out


# ---------------------------------------------------------------------------------------------- running

def missing_titles(store: Store, labels: Labels) -> list[str]:
    """Labelled titles that the store does not hold (the labels are about the bundled corpus)."""
    return sorted(t for t in labels.titles() if store.get(paper_id_for(t)) is None)


def run_quality_eval(store: Store, labels: Labels | None = None, engine: EngineName = "offline",
                     detail: bool = False) -> dict[str, dict]:
    """{split: metrics} for answers, comparisons and drafts through the real engines.

    With ``detail`` each split also carries its per-row scores under ``"rows"`` (for dev work only:
    never read the held-out rows while tuning).
    """
    from .engines.answer import ask
    from .errors import NotFoundError
    from .review.compare import compare
    from .review.draft import draft

    labels = labels or load_labels()
    out: dict[str, dict] = {}
    for split in SPLITS:
        answer_scores, rows_detail = [], []
        for label in (a for a in labels.answers if a.split == split):
            answer = ask(store, label.question, engine=engine)
            cited_ids = {c.n: c.paper_id for c in answer.citations}
            score = score_answer(label, answer.text, cited_ids)
            answer_scores.append(score)
            rows_detail.append({"id": label.id, **score.__dict__})
        row_scores = []
        topics = sorted({c.topic for c in labels.compare if c.split == split})
        for topic in topics:
            group = [c for c in labels.compare if c.split == split and c.topic == topic]
            result = compare(store, titles=[c.title for c in group], engine=engine)
            by_id = {r.paper_id: r for r in result.rows}
            for c in group:
                row = by_id[paper_id_for(c.title)]
                scored = score_row(c, row.task, row.approach, list(row.results), list(row.efficiency))
                row_scores.append(scored)
                rows_detail.append({"id": c.id, **scored})
        draft_scores = []
        for d in (d for d in labels.drafts if d.split == split):
            try:
                refs = [r.paper.paper_id for r in draft(store, d.topic, engine=engine).references]
            except NotFoundError:
                refs = []
            scored_draft = score_draft(d, refs)
            draft_scores.append(scored_draft)
            rows_detail.append({"id": d.id, **scored_draft})
        metrics: dict[str, object] = {**answer_metrics(answer_scores), **compare_metrics(row_scores),
                                      **draft_metrics(draft_scores)}
        if detail:
            metrics["rows"] = rows_detail
        out[split] = metrics
    return out


def flatten(results: dict[str, dict]) -> dict[str, float | int]:
    """``{"quality/dev/answer_precision": 0.31, ...}``: one flat key per split and metric."""
    return {f"quality/{split}/{k}": v for split, metrics in results.items() for k, v in metrics.items()
            if isinstance(v, (int, float))}


def check_floors(results: dict[str, dict], floors: dict[str, dict[str, float]]) -> list[str]:
    """Metrics past their limit: a ceiling for the rates in ``LOWER_IS_BETTER``, a floor for the rest."""
    failures = []
    for split, limits in floors.items():
        if split.startswith("_"):
            continue
        got = results.get(split, {})
        for metric, limit in limits.items():
            value = got.get(metric)
            bad = (value is None or value != value
                   or (value > limit if metric in LOWER_IS_BETTER else value < limit))
            if bad:
                failures.append(f"quality {split} {metric} = {value} (limit {limit})")
    return failures
