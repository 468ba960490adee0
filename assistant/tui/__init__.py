"""The terminal UI (``litreview chat``): a textual app over the same core as the CLI.

Importing this package is cheap and does not import textual; :func:`run` does.
Only modules under ``assistant/tui`` import textual, never the core.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store import Store


def open_store(settings: "Settings") -> "Store":
    """The store for ``settings``; an empty one is first filled with the bundled corpus (said on stderr)."""
    from ..progress import Progress
    from ..store import Store, bundled_corpus

    store = Store.open(settings)
    if len(store) == 0:
        print("litreview: the store is empty; ingesting the bundled corpus first...", file=sys.stderr)
        with Progress.for_stderr() as progress:
            report = store.ingest(bundled_corpus(), progress=progress)
        print(f"litreview: {report.added} papers ingested in {report.seconds:.1f} s", file=sys.stderr)
    elif store.needs_reembedding():
        print(f"litreview: embedding model changed to {store.embedder_id}; re-embedding "
              f"{store.needs_reembedding()} papers...", file=sys.stderr)
        with Progress.for_stderr() as progress:
            store.reembed(progress=progress)
    return store


def run(settings: "Settings | None" = None) -> None:
    """Open the store (ingesting the bundled corpus if empty) and run the app until the user quits.

    A :class:`~assistant.errors.LitreviewError` raised before the app starts (bad
    settings, unreadable store) propagates, for the CLI to print on one line.
    """
    from ..settings import Settings

    settings = settings or Settings.load()
    store = open_store(settings)
    try:
        from .app import LitreviewApp

        LitreviewApp(store, settings).run()
    finally:
        store.close()
