"""The store: catalogue (SQLite) + vectors (Chroma) + lexical index (BM25).

Nothing outside this package opens Chroma. ``Store.open(settings)`` is cheap;
the embedding model, Chroma and the lexical index load on first use. Writes go
through the commit protocol in ``commit.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..errors import StoreError
from ..models import Filters, Paper
from ..settings import Settings
from .catalogue import Catalogue

if TYPE_CHECKING:
    from ..roles import TaggedSentence
    from .vectors import ChunkHit

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "seeds"


def _writable_copy(path: Path) -> Path:
    """A temporary copy of a read-only Chroma directory, removed when the process exits."""
    import atexit
    import shutil
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="litreview-chroma-")) / "chroma"
    shutil.copytree(path, copy)
    atexit.register(shutil.rmtree, copy.parent, True)
    return copy


def bundled_corpus() -> list[Path]:
    """The seed listings shipped inside the package."""
    return sorted(BUNDLED_DIR.glob("*.txt"))


class PaperLookup(Protocol):
    """The catalogue reads retrieval makes (a view may hide some papers behind them)."""

    def get_many(self, paper_ids: Iterable[str]) -> dict[str, Paper]: ...

    def share_known(self, paper_ids: set[str]) -> float: ...


class StoreLike(Protocol):
    """What retrieval asks of a store: a :class:`Store`, or a front end's view of one that forwards to it (the
    chat's view carries its own settings and, when papers are left out, a catalogue that hides them)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def catalogue(self) -> PaperLookup: ...

    @property
    def shared_writer(self) -> bool: ...

    def __len__(self) -> int: ...

    def query_vector(self, text: str) -> np.ndarray: ...

    def lexical_scores(self, query: str) -> tuple[list[str], np.ndarray]: ...

    def open_vectors(self) -> None: ...

    def nearest_passages(self, vector: np.ndarray, n: int, filters: Filters | None = None,
                         own_only: bool = False) -> list[ChunkHit]: ...

    def paper_vectors(self, paper_ids: list[str]) -> dict[str, np.ndarray]: ...


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {self.home}: {exc.strerror}") from exc
        self.catalogue = Catalogue(settings.catalogue_path)

    @classmethod
    def open(cls, settings: Settings | None = None) -> "Store":
        return cls(settings or Settings.load())

    def close(self) -> None:
        self.catalogue.close()

    # -- components, loaded on first use ------------------------------------------------------
    @cached_property
    def embedder(self):
        """The embedding model behind the shipped vectors and a memory of recent texts (``vector_cache.py``)."""
        from .embeddings import make_embedder
        from .vector_cache import CachedEmbedder

        s = self.settings
        return CachedEmbedder(make_embedder(s.store.embedding, s.openai_api_key, s.llm.base_url))

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding; the last few are remembered (search and answering both need it)."""
        cache = self.__dict__.setdefault("_query_vectors", {})
        if text not in cache:
            if len(cache) >= 64:
                cache.pop(next(iter(cache)))
            cache[text] = self.embedder.embed([text])[0]
        return cache[text]

    def passage_text(self, paper: Paper, chunk_id: str) -> str:
        """The text of passage ``<paper_id>:<hash>:<n>`` (Chroma keeps no documents: writes are 2x faster)."""
        from .passages import passages
        from .vectors import chunk_number

        try:
            return passages(paper, self.embedder)[chunk_number(chunk_id)]
        except (IndexError, ValueError):
            return ""

    def forget_queries(self) -> None:
        """Drop remembered query vectors and recently embedded texts (the shipped vectors stay), so a timing
        of questions includes embedding them again, as a user's new question does."""
        self.__dict__.pop("_query_vectors", None)
        if "embedder" in self.__dict__:  # not loaded yet: nothing remembered
            self.embedder.forget_recent()

    # -- what retrieval, the engines and the review ask of the parts ---------------------------
    # The rest of litreview calls these rather than ``lexical`` or ``vectors`` themselves, so the parts can
    # change behind them (``tests/test_store_seam.py`` checks it); ``embedder`` is only handed on whole, to a
    # verifier that embeds sentences itself.
    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts`` by the store's embedding model, one row per text (the shipped
        vectors and recently embedded texts are not embedded again)."""
        return self.embedder.embed(texts)

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each stemmed term over the stored papers (a term no paper uses
        counts as rare)."""
        return self.lexical.idf(terms)

    def doc_freq(self, stems: Iterable[str]) -> dict[str, int]:
        """How many stored papers use each stemmed term (0 for a term none uses)."""
        return self.lexical.doc_freq(stems)

    def lexical_scores(self, query: str) -> tuple[list[str], np.ndarray]:
        """The BM25 score of every stored paper for ``query`` (title counted twice, plus abstract), with the
        paper ids in the same order; both empty for an empty store."""
        index = self.lexical
        return index.paper_ids, index.scores(query)

    def open_vectors(self) -> None:
        """Open the vector index now rather than on first use: a caller can overlap opening Chroma, which
        takes a few hundred milliseconds cold, with other work such as embedding the query."""
        _ = self.vectors  # the cached property opens it

    def nearest_passages(self, vector: np.ndarray, n: int, filters: Filters | None = None,
                         own_only: bool = False) -> list[ChunkHit]:
        """The ``n`` passages nearest to ``vector``, best first, within the year range of ``filters`` (the
        other filters apply to papers, in retrieval) and, with ``own_only``, among this writer's passages on
        a shared server. Fewer than ``n`` when the store holds fewer."""
        return self.vectors.query(vector, n, filters=filters, own_only=own_only)

    def paper_vectors(self, paper_ids: list[str]) -> dict[str, np.ndarray]:
        """Each paper's mean passage vector (unit length), for diversity and clustering; a paper without
        vectors is left out."""
        return self.vectors.vectors_for(paper_ids)

    @property
    def embedder_id(self) -> str:
        from .embeddings import MINILM_ID

        return MINILM_ID if self.settings.store.embedding == "minilm" else self.embedder.model_id

    @cached_property
    def vectors(self):
        from .vectors import VectorIndex, open_client

        path = self.settings.chroma_path
        if self.catalogue.read_only and not self.settings.chroma_url and path.exists():
            path = _writable_copy(path)  # Chroma writes even to read; a read-only data dir gets a private copy
        client = open_client(path, self.settings.chroma_url)
        return VectorIndex(client, self.embedder_id, create=not self.settings.read_only, writer=self.writer)

    @cached_property
    def writer(self) -> str | None:
        """This data dir's writer tag on a shared server (its chunks carry it; it deletes only those).
        None for an embedded store or a read-only reader."""
        if not self.settings.chroma_url or self.read_only:
            return None
        tag = self.catalogue.get_meta("writer")
        if not tag:
            tag = uuid.uuid4().hex[:12]
            self.catalogue.set_meta("writer", tag)
        return tag

    @property
    def shared_writer(self) -> bool:
        """A writer on a shared server (its searches can be limited to its own vectors)."""
        return bool(self.settings.chroma_url) and not self.read_only

    @property
    def read_only(self) -> bool:
        return self.settings.read_only

    def sync(self):
        """A reader's mirror of the shared server brought in step (see ``shared.py``)."""
        from .shared import sync

        return sync(self)

    @property
    def lexical(self):
        from .lexical import LexicalIndex

        version = self.catalogue.version
        cached = getattr(self, "_lexical", None)
        if cached is not None and cached[0] == version:
            return cached[1]
        directory = self.home / "lexical"
        index = LexicalIndex.load(directory, version)
        if index is None:
            index = LexicalIndex.build(self.catalogue.iter_papers())
            try:
                index.save(directory, version)
            except OSError:
                pass  # a read-only data dir still searches; it just rebuilds next time
        self._lexical = (version, index)
        return index

    # -- reads ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.catalogue.count()

    def get(self, paper_id: str) -> Paper | None:
        return self.catalogue.get(paper_id)

    def resolve(self, ref: str) -> Paper:
        """The paper a user means by ``ref``: id, title, fragment, method name or close spelling (``titles.py``)."""
        from .titles import resolve_title

        return resolve_title(self, ref)

    def tagged(self, papers: Iterable[Paper]) -> dict[str, list[TaggedSentence]]:
        """Each paper's abstract sentences with their roles (``roles.py``), as computed at ingest and kept in
        the catalogue; a paper whose stored roles are missing or from an older tagger is tagged now."""
        from ..roles import ROLES_VERSION, decode_roles, tag_abstract

        cache: dict[tuple[str, str], list[TaggedSentence]] = self.__dict__.setdefault("_tagged", {})
        papers = list(papers)
        todo = [p for p in papers if (p.paper_id, p.abstract) not in cache]
        codes = self.catalogue.roles_for(p.paper_id for p in todo) if todo else {}
        prefix = f"{ROLES_VERSION}:"
        for paper in todo:
            code = codes.get(paper.paper_id, "")
            cache[(paper.paper_id, paper.abstract)] = (
                decode_roles(paper.title, paper.abstract, code[len(prefix):]) if code.startswith(prefix)
                else tag_abstract(paper.title, paper.abstract))
        if len(cache) > 5000:
            cache.clear()
        return {p.paper_id: cache[(p.paper_id, p.abstract)] if (p.paper_id, p.abstract) in cache
                else tag_abstract(p.title, p.abstract) for p in papers}

    # -- writes (the protocol lives in commit.py) ----------------------------------------------
    def write_lock(self) -> AbstractContextManager[None]:
        """One writer per data dir: a second ingest is refused, not interleaved."""
        from .commit import write_lock

        return write_lock(self)

    def commit(self, to_write, ids: list[str], vectors: np.ndarray, metas: list[dict]) -> None:
        from .commit import commit

        commit(self, to_write, ids, vectors, metas)

    def recover(self) -> int:
        from .commit import recover

        return recover(self)

    def ingest(self, paths, fmt: str | None = None, encoding: str | None = None, progress=None,
               use_cache: bool = True):
        """Read, embed and commit ``paths``; ``use_cache=False`` ignores the shipped seed vectors."""
        from .ingest import ingest

        return ingest(self, paths, fmt=fmt, encoding=encoding, progress=progress, use_cache=use_cache,
                      batch_size=self.settings.store.ingest_batch)

    def needs_reembedding(self) -> int:
        """Papers whose vectors were made by another embedding model than the configured one."""
        model = self.embedder_id
        return sum(1 for _, _, m in self.catalogue.hashes().values() if m != model)

    def missing_vectors(self) -> list[str]:
        """Papers the catalogue holds whose current vectors are not in Chroma (drift: e.g. a reset server)."""
        have = {(pid, eh) for _, pid, eh in self.vectors.iter_chunk_keys()}
        model = self.embedder_id
        return [pid for pid, (_, eh, m) in self.catalogue.hashes().items() if m == model and (pid, eh) not in have]

    def remove(self, paper_ids: list[str]) -> int:
        """Remove papers from the store (catalogue and vectors); returns how many were there."""
        from .commit import remove

        return remove(self, paper_ids)

    def reembed(self, progress=None, repair: bool = False):
        """Re-embed papers made by another model (and, with ``repair``, papers whose vectors are missing)."""
        from .commit import reembed

        return reembed(self, progress=progress, repair=repair)

    def rebuild(self, progress=None):
        """Rebuild the vectors from the catalogue (``litreview repair``)."""
        from .commit import rebuild

        return rebuild(self, progress=progress)
