"""Ingest: files -> papers -> (embedded passages, catalogue rows), in atomic batches.

1. Scan: read every file to the end first. A file that cannot be read (missing,
   empty, binary, undecodable) raises InputError before anything is written,
   so bad input leaves the store exactly as it was. Only paper ids are kept,
   so memory does not grow with file size.
2. Then read again in batches of ``BATCH`` papers; for each batch: plan (what is
   new or changed), embed what needs vectors (the slow part), and commit: write
   vectors to Chroma, commit the catalogue in one SQLite transaction, drop
   superseded vectors. A batch is all or nothing; an interrupted run keeps the
   batches it committed and a re-run continues where it stopped (committed
   papers are "unchanged" and cost nothing).

Papers are de-duplicated by normalised title, unless the two records are
plainly different works (:func:`same_work`: their DOIs or arXiv ids differ, or
both year and first author differ); those are kept apart under distinct ids.
A duplicate from the same source file replaces the stored record; one from
another file only fills in metadata the stored record lacks (so a Zotero export
can add DOIs to the bundled listings without re-embedding anything). Every
merge and every title kept apart is listed in the report.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..models import Paper, Skip
from ..readers import read_records
from ..textnorm import paper_id_for
from .passages import passages
from .vector_cache import CachedEmbedder, VectorCache

Progress = Callable[[str, int, int], None]  # (stage, done, total)
SKIP_DETAILS = 200  # skips an IngestReport keeps in full; the rest are only counted (a junk file has millions)


@dataclass
class IngestReport:
    files: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    reembedded: int = 0  # unchanged papers given vectors by a newly configured embedding model
    published: int = 0  # papers put on a shared server for its readers by `ingest --repair`
    embedded_passages: int = 0
    cached_passages: int = 0  # from the vectors shipped for the bundled corpus
    reused_passages: int = 0  # copied from vectors another writer of a shared server stored for the same text
    merged: list[tuple[str, str, str]] = field(default_factory=list)  # (title, kept from, merged from), first 200
    kept_apart: list[tuple[str, str, str]] = field(default_factory=list)  # (title, source, why), first 200
    skipped: list[Skip] = field(default_factory=list)  # the first SKIP_DETAILS skips
    skipped_more: int = 0  # skips after those, counted only
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    @property
    def skipped_total(self) -> int:
        return len(self.skipped) + self.skipped_more

    def skip(self, record: Skip) -> None:
        if len(self.skipped) < SKIP_DETAILS:
            self.skipped.append(record)
        else:
            self.skipped_more += 1


def embed_hash(paper: Paper) -> str:
    return hashlib.sha1(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:16]


def merge(stored: Paper, new: Paper) -> Paper:
    """Keep ``stored``; fill its empty metadata fields from ``new`` (another file's copy)."""
    filled = {f.name: getattr(new, f.name) for f in fields(Paper)
              if f.name not in ("title", "abstract", "source", "paper_id")
              and not getattr(stored, f.name) and getattr(new, f.name)}
    return replace(stored, **filled) if filled else stored


def _doi(paper: Paper) -> str:
    doi = (paper.doi or "").strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        doi = doi.removeprefix(prefix)
    return doi


def _arxiv(paper: Paper) -> str:
    return re.sub(r"v\d+$", "", (paper.arxiv_id or "").strip().lower())


def _first_author(paper: Paper) -> str:
    if not paper.authors:
        return ""
    name = paper.authors[0].strip()
    surname = name.split(",")[0] if "," in name else (name.split() or [""])[-1]
    return surname.casefold()


def different_work(a: Paper, b: Paper) -> str | None:
    """Why two records with the same title are different works (None: the same work, merge them)."""
    if _doi(a) and _doi(b) and _doi(a) != _doi(b):
        return f"DOIs differ ({a.doi} / {b.doi})"
    if _arxiv(a) and _arxiv(b) and _arxiv(a) != _arxiv(b):
        return f"arXiv ids differ ({a.arxiv_id} / {b.arxiv_id})"
    if a.year and b.year and a.year != b.year and _first_author(a) and _first_author(b) \
            and _first_author(a) != _first_author(b):
        return f"year and first author differ ({a.year} {a.authors[0]} / {b.year} {b.authors[0]})"
    return None


def same_work(a: Paper, b: Paper) -> bool:
    return different_work(a, b) is None


def distinct_id(paper: Paper) -> str:
    """The id of a work whose title another work already has: the title plus what tells them apart."""
    tag = _doi(paper) or _arxiv(paper) or f"{paper.year} {_first_author(paper)}"
    return paper_id_for(f"{paper.title} {tag}")


@dataclass
class Works:
    """The works seen in this run, by id: the same decisions in both passes (files are read in the same
    order), with only a few identifying fields kept per paper, so memory stays small."""

    seen: dict[str, list[Paper]] = field(default_factory=dict)

    def place(self, record: Paper) -> tuple[Paper, Paper | None, str | None]:
        """``(record under its final id, the earlier record it duplicates or None, why it was kept apart)``."""
        why = None
        for pid in (record.paper_id, distinct_id(record)):
            works = self.seen.setdefault(pid, [])
            for earlier in works:
                reason = different_work(earlier, record)
                if reason is None:
                    return _rekey(record, pid), earlier, why
                why = why or reason
            if not works or pid != record.paper_id:  # a free id, or the work's own distinct id
                works.append(_identity(record))
                return _rekey(record, pid), None, why
        raise AssertionError("unreachable")  # pragma: no cover


def _rekey(paper: Paper, paper_id: str) -> Paper:
    return paper if paper.paper_id == paper_id else replace(paper, paper_id=paper_id)


def _identity(paper: Paper) -> Paper:
    """The fields :func:`different_work` reads, and nothing else."""
    return Paper(title="", abstract="", source=paper.source, authors=paper.authors[:1], year=paper.year,
                 doi=paper.doi, arxiv_id=paper.arxiv_id, paper_id=paper.paper_id)


def scan(paths: list[Path], fmt: str | None, encoding: str | None, report: IngestReport) -> int:
    """Pass 1: read every file to the end (raising InputError on an unreadable one); count unique papers."""
    works = Works()
    unique = 0
    for path in paths:
        report.files.append(str(path))
        records = 0
        for record in read_records(path, fmt, encoding):
            records += 1
            if isinstance(record, Skip):
                report.skip(record)
                continue
            placed, earlier, why = works.place(record)
            if earlier is not None:
                report.duplicates += 1
                if len(report.merged) < SKIP_DETAILS:
                    report.merged.append((record.title, earlier.source, record.source))
            else:
                unique += 1
                if why and len(report.kept_apart) < SKIP_DETAILS:
                    report.kept_apart.append((record.title, record.source, why))
        if not records:  # blank lines only, or a header with no rows: say so, never a silent "0 added"
            report.skip(Skip(path.name, "whole file", "holds no records (only blank lines or a header)"))
    return unique


def batches(paths: list[Path], fmt: str | None, encoding: str | None, size: int) -> Iterator[dict[str, Paper]]:
    """Pass 2: the papers again, in batches, duplicates within a batch merged."""
    works = Works()
    batch: dict[str, Paper] = {}
    for path in paths:
        for record in read_records(path, fmt, encoding):
            if isinstance(record, Skip):
                continue
            record, _, _ = works.place(record)
            seen = batch.get(record.paper_id)
            batch[record.paper_id] = record if seen is None or seen.source == record.source else merge(seen, record)
            if len(batch) >= size:
                yield batch
                batch = {}
    if batch:
        yield batch


def plan(papers: dict[str, Paper], store, report: IngestReport,
         added_now: set[str]):
    """Decide per paper whether it is new, changed, or unchanged (``added_now``: added earlier in this run)."""
    existing = store.catalogue.hashes_for(papers)
    model_id = store.embedder_id
    to_write: list[tuple[Paper, str, bool]] = []  # (paper, embed_hash, needs_vectors)
    stored_cache: dict[str, Paper] = {}
    cross = [pid for pid, p in papers.items() if pid in existing]
    if cross:
        stored_cache = store.catalogue.get_many(cross)
    for pid, paper in list(papers.items()):
        old = stored_cache.get(pid)
        if old is not None and different_work(old, paper):  # another work holds this title in the store
            pid = distinct_id(paper)
            paper = replace(paper, paper_id=pid)
            old = store.catalogue.get(pid)
            existing.update(store.catalogue.hashes_for([pid]))
        if old is not None and old.source != paper.source:
            paper = merge(old, paper)
        ehash = embed_hash(paper)
        if pid not in existing:
            report.added += 1
            added_now.add(pid)
            to_write.append((paper, ehash, True))
            continue
        content, old_ehash, old_model = existing[pid]
        needs_vectors = old_ehash != ehash or old_model != model_id
        if content == paper.content_hash and not needs_vectors:
            report.unchanged += pid not in added_now  # a later copy of a paper added in this run: a duplicate
            continue
        if pid not in added_now:  # (a later copy of a paper added in this run was counted as a duplicate)
            if content == paper.content_hash:
                report.reembedded += 1
            else:
                report.updated += 1
        to_write.append((paper, ehash, needs_vectors))
    return to_write


def embed_passages(to_write, store, report: IngestReport, progress: Progress | None,
                   use_cache: bool = True):
    """Phase 2: vectors for every passage that needs one: this writer's own stored chunks cost nothing; then
    vectors another writer of a shared server stored for the same text, the shipped cache, the model."""
    embedder = store.embedder
    index = store.vectors
    cache = _shipped(embedder) if use_cache else None
    ids: list[str] = []
    keys: list[tuple[str, str, int]] = []
    texts: list[str] = []
    metas: list[dict] = []
    for paper, ehash, needs_vectors in to_write:
        if not needs_vectors:
            continue
        meta = index.chunk_meta(paper.paper_id, ehash, paper.source, paper.year)
        for n, text in enumerate(passages(paper, embedder)):
            ids.append(index.chunk_id(paper.paper_id, ehash, n))
            keys.append((paper.paper_id, ehash, n))
            texts.append(text)
            metas.append(meta)
    present = index.existing(ids)  # same paper, same text, same model, already ours: nothing to do
    if present:
        keep = [i for i, cid in enumerate(ids) if cid not in present]
        ids, keys = [ids[i] for i in keep], [keys[i] for i in keep]
        texts, metas = [texts[i] for i in keep], [metas[i] for i in keep]
    borrowed = index.borrow(sorted({(pid, eh) for pid, eh, _ in keys})) if index.writer and keys else {}
    rows: list[np.ndarray | None] = [borrowed.get(key) for key in keys]
    reused = sum(row is not None for row in rows)
    if cache is not None and len(cache):
        rows = [row if row is not None else cache.get(text) for row, text in zip(rows, texts)]
    missing = [i for i, row in enumerate(rows) if row is None]
    report.reused_passages += reused
    report.cached_passages += len(texts) - len(missing) - reused
    report.embedded_passages += len(missing)
    fresh: dict[int, np.ndarray] = {}
    if missing:
        report_progress = (lambda done, total: progress("embedding", done, total)) if progress else None
        # without the cache, the model itself computes every vector (the store's embedder would answer shipped
        # texts from the cache)
        model = embedder if use_cache else getattr(embedder, "model", embedder)
        # passages are kept in Chroma: the embedder's memory of recent texts is for questions and sentences
        with model.remembering_nothing() if isinstance(model, CachedEmbedder) else nullcontext():
            embedded = model.embed([texts[i] for i in missing], progress=report_progress)
        fresh = dict(zip(missing, embedded))
    full = [row if row is not None else fresh[i] for i, row in enumerate(rows)]
    vectors = np.vstack(full).astype(np.float32) if full else np.zeros((0, embedder.dim), np.float32)
    return ids, vectors, metas


def _shipped(embedder) -> VectorCache:
    """The vectors shipped for the bundled corpus: the store's embedder loaded them once for the process."""
    if isinstance(embedder, CachedEmbedder):
        return embedder.seed
    return VectorCache(embedder.model_id)


BATCH = 1000


def ingest(store, paths: Iterable[Path], fmt: str | None = None, encoding: str | None = None,
           progress: Progress | None = None, use_cache: bool = True, batch_size: int = BATCH) -> IngestReport:
    start = time.perf_counter()
    report = IngestReport()
    paths = [Path(p) for p in paths]
    with store.write_lock():
        stamps = {path: _stamp(path) for path in paths}
        total = scan(paths, fmt, encoding, report)
        done = 0
        added_now: set[str] = set()
        for batch in batches(paths, fmt, encoding, batch_size):
            to_write = plan(batch, store, report, added_now)
            if to_write:
                def step(stage: str, n: int, of: int, base: int = done, size: int = len(batch)) -> None:
                    if progress:
                        progress("ingesting", base + (size * n) // max(of, 1), total)
                ids, vectors, metas = embed_passages(to_write, store, report, step, use_cache)
                store.commit(to_write, ids, vectors, metas)
            done += len(batch)
            if progress:
                progress("ingesting", done, total)
        changed = [path for path in paths if _stamp(path) != stamps[path]]
        if changed:  # the batches read from it are committed; what it holds now was not all read
            raise InputError(changed[0], f"changed while it was being ingested ({done} papers read, {total} when "
                                         "it was first scanned); its finished batches are kept, run the ingest "
                                         "again to read the rest")
    report.seconds = time.perf_counter() - start
    return report


def _stamp(path: Path) -> tuple[int, int] | None:
    """Size and modification time: a file rewritten during the run shows a different stamp at its end."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
