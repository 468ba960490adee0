"""A Zotero library read straight from its database (``zotero.sqlite`` in the Zotero data directory).

Zotero keeps its database open, and often locked, while it runs. The reader never opens the user's file:
it copies it (with its ``-wal`` write-ahead log or ``-journal`` rollback journal, when present) into a
private temporary folder and reads the copy through a read-only SQLite connection. A hot rollback journal
is rolled back in the private copy, never beside the original. The copy is deleted when reading ends.

What is read (the tables and columns of Zotero's schema):

* items: ``items`` (``itemID``, ``key``, ``libraryID``) and ``itemTypes`` (``typeName``); notes,
  attachments and annotations are not papers; items in ``deletedItems`` (the trash) and items of RSS feed
  libraries (``libraries.type = 'feed'``) are left out;
* fields: ``itemData`` + ``fields`` (``fieldName``) + ``itemDataValues`` (``value``): ``title``,
  ``abstractNote``, ``date``, ``DOI``, ``url``, the venue (``publicationTitle``, ``proceedingsTitle``,
  ``conferenceName``, ``bookTitle``) and the arXiv id (``archiveID``, ``extra``'s ``arXiv: 2401.12345``
  line, an arXiv DOI or URL);
* creators: ``itemCreators`` (``orderIndex``) + ``creators`` (``firstName``, ``lastName``, ``fieldMode``)
  + ``creatorTypes``: the authors in Zotero's order ("last, first"), or every creator when none is
  an author;
* collections: ``collections`` (``collectionName``, ``parentCollectionID``) + ``collectionItems``: each
  collection an item is in becomes a category ``collection: <name>``, a nested one
  ``collection: <parent>/<name>``, so ``--category "collection: <name>"`` keeps that collection's papers.

Each query walks the items in ``itemID`` order, so a library of any size streams through in bounded
memory. An item without an abstract is a :class:`Skip` at ``item <key>`` (Zotero's item key).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

from ..errors import InputError
from ..models import Skip
from ..textnorm import clean_text
from .base import YEAR_RE, Record, check_file, make_paper
from .tabular import arxiv_year

SQLITE_HEADER = b"SQLite format 3\x00"
NOT_PAPERS = ("attachment", "note", "annotation")
VENUE_FIELDS = ("publicationTitle", "proceedingsTitle", "conferenceName", "bookTitle")
FIELDS = ("title", "abstractNote", "date", "DOI", "url", "extra", "archiveID", *VENUE_FIELDS)
REQUIRED_TABLES = ("items", "itemTypes", "itemData", "itemDataValues", "fields",
                   "itemCreators", "creators", "creatorTypes", "deletedItems")
_ZOTERO_MARK = b"CREATE TABLE itemDataValues"  # a table of Zotero's schema, as its schema page spells it
ZOTERO_SNIFF_BYTES = 1024 * 1024

_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_EXTRA_RE = re.compile(rf"^\s*arxiv\s*(?:id)?\s*:\s*(?:arxiv:)?({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?\s*$",
                             re.I | re.M)
_ARXIV_ID_RE = re.compile(rf"^(?:arxiv:)?\s*({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.I)
_ARXIV_DOI_RE = re.compile(rf"^10\.48550/arxiv\.({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.I)
_ARXIV_URL_RE = re.compile(rf"arxiv\.org/(?:abs|pdf)/({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?$",
                           re.I)
# Zotero keeps a parsed date as "YYYY-MM-DD <the date as typed>", with 00 for an unknown part
_MULTIPART_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: (.*))?$", re.S)


def is_sqlite(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) starts an SQLite 3 database."""
    return head.startswith(SQLITE_HEADER)


def looks_like_zotero(path: Path) -> bool:
    """Whether ``path`` is an SQLite database with Zotero's tables, for picking the reader.

    The schema is read with SQLite's ``immutable`` flag: read-only, no lock taken, no journal or ``-shm``
    file made, so a library Zotero holds locked is read the same and left untouched. A schema that cannot
    be read that way (a write caught halfway) is looked for as bytes in the file's first megabyte.
    """
    with path.open("rb") as fh:
        head = fh.read(ZOTERO_SNIFF_BYTES)
    if not is_sqlite(head):
        return False
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1", uri=True)
        try:
            tables = _tables(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return _ZOTERO_MARK in head
    return all(name in tables for name in REQUIRED_TABLES)


def read_zotero(path: Path, encoding: str | None = None) -> Iterator[Record]:
    """The papers of a Zotero library database, read from a private read-only copy.

    ``encoding`` is accepted for the common reader signature and ignored: SQLite text is UTF-8.
    """
    check_file(path)
    with path.open("rb") as fh:
        if not is_sqlite(fh.read(len(SQLITE_HEADER))):
            raise InputError(path, "not an SQLite database, so not a Zotero library (zotero.sqlite)")
    with tempfile.TemporaryDirectory(prefix="litreview-zotero-") as tmp:
        copy = _private_copy(path, Path(tmp))
        conn = _open_read_only(path, copy)
        try:
            yield from _records(path, conn)
        except sqlite3.DatabaseError as exc:
            raise InputError(path, f"cannot be read as a Zotero library ({exc}); if Zotero was writing to it, "
                                   "try again, or close Zotero first") from exc
        finally:
            conn.close()


def _private_copy(path: Path, folder: Path) -> Path:
    """Copy the database and its journal or write-ahead log (never the ``-shm`` index) into ``folder``."""
    copy = folder / "zotero.sqlite"
    try:
        shutil.copyfile(path, copy)
        for suffix in ("-wal", "-journal"):
            companion = path.with_name(path.name + suffix)
            if companion.is_file():
                shutil.copyfile(companion, folder / (copy.name + suffix))
    except OSError as exc:
        raise InputError(path, f"cannot copy it to a temporary folder to read it ({exc.strerror or exc})") from exc
    return copy


def _open_read_only(path: Path, copy: Path) -> sqlite3.Connection:
    """A read-only connection to ``copy``, checked to hold Zotero's tables.

    A copy taken while Zotero was in the middle of a write holds a hot rollback journal, which SQLite must
    roll back before anyone may read; that needs write access, so the private copy (never the original) is
    opened read-write once to roll it back, then reopened read-only.
    """
    try:
        try:
            conn = _connect(copy)
            tables = _tables(conn)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_READONLY_ROLLBACK":
                raise
            recover = sqlite3.connect(f"file:{quote(str(copy))}?mode=rw", uri=True)
            try:
                recover.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                recover.close()
            conn = _connect(copy)
            tables = _tables(conn)
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"cannot be read as an SQLite database ({exc}); the file may be damaged") from exc
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        conn.close()
        named = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
        raise InputError(path, f"an SQLite database but not a Zotero library (no {named} table); "
                               "give the zotero.sqlite file from Zotero's data directory")
    return conn


def _connect(copy: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(copy))}?mode=ro", uri=True)
    conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    return conn


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


class _ByItem:
    """Rows of a query ordered by ``itemID`` (its first column), taken one item at a time."""

    def __init__(self, rows: Iterator[tuple]) -> None:
        self.rows = rows
        self.head: tuple | None = next(rows, None)

    def take(self, item_id: int) -> list[tuple]:
        """The rows of ``item_id``; rows of items before it (items that are not papers) are passed over."""
        while self.head is not None and self.head[0] < item_id:
            self.head = next(self.rows, None)
        out = []
        while self.head is not None and self.head[0] == item_id:
            out.append(self.head[1:])
            self.head = next(self.rows, None)
        return out


def _records(path: Path, conn: sqlite3.Connection) -> Iterator[Record]:
    tables = _tables(conn)
    feeds = ("AND i.libraryID NOT IN (SELECT libraryID FROM libraries WHERE type = 'feed')"
             if "libraries" in tables and "type" in _columns(conn, "libraries") else "")
    items = conn.execute(
        f"""SELECT i.itemID, i.key FROM items i JOIN itemTypes t ON t.itemTypeID = i.itemTypeID
            WHERE t.typeName NOT IN ({', '.join('?' * len(NOT_PAPERS))})
              AND i.itemID NOT IN (SELECT itemID FROM deletedItems) {feeds}
            ORDER BY i.itemID""", NOT_PAPERS)
    values = _ByItem(conn.execute(
        f"""SELECT d.itemID, f.fieldName, v.value FROM itemData d
            JOIN fields f ON f.fieldID = d.fieldID JOIN itemDataValues v ON v.valueID = d.valueID
            WHERE f.fieldName IN ({', '.join('?' * len(FIELDS))}) ORDER BY d.itemID""", FIELDS))
    creators = _ByItem(conn.execute(
        """SELECT ic.itemID, c.firstName, c.lastName, c.fieldMode, ct.creatorType FROM itemCreators ic
           JOIN creators c ON c.creatorID = ic.creatorID
           LEFT JOIN creatorTypes ct ON ct.creatorTypeID = ic.creatorTypeID
           ORDER BY ic.itemID, ic.orderIndex"""))
    paths = _collection_paths(conn, tables)
    memberships = _ByItem(conn.execute("SELECT itemID, collectionID FROM collectionItems ORDER BY itemID")
                          if "collectionItems" in tables else iter(()))
    source = path.name
    for item_id, key in items:
        fields = {name: _text(value) for name, value in values.take(item_id)}
        collections = sorted({paths[cid] for (cid,) in memberships.take(item_id) if cid in paths})
        yield _paper(source, f"item {key}", fields, _authors(creators.take(item_id)), collections)


def _paper(source: str, where: str, fields: dict[str, str], authors: list[str], collections: list[str]) -> Record:
    title, abstract = fields.get("title", ""), fields.get("abstractNote", "")
    if not clean_text(title):
        return Skip(source, where, "no title")
    if not clean_text(abstract):
        return Skip(source, where, "no abstract (papers without one cannot be searched)")
    arxiv_id = _arxiv_id(fields)
    year, when = zotero_date(fields.get("date", ""))
    venue = next((fields[name] for name in VENUE_FIELDS if clean_text(fields.get(name, ""))), None)
    if year is None and arxiv_id:  # the year the id was given, unless its digits name no year yet
        given = arxiv_year(arxiv_id)
        year = given if given is not None and given <= date.today().year else None
    return make_paper(
        source, where, title, abstract, authors=authors, year=year,
        date=when, venue=venue, doi=fields.get("DOI") or None, url=fields.get("url") or None, arxiv_id=arxiv_id,
        categories=[f"collection: {name}" for name in collections],
    )


def _authors(rows: list[tuple]) -> list[str]:
    """Creators as "last, first" (a one-field name as typed), in Zotero's order: the authors, or everyone
    when no creator is an author (an edited volume, a presentation)."""
    people = [(_name(first, last, mode), kind) for first, last, mode, kind in rows]
    authors = [name for name, kind in people if kind == "author" and name]
    return authors or [name for name, _ in people if name]


def _name(first: object, last: object, mode: object) -> str:
    first, last = clean_text(_text(first)), clean_text(_text(last))
    if mode == 1 or not first:  # fieldMode 1: a single-field name ("World Health Organization")
        return last or first
    return f"{last}, {first}" if last else first


def zotero_date(text: str) -> tuple[int | None, str | None]:
    """Year and date of Zotero's ``date`` field.

    Zotero stores a date it could parse as ``"2021-03-04 March 4, 2021"`` (ISO with ``00`` for a part it
    does not know, then the date as typed): the date is the known ISO part (``2021-03-04``, ``2021-03``,
    ``2021``); a date it could not parse is kept as typed. The year is the first four-digit number that is
    a real year (between 1000 and next year), never ``0000``.
    """
    text = text.strip()
    if not text:
        return None, None
    match = _MULTIPART_RE.match(text)
    shown = text
    if match:
        year, month, day, typed = match.groups()
        if year != "0000":
            shown = year + (f"-{month}" if month != "00" else "") + (f"-{day}" if month != "00" and day != "00" else "")
        else:
            shown = (typed or "").strip() or text
    latest = date.today().year + 1
    found = next((int(y) for y in YEAR_RE.findall(text) if 1000 <= int(y) <= latest), None)
    return found, shown or None


def _arxiv_id(fields: dict[str, str]) -> str | None:
    """The arXiv id in ``archiveID`` (preprints: ``arXiv:2401.12345``), ``extra``, the DOI or the URL."""
    for match in (_ARXIV_ID_RE.match(fields.get("archiveID", "").strip()),
                  _ARXIV_EXTRA_RE.search(fields.get("extra", "")),
                  _ARXIV_DOI_RE.match(fields.get("DOI", "").strip()),
                  _ARXIV_URL_RE.search(fields.get("url", "").strip())):
        if match:
            return match.group(1)
    return None


def _collection_paths(conn: sqlite3.Connection, tables: set[str]) -> dict[int, str]:
    """``collectionID -> "parent/child"`` for every collection not in the trash."""
    if "collections" not in tables:
        return {}
    rows = {cid: (_text(name), parent) for cid, name, parent in
            conn.execute("SELECT collectionID, collectionName, parentCollectionID FROM collections")}
    trashed: set[int] = set()
    if "deletedCollections" in tables:
        trashed = {cid for (cid,) in conn.execute("SELECT collectionID FROM deletedCollections")}
    paths: dict[int, str] = {}
    for cid in rows:
        names, seen, at = [], set(), cid
        while at in rows and at not in seen:  # a damaged parent chain that loops stops where it repeats
            if at in trashed:
                break
            seen.add(at)
            name, at = rows[at]
            names.append(clean_text(name))
        else:
            paths[cid] = "/".join(reversed(names))
    return paths


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
