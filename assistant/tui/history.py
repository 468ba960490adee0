"""The saved conversations live in :mod:`assistant.conversations.history`; this name stays importable."""

from ..conversations.history import FILENAME, SCHEMA_VERSION, Conversation, History, StoredMessage, default_title

__all__ = ["FILENAME", "SCHEMA_VERSION", "Conversation", "History", "StoredMessage", "default_title"]
