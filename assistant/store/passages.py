"""Splitting an abstract into passages that fit the embedding window.

Every MiniLM-sized window (256 tokens) is shorter than a typical abstract
(about 320 tokens in the bundled corpus), so embedding the abstract whole
would silently drop its tail. Passages are whole sentences packed up to the
window, each prefixed with the title so it carries the paper's topic.
"""

from __future__ import annotations

from typing import Protocol

from ..models import Paper
from ..textnorm import split_sentences

SPECIAL_TOKENS = 2  # [CLS] and [SEP]


class Counts(Protocol):
    window: int

    def count_tokens_many(self, texts: list[str]) -> list[int]: ...


def passages(paper: Paper, embedder: Counts) -> list[str]:
    """Title-prefixed chunks of the abstract, each within the embedder's window (tokens counted in one batch)."""
    head = f"{paper.title}. "
    sentences = split_sentences(paper.abstract)
    head_tokens, *counts = embedder.count_tokens_many([head, *sentences])
    budget = max(32, embedder.window - SPECIAL_TOKENS - head_tokens)
    chunks: list[list[str]] = [[]]
    used = 0
    for sentence, tokens in zip(sentences, counts):
        n = tokens + 1
        if chunks[-1] and used + n > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(sentence)
        used += n
    return [head + " ".join(chunk) for chunk in chunks if chunk] or [paper.title]
