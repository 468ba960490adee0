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
# Passages embedded per paper at most: 16 MiniLM windows are ~4k tokens, over ten times a long abstract. A
# pasted full text (one 1 MB "abstract" cost 198 s of embedding) is still searched by BM25 in full.
MAX_PASSAGES = 16


class Counts(Protocol):
    window: int

    def count_tokens_many(self, texts: list[str]) -> list[int]: ...


def passages(paper: Paper, embedder: Counts) -> list[str]:
    """Title-prefixed chunks of the abstract, each within the embedder's window (tokens counted in one batch)."""
    head = f"{paper.title}. "
    sentences = split_sentences(paper.abstract)[: MAX_PASSAGES * 64]  # no sentence count beyond what can fit
    head_tokens, *counts = embedder.count_tokens_many([head, *sentences])
    budget = max(32, embedder.window - SPECIAL_TOKENS - head_tokens)
    chunks: list[list[str]] = [[]]
    used = 0
    for sentence, tokens in zip(sentences, counts):
        n = tokens + 1
        if chunks[-1] and used + n > budget:
            if len(chunks) == MAX_PASSAGES:
                break
            chunks.append([])
            used = 0
        chunks[-1].append(sentence)
        used += n
    return [head + " ".join(chunk) for chunk in chunks if chunk] or [paper.title]
