"""Measuring :mod:`assistant.roles` against hand-labelled abstracts (``evals/roles/*.jsonl``).

Each line of a label file is ``{"title": ..., "sentences": [{"text", "role", "own"}, ...]}`` covering
every sentence of the abstract in :func:`~assistant.textnorm.split_sentences` order. The abstract is
the sentences joined by single spaces (that is how the splitter's output rejoins to the cleaned
abstract), so a label file is measured without the corpus.

``python -m assistant.roles_eval evals/roles/dev.jsonl`` prints the figures.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .roles import Role, own_claims, tag_abstract


@dataclass(frozen=True, slots=True)
class LabelledAbstract:
    """One hand-labelled abstract: its title and, per sentence, the text, role and own flag."""

    title: str
    texts: tuple[str, ...]
    roles: tuple[Role, ...]
    own: tuple[bool, ...]

    @property
    def abstract(self) -> str:
        return " ".join(self.texts)


def load_labels(path: str | Path) -> list[LabelledAbstract]:
    """The labelled abstracts of a JSONL file; a malformed line raises :class:`InputError` naming it."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise InputError(path, "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read ({exc})") from exc
    out: list[LabelledAbstract] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not valid JSON ({exc.msg})", where) from exc
        if (not isinstance(row, dict) or not isinstance(row.get("title"), str)
                or not isinstance(row.get("sentences"), list)):
            raise InputError(path, "needs a \"title\" string and a \"sentences\" list", where)
        texts, roles, own = [], [], []
        for k, item in enumerate(row["sentences"]):
            if (not isinstance(item, dict) or not isinstance(item.get("text"), str)
                    or not isinstance(item.get("own"), bool)):
                raise InputError(path, f"sentence {k} needs a \"text\" string and an \"own\" true/false", where)
            try:
                roles.append(Role(str(item.get("role"))))
            except ValueError as exc:
                raise InputError(path, f"sentence {k} has role {item.get('role')!r}; use one of "
                                 f"{', '.join(r.value for r in Role)}", where) from exc
            texts.append(item["text"])
            own.append(item["own"])
        out.append(LabelledAbstract(row["title"], tuple(texts), tuple(roles), tuple(own)))
    return out


def evaluate_roles(path: str | Path) -> dict[str, object]:
    """Own-work accuracy, role accuracy, per-role precision/recall and the own-vs-not confusion of
    :func:`~assistant.roles.tag_abstract` on a label file, beside majority-class baselines.

    ``own_claims_precision`` is the share of the sentences :func:`~assistant.roles.own_claims` returns
    that the labels also call the paper's own method or result: what an answer quoting own claims gets right.
    ``misaligned`` counts abstracts whose split no longer matches the labels (they are skipped).
    """
    labelled = load_labels(path)
    gold_roles: list[Role] = []
    pred_roles: list[Role] = []
    gold_own: list[bool] = []
    pred_own: list[bool] = []
    claims_total = claims_right = gold_claims = 0
    misaligned = 0
    for item in labelled:
        tagged = tag_abstract(item.title, item.abstract)
        if tuple(t.text for t in tagged) != item.texts:
            misaligned += 1
            continue
        gold_roles += item.roles
        gold_own += item.own
        pred_roles += [t.role for t in tagged]
        pred_own += [t.own for t in tagged]
        for t in own_claims(tagged):
            claims_total += 1
            claims_right += item.own[t.index] and item.roles[t.index] in (Role.METHOD, Role.RESULT)
        gold_claims += sum(o and r in (Role.METHOD, Role.RESULT) for o, r in zip(item.own, item.roles))
    n = len(gold_own)
    confusion = {
        "own_as_own": sum(g and p for g, p in zip(gold_own, pred_own)),
        "own_as_not": sum(g and not p for g, p in zip(gold_own, pred_own)),
        "not_as_own": sum(not g and p for g, p in zip(gold_own, pred_own)),
        "not_as_not": sum(not g and not p for g, p in zip(gold_own, pred_own)),
    }
    per_role: dict[str, dict[str, float | int]] = {}
    for role in Role:
        tp = sum(g is role and p is role for g, p in zip(gold_roles, pred_roles))
        predicted = sum(p is role for p in pred_roles)
        support = sum(g is role for g in gold_roles)
        per_role[role.value] = {
            "precision": round(tp / predicted, 3) if predicted else 0.0,
            "recall": round(tp / support, 3) if support else 0.0,
            "support": support,
        }
    majority_role, majority_count = Counter(gold_roles).most_common(1)[0] if gold_roles else (Role.METHOD, 0)
    own_share = sum(gold_own) / n if n else 0.0
    return {
        "abstracts": len(labelled) - misaligned,
        "sentences": n,
        "misaligned": misaligned,
        "own_accuracy": round(sum(g == p for g, p in zip(gold_own, pred_own)) / n, 3) if n else 0.0,
        "role_accuracy": round(sum(g is p for g, p in zip(gold_roles, pred_roles)) / n, 3) if n else 0.0,
        "own_claims_precision": round(claims_right / claims_total, 3) if claims_total else 0.0,
        "own_claims_recall": round(claims_right / gold_claims, 3) if gold_claims else 0.0,
        "per_role": per_role,
        "own_confusion": confusion,
        "baseline_own_accuracy": round(max(own_share, 1 - own_share), 3),
        "baseline_own_label": own_share >= 0.5,
        "baseline_role_accuracy": round(majority_count / n, 3) if n else 0.0,
        "baseline_role": majority_role.value,
        "baseline_claims_precision": round(gold_claims / n, 3) if n else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each label file named on the command line."""
    paths = (argv if argv is not None else sys.argv[1:]) or ["evals/roles/dev.jsonl"]
    try:
        for path in paths:
            print(path)
            print(json.dumps(evaluate_roles(path), indent=2))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
