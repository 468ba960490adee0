"""Zotero reader: a library database built here with the tables and columns of Zotero's own schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.models import Filters, Paper, Skip
from assistant.readers.zotero import looks_like_zotero, read_zotero, zotero_date

# The subset of Zotero's schema (userdata.sql and the system tables) the reader touches, plus the tables of
# notes and attachments, spelled as Zotero spells them.
SCHEMA = """
CREATE TABLE version (schema TEXT PRIMARY KEY, version INT NOT NULL);
CREATE TABLE itemTypes (itemTypeID INTEGER PRIMARY KEY, typeName TEXT, templateItemTypeID INT, display INT DEFAULT 1);
CREATE TABLE fields (fieldID INTEGER PRIMARY KEY, fieldName TEXT, fieldFormatID INT);
CREATE TABLE creatorTypes (creatorTypeID INTEGER PRIMARY KEY, creatorType TEXT);
CREATE TABLE libraries (libraryID INTEGER PRIMARY KEY, type TEXT NOT NULL, editable INT NOT NULL,
    filesEditable INT NOT NULL, version INT NOT NULL DEFAULT 0, storageVersion INT NOT NULL DEFAULT 0,
    lastSync INT NOT NULL DEFAULT 0, archived INT NOT NULL DEFAULT 0);
CREATE TABLE items (itemID INTEGER PRIMARY KEY, itemTypeID INT NOT NULL,
    dateAdded TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, dateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    clientDateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, libraryID INT NOT NULL, key TEXT NOT NULL,
    version INT NOT NULL DEFAULT 0, synced INT NOT NULL DEFAULT 0, UNIQUE (libraryID, key));
CREATE TABLE itemDataValues (valueID INTEGER PRIMARY KEY, value UNIQUE);
CREATE TABLE itemData (itemID INT, fieldID INT, valueID, PRIMARY KEY (itemID, fieldID));
CREATE TABLE itemNotes (itemID INTEGER PRIMARY KEY, parentItemID INT, note TEXT, title TEXT);
CREATE TABLE itemAttachments (itemID INTEGER PRIMARY KEY, parentItemID INT, linkMode INT, contentType TEXT,
    charsetID INT, path TEXT, syncState INT DEFAULT 0, storageModTime INT, storageHash TEXT);
CREATE TABLE creators (creatorID INTEGER PRIMARY KEY, firstName TEXT, lastName TEXT, fieldMode INT,
    UNIQUE (lastName, firstName, fieldMode));
CREATE TABLE itemCreators (itemID INT NOT NULL, creatorID INT NOT NULL, creatorTypeID INT NOT NULL DEFAULT 1,
    orderIndex INT NOT NULL DEFAULT 0, PRIMARY KEY (itemID, creatorID, creatorTypeID, orderIndex),
    UNIQUE (itemID, orderIndex));
CREATE TABLE collections (collectionID INTEGER PRIMARY KEY, collectionName TEXT NOT NULL,
    parentCollectionID INT DEFAULT NULL, clientDateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    libraryID INT NOT NULL, key TEXT NOT NULL, version INT NOT NULL DEFAULT 0, synced INT NOT NULL DEFAULT 0,
    UNIQUE (libraryID, key));
CREATE TABLE collectionItems (collectionID INT NOT NULL, itemID INT NOT NULL, orderIndex INT NOT NULL DEFAULT 0,
    PRIMARY KEY (collectionID, itemID));
CREATE TABLE deletedItems (itemID INTEGER PRIMARY KEY, dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL);
CREATE TABLE deletedCollections (collectionID INTEGER PRIMARY KEY, dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL);
INSERT INTO version VALUES ('userdata', 120);
INSERT INTO itemTypes VALUES (1, 'annotation', NULL, 0), (3, 'attachment', NULL, 0), (11, 'conferencePaper', NULL, 1),
    (22, 'journalArticle', NULL, 2), (28, 'note', NULL, 0), (30, 'preprint', NULL, 1), (7, 'book', NULL, 2);
INSERT INTO fields VALUES (1, 'title', NULL), (2, 'abstractNote', NULL), (6, 'date', NULL), (13, 'url', NULL),
    (16, 'extra', NULL), (38, 'publicationTitle', NULL), (59, 'DOI', NULL), (64, 'proceedingsTitle', NULL),
    (80, 'archiveID', NULL), (90, 'pages', NULL);
INSERT INTO creatorTypes VALUES (1, 'artist'), (8, 'author'), (10, 'editor'), (11, 'contributor');
INSERT INTO libraries (libraryID, type, editable, filesEditable) VALUES (1, 'user', 1, 1), (2, 'feed', 0, 0);
"""
ABSTRACT = ("We compress every layer of a transformer to four bits. The model keeps its accuracy on six "
            "benchmarks and runs twice as fast on a laptop.")


class Library:
    """A Zotero library database being filled in, the way Zotero lays its rows out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript(SCHEMA)
        self.next_id = 1

    def item(self, key: str, type_name: str = "journalArticle", library: int = 1, **fields: str) -> int:
        item_id = self.next_id
        self.next_id += 1
        type_id = self.db.execute("SELECT itemTypeID FROM itemTypes WHERE typeName = ?", (type_name,)).fetchone()[0]
        self.db.execute("INSERT INTO items (itemID, itemTypeID, libraryID, key) VALUES (?, ?, ?, ?)",
                        (item_id, type_id, library, key))
        for name, value in fields.items():
            self.db.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))
            value_id = self.db.execute("SELECT valueID FROM itemDataValues WHERE value = ?", (value,)).fetchone()[0]
            field_id = self.db.execute("SELECT fieldID FROM fields WHERE fieldName = ?", (name,)).fetchone()[0]
            self.db.execute("INSERT INTO itemData VALUES (?, ?, ?)", (item_id, field_id, value_id))
        return item_id

    def creator(self, item_id: int, order: int, first: str, last: str, kind: str = "author", mode: int = 0) -> None:
        self.db.execute("INSERT OR IGNORE INTO creators (firstName, lastName, fieldMode) VALUES (?, ?, ?)",
                        (first, last, mode))
        creator_id = self.db.execute("SELECT creatorID FROM creators WHERE firstName = ? AND lastName = ?",
                                     (first, last)).fetchone()[0]
        type_id = self.db.execute("SELECT creatorTypeID FROM creatorTypes WHERE creatorType = ?", (kind,)).fetchone()[0]
        self.db.execute("INSERT INTO itemCreators VALUES (?, ?, ?, ?)", (item_id, creator_id, type_id, order))

    def collection(self, cid: int, name: str, parent: int | None = None, items: tuple[int, ...] = ()) -> None:
        self.db.execute("INSERT INTO collections (collectionID, collectionName, parentCollectionID, libraryID, key) "
                        "VALUES (?, ?, ?, 1, ?)", (cid, name, parent, f"COLL{cid:04d}"))
        self.db.executemany("INSERT INTO collectionItems (collectionID, itemID) VALUES (?, ?)",
                            [(cid, item) for item in items])

    def close(self) -> None:
        self.db.close()


def library(tmp_path: Path) -> Library:
    return Library(tmp_path / "zotero.sqlite")


def read(path: Path) -> list[Paper | Skip]:
    return list(read_zotero(path))


def test_fields_creators_in_order_and_dates(tmp_path: Path) -> None:
    lib = library(tmp_path)
    first = lib.item("ABCD1234", title="Four-Bit Transformers", abstractNote=ABSTRACT, date="2021-03-04 March 4, 2021",
                     publicationTitle="Journal of Small Models", DOI="10.1000/jsm.2021.7",
                     url="https://example.org/fourbit", extra="tex.ids: x\narXiv: 2103.01234\nPMID: 1")
    # stored out of order: Zotero's order is orderIndex, not insertion order or creatorID
    lib.creator(first, 2, "Carla", "Chen")
    lib.creator(first, 0, "Ada", "Lovelace")
    lib.creator(first, 1, "", "Open Science Collective", mode=1)
    lib.creator(first, 3, "Ed", "Itor", kind="editor")
    second = lib.item("EFGH5678", "conferencePaper", title="Routing Without Routers", abstractNote=ABSTRACT,
                      date="2023-00-00 2023", proceedingsTitle="Proceedings of Fast Inference")
    lib.creator(second, 0, "Grace", "Hopper", kind="editor")  # no author at all: the creators are who there is
    lib.item("IJKL9012", "preprint", title="A Preprint", abstractNote=ABSTRACT, archiveID="arXiv:2401.04088")
    lib.close()

    a, b, c = read(lib.path)
    assert isinstance(a, Paper) and isinstance(b, Paper) and isinstance(c, Paper)
    assert (a.title, a.abstract, a.source) == ("Four-Bit Transformers", ABSTRACT, "zotero.sqlite")
    assert a.authors == ("Lovelace, Ada", "Open Science Collective", "Chen, Carla")
    assert (a.year, a.date, a.venue) == (2021, "2021-03-04", "Journal of Small Models")
    assert (a.doi, a.url, a.arxiv_id) == ("10.1000/jsm.2021.7", "https://example.org/fourbit", "2103.01234")
    assert (b.authors, b.year, b.date, b.venue) == (("Hopper, Grace",), 2023, "2023", "Proceedings of Fast Inference")
    # a preprint's archive id; with no date its year is the year the id was given
    assert (c.arxiv_id, c.year, c.date) == ("2401.04088", 2024, None)


@pytest.mark.parametrize(("stored", "year", "shown"), [
    ("2021-03-04 2021-03-04", 2021, "2021-03-04"),
    ("2019-05-00 May 2019", 2019, "2019-05"),
    ("0000-00-00 Spring 1999", 1999, "Spring 1999"),
    ("0000-00-00 forthcoming", None, "forthcoming"),
    ("in press, vol 0042", None, "in press, vol 0042"),
    ("", None, None),
])
def test_zotero_dates(stored: str, year: int | None, shown: str | None) -> None:
    assert zotero_date(stored) == (year, shown)


def test_trash_notes_attachments_annotations_and_feeds_are_not_papers(tmp_path: Path) -> None:
    lib = library(tmp_path)
    kept = lib.item("KEEP0001", title="Kept Paper", abstractNote=ABSTRACT)
    lib.item("ATTA0001", "attachment", title="Full Text PDF", url="https://example.org/a.pdf")
    lib.item("NOTE0001", "note")
    lib.db.execute("INSERT INTO itemNotes VALUES (?, ?, ?, ?)", (lib.next_id - 1, kept, "<p>my note</p>", "my note"))
    lib.item("ANNO0001", "annotation")
    trashed = lib.item("TRSH0001", title="Trashed Paper", abstractNote=ABSTRACT)
    lib.db.execute("INSERT INTO deletedItems (itemID) VALUES (?)", (trashed,))
    lib.item("FEED0001", library=2, title="A Feed Entry", abstractNote=ABSTRACT)
    lib.item("LAST0001", title="Last Paper", abstractNote=ABSTRACT)
    lib.close()

    records = read(lib.path)
    assert [(type(r).__name__, r.title) for r in records if isinstance(r, Paper)] == [
        ("Paper", "Kept Paper"), ("Paper", "Last Paper")]
    assert len(records) == 2  # and no skip for any of the others either


def test_item_without_abstract_is_a_skip_naming_its_key(tmp_path: Path) -> None:
    lib = library(tmp_path)
    lib.item("NOAB1234", title="Only a Title", date="2020-00-00 2020")
    lib.item("NOTI5678", abstractNote=ABSTRACT)
    lib.close()
    no_abstract, no_title = read(lib.path)
    assert isinstance(no_abstract, Skip) and no_abstract.where == "item NOAB1234"
    assert "no abstract" in no_abstract.reason and str(no_abstract).startswith("zotero.sqlite:item NOAB1234: ")
    assert isinstance(no_title, Skip) and (no_title.where, no_title.reason) == ("item NOTI5678", "no title")


def test_collections_become_categories_the_category_filter_keeps(tmp_path: Path) -> None:
    lib = library(tmp_path)
    quant = lib.item("QUAN0001", title="Quantised Experts", abstractNote=ABSTRACT)
    routing = lib.item("ROUT0001", title="Routing Tokens", abstractNote=ABSTRACT)
    loose = lib.item("LOOS0001", title="In No Collection", abstractNote=ABSTRACT)
    lib.collection(1, "Thesis", items=(quant,))
    lib.collection(2, "Chapter 2", parent=1, items=(quant, routing))
    lib.collection(3, "Old ideas", items=(routing,))
    lib.db.execute("INSERT INTO deletedCollections (collectionID) VALUES (3)")  # a collection in the trash
    lib.close()

    papers = {p.title: p for p in read(lib.path) if isinstance(p, Paper)}
    assert papers["Quantised Experts"].categories == ("collection: Thesis", "collection: Thesis/Chapter 2")
    assert papers["Routing Tokens"].categories == ("collection: Thesis/Chapter 2",)
    assert papers["In No Collection"].categories == ()
    chapter = Filters.parse('category="collection: Thesis/Chapter 2"')
    assert sorted(p.title for p in papers.values() if chapter.admits(p)) == ["Quantised Experts", "Routing Tokens"]
    assert loose  # (the item exists, in no collection)


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_locked_library_is_read_from_a_copy_and_left_untouched(tmp_path: Path, journal_mode: str) -> None:
    library(tmp_path).close()
    path = tmp_path / "zotero.sqlite"
    zotero = sqlite3.connect(path, isolation_level=None)  # Zotero, running
    zotero.execute(f"PRAGMA journal_mode={journal_mode}")
    zotero.execute("PRAGMA wal_autocheckpoint=0")  # in WAL mode committed rows stay in the -wal file meanwhile
    zotero.execute("PRAGMA cache_size=1")  # a small cache: uncommitted pages spill into the file itself
    writer = Library.__new__(Library)
    writer.db, writer.path, writer.next_id = zotero, path, 1
    writer.item("COMM0001", title="Committed Paper", abstractNote=ABSTRACT)
    zotero.execute("BEGIN EXCLUSIVE")  # and in the middle of a write
    for n in range(200):
        writer.item(f"UNCO{n:04d}", title=f"Uncommitted {n}", abstractNote=ABSTRACT + " " + "x" * 500)
    try:
        beside = sorted(p.name for p in tmp_path.iterdir())
        before = {name: (tmp_path / name).read_bytes() for name in beside}
        if journal_mode == "delete":
            assert "zotero.sqlite-journal" in beside  # a hot journal, copied with the database
            with pytest.raises(sqlite3.OperationalError, match="locked"):  # what reading the original would meet
                sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0).execute(
                    "SELECT count(*) FROM items").fetchone()
        else:
            assert "zotero.sqlite-wal" in beside

        records = read(path)

        assert [r.title for r in records if isinstance(r, Paper)] == ["Committed Paper"]
        assert sorted(p.name for p in tmp_path.iterdir()) == beside  # no -shm or copy left beside it
        assert {name: (tmp_path / name).read_bytes() for name in beside} == before
    finally:
        zotero.execute("ROLLBACK")
        zotero.close()


def test_the_private_copy_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = library(tmp_path)
    lib.item("ONLY0001", title="Only Paper", abstractNote=ABSTRACT)
    lib.close()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    records = read_zotero(lib.path)
    assert isinstance(next(records), Paper)
    assert len(list(scratch.iterdir())) == 1  # the copy, while reading
    records.close()  # a reader stopped early (the ingest's first pass reads to the end; a test may not)
    assert list(scratch.iterdir()) == []


def test_damaged_or_foreign_files_are_one_input_error_naming_the_file(tmp_path: Path) -> None:
    lib = library(tmp_path)
    lib.item("ONLY0001", title="Only Paper", abstractNote=ABSTRACT)
    lib.close()
    data = lib.path.read_bytes()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(data[:100] + b"\xa5" * (len(data) - 100))  # the header survives, the pages do not
    with pytest.raises(InputError) as caught:
        read(damaged)
    assert caught.value.path == str(damaged) and "damaged" in caught.value.reason

    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)
    with pytest.raises(InputError) as caught:
        read(truncated)
    assert caught.value.path == str(truncated)

    text = tmp_path / "library.sqlite"
    text.write_text("title,abstract\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an SQLite database"):
        read(text)

    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).executescript("CREATE TABLE papers (title TEXT); INSERT INTO papers VALUES ('x');")
    with pytest.raises(InputError, match="not a Zotero library") as caught:
        read(other)
    assert caught.value.path == str(other)


def test_sniffing_tells_a_zotero_library_from_another_database(tmp_path: Path) -> None:
    lib = library(tmp_path)
    lib.close()
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).executescript("CREATE TABLE papers (title TEXT);")
    text = tmp_path / "notes.sqlite"
    text.write_text("SQLite is a database\n", encoding="utf-8")
    assert not looks_like_zotero(other) and not looks_like_zotero(text)

    zotero = sqlite3.connect(lib.path, isolation_level=None)  # Zotero, running and writing
    zotero.execute("BEGIN EXCLUSIVE")
    zotero.execute("INSERT INTO itemDataValues (value) VALUES ('uncommitted')")
    try:
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        assert looks_like_zotero(lib.path)
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    finally:
        zotero.execute("ROLLBACK")
        zotero.close()


def test_read_records_picks_the_zotero_reader(tmp_path: Path) -> None:
    from assistant.readers import detect_format, read_records

    lib = library(tmp_path)
    lib.item("ONLY0001", title="Only Paper", abstractNote=ABSTRACT)
    lib.close()
    backup = tmp_path / "zotero.sqlite.bak"
    backup.write_bytes(lib.path.read_bytes())
    assert detect_format(lib.path) == detect_format(backup) == "zotero"  # by content, not by name
    assert [r.title for r in read_records(backup)] == ["Only Paper"]
    other = tmp_path / "other.db"
    sqlite3.connect(other).executescript("CREATE TABLE t (x);")
    with pytest.raises(InputError, match="not a Zotero library"):
        detect_format(other)
