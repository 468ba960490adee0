"""Splitting an abstract into passages that fit the embedding window.

Every MiniLM-sized window (256 tokens) is shorter than a typical abstract
(about 320 tokens in the bundled corpus), so embedding the abstract whole
would silently drop its tail. Passages are whole sentences packed up to the
window, each prefixed with the title so it carries the paper's topic.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import Paper
from ..textnorm import split_sentences

SPECIAL_TOKENS = 2  # [CLS] and [SEP]


def passages(paper: Paper, count_tokens: Callable[[str], int], window: int) -> list[str]:
    """Title-prefixed chunks of the abstract, each within ``window`` tokens."""
    head = f"{paper.title}. "
    budget = max(32, window - SPECIAL_TOKENS - count_tokens(head))
    chunks: list[list[str]] = [[]]
    used = 0
    for sentence in split_sentences(paper.abstract):
        n = count_tokens(sentence) + 1
        if chunks[-1] and used + n > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(sentence)
        used += n
    return [head + " ".join(chunk) for chunk in chunks if chunk] or [paper.title]
