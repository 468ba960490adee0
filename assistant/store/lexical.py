"""The lexical (BM25) index, kept beside Chroma and rebuilt from the catalogue.

Local Chroma has no keyword search, so BM25 (bm25s, with an English Snowball
stemmer) runs beside it. The index is saved under the data dir stamped with the
catalogue version it was built from; a stale or missing index is rebuilt.
Titles are indexed twice so a match in the title counts for more.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..models import Paper

TITLE_WEIGHT = 2


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False)


def document_text(paper: Paper) -> str:
    return " ".join([paper.title] * TITLE_WEIGHT + [paper.abstract])


class LexicalIndex:
    def __init__(self, paper_ids: list[str], retriever) -> None:  # type: ignore[no-untyped-def]
        self.paper_ids = paper_ids
        self._retriever = retriever
        self._row = {pid: i for i, pid in enumerate(paper_ids)}

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> "LexicalIndex":
        import bm25s

        papers = list(papers)
        retriever = bm25s.BM25()
        if papers:
            retriever.index(tokenize([document_text(p) for p in papers]), show_progress=False)
        return cls([p.paper_id for p in papers], retriever)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every paper, in ``paper_ids`` order."""
        if not self.paper_ids:
            return np.zeros(0, np.float32)
        tokens = tokenize([query])[0]
        vocab = self._retriever.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return np.zeros(len(self.paper_ids), np.float32)
        return np.asarray(self._retriever.get_scores(known), np.float32)

    def save(self, directory: Path, version: int) -> None:
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.paper_ids:
            self._retriever.save(str(tmp))
        (tmp / "litreview.json").write_text(json.dumps({"version": version, "paper_ids": self.paper_ids}))
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path, version: int) -> "LexicalIndex | None":
        """The saved index if it matches ``version``, else ``None`` (caller rebuilds)."""
        try:
            info = json.loads((directory / "litreview.json").read_text())
        except (OSError, ValueError):
            return None
        if info.get("version") != version:
            return None
        import bm25s

        try:
            retriever = bm25s.BM25.load(str(directory)) if info["paper_ids"] else bm25s.BM25()
        except Exception:
            return None
        return cls(info["paper_ids"], retriever)

    def row(self, paper_id: str) -> int | None:
        return self._row.get(paper_id)

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """How many papers use each stemmed term (0 for terms the index has never seen)."""
        vocab = getattr(self._retriever, "vocab_dict", None) or {}
        indptr = self._retriever.scores["indptr"] if self.paper_ids else np.zeros(1)
        out = {}
        for term in terms:
            tid = vocab.get(term)
            out[term] = int(indptr[tid + 1] - indptr[tid]) if tid is not None and tid + 1 < len(indptr) else 0
        return out

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25 inverse document frequency of stemmed ``terms`` (unknown terms count as rare)."""
        n_docs = max(len(self.paper_ids), 1)
        return {term: float(np.log((n_docs - df + 0.5) / (df + 0.5) + 1.0))
                for term, df in self.doc_freq(terms).items()}
