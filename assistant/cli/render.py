"""Plain-text rendering of core results for the CLI (the TUI has its own widgets)."""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections import Counter
from collections.abc import Callable

from ..errors import printable
from ..models import Answer, Hit, Paper
from ..names import display_authors
from ..retrieval import Floored, similarity
from ..store.ingest import IngestReport


def _width() -> int:
    return min(shutil.get_terminal_size((100, 20)).columns, 120)


def print_ingest(report: IngestReport, total: int) -> None:
    reembedded = f"{report.reembedded} re-embedded for a new embedding model, " if report.reembedded else ""
    if report.published:
        reembedded += f"{report.published} published to the shared server, "
    print(f"{len(report.files)} file(s): {report.added} added, {report.updated} updated, "
          f"{report.unchanged} unchanged, {reembedded}{report.duplicates} duplicate records merged, "
          f"{report.skipped_total} skipped  ({report.seconds:.1f} s)")
    if report.embedded_passages or report.cached_passages:
        print(f"passages: {report.embedded_passages} embedded, {report.cached_passages} from the bundled vector cache")
    if report.merged:
        print("merged (same title, same work):")
        for title, kept, source in report.merged[:10]:
            print(f"  {printable(title)}  ({printable(source)} into {printable(kept)})")
        if report.duplicates > 10:
            print(f"  ... {report.duplicates - 10} more (--json lists the first {len(report.merged)})")
    if report.kept_apart:
        print("kept apart (same title, different works):")
        for title, source, why in report.kept_apart[:10]:
            print(f"  {printable(title)}  ({printable(source)}: {printable(why)})")
    if report.skipped:
        reasons = Counter(s.reason for s in report.skipped)
        print("skipped:")
        for skip in report.skipped[:20]:
            print(f"  {printable(skip)}")  # keys and file names come from the files themselves
        if report.skipped_total > 20:
            print(f"  ... and {report.skipped_total - 20} more skipped (most common of the first "
                  f"{len(report.skipped)}: " +
                  "; ".join(f"{n}x {printable(r)}" for r, n in reasons.most_common(3)) + ")")
    print(f"store: {total} papers")


def print_papers(papers: list[Paper], total: int) -> None:
    for p in papers:
        print(f"{p.paper_id}  {p.year or '----'}  {p.title}")
    if len(papers) < total:
        print(f"({len(papers)} of {total} papers)")


def print_paper(p: Paper) -> None:
    print(p.title)
    print("=" * min(len(p.title), _width()))
    meta = [("id", p.paper_id), ("authors", display_authors(p.authors)), ("year", p.year), ("date", p.date),
            ("venue", p.venue), ("doi", p.doi), ("arXiv", p.arxiv_id), ("url", p.url),
            ("categories", " ".join(p.categories)), ("source", p.source)]
    for key, value in meta:
        if value:
            print(f"{key:>10}: {value}")
    print()
    print(textwrap.fill(p.abstract, width=_width()))


def print_hits(query: str, floored: Floored, passage: Callable[[Hit], str] = lambda h: "") -> None:
    """Ranked results above the floor, each with its similarity and the passage that matched
    (``passage(hit)``) or the abstract's start; one line naming the nearest paper when none is left, and on
    stderr how many were hidden."""
    if not floored.shown:
        nearest = floored.nearest
        if nearest is None:
            print(f"no papers match {query!r}")
        else:
            print(f"no paper in the collection is about {query!r}; the nearest is {nearest.paper.title!r} "
                  f"({_similarity(nearest)}, under {floored.floor:g})")
        return
    width = _width()
    for rank, h in enumerate(floored.shown, 1):
        keyword = " (uses every word of the query)" if h.paper.paper_id in floored.keyword_ids else ""
        keyword += " (near miss)" if floored.near_miss(h) else ""
        print(f"{rank:>2}. {h.paper.title}")
        print(f"    {h.paper.year or '----'} · {_similarity(h)}{keyword} · {h.paper.source} · {h.paper.paper_id}")
        text = passage(h)
        snippet = textwrap.shorten(text[len(h.paper.title) + 2:] if text else h.paper.abstract,
                                   width=width - 4, placeholder=" ...")
        print(f"    {snippet}")
    if floored.hidden:
        print(f"litreview: {len(floored.hidden)} more result(s) with a similarity under {floored.floor:g} not shown "
              "(--min-score 0 shows them)", file=sys.stderr)


def _similarity(hit: Hit) -> str:
    value = similarity(hit)
    return "similarity not measured" if value is None else f"similarity {value:.2f}"


def print_answer(answer: Answer, already_shown: str = "") -> None:
    """The answer with [n] markers, then the numbered cited titles, then what the checker did."""
    if already_shown.strip() != answer.text.strip():
        if already_shown:
            print("\n\n(citations checked; corrected answer:)")
        print(answer.text)
    else:
        print()
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            mark = {"supported": "", "partial": "  (partly supported)", "unsupported": "  (NOT supported)",
                    "contradicted": "  (CONTRADICTED)"}.get(c.support or "", "")
            print(f"  [{c.n}] {c.title}{mark}")
            if c.support in ("partial", "unsupported", "contradicted") and c.evidence:
                print(f"       the abstract says: {textwrap.shorten(c.evidence, 110)}")
    for sentence in answer.uncited:
        print(f"  ! uncited: {textwrap.shorten(sentence, 100)}")
    for note in answer.notes:
        print(f"  note: {note}")
    usage = answer.usage
    parts = [answer.engine]
    if usage.get("total_tokens"):
        parts.append(f"{usage['total_tokens']} tokens" + (" (estimated)" if usage.get("estimated") else ""))
    if usage.get("cost_usd") is not None:
        parts.append(f"${usage['cost_usd']:.4f}")
    parts.append(f"{usage.get('seconds', 0):.2f} s")
    if isinstance(usage.get("first_token_seconds"), (int, float)):
        parts.append(f"first token after {usage['first_token_seconds']:.1f} s")
    print("\n[" + " · ".join(parts) + "]")
