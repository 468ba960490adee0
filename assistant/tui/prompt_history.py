"""Up/down recall of what was typed into the prompt, like a shell; seeded from saved conversations."""

from __future__ import annotations


class InputHistory:
    """Up/down recall of what was typed, like a shell. ``draft`` is what was being typed before."""

    def __init__(self, entries: list[str] | None = None, limit: int = 200) -> None:
        self.entries: list[str] = list(entries or [])
        self.limit = limit
        self._pos: int | None = None
        self._draft = ""

    def add(self, text: str) -> None:
        text = text.strip()
        if text and (not self.entries or self.entries[-1] != text):
            self.entries.append(text)
            del self.entries[:-self.limit]
        self._pos = None

    def previous(self, current: str) -> str | None:
        if not self.entries:
            return None
        if self._pos is None:
            self._draft = current
            self._pos = len(self.entries)
        if self._pos == 0:
            return self.entries[0]
        self._pos -= 1
        return self.entries[self._pos]

    def next(self) -> str | None:
        if self._pos is None:
            return None
        self._pos += 1
        if self._pos >= len(self.entries):
            self._pos = None
            return self._draft
        return self.entries[self._pos]
