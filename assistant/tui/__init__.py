"""The terminal UI (``litreview chat``): a textual app over the same core as the CLI.

Importing this package is cheap and does not import textual; :func:`run` does.
Only modules under ``assistant/tui`` import textual, never the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings


def run(settings: "Settings | None" = None) -> None:
    """Open the store (ingesting the bundled corpus if empty) and run the app until the user quits.

    A :class:`~assistant.errors.LitreviewError` raised before the app starts (bad
    settings, unreadable store) propagates, for the CLI to print on one line.
    """
    import sys

    from ..settings import Settings
    from ..store import Store
    from ..store.prepare import prepare, will_seed

    settings = settings or Settings.load()
    store = Store.open(settings)
    try:
        if will_seed(store):
            print("litreview: the store is empty; ingesting the bundled corpus first...", file=sys.stderr)
        for line in prepare(store).lines(store):
            print(f"litreview: {line}", file=sys.stderr)
        from .app import LitreviewApp

        LitreviewApp(store, settings).run()
    finally:
        store.close()
