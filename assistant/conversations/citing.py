"""Which sentence supports a citation: pure text work behind ``/cite N``.

For an answer and a number ``n``:

* :func:`sentences_citing` gives the answer's sentences that carry ``[n]`` (markers
  stripped): what the answer attributes to paper ``n``;
* :func:`best_sentence` gives the span of the abstract sentence with the highest word
  overlap with those sentences (content words only), which the paper screen highlights.

The offline engine quotes abstracts verbatim, so there the match is exact; for LLM
answers it is the abstract sentence the claim most plausibly paraphrases.
"""

from __future__ import annotations

import re

from ..engines.markers import number
from ..textnorm import split_sentences

MARKER_RE = re.compile(r"\s*\[(\d+)\]")
WORD_RE = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*", re.UNICODE)
STOPWORDS = frozenset("""a an and are as at be been being but by can could did do does for from had has have how
in into is it its may more most not of on or our over so such than that the their them then there these they this
those through to up was we were what when where which while who why will with within would you your""".split())


def content_words(text: str) -> set[str]:
    return {w for w in (m.group(0).casefold() for m in WORD_RE.finditer(text)) if w not in STOPWORDS}


def cited_numbers(text: str) -> list[int]:
    """Citation numbers in order of first appearance."""
    return list(dict.fromkeys(number(m) for m in MARKER_RE.findall(text)))


def sentences_citing(answer_text: str, n: int) -> list[str]:
    """The answer's sentences that cite ``[n]``, with every marker removed."""
    out = []
    for para in answer_text.split("\n"):
        for sentence in split_sentences(para):
            if n in {number(m) for m in MARKER_RE.findall(sentence)}:
                out.append(MARKER_RE.sub("", sentence).strip())
    return out


def best_sentence(abstract: str, references: list[str]) -> tuple[int, int] | None:
    """Character span in ``abstract`` of its sentence that overlaps most with ``references``.

    Overlap is counted per reference sentence (the best reference wins), so one long
    claim cannot drown a short exact quote. ``None`` when nothing overlaps.
    """
    refs = [content_words(r) for r in references if r.strip()]
    if not refs:
        return None
    best: tuple[float, int, int] | None = None
    cursor = 0
    for sentence in split_sentences(abstract):
        start = abstract.find(sentence, cursor)
        if start < 0:
            continue
        cursor = start + len(sentence)
        words = content_words(sentence)
        if not words:
            continue
        score = max(len(words & r) / (len(words | r) ** 0.5) for r in refs) if refs else 0.0
        if score > 0 and (best is None or score > best[0]):
            best = (score, start, start + len(sentence))
    return None if best is None else (best[1], best[2])


def strip_lead(sentence: str, title: str) -> str:
    """Drop a leading "ShortName: " naming the paper (how the offline engine opens a paragraph)."""
    head, sep, rest = sentence.partition(": ")
    if not sep or not rest:
        return sentence
    name = head.rstrip("…").strip().casefold()
    return rest if name and title.casefold().startswith(name) else sentence
