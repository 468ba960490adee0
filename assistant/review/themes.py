"""Themes of a draft: the gathered papers clustered by their mean passage vectors, then named.

Clustering is spherical k-means (cosine) in numpy, k-means++ seeding from a fixed seed and
several restarts, so the same papers always give the same themes. The number of themes
is about one per six papers (2 to 6), adjusted by one towards the better silhouette score; a cluster of one paper is
folded into its nearest neighbour's cluster. Themes are named offline by the distinctive
terms of their titles and abstracts against the other themes (:func:`terms.ctfidf` over
per-paper term presence; terms of the topic and terms used by over half the papers are left
out, as they name the whole draft rather than one theme), and
ordered by size, then by the mean retrieval rank of their papers.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..models import Evidence
from .models import Theme
from .terms import Vocabulary, ctfidf, name_from, terms

SEED = 20240601
RESTARTS = 8
MAX_THEMES = 6


def kmeans(x: np.ndarray, k: int, seed: int = SEED, restarts: int = RESTARTS, iters: int = 60) -> np.ndarray:
    """Labels of spherical k-means on unit rows ``x`` (best of ``restarts`` by total cosine)."""
    n = len(x)
    rng = np.random.default_rng(seed)
    best_labels, best_fit = np.zeros(n, int), -np.inf
    for _ in range(restarts):
        centres = [x[int(rng.integers(n))]]
        for _c in range(1, k):  # k-means++: far points are likelier seeds
            dist = np.clip(1 - np.max(x @ np.array(centres).T, axis=1), 0, None) ** 2
            total = float(dist.sum())
            idx = int(rng.choice(n, p=dist / total)) if total > 0 else int(rng.integers(n))
            centres.append(x[idx])
        c = np.array(centres)
        labels = np.full(n, -1)
        for _i in range(iters):
            new = np.argmax(x @ c.T, axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                members = x[labels == j]
                if len(members):
                    mean = members.sum(axis=0)
                    c[j] = mean / (np.linalg.norm(mean) or 1.0)
        fit = float(np.sum(np.max(x @ c.T, axis=1)))
        if fit > best_fit + 1e-9:
            best_labels, best_fit = labels.copy(), fit
    return best_labels


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette with cosine distance (0 when there is a single cluster)."""
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    d = 1 - x @ x.T
    out = []
    for i in range(len(x)):
        same = labels == labels[i]
        if same.sum() <= 1:
            out.append(0.0)
            continue
        a = d[i, same].sum() / (same.sum() - 1)
        b = min(d[i, labels == g].mean() for g in groups if g != labels[i])
        out.append((b - a) / max(a, b, 1e-9))
    return float(np.mean(out))


def _fold_singletons(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    labels = labels.copy()
    while True:
        sizes = np.bincount(labels)
        lone = [g for g in range(len(sizes)) if sizes[g] == 1]
        if not lone or np.count_nonzero(sizes) <= 2:
            break
        i = int(np.flatnonzero(labels == lone[0])[0])
        sims = x @ x[i]
        sims[i] = -np.inf
        labels[i] = labels[int(np.argmax(sims))]
        labels = np.unique(labels, return_inverse=True)[1]
    return labels


def theme_count(n: int) -> int:
    """About one theme per six papers, at least 2 and at most 6 (1 below 4 papers)."""
    return 1 if n < 4 else max(2, min(MAX_THEMES, round(n / 6)))


def cluster(x: np.ndarray) -> np.ndarray:
    """Theme label of each row: k near :func:`theme_count`, the neighbour with the best silhouette."""
    n = len(x)
    target = theme_count(n)
    if target == 1:
        return np.zeros(n, int)
    best, best_score = None, -np.inf
    for k in sorted({max(2, target - 1), target, min(MAX_THEMES, target + 1, n // 2)}):
        labels = kmeans(x, k)
        score = silhouette(x, labels) + (0.02 if k == target else 0.0)  # a slight preference for the target
        if score > best_score + 1e-6:
            best, best_score = labels, score
    assert best is not None
    return _fold_singletons(x, best)


def group_themes(store, evidence: list[Evidence], topic: str = "") -> list[Theme]:  # type: ignore[no-untyped-def]
    """The evidence papers grouped into named themes, biggest (then most relevant) first."""
    ids = [e.paper.paper_id for e in evidence]
    topic_keys = [k for k, _ in terms(topic)]
    vectors = store.vectors.vectors_for(ids)
    dim = len(next(iter(vectors.values()))) if vectors else 1
    x = np.array([vectors.get(pid, np.zeros(dim)) for pid in ids], dtype=np.float32)
    labels = cluster(x)
    rank = {pid: i for i, pid in enumerate(ids)}
    groups: dict[int, list[str]] = {}
    for pid, label in zip(ids, labels):
        groups.setdefault(int(label), []).append(pid)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), np.mean([rank[p] for p in g])))
    by_id = {e.paper.paper_id: e.paper for e in evidence}
    vocab = Vocabulary()
    per_paper = {pid: _presence(vocab, by_id[pid].title, by_id[pid].abstract) for pid in ids}
    df: Counter[str] = Counter()
    for c in per_paper.values():
        df.update(c.keys())
    common = set(topic_keys)  # the topic itself names no theme, nor do terms most papers use
    if len(ordered) > 1:
        common |= {t for t, n in df.items() if n > 0.5 * len(ids)}
    counts = []
    for group in ordered:
        total: Counter[str] = Counter()
        for pid in group:
            total.update(per_paper[pid])
        counts.append(Counter({t: n for t, n in total.items()
                               if t not in common and (len(group) == 1 or df_in(group, t, per_paper) >= 2)}))
    themes: list[Theme] = []
    taken: set[str] = set()
    for group, scores in zip(ordered, ctfidf(counts)):
        name, used = name_from(scores, vocab, taken)
        if not used:
            name = f"Other Work {len(themes) + 1}" if len(ordered) > 1 else (topic.strip() or "Collected Papers")
        taken.add(name)
        themes.append(Theme(name, group, [vocab.show(t) for t in used]))
    return themes


def df_in(group: list[str], term: str, per_paper: dict[str, Counter[str]]) -> int:
    return sum(1 for pid in group if term in per_paper[pid])


def _presence(vocab: Vocabulary, title: str, abstract: str) -> Counter[str]:
    """Which terms a paper uses: 2 for a title term, 1 for an abstract-only term."""
    seen = Counter({t: 1 for t in vocab.count(abstract)})
    for t in vocab.count(title):
        seen[t] = 2
    return seen
