"""One exception tree for everything a user can be told about.

Every message is a sentence a user can act on. The CLI and the TUI render
``str(error)`` on one line; tracebacks appear only with ``--debug``.
"""

from __future__ import annotations


def printable(text: object) -> str:
    """``text`` safe to show on one line of a terminal: control and invisible characters become escapes
    (a newline as ``\\n``, ESC as ``\\x1b``), so a hostile file name or BibTeX key cannot break the line or
    drive the terminal."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


SECRET_MIN = 8  # shorter "keys" ("x", "none", "ollama") are placeholders for local servers, not secrets


def redact(text: object, *secrets: str | None) -> str:
    """``text`` with every secret (the API key; by default ``OPENAI_API_KEY``) replaced: servers echo
    request headers in error bodies, and those bodies end up in messages. A placeholder key shorter than
    :data:`SECRET_MIN` is left alone: replacing "x" everywhere would garble every message."""
    import os

    text = str(text)
    for secret in secrets or (os.environ.get("OPENAI_API_KEY"),):
        if secret and len(secret) >= SECRET_MIN:
            text = text.replace(secret, "<OPENAI_API_KEY>")
    return text


class LitreviewError(Exception):
    """Base of every user-facing failure. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class ConfigError(LitreviewError):
    """A setting (environment variable or settings file) is wrong."""

    exit_code = 2


class InputError(LitreviewError):
    """A file the user gave cannot be read. The message names the file (and line or entry)."""

    exit_code = 2

    def __init__(self, path: object, reason: str, where: str | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.where = where
        location = f"{self.path}:{where}" if where else self.path
        super().__init__(printable(f"{location}: {reason}"))  # file names and entry keys come from strangers


class StoreError(LitreviewError):
    """The paper store cannot be opened, written or queried."""

    exit_code = 3


class StoreBusyError(StoreError):
    """Another litreview process holds the store's write lock."""


class DiskFullError(StoreError):
    """The disk holding the data dir has no room for the next write."""


class ReadOnlyStoreError(StoreError):
    """A write was asked of a data dir that reads a shared Chroma server read-only."""


class EmbeddingError(LitreviewError):
    """The embedding model is missing, damaged or failed."""

    exit_code = 3


class NotFoundError(LitreviewError):
    """A paper (by title or id) is not in the store."""

    exit_code = 4


class LLMError(LitreviewError):
    """The configured language-model endpoint failed."""

    exit_code = 5
