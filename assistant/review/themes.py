"""Themes of a draft: the gathered papers clustered by their mean passage vectors, then named.

Clustering is spherical k-means (cosine) in numpy, k-means++ seeding from a fixed seed and
several restarts, so the same papers always give the same themes. The number of themes
is about one per six papers (2 to 6), adjusted by one towards the better silhouette score; a cluster of one paper is
folded into its nearest neighbour's cluster. Themes are ordered by size, then by the mean
retrieval rank of their papers.

Offline, a theme is named as a reviewer names a method family: by the two- or three-word noun
phrase that most of its papers use in their own method sentences and titles (roles from
:mod:`assistant.roles`; the papers' coined names left out, so "KV cache quantization" rather than
"ZipCache"), scored like class-based tf-idf against the other themes. A phrase made only of the
topic's words names the whole draft, not a theme, and is skipped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from ..models import Evidence
from ..roles import Role, TaggedSentence, method_names
from .models import Theme
from .terms import STOP, stem

if TYPE_CHECKING:
    from ..store import Store

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


def group_themes(store: Store, evidence: list[Evidence], topic: str = "") -> list[Theme]:
    """The evidence papers grouped into themes named by method keyphrase, biggest (then most relevant) first."""
    ids = [e.paper.paper_id for e in evidence]
    if not ids:
        return []
    vectors = store.paper_vectors(ids)
    dim = len(next(iter(vectors.values()))) if vectors else 1
    x = np.array([vectors.get(pid, np.zeros(dim)) for pid in ids], dtype=np.float32)
    labels = cluster(x)
    rank = {pid: i for i, pid in enumerate(ids)}
    groups: dict[int, list[str]] = {}
    for pid, label in zip(ids, labels):
        groups.setdefault(int(label), []).append(pid)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), np.mean([rank[p] for p in g])))
    papers = [e.paper for e in evidence]
    tagged = store.tagged(papers)
    forms: dict[tuple[str, ...], Counter[str]] = {}
    phrases = {p.paper_id: method_phrases(p.title, tagged.get(p.paper_id, []), forms) for p in papers}
    names = name_themes(ordered, phrases, topic, forms)
    return [Theme(name, group, terms_) for group, (name, terms_) in zip(ordered, names)]


# -- names -------------------------------------------------------------------------------------
# A theme is named by the method family its papers share, as their own method sentences write it:
# a two- or three-word noun phrase ("KV cache quantization", "draft model", "token pruning").

_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|[^\sA-Za-z]")
_NAME_STOP = STOP | frozenset("""
    paper work ours novel new key main core general simple effective efficient efficiently extensive comprehensive
    various multiple different several single specific given overall further better faster lower higher up times
    significantly substantially reduces reduce reducing improves improve improving enable enabling achieves
    requires require uses using leverages introduces proposes presents designs design designed develop develops
    consists maintain maintains preserve preserves retain retains employ employs adopt adopts perform performs
    able across without within while also well first second third finally specifically additionally
    approximately average respectively compared modern widely popular recent existing prior traditional
    standard typical typically respective respectively inference-time end-to-end train-free both either neither
""".split())


def phrase_runs(text: str) -> list[list[str]]:
    """Runs of content words, broken at stop words, verbs-ish words, punctuation and figures."""
    runs: list[list[str]] = [[]]
    for token in _TOKEN_RE.findall(text):
        low = token.lower()
        if (not token[0].isalpha() or low in _NAME_STOP or len(low) < 2
                or (low.endswith(("ed", "es")) and not token[:-1].isupper() and len(low) > 4)):
            runs.append([])
            continue
        runs[-1].append(token)
    return [r for r in runs if r]


def phrase_key(words: list[str]) -> tuple[str, ...]:
    return tuple(stem(w.lower().rstrip("s") if w[:-1].isupper() else w.lower()) for w in words)


def method_phrases(title: str, tagged: list[TaggedSentence],
                   forms: dict[tuple[str, ...], Counter[str]]) -> Counter[tuple[str, ...]]:
    """Two- and three-word phrases of the title and the paper's own method sentences (key -> count);
    ``forms`` collects how each is written."""
    names = {n.casefold() for n in method_names(title, " ".join(t.text for t in tagged))}
    texts = [title.split(":", 1)[-1]] + [t.text for t in tagged if t.own and t.role is Role.METHOD]
    out: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        for run in phrase_runs(text):
            run = [w for w in run if w.casefold() not in names] if len(run) > 1 else run
            for n in (2, 3):
                for i in range(len(run) - n + 1):
                    words = run[i:i + n]
                    key = phrase_key(words)
                    out[key] += 1
                    forms.setdefault(key, Counter())[" ".join(words)] += 1
    return out


def _show(key: tuple[str, ...], forms: dict[tuple[str, ...], Counter[str]]) -> str:
    """The most common written form, first letter capitalised, acronyms and coined names kept."""
    written = forms.get(key)
    text = max(written.items(), key=lambda f: (f[1], f[0].islower(), f[0]))[0] if written else " ".join(key)
    words = text.split()
    words = [w if any(c.isupper() for c in w[1:]) or w.isupper() or i == 0 and w[0].isupper() else w.lower()
             for i, w in enumerate(words)]
    return words[0][:1].upper() + words[0][1:] + ("" if len(words) == 1 else " " + " ".join(words[1:]))


def name_themes(groups: list[list[str]], phrases: dict[str, Counter[tuple[str, ...]]], topic: str,
                forms: dict[tuple[str, ...], Counter[str]]) -> list[tuple[str, list[str]]]:
    """(name, keyphrases) per group: the phrase that at least two of the group's papers use (the one
    paper of a single-paper group) and the other groups' papers do not (class-based tf-idf over paper
    counts), never a phrase that only repeats the topic."""
    topic_stems = {stem(w.lower()) for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", topic)}
    df_all: Counter[tuple[str, ...]] = Counter()
    for counts in phrases.values():
        df_all.update(counts.keys())
    total = len(phrases)
    out: list[tuple[str, list[str]]] = []
    taken: set[str] = set()
    if len(groups) == 1:  # one theme is the whole draft: it is named by the topic
        name = " ".join(topic.split()) or "Collected papers"
        return [(name[:1].upper() + name[1:], [])]
    for index, group in enumerate(groups):
        keys = _ranked(group, phrases, df_all, total, topic_stems, need=min(2, len(group)))
        keys = keys or _ranked(group, phrases, df_all, total, topic_stems, need=1)
        name = next((_show(k, forms) for k in keys if _show(k, forms).casefold() not in taken), "")
        if not name:
            name = f"Other approaches ({index + 1})"
        taken.add(name.casefold())
        out.append((name, [_show(k, forms) for k in keys]))
    return out


def _parts(key: tuple[str, ...]) -> set[str]:
    return {p for word in key for p in re.split(r"[-/]", word) if p}


def _ranked(group: list[str], phrases: dict[str, Counter[tuple[str, ...]]], df_all: Counter[tuple[str, ...]],
            total: int, topic_stems: set[str], need: int) -> list[tuple[str, ...]]:
    """The group's phrases used by at least ``need`` of its papers, best first (at most three, none
    inside another): share of the group's papers (or, for a single paper, how often it repeats the
    phrase) times how rare the phrase is among all the draft's papers."""
    df: Counter[tuple[str, ...]] = Counter()
    repeats: Counter[tuple[str, ...]] = Counter()
    for pid in group:
        df.update(phrases[pid].keys())
        repeats.update(phrases[pid])
    scored = []
    for key, n in df.items():
        if n < need or {stem(p.lower()) for p in _parts(key) if p.lower() not in STOP} <= topic_stems:
            continue
        if len(set(key)) < len(key):
            continue
        weight = n / len(group) if need > 1 else 1.0 + 0.25 * (repeats[key] - 1)
        scored.append((weight * math.log(1 + total / df_all[key]) * (1.15 if len(key) == 3 else 1.0), key))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return _drop_overlaps([k for _, k in scored])[:3]


def _drop_overlaps(keys: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Keys that are not part of (or do not contain) a better-ranked key."""
    kept: list[tuple[str, ...]] = []
    for key in keys:
        if any(set(key) <= set(k) or set(k) <= set(key) for k in kept):
            continue
        kept.append(key)
    return kept
