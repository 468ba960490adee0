"""Getting a store ready before a command uses it: the policy the CLI and the TUI share.

* a reader of a shared server brings its mirror in step with the server;
* an empty data dir is filled with the bundled corpus;
* papers embedded by another model than the configured one are re-embedded.

:func:`prepare` does the work and returns a :class:`Preparation` saying what it did; it never prints.
Each front end tells the user in its own way (stderr lines in the CLI, before the TUI starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import StoreBusyError, StoreError
from .commit import busy_writer

if TYPE_CHECKING:
    from ..settings import Settings
    from . import Store
    from .ingest import IngestReport, Progress
    from .shared import SyncReport


@dataclass(slots=True)
class Preparation:
    synced: SyncReport | None = None  # a reader's mirror, when it changed
    seeded: IngestReport | None = None  # the bundled corpus ingested into an empty store
    reembedded: int = 0  # papers re-embedded for a newly configured model

    def lines(self, store: Store) -> list[str]:
        """What happened, as sentences for the user."""
        out: list[str] = []
        if self.synced is not None and self.synced.changed:
            r = self.synced
            out.append(f"mirrored the shared collection at {store.settings.chroma_url}: {r.papers} papers "
                       f"({r.added} new, {r.updated} changed, {r.removed} removed)")
            if r.skipped:
                out.append(f"skipped {len(r.skipped)} published records that are not valid papers, e.g.: "
                           f"{r.skipped[0]}")
        if self.seeded is not None:
            out.append(f"{self.seeded.added} papers ingested in {self.seeded.seconds:.1f} s")
        if self.reembedded:
            out.append(f"re-embedded {self.reembedded} papers with {store.embedder_id}")
        return out


def will_seed(store: Store) -> bool:
    """An empty, writable, unshared store that no one is writing: :func:`prepare` will ingest the bundled
    corpus (slow-ish)."""
    return (not store.read_only and len(store) == 0 and not store.settings.chroma_url
            and not _lost_catalogue(store) and busy_writer(store) is None)


def prepare(store: Store, progress: Progress | None = None) -> Preparation:
    """Bring ``store`` to a state a command can use (see the module docstring)."""
    from . import bundled_corpus

    done = Preparation()
    if store.read_only:
        done.synced = store.sync()
        return done
    if len(store) == 0 and store.settings.chroma_url and store.vectors.count():
        raise StoreError(f"the shared Chroma store at {store.settings.chroma_url} holds {store.vectors.count()} "
                         f"passages but {store.home} has no papers yet; to read them set LITREVIEW_READ_ONLY=1, "
                         "or run `litreview ingest` with the same files (vectors on the server are reused)")
    if len(store) == 0 and _lost_catalogue(store):
        raise StoreError(f"the paper catalogue {store.settings.catalogue_path} is empty but the vector index "
                         f"holds {store.vectors.count()} passages: the catalogue was deleted or replaced. Ingest "
                         "your files again (`litreview ingest FILE ...`), then `litreview repair` drops the "
                         "vectors no paper owns")
    if len(store) == 0 and (writer := busy_writer(store)):  # a first ingest that has committed nothing yet
        raise StoreBusyError(f"the store in {store.home} has no papers yet: {writer} is running its first "
                             "ingest; try again when its first batch is stored")
    if len(store) == 0:
        done.seeded = store.ingest(bundled_corpus(), progress=progress)
    elif store.needs_reembedding():
        done.reembedded = store.reembed(progress=progress).reembedded
    return done


def open_prepared(settings: Settings | None = None, progress: Progress | None = None) -> tuple[Store, Preparation]:
    """``Store.open`` then :func:`prepare`; the store is closed again if preparing fails."""
    from . import Store

    store = Store.open(settings)
    try:
        return store, prepare(store, progress)
    except BaseException:
        store.close()
        raise


def _lost_catalogue(store: Store) -> bool:
    """An empty catalogue beside a vector index that holds passages, with no interrupted write to explain
    them: the catalogue itself was lost (seeding the bundled corpus would hide that)."""
    if store.settings.chroma_url or store.catalogue.get_meta("pending") not in (None, "[]"):
        return False
    return store.settings.chroma_path.exists() and store.vectors.count() > 0
