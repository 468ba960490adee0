"""Work off the UI thread: thread workers that share the store and report back to the UI.

Retrieval and generation run in thread workers (Textual's ``@work(thread=True)``). A worker holds
the store's lock while it uses the store, sees the store through :class:`StoreView` (with the
app's settings), and hands its result back to the UI with ``_from_thread``, which does nothing
once the app has exited. :mod:`.answering` streams answers this way; everything else goes through
``run_background`` (part of the command API, see :mod:`.commands`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from ..errors import LitreviewError
from ..settings import Settings

if TYPE_CHECKING:
    from .app import LitreviewApp

_STORE_LOCKS: "weakref.WeakKeyDictionary[Any, threading.Lock]" = weakref.WeakKeyDictionary()


def store_lock(store: Any) -> threading.Lock:
    """One lock per store: workers (of this app or a previous one) never use it concurrently."""
    return _STORE_LOCKS.setdefault(store, threading.Lock())


class StoreView:
    """The store as the core sees it, with the app's settings (so /model can switch at run time
    without touching the store object, which others may share)."""

    def __init__(self, store: Any, settings: Settings) -> None:
        self._store = store
        self.settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __len__(self) -> int:
        return len(self._store)


class WorkersMixin:
    """Part of :class:`~.app.LitreviewApp`: running a function in a thread worker."""

    def run_background(self: LitreviewApp, fn: Callable[[], Any], on_done: Callable[[Any], Any]) -> None:
        """Run ``fn()`` in a thread worker holding the store lock; ``on_done(result)`` runs in the UI."""
        self._background(fn, on_done)

    @work(thread=True, group="background", exit_on_error=False)
    def _background(self: LitreviewApp, fn: Callable[[], Any], on_done: Callable[[Any], Any]) -> None:
        try:
            with store_lock(self.store):
                self.follow_server()
                result = fn()
        except LitreviewError as exc:
            self._from_thread(self.notify, str(exc), severity="error")
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not take the session down
            self._from_thread(self._unexpected, exc)
            return
        self._from_thread(on_done, result)

    def follow_server(self: LitreviewApp) -> None:
        """In a worker holding the store lock: a read-only reader of a shared server brings its mirror in step
        with the server first (one cheap revision check when nothing changed), and says so when it did."""
        if not self.store.read_only:
            return
        report = self.store.sync()
        if report.changed:
            self._from_thread(self._server_changed, report)

    def _server_changed(self: LitreviewApp, report: Any) -> None:
        self.paper_count = report.papers
        self.update_status()
        self.notify(f"the shared collection changed: {report.papers} papers ({report.added} new, "
                    f"{report.updated} changed, {report.removed} removed)")

    def _from_thread(self: LitreviewApp, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return self.call_from_thread(fn, *args, **kwargs)
        except RuntimeError:  # the app has exited meanwhile
            return None

    def _unexpected(self: LitreviewApp, exc: BaseException) -> None:
        self.log.error("unexpected error", exc)
        self.notify(f"unexpected error ({type(exc).__name__}): {exc}", severity="error")
