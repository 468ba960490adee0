"""Distinctive terms: the words and two-word phrases that set a group of abstracts apart.

Terms are keyed by their Snowball stems (the stemmer BM25 uses) and shown in their
most common written form. :func:`ctfidf` is class-based TF-IDF (as in BERTopic):
``tf(t, c) * log(1 + A / f(t))`` where ``A`` is the mean number of terms per class and
``f(t)`` the term's frequency over all classes, so words every group uses score low.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*\+*")
STOP = frozenset("""
a about above across after again against all almost along also although am among an and another any are around as at
be because been before being below between both but by can cannot could did do does doing done down due during each
either enough especially even ever every few for from further had has have having here how however if in into is it
its itself just least less like made make makes making many may might more most much must namely near neither no nor
not now of off often on once one only onto or other others otherwise our ours out over own per perhaps rather same
several shall should show shows shown since so some such than that the their them themselves then there therefore these
they this those though through thus to too toward towards under until up upon us use used uses using via was we well
were what when where whether which while who whom whose why will with within without would yet you your
paper papers propose proposed proposes present presents introduce introduces approach approaches method methods
novel new based results result show achieve achieves achieving existing extensive experiments experiment demonstrate
demonstrates significant significantly state art sota work works first two three different various however code
available publicly large improve improves improved improvement performance better best furthermore moreover
additionally specifically effective effectively efficiently simple key study framework task tasks problem problems
model models address challenge challenges remains recent recently including include includes across compared provide
provides ability able allow allows enable enables datasets dataset benchmark benchmarks
explore explores leverage leverages need needs leading aspect aspects input inputs finding findings project page
fast faster accelerate accelerates accelerating outperform outperforms outperforming enhanced enhance enhances
state-of-the-art generalizable robust scalable capabilities capability high low higher lower still open source github https http
www com io org html superior comparable remarkable impressive great substantial substantially strong stronger
consistently consistent promising prior previous traditional conventional current typically usually widely
crucial critical important compromising sacrificing increasingly growing rapid rapidly notably particular particularly specific overall
""".split())
URL_RE = re.compile(r"https?://\S+|www\.\S+")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def terms(text: str, bigrams: bool = True) -> list[tuple[str, str]]:
    """(key, written form) for every content word and, optionally, adjacent content-word pair."""
    out: list[tuple[str, str]] = []
    prev: tuple[str, str] | None = None
    prev_end = -2
    text = URL_RE.sub(" , ", text)
    for match in WORD_RE.finditer(text):
        word = match.group(0)
        low = word.lower()
        if low in STOP or len(low) < 2 or low.isdigit():
            prev = None
            continue
        key = stem(low)
        out.append((key, word))
        if bigrams and prev is not None and text[prev_end:match.start()] in (" ", "-"):
            out.append((f"{prev[0]} {key}", f"{prev[1]} {word}"))
        prev, prev_end = (key, word), match.end()
    return out


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


def name_from(scores: dict[str, float], vocab: Vocabulary, taken: set[str] = frozenset(),  # type: ignore[assignment]
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
