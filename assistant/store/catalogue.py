"""The paper catalogue: one SQLite table of papers, the store's record of truth.

Chroma holds vectors; the catalogue holds the papers themselves and is the
commit record of an ingest. A paper is in the store when its row is here;
vectors in Chroma whose ``(paper_id, embed_hash)`` has no row are leftovers of
an interrupted ingest and are cleaned up on the next write. SQLite gives the
all-or-nothing commit that Chroma lacks.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from ..models import Paper

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    paper_id     TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    year         INTEGER,
    source       TEXT NOT NULL,
    data         TEXT NOT NULL,       -- the full Paper as JSON
    content_hash TEXT NOT NULL,       -- changes when anything about the paper changes
    embed_hash   TEXT NOT NULL,       -- changes when the embedded text changes
    embed_model  TEXT NOT NULL,       -- model that made its vectors
    seq          INTEGER NOT NULL,    -- insertion order, for stable listing
    roles        TEXT                 -- "<ROLES_VERSION>:<code>": each abstract sentence's role (roles.py)
);
CREATE INDEX IF NOT EXISTS papers_title ON papers(title COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS papers_seq ON papers(seq);  -- MAX(seq) per insert would otherwise scan
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class _Guarded:
    """The SQLite connection, with damage reported as one StoreError naming the file (a truncated or
    overwritten catalogue raises ``DatabaseError`` from whatever query touches the bad page first)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db, self._path = db, path

    def _run(self, method: str, *args: object):
        try:
            return getattr(self._db, method)(*args)
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"the paper catalogue {self._path} is locked by another process ({exc}); "
                                 "try again") from exc
            if isinstance(exc, sqlite3.OperationalError):
                raise  # a full disk (named by the commit protocol), a read-only dir, an old schema: not damage
            raise StoreError(f"the paper catalogue {self._path} is damaged ({exc}); move it aside and ingest "
                             "your files again (`litreview doctor` checks the store)") from exc

    def execute(self, *args: object):
        return self._run("execute", *args)

    def executemany(self, *args: object):
        return self._run("executemany", *args)

    def executescript(self, *args: object):
        return self._run("executescript", *args)

    def close(self) -> None:
        self._db.close()


class Catalogue:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_only = path.exists() and not os.access(path.parent, os.W_OK)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = _Guarded(self._connect(path), path)
            if not self.read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, StoreError) as exc:
            if self.read_only or "unable to open" not in str(exc) and "readonly" not in str(exc):
                raise StoreError(f"cannot open the paper catalogue {path}: {exc}") from exc
            self.read_only = True  # a data dir we may read but not write (a read-only mount, a shared copy)
            self._db = _Guarded(self._connect(path), path)
        if not self.read_only:
            self._add_roles_column()
        version = self.get_meta("schema_version")
        if version is None and not self.read_only:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif version is not None and int(version) > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer litreview (schema {version}); upgrade litreview")

    def close(self) -> None:
        self._db.close()

    def _connect(self, path: Path) -> sqlite3.Connection:
        if self.read_only:  # immutable: no -wal/-shm files to create (a cleanly closed catalogue has none)
            return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False)
        return sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)

    def _add_roles_column(self) -> None:
        """Catalogues written before sentence roles were kept get the column (empty: tagged when read)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(papers)")}
        if "roles" not in columns:
            try:
                self._db.execute("ALTER TABLE papers ADD COLUMN roles TEXT")
            except sqlite3.OperationalError:
                pass  # a read-only data dir: roles are computed when read instead

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def version(self) -> int:
        """Bumped by every committed change; derived indexes compare against it."""
        return int(self.get_meta("version") or 0)

    # -- reads ------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM papers").fetchone()[0])

    def get(self, paper_id: str) -> Paper | None:
        row = self._db.execute("SELECT data FROM papers WHERE paper_id=?", (paper_id,)).fetchone()
        return Paper.from_dict(json.loads(row[0])) if row else None

    def get_many(self, paper_ids: Iterable[str]) -> dict[str, Paper]:
        return {pid: Paper.from_dict(json.loads(data))
                for pid, data in self._select_in("paper_id, data", dict.fromkeys(paper_ids))}

    def share_known(self, paper_ids: set[str]) -> float:
        """The share of ``paper_ids`` that the catalogue holds."""
        return len(self.hashes_for(paper_ids)) / len(paper_ids) if paper_ids else 1.0

    def hashes(self) -> dict[str, tuple[str, str, str]]:
        """paper_id -> (content_hash, embed_hash, embed_model) for every paper."""
        rows = self._db.execute("SELECT paper_id, content_hash, embed_hash, embed_model FROM papers")
        return {pid: (ch, eh, em) for pid, ch, eh, em in rows}

    def hashes_for(self, paper_ids: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """Like :meth:`hashes`, for just these papers (those that are stored)."""
        rows = self._select_in("paper_id, content_hash, embed_hash, embed_model", paper_ids)
        return {pid: (ch, eh, em) for pid, ch, eh, em in rows}

    def _select_in(self, columns: str, paper_ids: Iterable[str]) -> Iterator[tuple]:
        """Rows of ``columns`` for these paper ids, queried 500 ids at a time (SQLite's variable limit)."""
        ids = list(paper_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(f"SELECT {columns} FROM papers WHERE paper_id IN ({marks})", chunk)

    def roles_for(self, paper_ids: Iterable[str]) -> dict[str, str]:
        """The stored sentence-role codes (``"<version>:<code>"``) of these papers, where there is one."""
        try:
            return {pid: code for pid, code in self._select_in("paper_id, roles", paper_ids) if code}
        except sqlite3.OperationalError:  # an old catalogue opened read-only: no roles column
            return {}

    def iter_papers(self, limit: int | None = None) -> Iterator[Paper]:
        sql = "SELECT data FROM papers ORDER BY seq"
        rows = self._db.execute(sql + " LIMIT ?", (limit,)) if limit else self._db.execute(sql)
        for (data,) in rows:
            yield Paper.from_dict(json.loads(data))

    def sources(self) -> list[str]:
        """The distinct source files of the stored papers."""
        return [row[0] for row in self._db.execute("SELECT DISTINCT source FROM papers ORDER BY source")]

    def find_text(self, needle: str, limit: int = 200) -> list[Paper]:
        """Papers whose stored record (title, abstract, metadata) contains ``needle``, case-insensitively."""
        rows = self._db.execute("SELECT data FROM papers WHERE data LIKE ? ORDER BY seq LIMIT ?",
                                (f"%{needle}%", limit))
        return [Paper.from_dict(json.loads(d)) for (d,) in rows]

    def find_titles(self, needle: str, limit: int = 20) -> list[Paper]:
        rows = self._db.execute("SELECT data FROM papers WHERE title LIKE ? ORDER BY seq LIMIT ?",
                                (f"%{needle}%", limit))
        return [Paper.from_dict(json.loads(d)) for (d,) in rows]

    # -- writes -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES "
                             "('version', CAST(COALESCE((SELECT value FROM meta WHERE key='version'), 0) + 1 AS TEXT))")
            self._db.execute("COMMIT")

    def upsert(self, paper: Paper, embed_hash: str, embed_model: str, with_roles: bool = True) -> None:
        """Insert or replace one paper, with its abstract's sentence roles (``with_roles=False``: none stored, a
        reader's mirror tags them when they are first read); call inside :meth:`transaction`."""
        from ..roles import ROLES_VERSION, encode_roles, tag_abstract

        roles = f"{ROLES_VERSION}:{encode_roles(tag_abstract(paper.title, paper.abstract))}" if with_roles else None
        self._db.execute(
            "INSERT INTO papers(paper_id, title, year, source, data, content_hash, embed_hash, embed_model, seq, "
            "roles) VALUES (?,?,?,?,?,?,?,?, COALESCE((SELECT MAX(seq) FROM papers), 0) + 1, ?) "
            "ON CONFLICT(paper_id) DO UPDATE SET title=excluded.title, year=excluded.year, source=excluded.source, "
            "data=excluded.data, content_hash=excluded.content_hash, embed_hash=excluded.embed_hash, "
            "embed_model=excluded.embed_model, roles=excluded.roles",
            (paper.paper_id, paper.title, paper.year, paper.source, json.dumps(paper.to_dict(), ensure_ascii=False),
             paper.content_hash, embed_hash, embed_model, roles),
        )

    def delete(self, paper_ids: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM papers WHERE paper_id=?", [(p,) for p in paper_ids])
