"""Content terms of scientific prose: words and two-word phrases keyed by their Snowball stems.

One stopword set (:data:`STOP`: function words plus the boilerplate of abstracts, "propose", "novel",
"state-of-the-art") and one stemmer (the Snowball stemmer BM25 uses) for every part of litreview that
compares the words of two texts: the verifier, comparisons, drafts.
"""

from __future__ import annotations

import re
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
state-of-the-art generalizable robust scalable capabilities capability high low higher lower still open source
github https http
www com io org html superior comparable remarkable impressive great substantial substantially strong stronger
consistently consistent promising prior previous traditional conventional current typically usually widely
crucial critical important compromising sacrificing increasingly growing rapid rapidly notably particular particularly
specific overall
""".split())
URL_RE = re.compile(r"https?://\S+|www\.\S+")


@lru_cache(maxsize=1)
def _stemmer():
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
