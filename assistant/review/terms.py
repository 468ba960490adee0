"""Distinctive terms: the words and two-word phrases that set a group of abstracts apart.

Terms are keyed by their Snowball stems (``assistant/terms.py``) and shown in their most common written
form. :func:`ctfidf` is class-based TF-IDF (as in BERTopic): ``tf(t, c) * log(1 + A / f(t))`` where ``A``
is the mean number of terms per class and ``f(t)`` the term's frequency over all classes, so words every
group uses score low.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Set as AbstractSet

from ..terms import STOP, URL_RE, WORD_RE, stem, terms

__all__ = ["STOP", "URL_RE", "WORD_RE", "Vocabulary", "ctfidf", "name_from", "stem", "terms"]


class Vocabulary:
    """Remembers how each term key is written, to show the most common form."""

    def __init__(self) -> None:
        self.forms: dict[str, Counter[str]] = {}

    def count(self, text: str, bigrams: bool = True) -> Counter[str]:
        counts: Counter[str] = Counter()
        for key, form in terms(text, bigrams):
            counts[key] += 1
            self.forms.setdefault(key, Counter())[form] += 1
        return counts

    def show(self, key: str) -> str:
        """The usual written form; words written in lower case are title-cased, acronyms kept."""
        forms = self.forms.get(key)
        if not forms:
            return key
        lowered: Counter[str] = Counter()
        for form, n in forms.items():
            lowered[form.lower()] += n
        best = max(forms.items(), key=lambda f: (lowered[f[0].lower()], f[1], f[0]))[0]
        return " ".join(w if any(c.isupper() for c in w[1:]) or w.isupper() else w[:1].upper() + w[1:]
                        for w in best.split())


def ctfidf(classes: list[Counter[str]]) -> list[dict[str, float]]:
    """Class-based TF-IDF score of every term in every class."""
    total: Counter[str] = Counter()
    for c in classes:
        total.update(c)
    mean_size = sum(sum(c.values()) for c in classes) / max(len(classes), 1)
    scores = []
    for c in classes:
        size = sum(c.values()) or 1
        scores.append({t: (n / size) * math.log(1 + mean_size / total[t]) for t, n in c.items()})
    return scores


def name_from(scores: dict[str, float], vocab: Vocabulary, taken: AbstractSet[str] = frozenset(),
              max_words: int = 4, bigram_boost: float = 1.6) -> tuple[str, list[str]]:
    """A 2-4 word title-cased name from the best terms (bigrams preferred), and the terms used."""
    ranked = sorted(scores, key=lambda t: (-(scores[t] * (bigram_boost if " " in t else 1.0)), t))
    chosen: list[str] = []
    words = 0
    for term in ranked:
        parts = set(term.split())
        if any(parts & set(c.split()) for c in chosen):
            continue
        size = len(term.split())
        if words + size > max_words:
            continue
        chosen.append(term)
        words += size
        if words >= 2 and len(chosen) >= 2 or words >= 3:
            name = " & ".join(vocab.show(c) for c in chosen)
            if name not in taken:
                return name, chosen
    name = " & ".join(vocab.show(c) for c in chosen) or "Other Work"
    return name, chosen
