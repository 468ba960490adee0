"""`litreview doctor`: what the tool is configured to use, and whether it works."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import LitreviewError, StoreError
from ..settings import Settings


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def diagnose() -> dict[str, object]:
    settings = Settings.load()
    report: dict[str, object] = {"data dir": str(settings.home)}
    problems: list[str] = []
    report["settings file"] = str(settings.config_file) if settings.config_file else "none"
    where_stored = (f"Chroma server {settings.chroma_url}" if settings.chroma_url
                    else f"embedded ({settings.chroma_path})")
    report["store"] = where_stored
    try:
        from ..store import Store

        store = Store.open(settings)
        report["papers"] = len(store)
        report["embedding model"] = store.embedder_id
        store.embed(["doctor check"])  # loads and integrity-checks the model files
        try:
            report["vectors"] = store.vectors.count()
            store.vectors.probe()
        except LitreviewError as exc:
            if store.read_only or settings.chroma_url:
                raise
            raise StoreError(f"{exc}; run `litreview repair` to rebuild the vectors from the catalogue") from exc
        report["disk use"] = f"{_dir_size(settings.home) / 1e6:.1f} MB"
        pending = json.loads(store.catalogue.get_meta("pending") or "[]")
        if pending and not store.read_only:
            problems.append(f"an interrupted write left {len(pending)} papers pending; the next `litreview ingest` "
                            "finishes it")
        live = {(pid, eh) for pid, (_, eh, _) in store.catalogue.hashes().items()}
        orphans = sum(1 for _, pid, eh in store.vectors.iter_chunk_keys() if (pid, eh) not in live)
        if orphans and not store.read_only:
            problems.append(f"{orphans} vectors belong to no paper in the catalogue (was the catalogue replaced?); "
                            "run `litreview repair` to rebuild the vectors from the catalogue")
        missing = store.missing_vectors()
        if store.read_only:
            from ..store.shared import MIRRORED

            report["store"] = f"{where_stored} (read-only reader)"
            in_step = store.vectors.revision() == store.catalogue.get_meta(MIRRORED)
            report["mirror"] = "in step with the server" if in_step else "behind the server: the next command syncs it"
            if missing:
                problems.append(f"{len(missing)} mirrored papers have no vectors on the server; ask its maintainer "
                                "to run `litreview ingest --repair`")
        elif missing:
            problems.append(f"{len(missing)} papers have no vectors in the Chroma collection (was it reset or "
                            "deleted?); run `litreview ingest --repair`")
        stale = store.needs_reembedding()
        if stale:
            problems.append(f"{stale} papers were embedded by another model; run `litreview ingest` to re-embed")
    except LitreviewError as exc:
        problems.append(str(exc))
    if settings.llm_configured:
        from ..engines.llm import without_credentials

        where = without_credentials(settings.llm.base_url) if settings.llm.base_url else "the OpenAI API"
        report["llm"] = f"{settings.llm.model} at {where}"
    else:
        report["llm"] = "not configured: the offline engine answers (set OPENAI_API_KEY / OPENAI_BASE_URL)"
    report["api key"] = "set" if settings.openai_api_key else "not set"
    report["problems"] = problems or "none"
    return report
