"""Saved conversations: one SQLite file, ``<home>/conversations.sqlite``.

Pure sqlite: the chat reads and writes through :class:`History`, and :meth:`History.search`
finds earlier conversations by the words in their titles and messages.
The schema is versioned with ``PRAGMA user_version``; a file written by a newer
litreview is refused rather than mangled. Nothing about the configuration is
stored, and any secret passed as ``redact`` (the API key) is blanked out of every
text written, in case a user pasted it into a question.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StoreError

FILENAME = "conversations.sqlite"
SCHEMA_VERSION = 1
TITLE_MAX = 80
_MIGRATIONS = {
    1: """
    CREATE TABLE conversations (
        id      INTEGER PRIMARY KEY,
        title   TEXT NOT NULL,
        created TEXT NOT NULL,          -- ISO 8601, UTC
        updated TEXT NOT NULL
    );
    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role            TEXT NOT NULL,  -- 'user' | 'assistant'
        text            TEXT NOT NULL,
        citations_json  TEXT NOT NULL DEFAULT '{}',
        created         TEXT NOT NULL
    );
    CREATE INDEX messages_conversation ON messages(conversation_id, id);
    """,
}


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    title: str
    created: str
    updated: str
    messages: int = 0


@dataclass(frozen=True, slots=True)
class Found:
    """A saved conversation that matches a search, and the first matching line of it."""

    conversation: Conversation
    snippet: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    role: str
    text: str
    citations_json: str
    created: str


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def default_title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


class History:
    def __init__(self, path: Path, redact: Iterable[str | None] = ()) -> None:
        self.path = Path(path)
        self._secrets = [s for s in redact if s and len(s) >= 4]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the conversation history {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create the conversation history {self.path}: {exc.strerror}") from exc

    @classmethod
    def in_home(cls, home: Path, redact: Iterable[str | None] = ()) -> "History":
        return cls(Path(home) / FILENAME, redact)

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer litreview (history schema {version}); "
                             "upgrade litreview")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={target}")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def _run(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"conversation history {self.path}: {exc}") from exc

    # -- conversations ------------------------------------------------------------------------
    def create(self, title: str) -> int:
        stamp = now()
        cur = self._run("INSERT INTO conversations(title, created, updated) VALUES (?,?,?)",
                        (default_title(self._clean(title)) or "untitled", stamp, stamp))
        return int(cur.lastrowid or 0)

    def get(self, conversation_id: int) -> Conversation | None:
        row = self._run("SELECT c.id, c.title, c.created, c.updated, "
                        "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id=c.id) "
                        "FROM conversations c WHERE c.id=?", (conversation_id,)).fetchone()
        return Conversation(*row) if row else None

    def conversations(self, limit: int | None = None) -> list[Conversation]:
        """The stored conversations, most recently updated first (at most ``limit`` of them)."""
        sql = ("SELECT c.id, c.title, c.created, c.updated, "
               "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id=c.id) "
               "FROM conversations c ORDER BY c.updated DESC, c.id DESC")
        rows = self._run(sql + " LIMIT ?", (limit,)) if limit else self._run(sql)
        return [Conversation(*row) for row in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        title = default_title(self._clean(title))
        if not title:
            raise StoreError("a conversation title cannot be empty")
        self._run("UPDATE conversations SET title=? WHERE id=?", (title, conversation_id))

    def delete(self, conversation_id: int) -> None:
        self._run("DELETE FROM conversations WHERE id=?", (conversation_id,))

    # -- messages -----------------------------------------------------------------------------
    def add(self, conversation_id: int, role: str, text: str, citations_json: str = "{}") -> None:
        stamp = now()
        self._run("BEGIN IMMEDIATE")
        try:
            self._run("INSERT INTO messages(conversation_id, role, text, citations_json, created) VALUES (?,?,?,?,?)",
                      (conversation_id, role, self._clean(text), self._clean(citations_json), stamp))
            self._run("UPDATE conversations SET updated=? WHERE id=?", (stamp, conversation_id))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._run("COMMIT")

    def inputs(self, limit: int = 200) -> list[str]:
        """What was typed (questions and commands) across all conversations, oldest first: the
        prompt's up/down history at start-up."""
        rows = self._run("SELECT text FROM messages WHERE role='user' ORDER BY id DESC LIMIT ?", (limit,))
        return [row[0] for row in rows][::-1]

    def search(self, query: str, limit: int = 50) -> list[Found]:
        """Conversations whose title or messages contain every word of ``query`` (case-insensitive),
        most recently updated first, each with the first message line that matches."""
        words = [w.casefold() for w in query.split() if w.strip()]
        if not words:
            return []
        like = " AND ".join(["(lower(c.title) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m "
                             "WHERE m.conversation_id=c.id AND lower(m.text) LIKE ? ESCAPE '\\'))"] * len(words))
        args: list[object] = []
        for word in words:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args += [pattern, pattern]
        sql = ("SELECT c.id, c.title, c.created, c.updated, "
               "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id=c.id) "
               f"FROM conversations c WHERE {like} ORDER BY c.updated DESC, c.id DESC LIMIT ?")
        found = []
        for row in self._run(sql, (*args, limit)).fetchall():
            conv = Conversation(*row)
            found.append(Found(conv, self._snippet(conv, words)))
        return found

    def _snippet(self, conv: Conversation, words: list[str]) -> str:
        for message in self.messages(conv.id):
            for line in message.text.splitlines():
                folded = line.casefold()
                if any(w in folded for w in words):
                    return default_title(line.strip().lstrip("#").strip())
        return ""

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        rows = self._run("SELECT role, text, citations_json, created FROM messages "
                         "WHERE conversation_id=? ORDER BY id", (conversation_id,))
        return [StoredMessage(*row) for row in rows]
