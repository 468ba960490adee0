"""Work off the UI thread: the store as workers see it, and the lock they share.

Retrieval, generation, comparisons and drafts run in thread workers. A worker holds the store's
lock while it uses the store and sees the store through :class:`StoreView` (with the chat's
settings, so ``/model`` can switch at run time). Workers report back by posting messages
(:mod:`.events`), which Textual delivers on the UI thread, or, for a one-off result, through
``call_from_thread``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Collection, Iterable
from typing import Any

from ..settings import Settings

_STORE_LOCKS: "weakref.WeakKeyDictionary[Any, threading.Lock]" = weakref.WeakKeyDictionary()


def store_lock(store: Any) -> threading.Lock:
    """One lock per store: workers (of this app or a previous one) never use it concurrently."""
    return _STORE_LOCKS.setdefault(store, threading.Lock())


class StoreView:
    """The store as the core sees it, with the chat's settings (so /model can switch at run time
    without touching the store object, which others may share)."""

    def __init__(self, store: Any, settings: Settings) -> None:
        self._store = store
        self.settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __len__(self) -> int:
        return len(self._store)


class _HidingCatalogue:
    """The catalogue without some papers: retrieval only returns papers the catalogue holds."""

    def __init__(self, catalogue: Any, hidden: Collection[str]) -> None:
        self._catalogue = catalogue
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalogue, name)

    def get_many(self, paper_ids: Iterable[str]) -> dict[str, Any]:
        return self._catalogue.get_many(pid for pid in paper_ids if pid not in self._hidden)


class ExcludingView(StoreView):
    """A store view whose searches never return the ``excluded`` papers (``/exclude N``): what a
    comparison or draft is given, so the papers a researcher left out stay out."""

    def __init__(self, view: StoreView, excluded: Collection[str]) -> None:
        super().__init__(view._store, view.settings)
        self.catalogue = _HidingCatalogue(view._store.catalogue, frozenset(excluded))
